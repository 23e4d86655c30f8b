import EVM
import Primitives
import State

/// A transaction's position in its block (pevm, Aptos).
public typealias TxIndex = Int
/// How many times a transaction has been (re)started: 0 for its first execution.
public typealias Incarnation = Int

/// The fields of an account the multi-version memory versions apart (DESIGN.md, Block-STM): a
/// transaction that changes only an account's balance never invalidates a reader of the same
/// account's code hash. `reset` is not a state field: a transaction that creates or deletes the
/// account writes it, and it wipes every slot written before it (a slot reads zero unless
/// written at or after the last reset). `credit` is a balance delta, one of the write set's
/// credits (the fee recipient's fee, a plain transfer's value: accounts the transaction never
/// read); a reader of the balance sums the credits above the last full balance or existence
/// write (or the base), and credits bring an absent account into existence.
enum AccountField: Int, CaseIterable, Sendable {
  case existence = 0, nonce, balance, codeHash, reset, credit

  var bit: UInt8 { 1 << UInt8(rawValue) }
}

/// The value written at one location: a storage slot's value, a balance, a nonce (low word), a
/// code hash or storage root (as a word), or, for existence, whether the account exists.
struct LocationValue: Sendable, Equatable {
  var word: U256
  /// Existence only: false when the account does not exist (then `word` is meaningless).
  var exists: Bool

  @inline(__always) init(_ word: U256, exists: Bool = true) { self.word = word; self.exists = exists }
  /// The hash's words as they are (not a numeric conversion; `hash` undoes it).
  @inline(__always) init(_ hash: Hash) { self.init(U256(hash.w0, hash.w1, hash.w2, hash.w3)) }
  static let absent = LocationValue(.zero, exists: false)

  @inline(__always) var hash: Hash { Hash(w0: word.w0, w1: word.w1, w2: word.w2, w3: word.w3) }
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

/// The four field origins of one account read (existence, nonce, balance, code hash).
struct AccountOrigins: Equatable, Sendable {
  var existence = ReadOrigin.base, nonce = ReadOrigin.base, balance = ReadOrigin.base, codeHash = ReadOrigin.base
}

/// One entry of a read set. Plain values (no references), so read sets are copied and freed
/// without reference counting.
enum ReadEntry: Sendable {
  /// An account's fields, read together.
  case account(Address, AccountOrigins)
  /// A slot and its account's last reset.
  case storage(SlotKey, slot: ReadOrigin, reset: ReadOrigin)
  /// A transfer's recipient checked for existence and code only (its balance is credited unread).
  case recipient(Address, existence: ReadOrigin, codeHash: ReadOrigin)
  /// Follows an `.account` entry whose balance had credits above its last full write: their sum
  /// (validated by value: any set of credits with that sum gives the same balance) and the
  /// highest of them (for the critical path).
  case credited(Address, sum: U256, top: ReadOrigin)
}

/// The fields one incarnation wrote to one account (`mask`: `AccountField` bits). `balance` holds
/// the credit when `mask` has the credit bit (a transaction never both credits an account and
/// writes its balance: it credits only accounts it did not read).
struct AccountFieldWrites: Sendable {
  var address: Address
  var mask: UInt8 = 0
  var existence = LocationValue.absent
  var nonce: UInt64 = 0
  var balance = U256.zero
  var codeHash = Hash.zero

  init(_ address: Address) { self.address = address }

  func value(_ field: AccountField) -> LocationValue {
    switch field {
    case .existence: return existence
    case .nonce: return LocationValue(U256(nonce))
    case .balance: return LocationValue(balance)
    case .codeHash: return LocationValue(codeHash)
    case .reset: return LocationValue(.zero)
    case .credit: return LocationValue(balance)
    }
  }
}

/// An account one incarnation wrote, and which fields (`AccountField` bits): what its next
/// incarnation and an abort need of it.
struct WrittenAccount {
  var address: Address
  var mask: UInt8
}

/// Everything one incarnation wrote, grouped so that an account's fields are written under one
/// lock.
struct TransactionWrites: Sendable {
  var accounts: [AccountFieldWrites] = []
  var slots: [(key: SlotKey, value: U256)] = []
}

/// The result of reading one location below a transaction.
enum VersionedRead {
  /// No transaction below wrote it: read the base snapshot.
  case notFound
  /// The latest write below is an ESTIMATE of this aborted transaction: wait for it.
  case estimate(TxIndex)
  case value(ReadOrigin, LocationValue)

