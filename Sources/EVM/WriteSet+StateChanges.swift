import Primitives
import State

extension WriteSet {
  /// Adds this transaction's changes to `changes` (later writes win), as a serial executor
  /// accumulates a block: accounts and slots as written (a created or deleted account has its
  /// earlier storage cleared first), then each credit by reading the account (from `changes`,
  /// else `base`) and adding to it, with EIP-161's rule for a zero credit (a touch) when
  /// `clearsEmptyAccounts`.
  /// - Throws: a read of `base` that failed.
  public func apply(to changes: inout StateChanges, base: some StateReader, clearsEmptyAccounts: Bool) throws(StateReadError) {
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
    for c in credits {
      // Already changed in the block (a fee recipient after its first fee): updated in place,
      // one hash lookup.
      if let i = changes.accounts.index(forKey: c.address) {
        switch BalanceCredit.apply(c.value, to: changes.accounts.values[i], clearsEmptyAccounts: clearsEmptyAccounts) {
        case .unchanged: break
        case .deleted:
          changes.accounts.values[i] = nil
          changes.clearStorage(of: c.address)
        case .set(let account):
          changes.accounts.values[i] = account
        }
        continue
      }
      switch BalanceCredit.apply(c.value, to: try base.account(c.address), clearsEmptyAccounts: clearsEmptyAccounts) {
      case .unchanged: break
      case .deleted:
        changes.clearStorage(of: c.address)
        changes.deleteAccount(c.address)
      case .set(let account):
        changes.setAccount(c.address, account)
      }
    }
  }
}

extension BalanceCredit {
  /// What a credit does to an account.
  public enum Effect: Equatable, Sendable {
    case unchanged
    /// EIP-161: a zero credit (a touch) deleted an existing empty account, with its storage.
    case deleted
    case set(Account)
  }

  /// The effect of adding `value` to `account` (nil: absent): a non-zero value adds to the
  /// balance, creating the account; a zero value touches it, which from Spurious Dragon
  /// (`clearsEmptyAccounts`) deletes an existing empty account (EIP-161).
  @inlinable
  public static func apply(_ value: U256, to account: Account?, clearsEmptyAccounts: Bool) -> Effect {
    if value.isZero {
      if clearsEmptyAccounts, let a = account, a.isEmpty { return .deleted }
      // Before EIP-161 a zero credit (a touch) creates a missing account, empty.
      if !clearsEmptyAccounts && account == nil { return .set(Account()) }
      return .unchanged
    }
    var a = account ?? Account()
    a.balance = a.balance &+ value
    return .set(a)
  }
}
