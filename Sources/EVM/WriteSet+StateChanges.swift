import Primitives
import State

extension WriteSet {
  /// Adds this transaction's changes to `changes` (later writes win), as a serial executor
  /// accumulates a block: a created or deleted account has its earlier storage cleared first.
  /// - Parameter except: an account whose value (written or deleted) the caller sets itself
  ///   (Block-STM's coinbase, rebuilt from the fees); its storage and code are applied as usual.
  public func apply(to changes: inout StateChanges, except: Address? = nil) {
    for w in accounts {
      if let account = w.account {
        if w.created { changes.clearStorage(of: w.address) }
        if w.address != except { changes.setAccount(w.address, account) }
        if let code = w.code { changes.setCode(code) }
      } else {
        changes.clearStorage(of: w.address)
        if w.address != except { changes.deleteAccount(w.address) }
      }
    }
    for s in storage { changes.setStorage(s.address, s.slot, s.value) }
  }
}