  /// The origin a reader records (nil for an ESTIMATE).
  var origin: ReadOrigin? {
    switch self {
    case .notFound: return .base
    case .estimate: return nil
    case .value(let o, _): return o
    }
  }
}

/// One version of one location. `incarnation == -1` marks an ESTIMATE. `field` is the
/// `AccountField` for an account cell's entries (0 for a slot's).
struct VersionEntry: Sendable {
  var tx: Int32
  var incarnation: Int32
  var value: LocationValue
  var field: UInt8 = 0

  /// What a reader above this version sees.
  @inline(__always) var read: VersionedRead {
    incarnation < 0 ? .estimate(TxIndex(tx)) : .value(ReadOrigin(tx: tx, incarnation: incarnation), value)
  }
}

/// The versions of one account's five fields in one array sorted by (transaction, field): one
/// allocation per written account rather than one per written field. `fields` is every field
/// ever written here, which ends a backward search once each of them has been seen.
struct AccountVersions: Sendable {
  var entries = VersionList()
  var fields: UInt8 = 0

  /// The latest version of each of the four state fields below `bound`: existence, nonce,
  /// balance, code hash.
  @inline(__always) func latestFields(below bound: Int32) -> (VersionedRead, VersionedRead, VersionedRead, VersionedRead) {
    var out: (VersionedRead, VersionedRead, VersionedRead, VersionedRead) = (.notFound, .notFound, .notFound, .notFound)
    var wanted = fields & 0b1111
    var i = entries.lowerBound(bound) - 1
    while wanted != 0 && i >= 0 {
      let e = entries[i]
      let bit: UInt8 = 1 << e.field
      if wanted & bit != 0 {
        wanted &= ~bit
        let read = e.read
        switch e.field {
        case 0: out.0 = read
        case 1: out.1 = read
        case 2: out.2 = read
        default: out.3 = read
        }
      }
      i -= 1
    }
    return out
  }

  /// The sum of the credits below `bound` and above the balance version `balance` and the
  /// existence version `existence` (the latest full writes below `bound`, or not found: a
  /// deletion writes existence alone, and wipes the credits before it), and the highest of
  /// them; an ESTIMATE among them blocks.
  @inline(__always) func credits(below bound: Int32, above balance: VersionedRead,
                                 _ existence: VersionedRead) -> (sum: U256, top: VersionedRead) {
    guard fields & AccountField.credit.bit != 0 else { return (.zero, .notFound) }
    func tx(_ r: VersionedRead) -> Int32 {
      switch r {
      case .value(let o, _): return o.tx
      case .estimate(let t): return Int32(t)
      case .notFound: return -1
      }
    }
    let floor = Swift.max(tx(balance), tx(existence))
    let f = UInt8(AccountField.credit.rawValue)
    var sum = U256.zero
    var top = VersionedRead.notFound
    var i = entries.lowerBound(bound) - 1
    while i >= 0 && entries[i].tx > floor {
      let e = entries[i]
      if e.field == f {
        if e.incarnation < 0 { return (.zero, e.read) }
        if case .notFound = top { top = e.read }
        sum = sum &+ e.value.word
      }
      i -= 1
    }
    return (sum, top)
  }

  /// The latest version of one field below `bound`.
  @inline(__always) func latest(_ field: AccountField, below bound: Int32) -> VersionedRead {
    guard fields & field.bit != 0 else { return .notFound }
    let f = UInt8(field.rawValue)
    var i = entries.lowerBound(bound) - 1
    while i >= 0 {
      let e = entries[i]
      if e.field == f { return e.read }
      i -= 1
    }
    return .notFound
  }

  /// The position of `tx`'s version of `field`, or where it goes.
  @inline(__always) private func position(tx: Int32, field: UInt8) -> (index: Int, found: Bool) {
    var i = entries.lowerBound(tx)
    while i < entries.count && entries[i].tx == tx && entries[i].field < field { i += 1 }
    return (i, i < entries.count && entries[i].tx == tx && entries[i].field == field)
  }

