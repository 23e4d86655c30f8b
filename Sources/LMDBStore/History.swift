import Primitives
import State

// State history, after reth's layout: each block's write transaction records its change sets
// (`accountChanges`, `storageChanges`: every account and slot the block changed, with the value
// *before* it) and appends the block's number to the history index of each changed key
// (`accountHistory`, `storageHistory`). The value after block N is then one seek away: the first
// change after N, found in the key's index, holds in its change set the value N left; with no
// change after N the current table holds it. The same sharded block lists index the logs by
// address and by topic position (`logIndex`), so a filter visits only the blocks that can match.
//
// Only real changes are recorded: an account or slot written with the value it had is not.
// Rewinding the head block reads its change sets back (`unwindState`).

/// Sorted block numbers of one history or log-index shard: the first as a LEB128 varint, each
/// next one as its distance from the previous (LEB128, never zero). A shard holds at most
/// `capacity` numbers, so its value stays well under an LMDB page.
public enum BlockList {
  /// Numbers per shard.
  public static let capacity = 256

  public static func encode(_ blocks: [UInt64]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(blocks.count * 2 + 8)
    var previous: UInt64 = 0
    for (i, b) in blocks.enumerated() {
      appendVarint(i == 0 ? b : b - previous, to: &out)
      previous = b
    }
    return out
  }

  /// Appends one LEB128 varint.
  static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
    var v = value
    while v >= 0x80 {
      out.append(UInt8(v & 0x7f) | 0x80)
      v >>= 7
    }
    out.append(UInt8(v))
  }

  /// How many numbers a list holds and its last one, read without building the list (the
  /// append path); nil when the bytes are not a valid list.
  static func summary(_ bytes: UnsafeRawBufferPointer) -> (count: Int, last: UInt64)? {
    var count = 0
    var last: UInt64 = 0
    var i = 0
    while i < bytes.count {
      var v: UInt64 = 0
      var shift: UInt64 = 0
      while true {
        guard i < bytes.count, shift < 64 else { return nil }
        let b = bytes[i]
        i += 1
        v |= UInt64(b & 0x7f) << shift
        if b < 0x80 { break }
        shift += 7
      }
      if count == 0 {
        last = v
      } else {
        guard v > 0 else { return nil }
        let (n, overflow) = last.addingReportingOverflow(v)
        guard !overflow else { return nil }
        last = n
      }
      count += 1
    }
    return count == 0 ? nil : (count, last)
  }

  /// The numbers, or nil when the bytes are not a valid list (a corrupt record).
  public static func decode(_ bytes: UnsafeRawBufferPointer) -> [UInt64]? {
    var out: [UInt64] = []
    var i = 0
    var previous: UInt64 = 0
    while i < bytes.count {
      var v: UInt64 = 0
      var shift: UInt64 = 0
      while true {
        guard i < bytes.count, shift < 64 else { return nil }
        let b = bytes[i]
        i += 1
        v |= UInt64(b & 0x7f) << shift
        if b < 0x80 { break }
        shift += 7
      }
      if out.isEmpty {
        previous = v
      } else {
        guard v > 0 else { return nil }
        let (n, overflow) = previous.addingReportingOverflow(v)
        guard !overflow else { return nil }
        previous = n
      }
      out.append(previous)
    }
    return out
  }

  public static func decode(_ bytes: [UInt8]) -> [UInt64]? { bytes.withUnsafeBytes { decode($0) } }
}

/// What a log index entry is keyed by.
public enum LogKey: Hashable, Sendable {
  case address(Address)
  /// A topic at position 0–3.
  case topic(position: Int, Hash)

  /// The index key's prefix: kind ‖ address or topic.
  var prefix: [UInt8] {
    switch self {
    case .address(let a): return [0] + a.bytes
    case .topic(let p, let h): return [UInt8(1 + p)] + h.bytes
    }
  }
}

/// A block's change counts, for reports and tests.
public struct ChangeCounts: Equatable, Sendable {
  public var accounts = 0
  public var slots = 0
  public init() {}
}

