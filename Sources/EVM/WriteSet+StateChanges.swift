import Primitives
import State

extension WriteSet {
  /// Adds this transaction's changes to `changes` (later writes win), as a serial executor
  /// accumulates a block: a created or deleted account has its earlier storage cleared first.
  public func apply(to changes: inout StateChanges) {
    for w in accounts {
      if let account = w.account {
        if w.created { changes.clearStorage(of: w.address) }
        changes.setAccount(w.address, account)
        if let code = w.code { changes.setCode(code) }
      } else {
        changes.clearStorage(of: w.address)
        changes.deleteAccount(w.address)
      }
    }
    for s in storage { changes.setStorage(s.address, s.slot, s.value) }
  }
}
