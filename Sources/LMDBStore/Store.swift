import Primitives
import State
import Trie

/// Why a store operation failed.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
  /// An LMDB call failed (I/O, a full disk, a corrupt file); the error names the call.
  case lmdb(LMDBError)
  /// Another writer holds the store (the advisory lock on DATADIR/LOCK).
  case inUse(path: String, pid: Int32?)
  /// The store was written with another layout version.
  case incompatibleSchema(path: String, found: UInt64, expected: UInt64)
  /// The directory holds an LMDB environment that is not a Strata store.
  case notAStore(path: String, reason: String)
  /// A read-only open of a directory without a store.
  case notFound(path: String)
  /// A write on a store opened read-only.
  case readOnly(path: String)
  /// The map could not grow to take a write.
  case mapFull(mapSize: Int, reason: String)
  /// A stored record does not decode.
  case corrupt(table: Table, key: [UInt8], reason: String)
  /// A file operation around the environment failed.
  case io(operation: String, message: String)
  /// A `ReadView` or `WriteBatch` used after its transaction ended.
  case transactionEnded
  /// A trie node the state commit needs is missing or malformed: the store is corrupt.
  case trie(TrieError)

  public var description: String {
    switch self {
    case .lmdb(let e): return "store: \(e)"
    case .inUse(let path, let pid):
      return "store \(path) is in use by another process (pid \(pid.map(String.init) ?? "unknown"))"
    case .incompatibleSchema(let path, let found, let expected):
      return "store \(path) has schema version \(found), this build reads version \(expected)"
    case .notAStore(let path, let reason): return "\(path) is not a Strata store: \(reason)"
    case .notFound(let path): return "no store at \(path)"
    case .readOnly(let path): return "store \(path) is open read-only"
    case .mapFull(let size, let reason): return "store: the map (\(size) bytes) is full and could not grow: \(reason)"
    case .corrupt(let table, let key, let reason):
      return "store: corrupt record in \(table.rawValue) under \(Hex.encode(key)): \(reason)"
    case .io(let op, let message): return "store: \(op): \(message)"
    case .transactionEnded: return "store: a view or batch was used after its transaction ended"
    case .trie(let e): return "store: \(e)"
    }
  }
}

/// An error type that can carry a `StoreError`: a `read` or `write` body and the store itself
/// then throw one typed error (a caller's enum satisfies it with `case store(StoreError)`).
public protocol StoreErrorCarrying: Error {
  static func store(_ error: StoreError) -> Self
}

extension StoreError: StoreErrorCarrying {
  public static func store(_ error: StoreError) -> StoreError { error }
}

/// Any error of an untyped `read` or `write` body, carried through the typed ones.
struct AnyBodyError: StoreErrorCarrying {
  var error: any Error
  init(_ error: any Error) { self.error = error }
  static func store(_ error: StoreError) -> AnyBodyError { AnyBodyError(error) }
}

/// The head block pointer.
public struct ChainHead: Equatable, Sendable {
  public var hash: Hash
  public var number: UInt64

  public init(hash: Hash, number: UInt64) {
    self.hash = hash; self.number = number
  }
}

/// The persistent store: one LMDB environment with the named databases of `Table`.
///
/// Reads run in read transactions (`read`): a consistent snapshot that never blocks and is never
/// blocked by the writer. Writes run in one write transaction (`write`) that commits everything
/// or nothing. One process writes at a time: the writer holds an advisory lock on DATADIR/LOCK,
/// and a second writer gets `StoreError.inUse` instead of waiting.
///
/// The map starts large (1 TiB on 64-bit systems: address space, not disk, since the file grows
/// only as pages are written) and doubles when a write fills it: the write transaction is aborted,
/// the map resized while no read transaction of this process is open, and the batch's writes
/// replayed into a fresh transaction, invisibly to the caller.
///
/// Open a store once per process (LMDB's rule: a second environment on the same files in one
/// process breaks its locks); share the `Store` between threads instead.
public final class Store: @unchecked Sendable {
  // SAFETY: `env` is thread-safe by LMDB's rules and `tables` is immutable after init. Write
  // transactions are serialised by `writeMutex`; resizing the map takes `mapLock` exclusively,
  // which every read transaction of this process holds shared while open.

