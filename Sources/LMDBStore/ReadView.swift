import Primitives
import State
import Trie

/// A snapshot of the store: one transaction, read through.
///
/// From `Store.read` it is a read transaction (the last committed state); from
/// `WriteBatch.view` it is the write transaction, and sees the batch's own writes.
/// It is the executors' `StateReader` and the trie's `TrieNodeStore`.
///
/// Valid only inside the closure that received it, and for one thread at a time; used after its
/// transaction ended it throws `StoreError.transactionEnded` (as a `StateReadError.backend` or
/// `TrieError.backend` through those protocols).
public struct ReadView: Sendable {
  let txn: Transaction

  init(txn: Transaction) { self.txn = txn }

  // MARK: Raw access

  /// A copy of the value under `key` in `table`, or nil. Prefer the typed readers below.
  public func get(_ table: Table, key: [UInt8]) throws(StoreError) -> [UInt8]? {
    try withBytes(key) { k throws(StoreError) in try get(table, k) }
  }

  func get(_ table: Table, _ key: UnsafeRawBufferPointer) throws(StoreError) -> [UInt8]? {
    let h = try txn.current()
    return try lmdb({ () throws(LMDBError) in try LMDB.get(h, txn.tables[table], key, table.rawValue) })
  }

  /// Visits the entries of `table` whose keys start with `prefix` (all, when empty), in key
  /// order, until `body` returns false. The buffers are valid only during the call.
  public func scan(_ table: Table, prefix: [UInt8] = [],
                   _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool) throws {
    let h = try txn.current()
    var failure: (any Error)?
    try withBytes(prefix) { p throws(StoreError) in
      try lmdb({ () throws(LMDBError) in
        try LMDB.scan(h, txn.tables[table], prefix: p, table.rawValue) { k, v in
          do { return try body(k, v) } catch { failure = error; return false }
        }
      })
    }
    if let failure { throw failure }
  }

  /// The number of entries in `table`.
  public func count(_ table: Table) throws(StoreError) -> Int {
    let h = try txn.current()
    return try lmdb({ () throws(LMDBError) in try LMDB.count(h, txn.tables[table], table.rawValue) })
  }

  // MARK: State

  /// The account at `address`, or nil.
  public func loadAccount(_ address: Address) throws(StoreError) -> Account? {
    let bytes = try withBytes(of: address) { k throws(StoreError) in try get(.accounts, k) }
    guard let bytes else { return nil }
    do {
      return try AccountCodec.decode(bytes)
    } catch {
      throw .corrupt(table: .accounts, key: address.bytes, reason: error.description)
    }
  }

  /// The value of `slot` of `address` (zero when unset).
  public func loadStorage(_ address: Address, _ slot: U256) throws(StoreError) -> U256 {
    let h = try txn.current()
    let dbi = txn.tables[.storage]
    // nil: a value longer than 32 bytes.
    let value: U256? = try Keys.withStorageKey(address, slot) { k throws(StoreError) in
      try lmdb({ () throws(LMDBError) in
        try LMDB.withValue(h, dbi, k, "storage") { v -> U256? in
          guard let v else { return .zero }
          return v.count <= 32 ? U256(bigEndian: v) : nil
        }
      })
    }
    guard let value else { throw .corrupt(table: .storage, key: Keys.storage(address, slot), reason: "value longer than 32 bytes") }
    return value
  }

  /// The code whose hash is `codeHash` (empty for the empty-code hash).
  /// - Throws: `StoreError.corrupt` when the store lacks it.
  public func loadCode(_ codeHash: Hash) throws(StoreError) -> [UInt8] {
    if codeHash == .emptyKeccak { return [] }
    let bytes = try withBytes(of: codeHash) { k throws(StoreError) in try get(.code, k) }
    guard let bytes else { throw .corrupt(table: .code, key: codeHash.bytes, reason: "code missing") }
    return bytes
  }