extension Keys {
  static func accountChange(_ block: UInt64, _ address: Address) -> [UInt8] { number(block) + address.bytes }
  static func storageChange(_ block: UInt64, _ address: Address, _ slot: U256) -> [UInt8] {
    number(block) + storage(address, slot)
  }
}

// MARK: - Reading history

/// Whether `key` is `prefix` followed by a shard's 8-byte block number.
@inline(__always)
private func hasPrefix(_ key: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
  guard key.count == prefix.count + 8 else { return false }
  for i in prefix.indices where key[i] != prefix[i] { return false }
  return true
}

extension ReadView {
  /// Visits `table`'s entries from the first key not below `start`, until `body` returns false.
  func scan(_ table: Table, from start: [UInt8],
            _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool) throws(StoreError) {
    let h = try txn.current()
    try withBytes(start) { s throws(StoreError) in
      try lmdb({ () throws(LMDBError) in try LMDB.scan(h, txn.tables[table], from: s, table.rawValue, body) })
    }
  }

  /// Visits the entries of `table` whose keys start with `prefix`, in key order, until `body`
  /// returns false.
  func scanPrefix(_ table: Table, _ prefix: [UInt8],
                  _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool) throws(StoreError) {
    let h = try txn.current()
    try withBytes(prefix) { p throws(StoreError) in
      try lmdb({ () throws(LMDBError) in try LMDB.scan(h, txn.tables[table], prefix: p, table.rawValue, body) })
    }
  }

  /// The first block after `block` in the block list under `prefix` of `table` (a history or
  /// log index), or nil when none: one seek, then a walk through one shard.
  func firstBlock(in table: Table, prefix: [UInt8], after block: UInt64) throws(StoreError) -> UInt64? {
    guard block < .max else { return nil }
    var found: UInt64? = nil
    var corrupt: [UInt8]? = nil
    try scan(table, from: prefix + Keys.number(block + 1)) { k, v in
      guard hasPrefix(k, prefix) else {
        return false
      }
      guard let list = BlockList.decode(v) else { corrupt = Array(k); return false }
      found = list.first { $0 > block }
      return false
    }
    if let corrupt { throw .corrupt(table: table, key: corrupt, reason: "block list does not decode") }
    return found
  }

  /// The blocks from `first` through `last` in the block list under `prefix` of `table`, in order.
  func blocks(in table: Table, prefix: [UInt8], from first: UInt64, through last: UInt64) throws(StoreError) -> [UInt64] {
    var out: [UInt64] = []
    var corrupt: [UInt8]? = nil
    try scan(table, from: prefix + Keys.number(first)) { k, v in
      guard hasPrefix(k, prefix) else {
        return false
      }
      guard let list = BlockList.decode(v) else { corrupt = Array(k); return false }
      for b in list where b >= first {
        if b > last { return false }
        out.append(b)
      }
      return true
    }
    if let corrupt { throw .corrupt(table: table, key: corrupt, reason: "block list does not decode") }
    return out
  }

  /// The account at `address` in the state after block `block`; nil when it did not exist.
  /// A block at or past the head reads the current state.
  public func account(_ address: Address, afterBlock block: UInt64) throws(StoreError) -> Account? {
    guard let changed = try firstBlock(in: .accountHistory, prefix: address.bytes, after: block) else {
      return try loadAccount(address)
    }
    let key = Keys.accountChange(changed, address)
    guard let bytes = try get(.accountChanges, key: key) else {
      throw .corrupt(table: .accountHistory, key: address.bytes, reason: "names block \(changed), whose change set lacks the account")
    }
    if bytes.isEmpty { return nil }
    do { return try AccountCodec.decode(bytes) } catch {
      throw .corrupt(table: .accountChanges, key: key, reason: error.description)
    }
  }

