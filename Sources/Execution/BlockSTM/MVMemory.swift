import EVM
import Primitives
import State

/// A transaction's position in its block (pevm, Aptos).
public typealias TxIndex = Int
/// How many times a transaction has been (re)started: 0 for its first execution.
public typealias Incarnation = Int

/// One location of the multi-version memory.
///
/// Keys are fine-grained (DESIGN.md, Block-STM): an account's existence, nonce, balance and code
/// hash apart from each other and from each storage slot, so that a transaction which changes
/// only an account's balance never invalidates a reader of the same account's code hash, and a
/// slot of a hot contract never conflicts with another slot of it.
///
/// Two keys are not state fields:
/// - `storageReset(address)`: written by a transaction that creates or deletes the account, which
///   wipes every slot written before it (a slot reads zero unless written at or after the reset);
/// - `coinbase`: the fee recipient's whole account. Every transaction leaves an entry there with
///   its priority fee (credited lazily, DESIGN.md) and, when it wrote the coinbase itself, the
///   account it left. Only a transaction that reads the coinbase walks these entries, so the
///   fee credits make it depend on the earlier transactions and nobody else.
enum LocationKey: Hashable, Sendable {
  case existence(Address)
  case nonce(Address)
  case balance(Address)
  case codeHash(Address)
  case storage(Address, U256)
  case storageReset(Address)
  case coinbase

  /// The key folded into one word: a cheap hash (one word through `Hasher` instead of seven)
  /// and the shard selector. Equality still compares the whole key.
  @inline(__always) var mixed: UInt64 {
    @inline(__always) func mix(_ a: Address) -> UInt64 {
      (a.w0 ^ a.w1.byteSwapped ^ UInt64(a.w2) << 13) &* 0x9E37_79B9_7F4A_7C15
    }
    switch self {
    case .existence(let a): return mix(a) &+ 1
    case .nonce(let a): return mix(a) &+ 2
    case .balance(let a): return mix(a) &+ 3
    case .codeHash(let a): return mix(a) &+ 4
    case .storageReset(let a): return mix(a) &+ 5
    case .storage(let a, let s): return mix(a) ^ ((s.w0 ^ s.w1 ^ s.w2 ^ s.w3) &* 0xC2B2_AE3D_27D4_EB4F)
    case .coinbase: return 0
    }
  }

  func hash(into hasher: inout Hasher) { hasher.combine(mixed) }
}

/// What a transaction did to the coinbase account: its own write (if any), then the fee credit.
struct CoinbaseEntry: Sendable {
  /// The coinbase after the transaction's own writes, when it wrote it: `.some(nil)` deleted it.
  var written: Account??
  /// The priority fee owed to the coinbase after the transaction.
  var fee: U256
}

/// The value written at a `LocationKey`, of the matching case.
enum LocationValue: Sendable {
  /// The account exists with this storage root (the one the trie layer starts from), or, nil,
  /// it does not exist.
  case existence(storageRoot: Hash?)
  case nonce(UInt64)
  case balance(U256)
  case codeHash(Hash)
  case storage(U256)
  case storageReset
  case coinbase(CoinbaseEntry)
}

/// Where a read's value came from: the base snapshot, or one incarnation of an earlier transaction.
struct ReadOrigin: Equatable, Sendable {
  /// -1: the base snapshot.
  var tx: Int32
  var incarnation: Int32
  static let base = ReadOrigin(tx: -1, incarnation: 0)
  init(tx: Int32, incarnation: Int32) { self.tx = tx; self.incarnation = incarnation }
  init(tx: TxIndex, incarnation: Incarnation) { self.tx = Int32(tx); self.incarnation = Int32(incarnation) }
  var isBase: Bool { tx < 0 }
}

/// One entry of a read set.
enum ReadEntry: Sendable {
  /// One location read once.
  case location(LocationKey, ReadOrigin)
  /// The coinbase account: every entry walked, highest transaction first, down to and including
  /// the last one that wrote the account itself (or all of them, when the base was the start).
  case coinbase([ReadOrigin])
}

/// What one incarnation produced.
enum IncarnationOutcome: Sendable {
  case executed(ExecutionResult)
  /// Invalid against the state it read (only final when the incarnation is the last one).
  case invalid(InvalidTransaction)
  /// The backing store failed.
  case failed(StateReadError)
}

/// The result of reading one location below a transaction.
enum VersionedRead {
  /// No transaction below wrote it: read the base snapshot.
  case notFound
  /// The latest write below is an ESTIMATE of this aborted transaction: wait for it.
  case estimate(TxIndex)
  case value(ReadOrigin, LocationValue)
}

