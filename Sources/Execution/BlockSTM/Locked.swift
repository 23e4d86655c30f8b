#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A value behind a pthread mutex (as SwiftNIO's `NIOLockedValueBox`).
///
/// Used instead of `Synchronization.Mutex` because ThreadSanitizer sees pthread locks (it
/// intercepts them) but not the Linux `Mutex`'s futex word, and reports every access it guards
/// as a race: the Block-STM tests must run clean under TSan. The lock is not recursive. Public
/// for the other targets' cross-thread queues (the import's block writer) for the same reason.
public final class Locked<Value>: @unchecked Sendable {
  // SAFETY: `value` is only read or written between `pthread_mutex_lock` and
  // `pthread_mutex_unlock` of `mutex`, which this object allocates, owns and frees.
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private var value: Value

  public init(_ value: Value) {
    self.value = value
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    let rc = pthread_mutex_init(mutex, nil)
    precondition(rc == 0, "pthread_mutex_init failed: \(rc)")
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deinitialize(count: 1)
    mutex.deallocate()
  }

  /// Runs `body` with exclusive access to the value.
  @inline(__always)
  public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }

  /// Runs `body` with exclusive access to the value when the lock is free now; nil when
  /// another thread holds it (`body` does not run).
  @inline(__always)
  func withLockIfAvailable<R>(_ body: (inout Value) throws -> R) rethrows -> R? {
    guard pthread_mutex_trylock(mutex) == 0 else { return nil }
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }
}

/// A few atomic words, each on a cache line of its own: the scheduler's counters and
/// `StripedLocked`'s locks (packed, one worker's update took the line from the others' caches).
final class PaddedAtomics: Sendable {
  // SAFETY: allocated and initialised in `init`, freed in `deinit`, and only ever accessed
  // through `Atomic`'s operations in between.
  private nonisolated(unsafe) let base: UnsafeMutableRawPointer
  let count: Int
  private static var stride: Int { 64 }

  init(count: Int) {
    self.count = count
    base = .allocate(byteCount: max(1, count) * Self.stride, alignment: Self.stride)
    for i in 0..<count {
      (base + i * Self.stride).bindMemory(to: Atomic<Int>.self, capacity: 1).initialize(to: Atomic(0))
    }
  }

  deinit {
    for i in 0..<count { (base + i * Self.stride).assumingMemoryBound(to: Atomic<Int>.self).deinitialize(count: 1) }
    base.deallocate()
  }

  /// Word `i`'s address.
  @inline(__always) func pointer(_ i: Int) -> UnsafePointer<Atomic<Int>> {
    UnsafePointer((base + i * Self.stride).assumingMemoryBound(to: Atomic<Int>.self))
  }

  @inline(__always) subscript(i: Int) -> Atomic<Int> {
    unsafeAddress { pointer(i) }
  }
}

/// `count` values in one allocation, guarded by a fixed set of spin locks (value `i` by lock
/// `i % stripes`): one allocation for a block's worth of per-transaction records instead of an
/// object and a mutex per transaction, which cost a measurable share of a light block.
///
/// The locks are atomic words (test and test-and-set, yielding the CPU while they stay
/// taken) rather than pthread mutexes: Block-STM holds them for a few hundred instructions,
/// about fourteen times a transaction, and a mutex's lock and unlock cost ~60 instructions
/// where these cost ~10. ThreadSanitizer understands them (an acquiring exchange, a releasing
/// store), unlike the Linux `Mutex`'s futex word.
///
/// Each lock has a cache line of its own (`PaddedAtomics`): packed, sixteen locks shared a line,
/// and two workers taking different locks (neighbouring transactions' records, different
/// shards) took the line from each other's cache on every acquire and release.
final class StripedLocked<Value>: @unchecked Sendable {
  // SAFETY: element `i` is only read or written while `locks[i & stripeMask]` is held (see
  // `acquire`); the buffers are allocated, initialised and freed by this object alone.
  private let values: UnsafeMutablePointer<Value>
  private let locks: PaddedAtomics
  private let stripeMask: Int
  let count: Int
  /// Set by `destroyAll` (then the deinit leaves the values alone).
  private var destroyed = false

  init(count: Int, stripes: Int = 64, _ initial: Value) {
    precondition(stripes > 0 && stripes & (stripes - 1) == 0, "stripes must be a power of two")
    self.count = count
    stripeMask = stripes - 1
    values = .allocate(capacity: max(1, count))
    values.initialize(repeating: initial, count: count)
    locks = PaddedAtomics(count: stripes)
  }

  deinit {
    if !destroyed { values.deinitialize(count: count) }
    values.deallocate()
  }

  /// Destroys every value now. Inlined where `Value` is concrete, it is a specialised loop; the
  /// deinit, generic, destroys them one by one through the value witnesses (several times the
  /// instructions for a block's worth of results). Only for the owner's deinit: no other thread
  /// may use this object any more, and nothing may after it but its own deinit.
  @inline(__always)
  func destroyAll() {
    precondition(!destroyed, "StripedLocked destroyed twice")
    // One element at a time: `deinitialize(count:)` of many goes through the runtime's
    // `swift_arrayDestroy` and the value witnesses even here.
    for i in 0..<count { (values + i).deinitialize(count: 1) }
    destroyed = true
  }