  /// The data directory.
  public let path: String
  public let isReadOnly: Bool
  let env: LMDBEnvironment
  let tables: Tables
  let mapLock = MapLock()
  let writeMutex = WriterMutex()
  private let writerLock: WriterLockFile?

  /// The default initial map size: 1 TiB on 64-bit systems, 1 GiB otherwise.
  public static let defaultMapSize: Int = MemoryLayout<Int>.size == 8 ? 1 << 40 : 1 << 30

  /// How long a map resize waits for this process's read transactions to end.
  static let resizeWait = 30.0

  /// Opens the store in directory `path`, creating it (and the directory) when absent unless
  /// `readOnly`.
  /// - Parameters:
  ///   - readOnly: open for queries; no lock is taken and writes throw `StoreError.readOnly`.
  ///   - initialMapSize: the writer's initial map size (tests use a small one to exercise growth).
  /// - Throws: `StoreError.inUse` when another writer holds the store, `.incompatibleSchema` for
  ///   a store of another layout version, `.notFound` for a read-only open of a missing store,
  ///   `.notAStore`, or `.lmdb` / `.io` for the underlying failure.
  public init(path: String, readOnly: Bool = false, initialMapSize: Int? = nil) throws(StoreError) {
    self.path = path
    self.isReadOnly = readOnly
    if readOnly {
      guard pathExists(path + "/data.mdb") else { throw .notFound(path: path) }
      writerLock = nil
    } else {
      if let code = makeDirectories(path) { throw .io(operation: "mkdir \(path)", message: errnoText(code)) }
      do {
        writerLock = try WriterLockFile(path: path + "/LOCK")
      } catch {
        switch error {
        case .held(let pid): throw .inUse(path: path, pid: pid)
        case .io(let op, let code): throw .io(operation: op, message: errnoText(code))
        }
      }
    }
    do {
      env = try LMDBEnvironment(path: path, readOnly: readOnly,
                                mapSize: readOnly ? nil : (initialMapSize ?? Store.defaultMapSize),
                                maxDatabases: 32, maxReaders: 510)
    } catch {
      throw .lmdb(error)
    }
    tables = try Store.openTables(env, path: path, readOnly: readOnly)
    if !readOnly {
      do { try env.clearStaleReaders() } catch { throw .lmdb(error) }
    }
  }

  /// Opens the store in directory `path`; see `init(path:readOnly:initialMapSize:)`.
  public static func open(path: String, readOnly: Bool = false) throws(StoreError) -> Store {
    try Store(path: path, readOnly: readOnly)
  }