  /// Writes the masked fields of `w` for `tx`, and removes `tx`'s versions of the `stale` fields.
  mutating func apply(_ w: AccountFieldWrites, tx: Int32, incarnation: Int32, removing stale: UInt8) {
    fields |= w.mask
    var bits = w.mask | stale
    while bits != 0 {
      let f = UInt8(bits.trailingZeroBitCount)
      bits &= bits &- 1
      let field = AccountField(rawValue: Int(f))!
      if w.mask & field.bit != 0 {
        let entry = VersionEntry(tx: tx, incarnation: incarnation, value: w.value(field), field: f)
        // Usually appended: versions mostly arrive in increasing transaction order.
        guard let last = entries.last, last.tx > tx || (last.tx == tx && last.field >= f) else {
          entries.append(entry)
          continue
        }
        let (i, found) = position(tx: tx, field: f)
        if found { entries[i] = entry } else { entries.insert(entry, at: i) }
      } else if stale & field.bit != 0 {
        let (i, found) = position(tx: tx, field: f)
        if found { entries.remove(at: i) }
      }
    }
  }

  mutating func remove(_ mask: UInt8, tx: Int32) {
    for field in AccountField.allCases where mask & field.bit != 0 {
      let (i, found) = position(tx: tx, field: UInt8(field.rawValue))
      if found { entries.remove(at: i) }
    }
  }

  mutating func markEstimate(_ mask: UInt8, tx: Int32) {
    for field in AccountField.allCases where mask & field.bit != 0 {
      let (i, found) = position(tx: tx, field: UInt8(field.rawValue))
      if found { entries[i].incarnation = -1 }
    }
  }
}

/// The multi-version memory of the Block-STM paper (arXiv 2203.06871, §3): for each location,
/// transaction index → (incarnation, value) or ESTIMATE; plus each transaction's last read set
/// and written locations, for validation and for removing stale writes.
///
/// Locations live in mutex-protected shards: an account's five fields in one cell (read and
/// written under one lock, found with one hash lookup) and each slot on its own, sharded by
/// address and slot so that a hot contract's slots spread over the shards. Keys hash with the
/// seeded multiply-xorshift of `Address` and `SlotKey` rather than SipHash. Each location keeps
/// its versions in an array sorted by transaction index (appended in mostly increasing order).
/// The fee recipient is an account like any other: each transaction's fee is a credit to it.
///
/// The transactions' results are not kept here: the executor keeps them (`ParallelRun`).
final class MVMemory: Sendable {
  struct ShardMaps: Sendable {
    var accounts: [Address: AccountVersions] = [:]
    var slots: [SlotKey: VersionList] = [:]
  }


  /// Per transaction: its last incarnation's read set and written locations.
  enum TxRecord {
    /// Plain values: the sets live in the recording worker's `WorkerArena`.
    struct Data {
      var reads = UnsafeBufferPointer<ReadEntry>(start: nil, count: 0)
      /// The accounts written, and which fields (`AccountField` bits).
      var writtenAccounts = UnsafeBufferPointer<WrittenAccount>(start: nil, count: 0)
      var writtenSlots = UnsafeBufferPointer<SlotKey>(start: nil, count: 0)
      var incarnation: Incarnation = -1
    }
  }

  /// The shards, each under its own mutex (one allocation for all of them).
  let shards: StripedLocked<ShardMaps>
  let records: StripedLocked<TxRecord.Data>
  private let shardMask: Int
  /// The accounts a shard can expect: two written accounts per transaction, spread evenly.
  private let expectedPerShard: Int

  init(transactions: Int, shards shardCount: Int = 128) {
    precondition(shardCount > 0 && shardCount & (shardCount - 1) == 0, "shard count must be a power of two")
    shards = StripedLocked(count: shardCount, stripes: shardCount, ShardMaps())
    records = StripedLocked(count: transactions, TxRecord.Data())
    shardMask = shardCount - 1
    expectedPerShard = max(4, 2 * transactions / shardCount)
  }