  /// Runs `body` with exclusive access to value `index`.
  @inline(__always)
  func withLock<R>(_ index: Int, _ body: (inout Value) throws -> R) rethrows -> R {
    precondition(index >= 0 && index < count, "StripedLocked index out of range")
    let lock = locks.pointer(index & stripeMask)
    Self.acquire(lock)
    // Releasing: pairs with the acquiring exchange in `acquire` of the next holder.
    defer { lock.pointee.store(0, ordering: .releasing) }
    return try body(&values[index])
  }

  @inline(__always)
  private static func acquire(_ lock: UnsafePointer<Atomic<Int>>) {
    // Acquiring: pairs with the releasing store that ended the previous holder's section.
    if lock.pointee.compareExchange(expected: 0, desired: 1, successOrdering: .acquiring,
                                    failureOrdering: .relaxed).exchanged { return }
    acquireContended(lock)
  }

  @inline(never)
  private static func acquireContended(_ lock: UnsafePointer<Atomic<Int>>) {
    var spins = 0
    while true {
      // Read-only until the lock looks free (no cache-line ping-pong), yielding now and then:
      // with more threads than cores, the holder may be waiting for this CPU.
      while lock.pointee.load(ordering: .relaxed) != 0 {
        spins += 1
        if spins & 63 == 0 { sched_yield() }
      }
      if lock.pointee.compareExchange(expected: 0, desired: 1, successOrdering: .acquiring,
                                      failureOrdering: .relaxed).exchanged { return }
    }
  }
}

/// Append-only memory for one worker's read and write sets, which are plain values (no
/// references): an incarnation's sets are copied here once and published by pointer, so that
/// recording, validating and freeing them costs no allocation, reference count or per-element
/// destruction (they were three arrays an incarnation).
///
/// Only the owning worker allocates; the bytes it hands out are written before they are
/// published (under the records' lock, which orders them for readers on other threads), and
/// are neither moved nor freed until the arena is, with its window.
final class WorkerArena: @unchecked Sendable {
  // SAFETY: `chunks`, `cursor` and `end` are touched only by the owning worker (`allocate`)
  // and by deinit; the memory handed out is immutable once published (see above).
  private var chunks: [UnsafeMutableRawPointer] = []
  private var cursor: UnsafeMutableRawPointer? = nil
  private var end: UnsafeMutableRawPointer? = nil
  private static let chunkBytes = 64 << 10

  init() {}

  deinit {
    for c in chunks { c.deallocate() }
  }

  /// `count` uninitialised elements of a plain type.
  @inline(__always)
  func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutableBufferPointer<T> {
    precondition(_isPOD(T.self), "WorkerArena holds plain values only")
    if count == 0 { return UnsafeMutableBufferPointer(start: nil, count: 0) }
    let bytes = MemoryLayout<T>.stride * count
    let alignment = MemoryLayout<T>.alignment
    if let c = cursor, let e = end {
      let start = c.alignedUp(toMultipleOf: alignment)
      if e - start >= bytes {
        cursor = start + bytes
        return UnsafeMutableBufferPointer(start: start.bindMemory(to: T.self, capacity: count), count: count)
      }
    }
    let size = Swift.max(Self.chunkBytes, bytes + alignment)
    let chunk = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
    chunks.append(chunk)
    let start = chunk.alignedUp(toMultipleOf: alignment)
    cursor = start + bytes
    end = chunk + size
    return UnsafeMutableBufferPointer(start: start.bindMemory(to: T.self, capacity: count), count: count)
  }

  /// A copy of `elements` here.
  @inline(__always)
  func copy<T>(_ elements: UnsafeBufferPointer<T>) -> UnsafeBufferPointer<T> {
    let out = allocate(T.self, count: elements.count)
    if !elements.isEmpty { out.baseAddress!.initialize(from: elements.baseAddress!, count: elements.count) }
    return UnsafeBufferPointer(out)
  }
}

/// A growable list of plain values that one owner empties and refills many times (an
/// incarnation's read log): emptying is setting the count to zero. An `Array`'s
/// `removeAll(keepingCapacity:)` is a generic range replacement, ~70 instructions each time.
struct ScratchList<Element>: ~Copyable {
  private var start: UnsafeMutablePointer<Element>
  private var capacity: Int
  private(set) var count = 0

  init(capacity: Int = 16) {
    precondition(_isPOD(Element.self), "ScratchList holds plain values only")
    self.capacity = max(1, capacity)
    start = .allocate(capacity: self.capacity)
  }

  deinit { start.deallocate() }

  @inline(__always) mutating func removeAll() { count = 0 }

  @inline(__always) mutating func append(_ e: Element) {
    if count == capacity { grow() }
    (start + count).initialize(to: e)
    count += 1
  }

  @inline(never) private mutating func grow() {
    let bigger = UnsafeMutablePointer<Element>.allocate(capacity: 2 * capacity)
    bigger.moveInitialize(from: start, count: count)
    start.deallocate()
    start = bigger
    capacity *= 2
  }

  @inline(__always) subscript(i: Int) -> Element {
    precondition(i >= 0 && i < count, "ScratchList index out of range")
    return start[i]
  }

  /// The elements (valid until the next change).
  @inline(__always) var elements: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: start, count: count) }
}
