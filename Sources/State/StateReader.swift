import Primitives

/// An account as the state trie stores it.
public struct Account: Equatable, Hashable, Sendable {
  public var nonce: UInt64
  public var balance: U256
  public var codeHash: Hash
  public var storageRoot: Hash

  public init(nonce: UInt64 = 0, balance: U256 = .zero, codeHash: Hash = .emptyKeccak,
              storageRoot: Hash = .emptyTrieRoot) {
    self.nonce = nonce; self.balance = balance; self.codeHash = codeHash; self.storageRoot = storageRoot
  }

  /// EIP-161: no code, zero nonce, zero balance.
  public var isEmpty: Bool { nonce == 0 && balance.isZero && codeHash == .emptyKeccak }
}

/// Why a state read did not return a value.
public enum StateReadError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Block-STM: the value is an ESTIMATE left by an aborted transaction; wait for it.
  case blocked(on: Int)
  /// The backing store failed (I/O, corruption); the message says how.
  case backend(String)

  public var description: String {
    switch self {
    case .blocked(let tx): return "read blocked on transaction \(tx)"
    case .backend(let m): return "state backend: \(m)"
    }
  }
}

/// The seam every executor reads state through (in the spirit of revm's `Database`).
///
/// Serial execution reads the store through it; Block-STM gives each incarnation a versioned view
/// that implements it; tests use an in-memory one. The interpreter never knows which.
public protocol StateReader {
  /// The account at `address`, or nil when it does not exist.
  func account(_ address: Address) throws(StateReadError) -> Account?
  /// The code whose Keccak-256 is `codeHash` (empty for the empty-code hash).
  func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8]
  /// The value of storage slot `slot` of `address` (zero when unset).
  func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256
  /// The hash of block `number` (BLOCKHASH); zero when unknown.
  func blockHash(_ number: UInt64) throws(StateReadError) -> Hash
  /// Whether a plain value transfer may credit `address` without reading its balance: true
  /// only when the account exists and has no code (no code runs, and the credit cannot make it
  /// empty). The transfer then adds its value as a credit in the write set (pevm's lazy
  /// addresses). The default answers false: a reader that gains nothing from unread credits
  /// (one that executes serially) lets the EVM read the recipient like any account; Block-STM's
  /// versioned view answers for real, so that transfers to one account do not conflict.
  func canCreditUnread(_ address: Address) throws(StateReadError) -> Bool
}

extension StateReader {
  public func canCreditUnread(_ address: Address) throws(StateReadError) -> Bool { false }
}