  deinit {
    // Specialised destruction (see `StripedLocked.destroyAll`).
    shards.destroyAll()
    records.destroyAll()
  }

  @inline(__always) private func shard(_ address: Address) -> Int {
    Int(truncatingIfNeeded: UInt64(bitPattern: Int64(address._rawHashValue(seed: 0))) >> 40) & shardMask
  }

  @inline(__always) private func shard(_ key: SlotKey) -> Int {
    Int(truncatingIfNeeded: UInt64(bitPattern: Int64(key._rawHashValue(seed: 0))) >> 40) & shardMask
  }

  @inline(__always) private static func latest(_ entries: VersionList, below bound: Int32) -> VersionedRead {
    let i = entries.lowerBound(bound)
    return i == 0 ? .notFound : entries[i - 1].read
  }

  // MARK: Reading

  /// The four field locations of `address` below `tx` (existence, nonce, balance, code hash)
  /// and the credits above that balance version, under one lock.
  func readAccount(_ address: Address, below tx: TxIndex)
    -> (fields: (VersionedRead, VersionedRead, VersionedRead, VersionedRead), credits: (sum: U256, top: VersionedRead)) {
    let bound = Int32(tx)
    return shards.withLock(shard(address)) { maps in
      guard let cell = maps.accounts[address] else {
        return ((.notFound, .notFound, .notFound, .notFound), (.zero, .notFound))
      }
      let fields = cell.latestFields(below: bound)
      return (fields, cell.credits(below: bound, above: fields.2, fields.0))
    }
  }

  /// The existence and code hash locations of `address` below `tx`.
  func readExistenceAndCode(_ address: Address, below tx: TxIndex) -> (VersionedRead, VersionedRead) {
    let bound = Int32(tx)
    return shards.withLock(shard(address)) { maps in
      guard let cell = maps.accounts[address] else { return (.notFound, .notFound) }
      let fields = cell.latestFields(below: bound)
      return (fields.0, fields.3)
    }
  }

  /// The last reset of `address` below `tx`.
  func readReset(_ address: Address, below tx: TxIndex) -> VersionedRead {
    let bound = Int32(tx)
    return shards.withLock(shard(address)) { maps in
      guard let cell = maps.accounts[address] else { return .notFound }
      return cell.latest(.reset, below: bound)
    }
  }

  /// The latest write to a slot below `tx`.
  func readSlot(_ key: SlotKey, below tx: TxIndex) -> VersionedRead {
    let bound = Int32(tx)
    return shards.withLock(shard(key)) { maps in
      guard let entries = maps.slots[key] else { return .notFound }
      return Self.latest(entries, below: bound)
    }
  }

  // MARK: Writing