  /// The value of `slot` of `address` in the state after block `block` (zero when unset).
  public func storage(_ address: Address, _ slot: U256, afterBlock block: UInt64) throws(StoreError) -> U256 {
    let prefix = Keys.storage(address, slot)
    guard let changed = try firstBlock(in: .storageHistory, prefix: prefix, after: block) else {
      return try loadStorage(address, slot)
    }
    let key = Keys.number(changed) + prefix
    guard let bytes = try get(.storageChanges, key: key) else {
      throw .corrupt(table: .storageHistory, key: prefix, reason: "names block \(changed), whose change set lacks the slot")
    }
    guard bytes.count <= 32 else { throw .corrupt(table: .storageChanges, key: key, reason: "value of \(bytes.count) bytes") }
    return U256(bigEndian: bytes[...])
  }

  /// The accounts block `block` changed, each with its value before the block (nil: it did
  /// not exist), in address order.
  public func accountChanges(at block: UInt64) throws(StoreError) -> [(address: Address, before: Account?)] {
    var out: [(Address, Account?)] = []
    var corrupt: StoreError? = nil
    try scanPrefix(.accountChanges, Keys.number(block)) { k, v in
      guard k.count == 28 else { corrupt = .corrupt(table: .accountChanges, key: Array(k), reason: "key of \(k.count) bytes"); return false }
      let address = Address(loadingFrom: k.baseAddress! + 8)
      if v.isEmpty {
        out.append((address, nil))
      } else {
        do throws(RLPError) { out.append((address, try AccountCodec.decode(Array(v)))) } catch {
          corrupt = .corrupt(table: .accountChanges, key: Array(k), reason: error.description)
          return false
        }
      }
      return true
    }
    if let corrupt { throw corrupt }
    return out
  }

  /// The slots block `block` changed, each with its value before the block, in address and
  /// slot order.
  public func storageChanges(at block: UInt64) throws(StoreError) -> [(address: Address, slot: U256, before: U256)] {
    var out: [(Address, U256, U256)] = []
    var corrupt: StoreError? = nil
    try scanPrefix(.storageChanges, Keys.number(block)) { k, v in
      guard k.count == 60, v.count <= 32 else {
        corrupt = .corrupt(table: .storageChanges, key: Array(k), reason: "key of \(k.count) bytes, value of \(v.count)")
        return false
      }
      out.append((Address(loadingFrom: k.baseAddress! + 8), U256(loadingBigEndianFrom: k.baseAddress! + 28), U256(bigEndian: v)))
      return true
    }
    if let corrupt { throw corrupt }
    return out
  }

  /// The blocks from `first` through `last` holding a log with `key`, in order.
  public func logBlocks(_ key: LogKey, from first: UInt64, through last: UInt64) throws(StoreError) -> [UInt64] {
    try blocks(in: .logIndex, prefix: key.prefix, from: first, through: last)
  }

  /// `table`'s entries and the bytes of the pages its B-tree occupies (free pages excluded).
  public func tableSize(_ table: Table) throws(StoreError) -> (entries: Int, bytes: Int) {
    let h = try txn.current()
    let s = try lmdb({ () throws(LMDBError) in try LMDB.stat(h, txn.tables[table], table.rawValue) })
    return (s.entries, s.pages * s.pageSize)
  }

  /// The state after block `block`, as a `StateReader` on this view's snapshot.
  public func state(afterBlock block: UInt64) throws(StoreError) -> HistoricalState {
    let head = try self.head()
    return HistoricalState(view: self, block: block, isCurrent: head.map { block >= $0.number } ?? true)
  }
}

/// The state after one stored block, read through a snapshot: the executors' `StateReader`
/// (for a call at a past block) over the history tables. At the head it reads the current
/// tables directly. Valid as long as its view.
public struct HistoricalState: StateReader, Sendable {
  public let view: ReadView
  /// The block whose post-state this is.
  public let block: UInt64
  /// True when `block` is the head: the current tables answer.
  public let isCurrent: Bool

  public func account(_ address: Address) throws(StateReadError) -> Account? {
    do {
      return isCurrent ? try view.loadAccount(address) : try view.account(address, afterBlock: block)
    } catch { throw .backend(error.description) }
  }