  /// Opens (or, for the writer, creates) every table and checks the schema version.
  private static func openTables(_ env: LMDBEnvironment, path: String, readOnly: Bool) throws(StoreError) -> Tables {
    let txn: OpaquePointer
    do { txn = try env.begin(readOnly: readOnly) } catch { throw .lmdb(error) }
    do throws(StoreError) {
      var handles: [UInt32] = []
      guard let meta = try lmdb({ () throws(LMDBError) in try LMDB.openDatabase(txn, Table.meta.rawValue, create: !readOnly) }) else {
        throw .notAStore(path: path, reason: "no `meta` table")
      }
      let versionKey = Keys.meta(.schemaVersion)
      let stored = try lmdb({ () throws(LMDBError) in
        try withBytes(versionKey) { k throws(LMDBError) in try LMDB.get(txn, meta, k, "meta.schemaVersion") }
      })
      if let stored {
        guard let version = stored.withUnsafeBytes({ Keys.decodeNumber($0) }) else {
          throw .notAStore(path: path, reason: "schema version record of \(stored.count) bytes")
        }
        guard version == storeSchemaVersion else {
          throw .incompatibleSchema(path: path, found: version, expected: storeSchemaVersion)
        }
      } else {
        if readOnly { throw .notAStore(path: path, reason: "no schema version") }
        let entries = try lmdb({ () throws(LMDBError) in try LMDB.count(txn, meta, "meta") })
        guard entries == 0 else { throw .notAStore(path: path, reason: "`meta` table without a schema version") }
        let value = Keys.number(storeSchemaVersion)
        try lmdb({ () throws(LMDBError) in
          try withBytes(versionKey) { k throws(LMDBError) in
            try withBytes(value) { v throws(LMDBError) in
              _ = try LMDB.put(txn, meta, k, v, noOverwrite: false, "meta.schemaVersion")
            }
          }
        })
      }
      for table in Table.allCases {
        if table == .meta { handles.append(meta); continue }
        guard let dbi = try lmdb({ () throws(LMDBError) in try LMDB.openDatabase(txn, table.rawValue, create: !readOnly) }) else {
          throw .notAStore(path: path, reason: "no `\(table.rawValue)` table")
        }
        handles.append(dbi)
      }
      // Committing (a read transaction too) makes the handles usable by later transactions.
      try lmdb({ () throws(LMDBError) in try LMDB.commit(txn) })
      return Tables(handles)
    } catch {
      if case .lmdb(let e) = error, e.operation == "mdb_txn_commit" { throw error }  // commit freed it
      LMDB.abort(txn)
      throw error
    }
  }

  // MARK: Reading

  /// Runs `body` on a snapshot of the last committed state (one read transaction).
  ///
  /// The view must not escape `body`; it may move to another thread but serve one thread at a time.
  public func read<R>(_ body: (ReadView) throws -> R) throws -> R {
    try read(views: 1) { try body($0[0]) }
  }

  /// Runs `body` on `count` views of one and the same snapshot: one per executor thread (an
  /// LMDB transaction serves one thread at a time).
  public func read<R>(views count: Int, _ body: ([ReadView]) throws -> R) throws -> R {
    do {
      return try read(views: count, throwing: AnyBodyError.self) { (views) throws(AnyBodyError) -> R in
        do { return try body(views) } catch { throw AnyBodyError(error) }
      }
    } catch {
      throw error.error
    }
  }

  /// `read(views:_:)` with one typed error: the body's, which also carries the store's own
  /// failures (`E.store`).
  public func read<R, E: StoreErrorCarrying>(
    views count: Int = 1, throwing: E.Type, _ body: ([ReadView]) throws(E) -> R
  ) throws(E) -> R {
    let count = max(1, count)
    while true {
      var txns: [Transaction] = []
      do {
        for _ in 0..<count { txns.append(try beginRead()) }
      } catch {
        for t in txns { t.end() }
        throw .store(error)
      }
      defer { for t in txns { t.end() } }
      let id = txns[0].id
      // A commit between two begins gives two snapshots: try again.
      guard txns.allSatisfy({ $0.id == id }) else { continue }
      return try body(txns.map { ReadView(txn: $0) })
    }
  }

  func beginRead() throws(StoreError) -> Transaction {
    while true {
      mapLock.lockShared()
      do {
        let handle = try env.begin(readOnly: true)
        return Transaction(store: self, handle: handle, isWrite: false)
      } catch {
        mapLock.unlock()
        guard error.isMapResized else { throw .lmdb(error) }
        try adoptMapSize()
      }
    }
  }

  /// Another process grew the map past ours: map the new size (no transaction of ours open).
  private func adoptMapSize() throws(StoreError) {
    guard mapLock.lockExclusive(waitingAtMost: Store.resizeWait) else {
      throw .mapFull(mapSize: env.mapSize, reason: "another process grew the map and read transactions of this process stayed open")
    }
    defer { mapLock.unlock() }
    do { try env.setMapSize(0) } catch { throw .lmdb(error) }
  }