  /// Records incarnation `incarnation` of `tx`: applies its writes, removes the locations its
  /// previous incarnation wrote and this one did not, and stores its read set.
  /// - Returns: whether it wrote a location the previous incarnation did not (the paper's
  ///   `wrote_new_location`, which decides whether higher transactions are re-validated).
  func record(tx: TxIndex, incarnation: Incarnation, reads: UnsafeBufferPointer<ReadEntry>, writes: TransactionWrites,
              arena: WorkerArena) -> Bool {
    let (previousAccounts, previousSlots) = records.withLock(tx) { ($0.writtenAccounts, $0.writtenSlots) }
    let t = Int32(tx)
    let inc = Int32(incarnation)
    var wroteNew = false

    for w in writes.accounts {
      var previousMask: UInt8 = 0
      if !previousAccounts.isEmpty, let p = previousAccounts.firstIndex(where: { $0.address == w.address }) {
        previousMask = previousAccounts[p].mask
      }
      if w.mask & ~previousMask != 0 { wroteNew = true }
      let stale = previousMask & ~w.mask
      let expected = expectedPerShard
      shards.withLock(shard(w.address)) { maps in
        // Sized once for the block's share of accounts: growing from empty rehashed each map
        // several times (7% of a transfer block's recording).
        if maps.accounts.isEmpty { maps.accounts.reserveCapacity(expected) }
        maps.accounts[w.address, default: AccountVersions()].apply(w, tx: t, incarnation: inc, removing: stale)
      }
    }
    // Accounts the previous incarnation wrote and this one did not.
    for p in previousAccounts where !writes.accounts.contains(where: { $0.address == p.address }) {
      shards.withLock(shard(p.address)) { maps in
        maps.accounts[p.address]?.remove(p.mask, tx: t)
      }
    }

    let writtenSlots = arena.allocate(SlotKey.self, count: writes.slots.count)
    let previousSlotSet: Set<SlotKey>? = previousSlots.count > 8 ? Set(previousSlots) : nil
    func previouslyWrote(_ key: SlotKey) -> Bool {
      if let previousSlotSet { return previousSlotSet.contains(key) }
      return previousSlots.contains(key)
    }
    for (k, (key, value)) in writes.slots.enumerated() {
      if !previouslyWrote(key) { wroteNew = true }
      let entry = VersionEntry(tx: t, incarnation: inc, value: LocationValue(value))
      shards.withLock(shard(key)) { maps in
        maps.slots[key, default: VersionList()].insertOrReplace(entry)
      }
      writtenSlots.initializeElement(at: k, to: key)
    }
    if !previousSlots.isEmpty {
      let current: Set<SlotKey>? = writtenSlots.count > 8 ? Set(writtenSlots) : nil
      for key in previousSlots where !(current?.contains(key) ?? writtenSlots.contains(key)) {
        shards.withLock(shard(key)) { maps in
          guard var entries = maps.slots.removeValue(forKey: key) else { return }
          entries.removeVersion(of: t)
          if !entries.isEmpty { maps.slots[key] = entries }
        }
      }
    }
    let readSet = arena.copy(reads)
    let written = arena.allocate(WrittenAccount.self, count: writes.accounts.count)
    for (k, w) in writes.accounts.enumerated() {
      written.initializeElement(at: k, to: WrittenAccount(address: w.address, mask: w.mask))
    }
    let record = TxRecord.Data(reads: readSet, writtenAccounts: UnsafeBufferPointer(written),
                               writtenSlots: UnsafeBufferPointer(writtenSlots), incarnation: incarnation)
    records.withLock(tx) { $0 = record }
    return wroteNew
  }

  /// After a failed validation: every location `tx` wrote becomes an ESTIMATE, so that readers
  /// wait for its next incarnation instead of reading a value that is probably stale.
  func convertWritesToEstimates(tx: TxIndex) {
    let t = Int32(tx)
    let (accounts, slots) = records.withLock(tx) { ($0.writtenAccounts, $0.writtenSlots) }
    for w in accounts {
      shards.withLock(shard(w.address)) { maps in
        maps.accounts[w.address]?.markEstimate(w.mask, tx: t)
      }
    }
    for key in slots {
      shards.withLock(shard(key)) { maps in
        maps.slots[key]?.markEstimate(tx: t)
      }
    }
  }

  // MARK: Validation

  /// Whether every read of `tx`'s last incarnation would read the same version now.
  func validateReadSet(tx: TxIndex) -> Bool {
    let reads = records.withLock(tx) { $0.reads }
    for (k, entry) in reads.enumerated() {
      switch entry {
      case .account(let address, let origins):
        // The credits read, when the entry after says so (none otherwise).
        var creditsRead = U256.zero
        if k + 1 < reads.count, case .credited(address, let sum, _) = reads[k + 1] { creditsRead = sum }
        let ((e, n, b, c), credits) = readAccount(address, below: tx)
        guard e.origin == origins.existence && n.origin == origins.nonce && b.origin == origins.balance
          && c.origin == origins.codeHash else { return false }
        if case .estimate = credits.top { return false }
        if credits.sum != creditsRead { return false }
      case .storage(let key, let slotOrigin, let resetOrigin):
        if readSlot(key, below: tx).origin != slotOrigin { return false }
        if readReset(key.address, below: tx).origin != resetOrigin { return false }
      case .recipient(let address, let existence, let codeHash):
        let (e, c) = readExistenceAndCode(address, below: tx)
        if e.origin != existence || c.origin != codeHash { return false }
      case .credited:
        continue  // checked with the `.account` entry before it
      }
    }
    return true
  }
}

/// One location's versions, sorted by transaction (and, in an account's list, by field): the
/// first two inline, all of them in an array once there are more. Most locations of a block
/// have one or two versions (a sender's nonce and balance, a transfer's credit, a token
/// balance); an array each cost an allocation and a free per written location.
struct VersionList: Sendable {
  private var inline0 = VersionEntry(tx: 0, incarnation: 0, value: .absent)
  private var inline1 = VersionEntry(tx: 0, incarnation: 0, value: .absent)
  /// The inline entries in use; 0 once spilled.
  private var inlineCount: UInt8 = 0
  /// Every entry once there were more than two (empty before: no allocation).
  private var spilled: [VersionEntry] = []