  public func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] {
    do { return try view.loadCode(codeHash) } catch { throw .backend(error.description) }
  }

  public func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 {
    do {
      return isCurrent ? try view.loadStorage(address, slot) : try view.storage(address, slot, afterBlock: block)
    } catch { throw .backend(error.description) }
  }

  /// The canonical hash of `number` (zero when unknown or after `block`): a call at block N
  /// runs as block N + 1, whose BLOCKHASH window ends at N.
  public func blockHash(_ number: UInt64) throws(StateReadError) -> Hash {
    guard number <= block else { return .zero }
    do { return try view.canonicalHash(number) ?? .zero } catch { throw .backend(error.description) }
  }
}

// MARK: - Writing history

extension WriteBatch {
  /// Records block `block`'s change sets and history index entries for `changes` (the block's
  /// final writes, accounts with their new storage roots, as `StateCommitter.prepare` returns
  /// them). Call it before the changes are applied: it reads the values they replace.
  /// - Returns: how many accounts and slots really changed.
  @discardableResult
  public mutating func recordStateHistory(block: UInt64, changes: StateChanges) throws(StoreError) -> ChangeCounts {
    let view = self.view
    var counts = ChangeCounts()
    for address in changes.accounts.keys.sorted() {
      let after = changes.accounts[address]!
      let raw = try withBytes(of: address) { k throws(StoreError) in try view.get(.accounts, k) }
      let before: Account?
      if let raw {
        do { before = try AccountCodec.decode(raw) } catch {
          throw .corrupt(table: .accounts, key: address.bytes, reason: error.description)
        }
      } else {
        before = nil
      }
      guard before != after else { continue }
      try txn.perform(.put(.accountChanges, Keys.accountChange(block, address), raw ?? [], noOverwrite: false))
      try appendBlock(block, to: .accountHistory, prefix: address.bytes)
      counts.accounts += 1
    }
    // Every slot whose value moves: the written ones, and every stored one of an account whose
    // storage is wiped (cleared, or the account deleted).
    var addresses = Set(changes.storage.keys)
    addresses.formUnion(changes.clearedStorage)
    for (a, v) in changes.accounts where v == nil { addresses.insert(a) }
    for address in addresses.sorted() {
      let deleted = changes.accounts[address] == .some(nil)
      let wiped = deleted || changes.clearedStorage.contains(address)
      let written = deleted ? [:] : (changes.storage[address] ?? [:])
      var before: [U256: U256] = [:]
      if wiped {
        do {
          try view.forEachStorage(of: address) { slot, value in before[slot] = value }
        } catch let e as StoreError { throw e } catch { throw .io(operation: "storage scan", message: "\(error)") }
      }
      for slot in written.keys where before[slot] == nil {
        before[slot] = wiped ? .zero : try view.loadStorage(address, slot)
      }
      for slot in before.keys.sorted() {
        let old = before[slot]!
        let new = written[slot] ?? (wiped ? .zero : old)
        guard new != old else { continue }
        let key = Keys.storage(address, slot)
        try txn.perform(.put(.storageChanges, Keys.number(block) + key, old.isZero ? [] : old.minimalBigEndianBytes, noOverwrite: false))
        try appendBlock(block, to: .storageHistory, prefix: key)
        counts.slots += 1
      }
    }
    return counts
  }

  /// Indexes block `block`'s logs by address and by topic position (each key once per block).
  public mutating func indexLogs(block: UInt64, _ logs: [(address: Address, topics: [Hash])]) throws(StoreError) {
    for key in Self.logKeys(logs) { try appendBlock(block, to: .logIndex, prefix: key) }
  }

  /// Removes block `block` (the highest indexed) from the log index entries of `logs`.
  public mutating func unindexLogs(block: UInt64, _ logs: [(address: Address, topics: [Hash])]) throws(StoreError) {
    for key in Self.logKeys(logs) { try removeBlock(block, from: .logIndex, prefix: key) }
  }

