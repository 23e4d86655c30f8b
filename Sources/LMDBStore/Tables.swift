import Primitives
import State

/// Every named database of the store, in one place, with its key and value layout.
///
/// | table | key | value |
/// |---|---|---|
/// | `accounts` | address (20 bytes) | compact account (see `AccountCodec`) |
/// | `storage` | address (20) ‖ slot (32, big-endian) | value, minimal big-endian bytes (never zero) |
/// | `code` | code hash (32) | code bytes |
/// | `trie` | node hash (32) | node RLP (state and storage trie nodes share the table) |
/// | `headers` | block hash (32) | header RLP |
/// | `canonical` | block number (8, big-endian) | block hash (32) |
/// | `bodies` | block hash (32) | body RLP |
/// | `receipts` | block hash (32) | receipts RLP |
/// | `txLookup` | transaction hash (32) | block hash (32) ‖ index (8, big-endian) |
/// | `meta` | ASCII name (`MetaKey`) | see `MetaKey` |
/// | `accountChanges` | block (8) ‖ address (20) | the account before the block: compact account, empty when it did not exist |
/// | `storageChanges` | block (8) ‖ address (20) ‖ slot (32) | the slot before the block: minimal big-endian bytes, empty for zero |
/// | `accountHistory` | address (20) ‖ shard's last block (8; `UInt64.max` for the open shard) | `BlockList`: the blocks that changed the account |
/// | `storageHistory` | address (20) ‖ slot (32) ‖ shard's last block (8) | `BlockList`: the blocks that changed the slot |
/// | `logIndex` | kind (1: 0 address, 1–4 topic 0–3) ‖ address (20) or topic (32) ‖ shard's last block (8) | `BlockList`: the blocks with such a log |
///
/// The last five are the history (see History.swift): the change sets keep each block's values
/// *before* it, so the value after block N is the before-value of the first change after N.
///
/// Big-endian numbers make LMDB's byte order the numeric order: `canonical` iterates by block
/// number, `storage` by address and then slot, `accounts` by address.
public enum Table: String, CaseIterable, Sendable {
  case accounts, storage, code, trie, headers, canonical, bodies, receipts, txLookup, meta
  // History: change sets, their indexes, and the log index (History.swift).
  case accountChanges, storageChanges, accountHistory, storageHistory, logIndex
}

/// The layout version of the store. Opening a store written with another version fails with
/// `StoreError.incompatibleSchema`; bump it whenever a key or value layout changes.
public let storeSchemaVersion: UInt64 = 2

/// Keys of the `meta` table.
public enum MetaKey: String, Sendable {
  /// `storeSchemaVersion`, 8 bytes big-endian; written when the store is created.
  case schemaVersion
  /// The head block: hash (32) ‖ number (8, big-endian).
  case head
  /// The chain id, 8 bytes big-endian.
  case chainID
  /// The genesis block hash (32).
  case genesisHash
}

/// The named database handles of one open environment.
struct Tables: Sendable {
  private var handles: [UInt32]

  init(_ handles: [UInt32]) {
    precondition(handles.count == Table.allCases.count)
    self.handles = handles
  }

  subscript(_ table: Table) -> UInt32 {
    handles[Table.allCases.firstIndex(of: table)!]
  }
}

// MARK: - Encodings

/// The `accounts` table's value: RLP[nonce, balance, storageRoot or "", codeHash or ""].
///
/// The state trie's leaf encoding with the two common hashes (empty storage, no code) written as
/// empty strings: an externally owned account takes about a dozen bytes instead of seventy.
public enum AccountCodec {
  public static func encode(_ a: Account) -> [UInt8] {
    var e = RLPEncoder(reservingCapacity: 80)
    e.list { e in
      e.append(a.nonce)
      e.append(a.balance)
      if a.storageRoot == .emptyTrieRoot { e.append(bytes: [UInt8]()) } else { e.append(a.storageRoot) }
      if a.codeHash == .emptyKeccak { e.append(bytes: [UInt8]()) } else { e.append(a.codeHash) }
    }
    return e.bytes
  }

  /// - Throws: `RLPError` when `bytes` is not a canonical compact account.
  public static func decode(_ bytes: [UInt8]) throws(RLPError) -> Account {
    let item = try RLPItem(decoding: bytes)
    var r = try item.listReader()
    let nonce = try r.required("nonce").uint64()
    let balance = try r.required("balance").u256()
    let root = try optionalHash(try r.required("storageRoot"), default: .emptyTrieRoot)
    let code = try optionalHash(try r.required("codeHash"), default: .emptyKeccak)
    try r.finish()
    return Account(nonce: nonce, balance: balance, codeHash: code, storageRoot: root)
  }

  private static func optionalHash(_ item: RLPItem, default d: Hash) throws(RLPError) -> Hash {
    let b = try item.bytes()
    if b.isEmpty { return d }
    return try item.hash()
  }
}

/// Key builders. Fixed-size keys are built on the stack where a read is on the hot path.
enum Keys {
  /// Calls `body` with address ‖ slot (52 bytes).
  @inline(__always)
  static func withStorageKey<R, E: Error>(_ address: Address, _ slot: U256,
                                          _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
    let result: Result<R, E> = withUnsafeTemporaryAllocation(byteCount: 52, alignment: 8) { buf in
      address.withUnsafeBytes { buf.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 20) }
      slot.storeBigEndian(to: buf.baseAddress! + 20)
      return Result { () throws(E) -> R in try body(UnsafeRawBufferPointer(buf)) }
    }
    return try result.get()
  }

  static func storage(_ address: Address, _ slot: U256) -> [UInt8] {
    withStorageKey(address, slot) { Array($0) }
  }

  static func number(_ n: UInt64) -> [UInt8] {
    withUnsafeBytes(of: n.bigEndian) { Array($0) }
  }

  static func decodeNumber(_ b: UnsafeRawBufferPointer) -> UInt64? {
    guard b.count == 8 else { return nil }
    return UInt64(bigEndian: b.loadUnaligned(as: UInt64.self))
  }

  static func meta(_ k: MetaKey) -> [UInt8] { Array(k.rawValue.utf8) }
}

// MARK: - Typed-throws byte access

// The standard library's `withUnsafeBytes` rethrows untyped errors; these keep the closure's
// error type, so typed-throws code can pass keys down without `any Error` leaking in.

/// Calls `body` with the bytes of `array`.
@inline(__always)
func withBytes<R, E: Error>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
  let result: Result<R, E> = array.withUnsafeBytes { p in Result { () throws(E) -> R in try body(p) } }
  return try result.get()
}

/// Calls `body` with the in-memory bytes of `value` (a `Hash` or an `Address`: their bytes in order).
@inline(__always)
func withBytes<T, R, E: Error>(of value: T, _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
  let result: Result<R, E> = Swift.withUnsafeBytes(of: value) { p in Result { () throws(E) -> R in try body(p) } }
  return try result.get()
}