  init() {}

  @inline(__always) var count: Int { spilled.isEmpty ? Int(inlineCount) : spilled.count }
  @inline(__always) var isEmpty: Bool { count == 0 }
  @inline(__always) var last: VersionEntry? { isEmpty ? nil : self[count - 1] }

  @inline(__always) subscript(i: Int) -> VersionEntry {
    get {
      if !spilled.isEmpty { return spilled[i] }
      precondition(i >= 0 && i < Int(inlineCount), "VersionList index out of range")
      return i == 0 ? inline0 : inline1
    }
    set {
      if !spilled.isEmpty { spilled[i] = newValue; return }
      precondition(i >= 0 && i < Int(inlineCount), "VersionList index out of range")
      if i == 0 { inline0 = newValue } else { inline1 = newValue }
    }
  }

  @inline(__always) mutating func append(_ e: VersionEntry) {
    // Array's append, not its insert at the end (a generic range replacement, ~100 instructions
    // more for each of the fee recipient's credits).
    if !spilled.isEmpty {
      spilled.append(e)
    } else if inlineCount == 0 {
      inline0 = e; inlineCount = 1
    } else if inlineCount == 1 {
      inline1 = e; inlineCount = 2
    } else {
      insert(e, at: 2)
    }
  }

  mutating func insert(_ e: VersionEntry, at i: Int) {
    if !spilled.isEmpty { spilled.insert(e, at: i); return }
    switch (inlineCount, i) {
    case (0, _): inline0 = e; inlineCount = 1
    case (1, 0): inline1 = inline0; inline0 = e; inlineCount = 2
    case (1, _): inline1 = e; inlineCount = 2
    default:
      var all: [VersionEntry] = []
      all.reserveCapacity(8)
      all.append(inline0)
      all.append(inline1)
      all.insert(e, at: i)
      spilled = all
      inlineCount = 0
    }
  }

  mutating func remove(at i: Int) {
    if !spilled.isEmpty {
      spilled.remove(at: i)  // emptied: back to (empty) inline storage, inlineCount being 0
      return
    }
    precondition(i >= 0 && i < Int(inlineCount), "VersionList index out of range")
    if i == 0 && inlineCount == 2 { inline0 = inline1 }
    inlineCount -= 1
  }

  /// The index of the first entry with `tx` at or above `tx`.
  @inline(__always) func lowerBound(_ tx: Int32) -> Int {
    var lo = 0, hi = count
    if let last, last.tx < tx { return hi }  // the common case: every version is below
    while lo < hi {
      let mid = (lo + hi) >> 1
      if self[mid].tx < tx { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }

  /// Inserts `entry` at its place by transaction index, replacing that transaction's entry.
  @inline(__always) mutating func insertOrReplace(_ entry: VersionEntry) {
    // Usually appended: versions mostly arrive in increasing transaction order.
    if last.map({ $0.tx < entry.tx }) ?? true { append(entry); return }
    let i = lowerBound(entry.tx)
    if i < count && self[i].tx == entry.tx { self[i] = entry } else { insert(entry, at: i) }
  }

  @inline(__always) mutating func removeVersion(of tx: Int32) {
    let i = lowerBound(tx)
    if i < count && self[i].tx == tx { remove(at: i) }
  }

  @inline(__always) mutating func markEstimate(tx: Int32) {
    let i = lowerBound(tx)
    if i < count && self[i].tx == tx { self[i].incarnation = -1 }
  }
}
