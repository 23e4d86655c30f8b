import CLMDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The one file of this module that calls C: liblmdb, and the POSIX calls around it (the
// writer's advisory lock file, the lock that keeps readers off the map while it is resized).
// Every return code becomes a Swift error here; nothing above sees a pointer into the map.

/// An LMDB return code: the operation that failed and `mdb_strerror`'s text for the code
/// (which also covers errno values such as ENOSPC or EACCES).
public struct LMDBError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The LMDB or errno code.
  public var code: Int32
  /// The call that failed, with what it was doing (`mdb_put(trie)`).
  public var operation: String
  /// `mdb_strerror(code)`.
  public var message: String

  init(_ code: Int32, _ operation: String) {
    self.code = code
    self.operation = operation
    self.message = String(cString: mdb_strerror(code))
  }

  /// The map is full: the write transaction must be aborted and the map grown.
  public var isMapFull: Bool { code == MDB_MAP_FULL }
  /// Another process grew the map beyond this process's mapping.
  var isMapResized: Bool { code == MDB_MAP_RESIZED }

  public var description: String { "lmdb: \(operation) failed: \(message) (code \(code))" }
}

@inline(__always) private func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
  if rc != 0 { throw LMDBError(rc, operation()) }
}

// MARK: - Environment

/// One LMDB environment (a directory holding data.mdb and lock.mdb).
final class LMDBEnvironment: @unchecked Sendable {
  // SAFETY: an MDB_env may be shared by threads (LMDB's rule); `handle` is set once in init and
  // closed in deinit, when no transaction can be open: every `Transaction` holds its store, and
  // the store holds this.
  let handle: OpaquePointer

  /// Opens (or creates, unless `readOnly`) the environment in directory `path`.
  /// - Parameters:
  ///   - mapSize: the initial map size; nil keeps the size recorded in the file (read-only) or
  ///     LMDB's default.
  init(path: String, readOnly: Bool, mapSize: Int?, maxDatabases: Int, maxReaders: Int) throws(LMDBError) {
    var env: OpaquePointer?
    try check(mdb_env_create(&env), "mdb_env_create")
    guard let env else { throw LMDBError(ENOMEM, "mdb_env_create") }
    do {
      try check(mdb_env_set_maxdbs(env, MDB_dbi(maxDatabases)), "mdb_env_set_maxdbs")
      try check(mdb_env_set_maxreaders(env, UInt32(maxReaders)), "mdb_env_set_maxreaders")
      if let mapSize { try check(mdb_env_set_mapsize(env, mapSize), "mdb_env_set_mapsize(\(mapSize))") }
      // MDB_NOTLS: a read transaction belongs to its MDB_txn, not to the opening thread, so
      // executor threads may use snapshots opened elsewhere (one thread at a time each).
      var flags = UInt32(MDB_NOTLS)
      if readOnly { flags |= UInt32(MDB_RDONLY) }
      try check(mdb_env_open(env, path, flags, 0o644), "mdb_env_open(\(path))")
    } catch {
      mdb_env_close(env)
      throw error
    }
    handle = env
  }

  deinit { mdb_env_close(handle) }

  /// The current map size in bytes.
  var mapSize: Int {
    var info = MDB_envinfo()
    _ = mdb_env_info(handle, &info)
    return info.me_mapsize
  }

  /// Bytes in use: pages up to the last one written, times the page size.
  var usedBytes: Int {
    var info = MDB_envinfo()
    var stat = MDB_stat()
    _ = mdb_env_info(handle, &info)
    _ = mdb_env_stat(handle, &stat)
    return (info.me_last_pgno + 1) * Int(stat.ms_psize)
  }

  /// Frees the reader slots of processes that died inside a read transaction (a killed query
  /// would otherwise pin old pages, and the file would grow). Returns how many.
  @discardableResult
  func clearStaleReaders() throws(LMDBError) -> Int {
    var dead: Int32 = 0
    try check(mdb_reader_check(handle, &dead), "mdb_reader_check")
    return Int(dead)
  }

  /// Sets the map size (zero adopts the size another process set).
  /// The caller guarantees that no transaction of this process is open.
  func setMapSize(_ size: Int) throws(LMDBError) {
    try check(mdb_env_set_mapsize(handle, size), "mdb_env_set_mapsize(\(size))")
  }