  // MARK: Writing

  /// Runs `body` in one write transaction and commits; if `body` or the commit throws, nothing
  /// is written. Writes from several threads take turns; a write inside a write on the same
  /// thread is a bug and stops the program.
  ///
  /// A write nested in a `read` on the same thread works, unless the map must grow: then the
  /// resize waits for that read and fails with `StoreError.mapFull` after a while.
  /// - Returns: what `body` returns.
  /// - Throws: whatever `body` throws, or `StoreError`.
  @discardableResult
  public func write<R>(_ body: (inout WriteBatch) throws -> R) throws -> R {
    do {
      return try write(throwing: AnyBodyError.self) { (batch: inout WriteBatch) throws(AnyBodyError) -> R in
        do { return try body(&batch) } catch { throw AnyBodyError(error) }
      }
    } catch {
      throw error.error
    }
  }

  /// `write(_:)` with one typed error: the body's, which also carries the store's own failures
  /// (`E.store`). Nothing is written unless `body` returns and the commit succeeds.
  @discardableResult
  public func write<R, E: StoreErrorCarrying>(throwing: E.Type, _ body: (inout WriteBatch) throws(E) -> R) throws(E) -> R {
    guard !isReadOnly else { throw .store(.readOnly(path: path)) }
    guard writeMutex.lock() else { fatalError("Store.write called inside another Store.write on the same thread") }
    defer { writeMutex.unlock() }
    let txn: Transaction
    do { txn = try beginWrite() } catch { throw .store(error) }
    var batch = WriteBatch(txn: txn)
    let result: R
    do {
      result = try body(&batch)
    } catch {
      txn.end()
      throw error
    }
    do {
      try txn.commit()
    } catch {
      txn.end()
      throw .store(error)
    }
    return result
  }

  func beginWrite() throws(StoreError) -> Transaction {
    while true {
      do {
        return Transaction(store: self, handle: try env.begin(readOnly: false), isWrite: true)
      } catch {
        guard error.isMapResized else { throw .lmdb(error) }
        try adoptMapSize()
      }
    }
  }

  /// Doubles the map. The caller holds no transaction (its write transaction is aborted).
  func growMap() throws(StoreError) {
    let current = env.mapSize
    let (target, overflow) = current.multipliedReportingOverflow(by: 2)
    guard !overflow else { throw .mapFull(mapSize: current, reason: "the map cannot grow further") }
    guard mapLock.lockExclusive(waitingAtMost: Store.resizeWait) else {
      throw .mapFull(mapSize: current, reason: "read transactions of this process stayed open for \(Int(Store.resizeWait)) s")
    }
    defer { mapLock.unlock() }
    do { try env.setMapSize(target) } catch { throw .mapFull(mapSize: current, reason: error.description) }
  }

  // MARK: Facts

  /// The current map size in bytes.
  public var mapSize: Int { env.mapSize }

  /// The bytes the store's pages occupy (the data file's used part).
  public var usedBytes: Int { env.usedBytes }
}

/// Wraps an LMDB call's error as a `StoreError`.
@inline(__always)
func lmdb<R>(_ body: () throws(LMDBError) -> R) throws(StoreError) -> R {
  do { return try body() } catch { throw .lmdb(error) }
}

// MARK: - Transaction

/// One LMDB transaction, owned by a `ReadView` or `WriteBatch` for the span of a `read` or
/// `write` call. A write transaction keeps a log of its writes so that, when the map fills, it
/// can be replayed into a fresh transaction after the map has grown.
final class Transaction: @unchecked Sendable {
  // SAFETY: used by one thread at a time (LMDB's rule for a transaction; MDB_NOTLS lets that
  // thread differ from the one that began it). `handle` is nil once the transaction ended, and
  // every use checks it, so a view that escaped its closure gets an error, not a dangling txn.
  let store: Store
  var handle: OpaquePointer?
  let isWrite: Bool
  /// Read transactions: the snapshot id, for `read(views:)`.
  let id: Int
  private var log: [WriteOp] = []
  /// The key and value bytes of the writes so far (what a replay would write again).
  private(set) var loggedBytes = 0

