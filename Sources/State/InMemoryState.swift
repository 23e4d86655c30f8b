import Primitives
import Trie

/// A state write set: what a block (or a transaction) changed.
///
/// Applied in this order, by `InMemoryState.apply` and `WriteBatch.apply` alike:
/// 1. `clearedStorage`: every slot of these accounts is deleted (an account destroyed and
///    created again within the set);
/// 2. `storage`: slots set (zero deletes);
/// 3. `accounts`: set, or deleted with all their storage (a `nil` entry);
/// 4. `code`: stored under its hash.
public struct StateChanges: Sendable, Equatable {
  /// New accounts; a `nil` value deletes the account and its storage.
  public var accounts: [Address: Account?] = [:]
  /// New slot values; zero deletes the slot.
  public var storage: [Address: [U256: U256]] = [:]
  /// New code by hash.
  public var code: [Hash: [UInt8]] = [:]
  /// Accounts whose storage is wiped before `storage` applies.
  public var clearedStorage: Set<Address> = []

  public init() {}

  public mutating func setAccount(_ address: Address, _ account: Account) { accounts[address] = .some(account) }
  public mutating func deleteAccount(_ address: Address) { accounts[address] = .some(nil) }
  public mutating func setStorage(_ address: Address, _ slot: U256, _ value: U256) { storage[address, default: [:]][slot] = value }
  public mutating func clearStorage(of address: Address) {
    clearedStorage.insert(address)
    storage[address] = nil
  }

  /// Adds code and returns its hash.
  @discardableResult
  public mutating func setCode(_ bytes: [UInt8]) -> Hash {
    let hash = Keccak256.hash(bytes)
    if hash != .emptyKeccak { code[hash] = bytes }
    return hash
  }

  public var isEmpty: Bool { accounts.isEmpty && storage.isEmpty && code.isEmpty && clearedStorage.isEmpty }
}

/// State in dictionaries: for tests, genesis building and the executor's unit tests.
public struct InMemoryState: StateReader, Sendable, Equatable {
  public var accounts: [Address: Account]
  /// Non-zero slots only.
  public var storage: [Address: [U256: U256]]
  public var codes: [Hash: [UInt8]]
  /// BLOCKHASH answers.
  public var blockHashes: [UInt64: Hash]

  public init(accounts: [Address: Account] = [:], storage: [Address: [U256: U256]] = [:],
              codes: [Hash: [UInt8]] = [:], blockHashes: [UInt64: Hash] = [:]) {
    self.accounts = accounts; self.storage = storage; self.codes = codes; self.blockHashes = blockHashes
  }

  // MARK: StateReader

  public func account(_ address: Address) throws(StateReadError) -> Account? { accounts[address] }

  public func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] {
    if codeHash == .emptyKeccak { return [] }
    guard let c = codes[codeHash] else { throw .backend("code \(codeHash) is missing") }
    return c
  }

  public func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 {
    storage[address]?[slot] ?? .zero
  }

  public func blockHash(_ number: UInt64) throws(StateReadError) -> Hash { blockHashes[number] ?? .zero }

  // MARK: Writing

  /// Sets a slot; zero deletes it.
  public mutating func setStorage(_ address: Address, _ slot: U256, _ value: U256) {
    if value.isZero {
      storage[address]?[slot] = nil
      if storage[address]?.isEmpty == true { storage[address] = nil }
    } else {
      storage[address, default: [:]][slot] = value
    }
  }

  /// Adds code and returns its hash.
  @discardableResult
  public mutating func setCode(_ bytes: [UInt8]) -> Hash {
    let hash = Keccak256.hash(bytes)
    if hash != .emptyKeccak { codes[hash] = bytes }
    return hash
  }

  /// Applies a write set (see `StateChanges` for the order).
  public mutating func apply(_ changes: StateChanges) {
    for address in changes.clearedStorage { storage[address] = nil }
    for (address, slots) in changes.storage {
      for (slot, value) in slots { setStorage(address, slot, value) }
    }
    for (address, account) in changes.accounts {
      if let account {
        accounts[address] = account
      } else {
        accounts[address] = nil
        storage[address] = nil
      }
    }
    for (hash, bytes) in changes.code { codes[hash] = bytes }
  }

  // MARK: Roots

  /// The storage root of `address`'s slots.
  public func storageRoot(of address: Address) -> Hash {
    guard let slots = storage[address], !slots.isEmpty else { return .emptyTrieRoot }
    return TrieRoot.storageRoot(slots.map { (slot: $0.key, value: $0.value) })
  }

  /// The state root, every storage root recomputed from the slots (the accounts' own
  /// `storageRoot` fields are ignored).
  public func computeStateRoot() -> Hash {
    TrieRoot.stateRoot(accounts.map { address, a in
      (address: address, nonce: a.nonce, balance: a.balance, storageRoot: storageRoot(of: address), codeHash: a.codeHash)
    })
  }
}