  /// Begins a transaction.
  func begin(readOnly: Bool) throws(LMDBError) -> OpaquePointer {
    var txn: OpaquePointer?
    try check(mdb_txn_begin(handle, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn),
              readOnly ? "mdb_txn_begin(read)" : "mdb_txn_begin(write)")
    return txn!
  }
}

// MARK: - Transactions, get/put/delete, cursors

/// The calls on one transaction handle. Keys and values pass as raw buffers; values read come
/// back as copies or through a closure that must not keep the buffer.
enum LMDB {
  @inline(__always) static func val(_ b: UnsafeRawBufferPointer) -> MDB_val {
    // SAFETY: LMDB only reads through mv_data for keys and values passed in.
    MDB_val(mv_size: b.count, mv_data: UnsafeMutableRawPointer(mutating: b.baseAddress))
  }

  @inline(__always) static func buffer(_ v: MDB_val) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)
  }

  /// Opens named database `name`, creating it when `create` (write transactions only).
  /// Returns nil when it does not exist and `create` is false.
  static func openDatabase(_ txn: OpaquePointer, _ name: String, create: Bool) throws(LMDBError) -> MDB_dbi? {
    var dbi: MDB_dbi = 0
    let rc = mdb_dbi_open(txn, name, create ? UInt32(MDB_CREATE) : 0, &dbi)
    if rc == MDB_NOTFOUND { return nil }
    try check(rc, "mdb_dbi_open(\(name))")
    return dbi
  }

  static func commit(_ txn: OpaquePointer) throws(LMDBError) {
    try check(mdb_txn_commit(txn), "mdb_txn_commit")
  }

  static func abort(_ txn: OpaquePointer) { mdb_txn_abort(txn) }

  /// The transaction's id (equal ids: the same snapshot).
  static func id(_ txn: OpaquePointer) -> Int { mdb_txn_id(txn) }

  /// Calls `body` with the value under `key` (nil when absent). The buffer points into the map:
  /// valid only inside `body`.
  static func withValue<R>(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer,
                           _ what: @autoclosure () -> String,
                           _ body: (UnsafeRawBufferPointer?) -> R) throws(LMDBError) -> R {
    var k = val(key)
    var v = MDB_val()
    let rc = mdb_get(txn, dbi, &k, &v)
    if rc == MDB_NOTFOUND { return body(nil) }
    try check(rc, "mdb_get(\(what()))")
    return body(buffer(v))
  }

  /// A copy of the value under `key`, or nil.
  static func get(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer,
                  _ what: @autoclosure () -> String) throws(LMDBError) -> [UInt8]? {
    try withValue(txn, dbi, key, what()) { $0.map { Array($0) } }
  }

  /// Stores `value` under `key`. With `noOverwrite`, an existing key is kept and false returned
  /// (content-addressed tables: the value is the same by construction).
  @discardableResult
  static func put(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer,
                  _ value: UnsafeRawBufferPointer, noOverwrite: Bool,
                  _ what: @autoclosure () -> String) throws(LMDBError) -> Bool {
    var k = val(key)
    var v = val(value)
    let rc = mdb_put(txn, dbi, &k, &v, noOverwrite ? UInt32(MDB_NOOVERWRITE) : 0)
    if noOverwrite && rc == MDB_KEYEXIST { return false }
    try check(rc, "mdb_put(\(what()))")
    return true
  }

  /// Deletes `key`; returns false when it was absent.
  @discardableResult
  static func delete(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ key: UnsafeRawBufferPointer,
                     _ what: @autoclosure () -> String) throws(LMDBError) -> Bool {
    var k = val(key)
    let rc = mdb_del(txn, dbi, &k, nil)
    if rc == MDB_NOTFOUND { return false }
    try check(rc, "mdb_del(\(what()))")
    return true
  }

  /// Visits the entries whose keys start with `prefix`, in key order, from the first key not
  /// below `start` (default: the prefix itself), until `body` returns false.
  static func scan(_ txn: OpaquePointer, _ dbi: MDB_dbi, prefix: UnsafeRawBufferPointer,
                   _ what: @autoclosure () -> String,
                   _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool) throws(LMDBError) {
    var cursor: OpaquePointer?
    try check(mdb_cursor_open(txn, dbi, &cursor), "mdb_cursor_open(\(what()))")
    defer { mdb_cursor_close(cursor) }
    var k = val(prefix)
    var v = MDB_val()
    // An empty prefix starts at the first key (MDB_SET_RANGE needs a non-empty key).
    var rc = prefix.isEmpty ? mdb_cursor_get(cursor, &k, &v, MDB_FIRST) : mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
    while rc == 0 {
      let key = buffer(k)
      if !prefix.isEmpty {
        guard key.count >= prefix.count, memcmp(key.baseAddress!, prefix.baseAddress!, prefix.count) == 0 else { return }
      }
      if !body(key, buffer(v)) { return }
      rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
    }
    if rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get(\(what()))") }
  }

  /// Visits the entries from the first key not below `start`, in key order, until `body`
  /// returns false (the caller checks where its range ends).
  static func scan(_ txn: OpaquePointer, _ dbi: MDB_dbi, from start: UnsafeRawBufferPointer,
                   _ what: @autoclosure () -> String,
                   _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool) throws(LMDBError) {
    precondition(!start.isEmpty, "scan(from:) needs a non-empty key")
    var cursor: OpaquePointer?
    try check(mdb_cursor_open(txn, dbi, &cursor), "mdb_cursor_open(\(what()))")
    defer { mdb_cursor_close(cursor) }
    var k = val(start)
    var v = MDB_val()
    var rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
    while rc == 0 {
      if !body(buffer(k), buffer(v)) { return }
      rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
    }
    if rc != MDB_NOTFOUND { try check(rc, "mdb_cursor_get(\(what()))") }
  }

  /// Deletes every entry whose key starts with `prefix` (non-empty); returns how many.
  static func deletePrefix(_ txn: OpaquePointer, _ dbi: MDB_dbi, prefix: UnsafeRawBufferPointer,
                           _ what: @autoclosure () -> String) throws(LMDBError) -> Int {
    precondition(!prefix.isEmpty, "deletePrefix needs a non-empty prefix")
    var cursor: OpaquePointer?
    try check(mdb_cursor_open(txn, dbi, &cursor), "mdb_cursor_open(\(what()))")
    defer { mdb_cursor_close(cursor) }
    var deleted = 0
    while true {
      // Seek again after each delete: the first key not below the prefix is the next victim.
      var k = val(prefix)
      var v = MDB_val()
      let rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
      if rc == MDB_NOTFOUND { return deleted }
      try check(rc, "mdb_cursor_get(\(what()))")
      guard k.mv_size >= prefix.count, memcmp(k.mv_data!, prefix.baseAddress!, prefix.count) == 0 else { return deleted }
      try check(mdb_cursor_del(cursor, 0), "mdb_cursor_del(\(what()))")
      deleted += 1
    }
  }

  /// The last entry of a table (the highest key), copied; nil when empty.
  static func last(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ what: @autoclosure () -> String)
    throws(LMDBError) -> (key: [UInt8], value: [UInt8])?
  {
    var cursor: OpaquePointer?
    try check(mdb_cursor_open(txn, dbi, &cursor), "mdb_cursor_open(\(what()))")
    defer { mdb_cursor_close(cursor) }
    var k = MDB_val()
    var v = MDB_val()
    let rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST)
    if rc == MDB_NOTFOUND { return nil }
    try check(rc, "mdb_cursor_get(\(what()))")
    return (Array(buffer(k)), Array(buffer(v)))
  }

  /// A table's entries and the pages its B-tree occupies (branch, leaf and overflow).
  static func stat(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ what: @autoclosure () -> String) throws(LMDBError) -> (entries: Int, pages: Int, pageSize: Int) {
    var stat = MDB_stat()
    try check(mdb_stat(txn, dbi, &stat), "mdb_stat(\(what()))")
    return (stat.ms_entries, stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages, Int(stat.ms_psize))
  }

  /// The number of entries in a table.
  static func count(_ txn: OpaquePointer, _ dbi: MDB_dbi, _ what: @autoclosure () -> String) throws(LMDBError) -> Int {
    var stat = MDB_stat()
    try check(mdb_stat(txn, dbi, &stat), "mdb_stat(\(what()))")
    return stat.ms_entries
  }
}

