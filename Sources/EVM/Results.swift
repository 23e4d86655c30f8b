import Primitives
import State

/// Why a frame stopped exceptionally (all its gas is consumed).
public enum HaltReason: Sendable, Equatable {
  case outOfGas
  case invalidOpcode
  case stackUnderflow
  case stackOverflow
  case invalidJump
  case staticWrite
  case returnDataOutOfBounds
  case callDepth
  case codeSizeLimit
  case invalidCodePrefix
  case initcodeSizeLimit
  case addressCollision
  case precompileFailure
  case nonceOverflow
}

/// How the outermost frame of a transaction ended.
public enum ExecutionStatus: Sendable, Equatable {
  case success
  case revert
  case halt(HaltReason)
}

/// One LOG record.
public struct Log: Sendable, Equatable {
  public var address: Address
  public var topics: [Hash]
  public var data: [UInt8]
  public init(address: Address, topics: [Hash], data: [UInt8]) {
    self.address = address; self.topics = topics; self.data = data
  }
}

/// The new state of one account that a transaction changed.
public struct AccountWrite: Sendable, Equatable {
  public var address: Address
  /// The account afterwards, or nil when it was deleted (EIP-6780 selfdestruct of an account
  /// created in the same transaction, or EIP-161 removal of a touched empty account). A deleted
  /// account's storage is gone too. The `storageRoot` field is the one read and is not updated:
  /// the trie layer recomputes it from `WriteSet.storage`.
  public var account: Account?
  /// The code deployed to this account by this transaction (its hash is `account.codeHash`).
  public var code: [UInt8]?
  /// True when the account was (re)created by this transaction: any storage it had before is
  /// gone (EIP-7610 makes that impossible for nonempty storage, but the flag is reported).
  public var created: Bool
  public init(address: Address, account: Account?, code: [UInt8]?, created: Bool) {
    self.address = address; self.account = account; self.code = code; self.created = created
  }
}

/// One storage slot a transaction changed.
public struct StorageWrite: Sendable, Equatable, Hashable {
  public var address: Address
  public var slot: U256
  public var value: U256
  public init(address: Address, slot: U256, value: U256) {
    self.address = address; self.slot = slot; self.value = value
  }
}

/// Every location a transaction changed, relative to the state it read, and the balance
/// credits it owes accounts it never read. Slots of deleted accounts are left out.
///
/// `accounts` and `storage` are absolute values; `credits` are additions (pevm's lazy
/// addresses): the priority fee to a fee recipient the transaction did not read, and a plain
/// transfer's value when the reader allows it (`StateReader.canCreditUnread`). Whoever applies
/// the write set reads each credited account then and adds to it; a zero credit is an EIP-161
/// touch (it deletes an existing empty account). An account is never both in `accounts` and in
/// `credits`.
public struct WriteSet: Sendable, Equatable {
  public var accounts: [AccountWrite] = []
  public var storage: [StorageWrite] = []
  /// At most one per account, in no particular order.
  public var credits: [BalanceCredit] = []
  public init(accounts: [AccountWrite] = [], storage: [StorageWrite] = [], credits: [BalanceCredit] = []) {
    self.accounts = accounts; self.storage = storage; self.credits = credits
  }
}

/// The EVM-side result of one transaction.
public struct ExecutionResult: Sendable {
  public var status: ExecutionStatus
  /// Gas charged to the sender: gas used minus the capped refund (the receipt's gas used).
  public var gasUsed: UInt64
  /// The refund that was applied (already capped at gasUsed / 5).
  public var gasRefunded: UInt64
  /// RETURN or REVERT data of the outermost frame.
  public var output: [UInt8]
  /// Logs, empty unless the status is success.
  public var logs: [Log]
  /// The address of the new contract for a successful creation.
  public var createdAddress: Address?
  /// Changed accounts and slots, including the sender's nonce and gas payment, and the credits
  /// (the fee recipient's priority fee, gasUsed × (gasPrice − baseFee), among them unless the
  /// transaction read the fee recipient: then it is in `accounts`).
  public var writeSet: WriteSet
}

/// A balance addition owed to an account the transaction did not read: whoever applies the
/// write set reads the account and adds `value` (zero: an EIP-161 touch).
public struct BalanceCredit: Sendable, Equatable {
  public var address: Address
  public var value: U256
  public init(address: Address, value: U256) { self.address = address; self.value = value }
}

/// Why a transaction could not be executed at all.
public enum InvalidTransaction: Error, Sendable, Equatable, CustomStringConvertible {
  case nonceMismatch(expected: UInt64, got: UInt64)
  case nonceOverflow
  case insufficientFunds(balance: U256, needed: U256)
  case intrinsicGasTooLow(limit: UInt64, intrinsic: UInt64)
  case senderHasCode
  case initcodeTooLarge(size: Int)

  public var description: String {
    switch self {
    case .nonceMismatch(let e, let g): return "nonce: got \(g), expected \(e)"
    case .nonceOverflow: return "sender nonce at 2^64-1"
    case .insufficientFunds(let b, let n): return "insufficient funds: balance \(b), needed \(n)"
    case .intrinsicGasTooLow(let l, let i): return "gas limit \(l) below intrinsic gas \(i)"
    case .senderHasCode: return "sender has code (EIP-3607)"
    case .initcodeTooLarge(let s): return "initcode of \(s) bytes exceeds the EIP-3860 limit"
    }
  }
}

/// What `VirtualMachine.transact` throws: a state read that could not complete (Block-STM's `.blocked` among
/// them), or a transaction that is invalid against the state it read.
public enum TransactError: Error, Sendable, Equatable, CustomStringConvertible {
  case state(StateReadError)
  case invalid(InvalidTransaction)

  public var description: String {
    switch self {
    case .state(let e): return e.description
    case .invalid(let e): return "invalid transaction: \(e)"
    }
  }
}