  /// Visits every account in address order.
  public func forEachAccount(_ body: (Address, Account) throws -> Void) throws {
    var corrupt: StoreError?
    try scan(.accounts) { k, v in
      guard k.count == 20 else {
        corrupt = .corrupt(table: .accounts, key: Array(k), reason: "key of \(k.count) bytes")
        return false
      }
      let address = Address(loadingFrom: k.baseAddress!)
      do {
        try body(address, try AccountCodec.decode(Array(v)))
      } catch let e as RLPError {
        corrupt = .corrupt(table: .accounts, key: Array(k), reason: e.description)
        return false
      }
      return true
    }
    if let corrupt { throw corrupt }
  }

  /// Visits every non-zero storage slot of `address` in slot order.
  public func forEachStorage(of address: Address, _ body: (_ slot: U256, _ value: U256) throws -> Void) throws {
    var corrupt: StoreError?
    try scan(.storage, prefix: address.bytes) { k, v in
      guard k.count == 52, v.count <= 32 else {
        corrupt = .corrupt(table: .storage, key: Array(k), reason: "key of \(k.count) bytes, value of \(v.count)")
        return false
      }
      try body(U256(loadingBigEndianFrom: k.baseAddress! + 20), U256(bigEndian: v))
      return true
    }
    if let corrupt { throw corrupt }
  }

  /// The state root recomputed from the `accounts` and `storage` tables alone (every storage
  /// root from the slots, never from the stored `storageRoot` or the trie table): `verify`.
  /// - Complexity: O(accounts + slots), holding every account's key and leaf in memory.
  public func recomputeStateRoot() throws -> StateRootWalk {
    var accounts: [(address: Address, nonce: UInt64, balance: U256, storageRoot: Hash, codeHash: Hash)] = []
    try forEachAccount { address, a in
      accounts.append((address, a.nonce, a.balance, a.storageRoot, a.codeHash))
    }
    var walk = StateRootWalk()
    var slots: [(slot: U256, value: U256)] = []
    for i in accounts.indices {
      slots.removeAll(keepingCapacity: true)
      try forEachStorage(of: accounts[i].address) { slots.append(($0, $1)) }
      walk.slots += slots.count
      let root = slots.isEmpty ? Hash.emptyTrieRoot : TrieRoot.storageRoot(slots)
      if root != accounts[i].storageRoot {
        walk.storageRootMismatches.append(accounts[i].address)
        accounts[i].storageRoot = root
      }
    }
    walk.accounts = accounts.count
    walk.root = TrieRoot.stateRoot(accounts)
    return walk
  }

  // MARK: Trie nodes

  /// The trie node whose hash is `hash`, or nil.
  public func trieNode(_ hash: Hash) throws(StoreError) -> [UInt8]? {
    try withBytes(of: hash) { k throws(StoreError) in try get(.trie, k) }
  }

  // MARK: Blocks

  /// The header RLP of block `hash`, or nil.
  public func header(_ hash: Hash) throws(StoreError) -> [UInt8]? {
    try withBytes(of: hash) { k throws(StoreError) in try get(.headers, k) }
  }

  /// The body RLP of block `hash`, or nil.
  public func body(_ hash: Hash) throws(StoreError) -> [UInt8]? {
    try withBytes(of: hash) { k throws(StoreError) in try get(.bodies, k) }
  }

  /// The receipts RLP of block `hash`, or nil.
  public func receipts(_ hash: Hash) throws(StoreError) -> [UInt8]? {
    try withBytes(of: hash) { k throws(StoreError) in try get(.receipts, k) }
  }

  /// The hash of canonical block `number`, or nil.
  public func canonicalHash(_ number: UInt64) throws(StoreError) -> Hash? {
    let key = Keys.number(number)
    guard let v = try get(.canonical, key: key) else { return nil }
    guard v.count == 32 else { throw .corrupt(table: .canonical, key: key, reason: "value of \(v.count) bytes") }
    return Hash(v)
  }

  /// The highest block number in the canonical index, with its hash; nil when empty.
  public func lastCanonical() throws(StoreError) -> ChainHead? {
    let h = try txn.current()
    guard let (k, v) = try lmdb({ () throws(LMDBError) in try LMDB.last(h, txn.tables[.canonical], "canonical") }) else {
      return nil
    }
    guard let n = k.withUnsafeBytes({ Keys.decodeNumber($0) }), v.count == 32 else {
      throw .corrupt(table: .canonical, key: k, reason: "key of \(k.count) bytes, value of \(v.count)")
    }
    return ChainHead(hash: Hash(v), number: n)
  }