// MARK: - POSIX helpers

/// The text of an errno value.
func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// Creates directory `path` and its missing parents.
func makeDirectories(_ path: String) -> Int32? {
  var built = path.hasPrefix("/") ? "" : "."
  for part in path.split(separator: "/", omittingEmptySubsequences: true) {
    built += "/" + part
    if mkdir(built, 0o755) != 0 && errno != EEXIST { return errno }
  }
  return nil
}

/// True when something exists at `path`.
func pathExists(_ path: String) -> Bool { access(path, F_OK) == 0 }

/// The writer's advisory lock: `flock(LOCK_EX | LOCK_NB)` on a file of its own, holding the
/// writer's pid for the error message of whoever comes second. Released when the descriptor
/// closes (deinit, or the process's death, SIGKILL included: no stale lock to clean up).
///
/// flock belongs to the open file description, so a second `open` in the same process conflicts
/// as a second process does.
final class WriterLockFile: @unchecked Sendable {
  // SAFETY: `fd` is set once in init and closed once in deinit.
  private let fd: Int32

  /// Why the lock was not taken.
  enum Failure: Error {
    case held(pid: Int32?)
    case io(operation: String, code: Int32)
  }

  init(path: String) throws(Failure) {
    let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .io(operation: "open(\(path))", code: errno) }
    if flock(fd, LOCK_EX | LOCK_NB) != 0 {
      let code = errno
      defer { close(fd) }
      if code == EWOULDBLOCK {
        var buf = [UInt8](repeating: 0, count: 32)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 32, 0) }
        let text = n > 0 ? String(decoding: buf[..<n], as: UTF8.self) : ""
        throw .held(pid: Int32(text.trimmingWhitespace()))
      }
      throw .io(operation: "flock(\(path))", code: code)
    }
    let pid = Array("\(getpid())\n".utf8)
    _ = ftruncate(fd, 0)
    _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    self.fd = fd
  }

  deinit { close(fd) }
}