  private static func logKeys(_ logs: [(address: Address, topics: [Hash])]) -> [[UInt8]] {
    var keys = Set<LogKey>()
    for log in logs {
      keys.insert(.address(log.address))
      for (p, t) in log.topics.prefix(4).enumerated() { keys.insert(.topic(position: p, t)) }
    }
    return keys.map(\.prefix).sorted { $0.lexicographicallyPrecedes($1) }
  }

  /// Undoes block `block`'s state changes, which must be the last recorded (the head's): every
  /// account and slot gets its value before the block back, the block leaves the history
  /// indexes, and its change sets go.
  /// - Returns: how many accounts and slots were restored.
  @discardableResult
  public mutating func unwindState(block: UInt64) throws(StoreError) -> ChangeCounts {
    let view = self.view
    var counts = ChangeCounts()
    for (address, slot, before) in try view.storageChanges(at: block) {
      try putStorage(address, slot, before)
      try removeBlock(block, from: .storageHistory, prefix: Keys.storage(address, slot))
      counts.slots += 1
    }
    for (address, before) in try view.accountChanges(at: block) {
      if let before {
        try putAccount(address, before)
      } else {
        // Only the account row: its slots came back through the storage change set.
        try txn.perform(.delete(.accounts, address.bytes))
      }
      try removeBlock(block, from: .accountHistory, prefix: address.bytes)
      counts.accounts += 1
    }
    try txn.perform(.deletePrefix(.storageChanges, Keys.number(block)))
    try txn.perform(.deletePrefix(.accountChanges, Keys.number(block)))
    return counts
  }

  // MARK: Block lists

  /// Appends `block` to the block list under `prefix`: to the open shard (key `prefix ‖ max`),
  /// which, once full, is first closed under `prefix ‖ its last block`.
  mutating func appendBlock(_ block: UInt64, to table: Table, prefix: [UInt8]) throws(StoreError) {
    let openKey = prefix + Keys.number(.max)
    guard var bytes = try view.get(table, key: openKey) else {
      try txn.perform(.put(table, openKey, BlockList.encode([block]), noOverwrite: false))
      return
    }
    guard let (count, last) = bytes.withUnsafeBytes({ BlockList.summary($0) }) else {
      throw .corrupt(table: table, key: openKey, reason: "block list does not decode")
    }
    if last == block { return }
    guard last < block else {
      throw .corrupt(table: table, key: openKey, reason: "block \(block) appended after block \(last)")
    }
    if count >= BlockList.capacity {
      // The open shard is full: it closes under its last block, and a new one opens.
      try txn.perform(.put(table, prefix + Keys.number(last), bytes, noOverwrite: false))
      try txn.perform(.put(table, openKey, BlockList.encode([block]), noOverwrite: false))
      return
    }
    BlockList.appendVarint(block - last, to: &bytes)
    try txn.perform(.put(table, openKey, bytes, noOverwrite: false))
  }

  /// Removes `block`, the last of the block list under `prefix`, from its shard.
  mutating func removeBlock(_ block: UInt64, from table: Table, prefix: [UInt8]) throws(StoreError) {
    var shardKey: [UInt8]? = nil
    var list: [UInt64]? = nil
    try view.scan(table, from: prefix + Keys.number(block)) { k, v in
      guard hasPrefix(k, prefix) else {
        return false
      }
      shardKey = Array(k)
      list = BlockList.decode(v)
      return false
    }
    guard let key = shardKey, var blocks = list, blocks.last == block else {
      throw .corrupt(table: table, key: prefix, reason: "block \(block) is not the last of its block list")
    }
    blocks.removeLast()
    try txn.perform(.delete(table, key))
    guard let last = blocks.last else { return }
    let isOpen = key.suffix(8).allSatisfy { $0 == 0xff }
    try txn.perform(.put(table, isOpen ? key : prefix + Keys.number(last), BlockList.encode(blocks), noOverwrite: false))
  }
}