  init(store: Store, handle: OpaquePointer, isWrite: Bool) {
    self.store = store
    self.handle = handle
    self.isWrite = isWrite
    self.id = LMDB.id(handle)
  }

  deinit { end() }

  var tables: Tables { store.tables }

  @inline(__always) func current() throws(StoreError) -> OpaquePointer {
    guard let handle else { throw .transactionEnded }
    return handle
  }

  /// Aborts (a write not yet committed) or releases (a read) the transaction; idempotent.
  func end() {
    guard let h = handle else { return }
    LMDB.abort(h)
    handle = nil
    if !isWrite { store.mapLock.unlock() }
  }

  // MARK: Writes, with map growth

  enum WriteOp {
    case put(Table, [UInt8], [UInt8], noOverwrite: Bool)
    case delete(Table, [UInt8])
    case deletePrefix(Table, [UInt8])

    var byteCount: Int {
      switch self {
      case .put(_, let key, let value, _): return key.count + value.count
      case .delete(_, let key), .deletePrefix(_, let key): return key.count
      }
    }
  }

  /// Performs `op`; on MDB_MAP_FULL grows the map, replays the log and retries.
  /// - Returns: for puts, whether the value was written; for deletes, how many entries went.
  @discardableResult
  func perform(_ op: WriteOp) throws(StoreError) -> Int {
    while true {
      let h = try current()
      do {
        let result = try apply(op, h)
        log.append(op)
        loggedBytes += op.byteCount
        return result
      } catch {
        guard error.isMapFull else { throw .lmdb(error) }
        try growAndReplay()
      }
    }
  }

  private func apply(_ op: WriteOp, _ h: OpaquePointer) throws(LMDBError) -> Int {
    switch op {
    case .put(let table, let key, let value, let noOverwrite):
      return try withBytes(key) { k throws(LMDBError) in
        try withBytes(value) { v throws(LMDBError) in
          try LMDB.put(h, tables[table], k, v, noOverwrite: noOverwrite, table.rawValue) ? 1 : 0
        }
      }
    case .delete(let table, let key):
      return try withBytes(key) { k throws(LMDBError) in
        try LMDB.delete(h, tables[table], k, table.rawValue) ? 1 : 0
      }
    case .deletePrefix(let table, let prefix):
      return try withBytes(prefix) { p throws(LMDBError) in
        try LMDB.deletePrefix(h, tables[table], prefix: p, table.rawValue)
      }
    }
  }

  /// Aborts the full transaction, doubles the map, and replays every write into a new one
  /// (repeatedly, if one doubling is not enough).
  private func growAndReplay() throws(StoreError) {
    if let h = handle { LMDB.abort(h) }
    handle = nil
    while true {
      try store.growMap()
      let h = try lmdb({ () throws(LMDBError) in try store.env.begin(readOnly: false) })
      handle = h
      do {
        for op in log { _ = try apply(op, h) }
        return
      } catch {
        LMDB.abort(h)
        handle = nil
        guard error.isMapFull else { throw .lmdb(error) }
      }
    }
  }

  /// Commits; a full map during the commit grows it and commits the replayed writes.
  func commit() throws(StoreError) {
    while true {
      let h = try current()
      do {
        handle = nil  // mdb_txn_commit frees the transaction, failed or not
        try LMDB.commit(h)
        log = []
        loggedBytes = 0
        return
      } catch {
        guard error.isMapFull else { throw .lmdb(error) }
        try growAndReplay()
      }
    }
  }
}