extension String {
  fileprivate func trimmingWhitespace() -> String {
    String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
  }
}

/// A pthread readers–writer lock: read transactions hold it shared; resizing the map holds it
/// exclusive, so no reader has pointers into the map while it moves.
final class MapLock: @unchecked Sendable {
  // SAFETY: the pthread_rwlock_t lives at a fixed address for the object's lifetime (pthread
  // locks must not move), allocated in init and destroyed in deinit.
  private let lock: UnsafeMutablePointer<pthread_rwlock_t>

  init() {
    lock = .allocate(capacity: 1)
    lock.initialize(to: pthread_rwlock_t())
    pthread_rwlock_init(lock, nil)
  }

  deinit {
    pthread_rwlock_destroy(lock)
    lock.deallocate()
  }

  func lockShared() { pthread_rwlock_rdlock(lock) }
  func unlock() { pthread_rwlock_unlock(lock) }

  /// Takes the lock exclusively, waiting at most `seconds`; false on timeout. Polls with
  /// trywrlock rather than blocking, so a thread that itself holds the lock shared (a write
  /// nested in a read) gets a timeout instead of a deadlock.
  func lockExclusive(waitingAtMost seconds: Double) -> Bool {
    var waited = 0.0
    while pthread_rwlock_trywrlock(lock) != 0 {
      if waited >= seconds { return false }
      usleep(1000)
      waited += 0.001
    }
    return true
  }
}

/// An error-checking pthread mutex (one writer at a time within the process): relocking from
/// the thread that holds it is reported instead of deadlocking.
final class WriterMutex: @unchecked Sendable {
  // SAFETY: as `MapLock`: a fixed address from init to deinit.
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>

  init() {
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    var attr = pthread_mutexattr_t()
    pthread_mutexattr_init(&attr)
    pthread_mutexattr_settype(&attr, Int32(PTHREAD_MUTEX_ERRORCHECK))
    pthread_mutex_init(mutex, &attr)
    pthread_mutexattr_destroy(&attr)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  /// Takes the mutex; false when this thread already holds it.
  func lock() -> Bool { pthread_mutex_lock(mutex) != EDEADLK }
  func unlock() { pthread_mutex_unlock(mutex) }
}