  /// Where transaction `txHash` is: its block and index; nil when unknown.
  public func transactionLocation(_ txHash: Hash) throws(StoreError) -> (block: Hash, index: UInt64)? {
    guard let v = try withBytes(of: txHash, { k throws(StoreError) in try get(.txLookup, k) }) else { return nil }
    guard v.count == 40, let i = v[32...].withUnsafeBytes({ Keys.decodeNumber($0) }) else {
      throw .corrupt(table: .txLookup, key: txHash.bytes, reason: "value of \(v.count) bytes")
    }
    return (Hash(v[..<32]), i)
  }

  // MARK: Meta

  /// The head block, or nil before the first block is stored.
  public func head() throws(StoreError) -> ChainHead? {
    guard let v = try meta(.head) else { return nil }
    guard v.count == 40, let n = v[32...].withUnsafeBytes({ Keys.decodeNumber($0) }) else {
      throw .corrupt(table: .meta, key: Keys.meta(.head), reason: "head of \(v.count) bytes")
    }
    return ChainHead(hash: Hash(v[..<32]), number: n)
  }

  /// The chain id, or nil when not set.
  public func chainID() throws(StoreError) -> UInt64? {
    guard let v = try meta(.chainID) else { return nil }
    guard let n = v.withUnsafeBytes({ Keys.decodeNumber($0) }) else {
      throw .corrupt(table: .meta, key: Keys.meta(.chainID), reason: "chain id of \(v.count) bytes")
    }
    return n
  }

  /// The genesis block hash, or nil when not set.
  public func genesisHash() throws(StoreError) -> Hash? {
    guard let v = try meta(.genesisHash) else { return nil }
    guard v.count == 32 else { throw .corrupt(table: .meta, key: Keys.meta(.genesisHash), reason: "hash of \(v.count) bytes") }
    return Hash(v)
  }

  /// The store's schema version.
  public func schemaVersion() throws(StoreError) -> UInt64? {
    guard let v = try meta(.schemaVersion) else { return nil }
    return v.withUnsafeBytes { Keys.decodeNumber($0) }
  }

  /// A `meta` record by well-known key.
  public func meta(_ key: MetaKey) throws(StoreError) -> [UInt8]? { try get(.meta, key: Keys.meta(key)) }

  /// A `meta` record by name (for records of layers above).
  public func meta(_ key: String) throws(StoreError) -> [UInt8]? { try get(.meta, key: Array(key.utf8)) }
}

/// The result of `ReadView.recomputeStateRoot()`.
public struct StateRootWalk: Equatable, Sendable {
  /// The state root over the stored accounts, with storage roots recomputed from the slots.
  public var root: Hash = .emptyTrieRoot
  public var accounts = 0
  public var slots = 0
  /// Accounts whose stored `storageRoot` differs from the root of their stored slots.
  public var storageRootMismatches: [Address] = []
}

// MARK: - The seams

extension ReadView: StateReader {
  public func account(_ address: Address) throws(StateReadError) -> Account? {
    do { return try loadAccount(address) } catch { throw .backend(error.description) }
  }

  public func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] {
    do { return try loadCode(codeHash) } catch { throw .backend(error.description) }
  }

  public func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 {
    do { return try loadStorage(address, slot) } catch { throw .backend(error.description) }
  }

  /// The canonical hash of block `number` (zero when unknown); the executor applies
  /// BLOCKHASH's 256-block window.
  public func blockHash(_ number: UInt64) throws(StateReadError) -> Hash {
    do { return try canonicalHash(number) ?? .zero } catch { throw .backend(error.description) }
  }
}

extension ReadView: TrieNodeStore {
  public func node(_ hash: Hash) throws(TrieError) -> [UInt8]? {
    do { return try trieNode(hash) } catch { throw .backend(error.description) }
  }
}