/// The multi-version memory of the Block-STM paper (arXiv 2203.06871, §3): for each location,
/// transaction index → (incarnation, value) or ESTIMATE; plus each transaction's last read set
/// and written locations, for validation and for removing stale writes.
///
/// Locations are spread over mutex-protected shards; each location keeps its versions in an
/// array sorted by transaction index (few writers per location in practice; a hot slot has one
/// per transaction, appended in mostly increasing order).
final class MVMemory: Sendable {
  /// One version of one location. `incarnation == -1` marks an ESTIMATE.
  struct Entry: Sendable {
    var tx: Int32
    var incarnation: Int32
    var value: LocationValue
  }

  final class Shard: Sendable {
    let map = Locked<[LocationKey: [Entry]]>([:])
  }

  /// Per transaction: its last incarnation's read set, written locations and outcome.
  final class TxRecord: Sendable {
    struct Data: Sendable {
      var reads: [ReadEntry] = []
      var writeKeys: [LocationKey] = []
      var outcome: IncarnationOutcome? = nil
      var incarnation: Incarnation = -1
      /// Execution time of the last incarnation (for the parallelism estimate).
      var nanos: UInt64 = 0
    }
    let data = Locked<Data>(Data())
  }

  let shards: [Shard]
  let records: [TxRecord]
  private let shardMask: Int

  init(transactions: Int, shards shardCount: Int = 64) {
    precondition(shardCount > 0 && shardCount & (shardCount - 1) == 0, "shard count must be a power of two")
    shards = (0..<shardCount).map { _ in Shard() }
    records = (0..<transactions).map { _ in TxRecord() }
    shardMask = shardCount - 1
  }

  /// The shard of a key: by address (so one lock covers all four fields of an account), mixed
  /// with the slot for storage. Cheaper than a second full hash of the key.
  @inline(__always) private func shard(_ key: LocationKey) -> Shard {
    let h: UInt64
    switch key {
    // The four fields of an account share a shard (read under one lock).
    case .existence(let a), .nonce(let a), .balance(let a), .codeHash(let a), .storageReset(let a):
      h = LocationKey.existence(a).mixed
    default: h = key.mixed
    }
    return shards[Int(truncatingIfNeeded: h >> 40) & shardMask]
  }

  /// The four field locations of `address` below `tx`, under one lock: existence, nonce,
  /// balance, code hash.
  func readAccountFields(_ address: Address, below tx: TxIndex) -> (VersionedRead, VersionedRead, VersionedRead, VersionedRead) {
    let bound = Int32(tx)
    return shard(.existence(address)).map.withLock { map in
      (Self.latest(map[.existence(address)], below: bound), Self.latest(map[.nonce(address)], below: bound),
       Self.latest(map[.balance(address)], below: bound), Self.latest(map[.codeHash(address)], below: bound))
    }
  }

  @inline(__always) private static func latest(_ entries: [Entry]?, below bound: Int32) -> VersionedRead {
    guard let entries else { return .notFound }
    var lo = 0, hi = entries.count
    while lo < hi {
      let mid = (lo + hi) >> 1
      if entries[mid].tx < bound { lo = mid + 1 } else { hi = mid }
    }
    if lo == 0 { return .notFound }
    let e = entries[lo - 1]
    if e.incarnation < 0 { return .estimate(TxIndex(e.tx)) }
    return .value(ReadOrigin(tx: e.tx, incarnation: e.incarnation), e.value)
  }

  /// The latest write to `key` by a transaction below `tx`.
  func read(_ key: LocationKey, below tx: TxIndex) -> VersionedRead {
    let bound = Int32(tx)
    // Highest entry with entry.tx < bound (entries sorted by tx).
    return shard(key).map.withLock { map in Self.latest(map[key], below: bound) }
  }

  /// The coinbase entries below `tx`, highest first, down to and including the last one that
  /// wrote the account itself; or the ESTIMATE met on the way.
  func coinbaseChain(below tx: TxIndex) -> Result<[(ReadOrigin, CoinbaseEntry)], BlockedOn> {
    let bound = Int32(tx)
    return shard(.coinbase).map.withLock { map in
      guard let entries = map[.coinbase] else { return .success([]) }
      var out: [(ReadOrigin, CoinbaseEntry)] = []
      var i = entries.count - 1
      while i >= 0 && entries[i].tx >= bound { i -= 1 }
      while i >= 0 {
        let e = entries[i]
        if e.incarnation < 0 { return .failure(BlockedOn(tx: TxIndex(e.tx))) }
        guard case .coinbase(let c) = e.value else { fatalError("Block-STM: non-coinbase value at the coinbase key") }
        out.append((ReadOrigin(tx: e.tx, incarnation: e.incarnation), c))
        if c.written != nil { break }
        i -= 1
      }
      return .success(out)
    }
  }

