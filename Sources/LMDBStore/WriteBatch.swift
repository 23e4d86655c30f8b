import Primitives
import State
import Trie

/// The writes of one `Store.write` call: everything commits together or not at all.
///
/// Valid only inside the closure that received it. Block-level records (headers, bodies,
/// receipts) are RLP blobs encoded by the layer above.
public struct WriteBatch {
  let txn: Transaction

  init(txn: Transaction) { self.txn = txn }

  /// Reads through this batch's transaction: they see its writes so far. Also the
  /// `TrieNodeStore` for updating a trie inside the transaction.
  public var view: ReadView { ReadView(txn: txn) }

  /// The key and value bytes written so far in this transaction: a group commit bounds it (the
  /// transaction keeps its writes in memory, to replay them if the map must grow).
  public var pendingBytes: Int { txn.loggedBytes }

  // MARK: Raw access

  /// Stores `value` under `key` in `table`. Prefer the typed writers below.
  public mutating func put(_ table: Table, key: [UInt8], value: [UInt8]) throws(StoreError) {
    try txn.perform(.put(table, key, value, noOverwrite: false))
  }

  /// Deletes `key` from `table`; returns whether it was there.
  @discardableResult
  public mutating func delete(_ table: Table, key: [UInt8]) throws(StoreError) -> Bool {
    try txn.perform(.delete(table, key)) == 1
  }

  // MARK: State

  /// Stores an account.
  public mutating func putAccount(_ address: Address, _ account: Account) throws(StoreError) {
    try txn.perform(.put(.accounts, address.bytes, AccountCodec.encode(account), noOverwrite: false))
  }

  /// Deletes an account and all its storage.
  public mutating func deleteAccount(_ address: Address) throws(StoreError) {
    try txn.perform(.delete(.accounts, address.bytes))
    try clearStorage(of: address)
  }

  /// Deletes every storage slot of `address`; returns how many there were.
  @discardableResult
  public mutating func clearStorage(of address: Address) throws(StoreError) -> Int {
    try txn.perform(.deletePrefix(.storage, address.bytes))
  }

  /// Sets a storage slot; zero deletes it.
  public mutating func putStorage(_ address: Address, _ slot: U256, _ value: U256) throws(StoreError) {
    let key = Keys.storage(address, slot)
    if value.isZero {
      try txn.perform(.delete(.storage, key))
    } else {
      try txn.perform(.put(.storage, key, value.minimalBigEndianBytes, noOverwrite: false))
    }
  }

  /// Stores code under its hash (which the caller computed). Empty code is never stored.
  public mutating func putCode(_ code: [UInt8], hash: Hash) throws(StoreError) {
    if hash == .emptyKeccak { return }
    try txn.perform(.put(.code, hash.bytes, code, noOverwrite: true))
  }

  /// Stores code and returns its hash.
  @discardableResult
  public mutating func putCode(_ code: [UInt8]) throws(StoreError) -> Hash {
    let hash = Keccak256.hash(code)
    try putCode(code, hash: hash)
    return hash
  }

  /// Applies a state write set: cleared storage, then slots, then accounts (a deleted account
  /// loses its storage), then code. Keys go in sorted order, which LMDB's B-tree prefers.
  public mutating func apply(_ changes: StateChanges) throws(StoreError) {
    for address in changes.clearedStorage.sorted() { try clearStorage(of: address) }
    for address in changes.storage.keys.sorted() {
      let slots = changes.storage[address]!
      for slot in slots.keys.sorted() {
        try putStorage(address, slot, slots[slot]!)
      }
    }
    for address in changes.accounts.keys.sorted() {
      if let account = changes.accounts[address]! {
        try putAccount(address, account)
      } else {
        try deleteAccount(address)
      }
    }
    for hash in changes.code.keys.sorted() { try putCode(changes.code[hash]!, hash: hash) }
  }

  // MARK: Trie nodes

  /// Stores a trie node (kept if already there: the table is content-addressed).
  public mutating func putTrieNode(_ hash: Hash, _ encoded: [UInt8]) throws(StoreError) {
    try txn.perform(.put(.trie, hash.bytes, encoded, noOverwrite: true))
  }

  /// Stores the nodes of a trie commit.
  public mutating func putTrieNodes(_ nodes: [TrieNodeWrite]) throws(StoreError) {
    for n in nodes { try putTrieNode(n.hash, n.encoded) }
  }

  // MARK: Blocks

  public mutating func putHeader(_ hash: Hash, _ rlp: [UInt8]) throws(StoreError) {
    try txn.perform(.put(.headers, hash.bytes, rlp, noOverwrite: false))
  }

  public mutating func putBody(_ hash: Hash, _ rlp: [UInt8]) throws(StoreError) {
    try txn.perform(.put(.bodies, hash.bytes, rlp, noOverwrite: false))
  }

  public mutating func putReceipts(_ hash: Hash, _ rlp: [UInt8]) throws(StoreError) {
    try txn.perform(.put(.receipts, hash.bytes, rlp, noOverwrite: false))
  }

  /// Makes `hash` the canonical block at `number`.
  public mutating func putCanonical(_ number: UInt64, _ hash: Hash) throws(StoreError) {
    try txn.perform(.put(.canonical, Keys.number(number), hash.bytes, noOverwrite: false))
  }

  /// Removes the canonical entry at `number`.
  public mutating func deleteCanonical(_ number: UInt64) throws(StoreError) {
    try txn.perform(.delete(.canonical, Keys.number(number)))
  }

  /// Records where transaction `txHash` is.
  public mutating func putTransactionLocation(_ txHash: Hash, block: Hash, index: UInt64) throws(StoreError) {
    try txn.perform(.put(.txLookup, txHash.bytes, block.bytes + Keys.number(index), noOverwrite: false))
  }

  // MARK: Meta

  /// Moves the head pointer.
  public mutating func setHead(_ hash: Hash, number: UInt64) throws(StoreError) {
    try txn.perform(.put(.meta, Keys.meta(.head), hash.bytes + Keys.number(number), noOverwrite: false))
  }

  public mutating func setChainID(_ id: UInt64) throws(StoreError) {
    try txn.perform(.put(.meta, Keys.meta(.chainID), Keys.number(id), noOverwrite: false))
  }

  public mutating func setGenesisHash(_ hash: Hash) throws(StoreError) {
    try txn.perform(.put(.meta, Keys.meta(.genesisHash), hash.bytes, noOverwrite: false))
  }

  /// Sets a `meta` record by name (for records of layers above; the well-known names of
  /// `MetaKey` have their own setters).
  public mutating func setMeta(_ key: String, _ value: [UInt8]) throws(StoreError) {
    precondition(MetaKey(rawValue: key) == nil, "meta key \(key) is reserved; use its setter")
    try txn.perform(.put(.meta, Array(key.utf8), value, noOverwrite: false))
  }
}
