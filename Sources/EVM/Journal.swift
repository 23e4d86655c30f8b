import Primitives
import State

/// A storage location: an account's slot (also the key of transient storage).
public struct SlotKey: Hashable, Sendable {
  public var address: Address
  public var slot: U256

  @inlinable public init(address: Address, slot: U256) { self.address = address; self.slot = slot }

  @inlinable public static func == (a: SlotKey, b: SlotKey) -> Bool { a.address == b.address && a.slot == b.slot }
  @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(_rawHashValue(seed: 0)) }
  /// A multiply-xorshift hash seeded per dictionary, instead of SipHash over 52 bytes: the host
  /// hashes slots and addresses on every state access, and SipHash was a third of ERC-20 time.
  /// The seed goes in first and each word is mixed in after it: a contract chooses its slot
  /// keys freely, and a fixed fold of the words (as this once was) let it pick thousands of
  /// keys that collide under every seed, making each storage map quadratic.
  /// (The address's hash seeds `U256`'s chain over the slot.)
  @inlinable public func _rawHashValue(seed: Int) -> Int {
    slot._rawHashValue(seed: address._rawHashValue(seed: seed))
  }
}

/// The accounts of a transaction, keyed by address (`Address` hashes with the fast hash).
struct AccountTable {
  var storage: [Address: AccountState] = [:]

  @inline(__always) subscript(address: Address) -> AccountState? {
    get { storage[address] }
    _modify { yield &storage[address] }
    set { storage[address] = newValue }
  }

  mutating func removeAll(keepingCapacity: Bool) { storage.removeAll(keepingCapacity: keepingCapacity) }
}

/// One slot as this transaction sees it.
struct SlotState {
  /// The value at the start of the transaction (EIP-2200's "original value").
  var original: U256
  var current: U256
  /// EIP-2929: accessed in this transaction.
  var warm: Bool
}

/// One account as this transaction sees it: the value read through the `StateReader` and the
/// changes made since.
struct AccountState {
  /// What the reader returned (nil: the account did not exist).
  var original: Account?
  var exists: Bool
  var nonce: UInt64
  var balance: U256
  var codeHash: Hash
  /// The analysed code, loaded on first use.
  var code: CodeAnalysis?
  /// Code deployed by this transaction.
  var codeDeployed: Bool
  /// EIP-161: touched (deleted at the end of the transaction if empty).
  var touched: Bool
  /// EIP-6780: created in this transaction (its storage started empty).
  var created: Bool
  /// Marked by SELFDESTRUCT for deletion at the end of the transaction.
  var selfdestructed: Bool

  init(_ account: Account?) {
    original = account
    exists = account != nil
    nonce = account?.nonce ?? 0
    balance = account?.balance ?? .zero
    codeHash = account?.codeHash ?? .emptyKeccak
    code = nil
    codeDeployed = false
    touched = false
    created = false
    selfdestructed = false
  }

  /// EIP-161 empty: no code, zero nonce, zero balance.
  var isEmpty: Bool { nonce == 0 && balance.isZero && codeHash == .emptyKeccak }
  /// Exists and is not empty ("alive" in the specification).
  var isAlive: Bool { exists && !isEmpty }
  /// EIP-7610 and EIP-684: a creation at this address collides.
  var hasCodeOrNonceOrStorage: Bool {
    nonce != 0 || codeHash != .emptyKeccak
      || (!created && (original?.storageRoot ?? .emptyTrieRoot) != .emptyTrieRoot)
  }
}

/// One undoable change; a reverted frame pops and undoes its entries in reverse order.
enum JournalEntry {
  case accountWarmed(Address)
  case slotWarmed(SlotKey)
  case storageSet(SlotKey, old: U256)
  case transientSet(SlotKey, old: U256)
  case balanceSet(Address, old: U256)
  case nonceSet(Address, old: UInt64)
  case touched(Address)
  /// The whole account before a creation, a code deployment or a first credit.
  indirect case accountReplaced(Address, old: AccountState)
  case selfdestructed(Address)
}

/// Where a frame started, to revert to.
struct Checkpoint {
  var journalCount: Int
  var logCount: Int
  var refund: Int
}