  struct BlockedOn: Error { var tx: TxIndex }

  private func write(_ key: LocationKey, tx: TxIndex, incarnation: Incarnation, value: LocationValue) {
    let entry = Entry(tx: Int32(tx), incarnation: Int32(incarnation), value: value)
    shard(key).map.withLock { map in
      map[key, default: []].insertOrReplace(entry)
    }
  }

  private func remove(_ key: LocationKey, tx: TxIndex) {
    let t = Int32(tx)
    shard(key).map.withLock { map in
      guard var entries = map[key] else { return }
      map[key] = nil  // take ownership: no copy-on-write of the array below
      if let i = entries.lastIndex(where: { $0.tx == t }) { entries.remove(at: i) }
      if !entries.isEmpty { map[key] = entries }
    }
  }

  private func markEstimate(_ key: LocationKey, tx: TxIndex) {
    let t = Int32(tx)
    shard(key).map.withLock { map in
      map[key]?.markEstimate(tx: t)
    }
  }

  /// Records incarnation `incarnation` of `tx`: applies its writes, removes the locations its
  /// previous incarnation wrote and this one did not, and stores its read set and outcome.
  /// - Returns: whether it wrote a location the previous incarnation did not (the paper's
  ///   `wrote_new_location`, which decides whether higher transactions are re-validated).
  func record(tx: TxIndex, incarnation: Incarnation, reads: [ReadEntry],
              writes: [(LocationKey, LocationValue)], outcome: IncarnationOutcome, nanos: UInt64) -> Bool {
    let record = records[tx]
    let previous = record.data.withLock { $0.writeKeys }
    var keys: [LocationKey] = []
    keys.reserveCapacity(writes.count)
    for (key, value) in writes {
      write(key, tx: tx, incarnation: incarnation, value: value)
      keys.append(key)
    }
    var wroteNew = false
    if previous.isEmpty {
      // The first incarnation (or one after an invalid one): every location is new.
      wroteNew = !keys.isEmpty
    } else {
      let old = Set(previous)
      let new = Set(keys)
      wroteNew = keys.contains { !old.contains($0) }
      for key in previous where !new.contains(key) { remove(key, tx: tx) }
    }
    record.data.withLock {
      $0 = TxRecord.Data(reads: reads, writeKeys: keys, outcome: outcome, incarnation: incarnation, nanos: nanos)
    }
    return wroteNew
  }

  /// After a failed validation: every location `tx` wrote becomes an ESTIMATE, so that readers
  /// wait for its next incarnation instead of reading a value that is probably stale.
  func convertWritesToEstimates(tx: TxIndex) {
    let keys = records[tx].data.withLock { $0.writeKeys }
    for key in keys { markEstimate(key, tx: tx) }
  }

  /// Whether every read of `tx`'s last incarnation would read the same version now.
  func validateReadSet(tx: TxIndex) -> Bool {
    let reads = records[tx].data.withLock { $0.reads }
    for entry in reads {
      switch entry {
      case .location(let key, let origin):
        switch read(key, below: tx) {
        case .notFound: if !origin.isBase { return false }
        case .estimate: return false
        case .value(let now, _): if now != origin { return false }
        }
      case .coinbase(let origins):
        switch coinbaseChain(below: tx) {
        case .failure: return false
        case .success(let chain):
          if chain.count != origins.count { return false }
          for (i, c) in chain.enumerated() where c.0 != origins[i] { return false }
        }
      }
    }
    return true
  }

  /// Every location and its entries; only after the parallel phase (no concurrent writer).
  func forEachLocation(_ body: (LocationKey, [Entry]) throws -> Void) rethrows {
    for shard in shards {
      let map = shard.map.withLock { $0 }
      for (key, entries) in map { try body(key, entries) }
    }
  }
}

extension Array where Element == MVMemory.Entry {
  /// Inserts `entry` at its place by transaction index, replacing that transaction's entry.
  @inline(__always) mutating func insertOrReplace(_ entry: Element) {
    // Usually appended: versions mostly arrive in increasing transaction order.
    if let last = last, last.tx < entry.tx { append(entry); return }
    var lo = 0, hi = count
    while lo < hi {
      let mid = (lo + hi) >> 1
      if self[mid].tx < entry.tx { lo = mid + 1 } else { hi = mid }
    }
    if lo < count && self[lo].tx == entry.tx { self[lo] = entry } else { insert(entry, at: lo) }
  }

  @inline(__always) mutating func markEstimate(tx: Int32) {
    var lo = 0, hi = count
    while lo < hi {
      let mid = (lo + hi) >> 1
      if self[mid].tx < tx { lo = mid + 1 } else { hi = mid }
    }
    if lo < count && self[lo].tx == tx { self[lo].incarnation = -1 }
  }
}
