#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Runs `body(worker)` for workers 0..<count on OS threads and returns when all have finished.
///
/// The threads come from a process-wide pool of parked workers (started on first use, each
/// with a large stack: EVM frames nest by recursion, and a 1024-deep call chain needs more than
/// a default 512 KiB–8 MiB thread stack), so a block pays a wake-up rather than a thread start.
/// With `callerRuns`, the calling thread runs worker 0 itself (it must then have the stack the
/// body needs, as it would to run the same work serially): one worker starts at once, whatever
/// the latency of waking the others. Woken workers spin briefly for the next job before parking
/// again, and the caller spins briefly for the last worker before sleeping: Block-STM hands out
/// jobs a fraction of a millisecond apart (its windows), and on this project's VMs a parked
/// thread sometimes took 1–3 ms to wake. Callers on several threads at once each get their own
/// workers (the pool grows).
///
/// OS threads rather than tasks: workers block on each other (Block-STM dependencies), which
/// would starve Swift's cooperative pool.
public func runOnWorkerThreads(_ count: Int, callerRuns: Bool = false, _ body: @escaping @Sendable (Int) -> Void) {
  let n = max(1, count)
  let first = callerRuns ? 1 : 0
  let completion = Completion(remaining: n - first)
  if n > first {
    let workers = WorkerPool.shared.take(n - first)
    for (k, worker) in workers.enumerated() {
      worker.start(Job(body: body, index: first + k, completion: completion))
    }
  }
  if callerRuns { body(0) }
  // The countdown's acquire (or its mutex) orders every worker's writes before the caller's
  // later reads.
  completion.wait()
}

/// How long a thread spins for the next event before sleeping on a condition variable.
private let spinNanoseconds: UInt64 = 300_000

/// Spins until `done()` or the spin time is over; returns `done()`'s last answer.
@inline(__always) private func spin(until done: () -> Bool) -> Bool {
  if done() { return true }
  let start = monotonicNanoseconds()
  var rounds = 0
  while true {
    if done() { return true }
    rounds += 1
    if rounds & 15 == 0 {
      if monotonicNanoseconds() &- start > spinNanoseconds { return done() }
      sched_yield()  // let a thread with work have this CPU
    }
  }
}

/// A pthread mutex and condition variable at a stable address.
private struct MutexAndCondition {
  let mutex: UnsafeMutablePointer<pthread_mutex_t>
  let cond: UnsafeMutablePointer<pthread_cond_t>

  init() {
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    pthread_mutex_init(mutex, nil)
    cond = .allocate(capacity: 1)
    cond.initialize(to: pthread_cond_t())
    pthread_cond_init(cond, nil)
  }

  func destroy() {
    pthread_cond_destroy(cond)
    pthread_mutex_destroy(mutex)
    cond.deallocate()
    mutex.deallocate()
  }
}

/// A countdown the caller waits on: an atomic count (spun on first), and a mutex and condition
/// variable to sleep on after that.
private final class Completion: @unchecked Sendable {
  // SAFETY: the condition is only waited on and signalled under `sync.mutex`; the count is atomic.
  private let sync = MutexAndCondition()
  private let remaining: Atomic<Int>

  init(remaining: Int) { self.remaining = Atomic(remaining) }
  deinit { sync.destroy() }

  func finishOne() {
    if remaining.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
      // Under the mutex: a waiter that saw a non-zero count is inside cond_wait, not between
      // its check and the wait.
      pthread_mutex_lock(sync.mutex)
      pthread_cond_broadcast(sync.cond)
      pthread_mutex_unlock(sync.mutex)
    }
  }

  func wait() {
    if spin(until: { remaining.load(ordering: .acquiring) == 0 }) { return }
    pthread_mutex_lock(sync.mutex)
    while remaining.load(ordering: .acquiring) > 0 { pthread_cond_wait(sync.cond, sync.mutex) }
    pthread_mutex_unlock(sync.mutex)
  }
}

/// One worker's share of a `runOnWorkerThreads` call.
private struct Job {
  let body: @Sendable (Int) -> Void
  let index: Int
  let completion: Completion
}

/// The parked workers. A worker runs one job, returns itself to the idle list, then reports
/// the job finished (so the caller's next call finds it idle).
private final class WorkerPool: @unchecked Sendable {
  // SAFETY: `idle` is only touched under `sync.mutex`.
  static let shared = WorkerPool()
  static let stackSize = 256 << 20

  private let sync = MutexAndCondition()
  private var idle: [PooledWorker] = []

  /// `n` idle workers, starting new ones when too few are parked.
  func take(_ n: Int) -> [PooledWorker] {
    pthread_mutex_lock(sync.mutex)
    let reused = Array(idle.suffix(n))
    idle.removeLast(reused.count)
    pthread_mutex_unlock(sync.mutex)
    var workers = reused
    while workers.count < n { workers.append(PooledWorker(pool: self)) }
    return workers
  }

  func park(_ worker: PooledWorker) {
    pthread_mutex_lock(sync.mutex)
    idle.append(worker)
    pthread_mutex_unlock(sync.mutex)
  }
}

/// One OS thread waiting for jobs.
private final class PooledWorker: @unchecked Sendable {
  // SAFETY: `job` is only touched under `sync.mutex`; the pool hands a worker to one caller at
  // a time, and the worker parks itself only after taking its job.
  private let sync = MutexAndCondition()
  private var job: Job?
  /// Set (after `job`, under the mutex) when a job is waiting: what a spinning worker polls.
  private let hasJob = Atomic<Bool>(false)
  private unowned let pool: WorkerPool
  /// Set when the thread could not be created: jobs run on the caller.
  private var inline = false

  init(pool: WorkerPool) {
    self.pool = pool
    // The thread holds the worker for good.
    if !startDetachedThread(stackSize: WorkerPool.stackSize, { self.loop() }) { inline = true }
  }

  func start(_ job: Job) {
    if inline {
      job.body(job.index)
      job.completion.finishOne()
      return
    }
    pthread_mutex_lock(sync.mutex)
    self.job = job
    hasJob.store(true, ordering: .releasing)
    pthread_cond_signal(sync.cond)
    pthread_mutex_unlock(sync.mutex)
  }

  private func loop() -> Never {
    while true {
      _ = spin(until: { hasJob.load(ordering: .acquiring) })
      pthread_mutex_lock(sync.mutex)
      while job == nil { pthread_cond_wait(sync.cond, sync.mutex) }
      let current = job!
      job = nil
      hasJob.store(false, ordering: .relaxed)
      pthread_mutex_unlock(sync.mutex)
      current.body(current.index)
      pool.park(self)
      current.completion.finishOne()
    }
  }
}

/// Drops `object` (the last reference to it, the caller's, is handed over) on a background
/// thread. Block-STM's per-block structures (a version array per location, a read set and a
/// result per transaction) took ~7% of a light block's instructions to free, on the thread that
/// goes on to settle the next window or commit the block; freeing them belongs off that path.
func releaseInBackground(_ object: some AnyObject & Sendable) {
  Reaper.shared.add(object)
}

/// Waits until everything handed to the background release has been dropped (benchmarks use it
/// to keep one run's freeing out of the next run's timing).
public func waitForBackgroundReleases() {
  Reaper.shared.drain()
}

/// One thread that drops what it is handed.
private final class Reaper: @unchecked Sendable {
  // SAFETY: `pending` is only touched under `sync.mutex`.
  static let shared = Reaper()
  private let sync = MutexAndCondition()
  private var pending: [AnyObject] = []
  private var started = false
  /// Objects handed over and not yet dropped.
  private var outstanding = 0

  func add(_ object: AnyObject) {
    pthread_mutex_lock(sync.mutex)
    pending.append(object)
    outstanding += 1
    let start = !started
    started = true
    pthread_cond_signal(sync.cond)
    pthread_mutex_unlock(sync.mutex)
    if start { startThread() }
  }

  private func startThread() {
    if !startDetachedThread({ self.loop() }) {
      // No thread: drop here; the next call tries to start one again.
      pthread_mutex_lock(sync.mutex)
      pending.removeAll()
      outstanding = 0
      started = false
      pthread_mutex_unlock(sync.mutex)
    }
  }

  private func loop() -> Never {
    while true {
      pthread_mutex_lock(sync.mutex)
      while pending.isEmpty { pthread_cond_wait(sync.cond, sync.mutex) }
      var batch: [AnyObject] = []
      swap(&batch, &pending)
      pthread_mutex_unlock(sync.mutex)
      let dropped = batch.count
      batch.removeAll()  // the deinitialisers run here, outside the lock
      pthread_mutex_lock(sync.mutex)
      outstanding -= dropped
      if outstanding == 0 { pthread_cond_broadcast(sync.cond) }
      pthread_mutex_unlock(sync.mutex)
    }
  }

  func drain() {
    pthread_mutex_lock(sync.mutex)
    while outstanding > 0 && started { pthread_cond_wait(sync.cond, sync.mutex) }
    pthread_mutex_unlock(sync.mutex)
  }
}

/// Starts a detached OS thread running `body` (which keeps what it captures for the thread's
/// life). Returns false when the thread could not be created.
private func startDetachedThread(stackSize: Int? = nil, _ body: @escaping @Sendable () -> Void) -> Bool {
  final class Box: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
  }
  var attr = pthread_attr_t()
  pthread_attr_init(&attr)
  if let stackSize { pthread_attr_setstacksize(&attr, stackSize) }
  pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
  var t = pthread_t()
  let box = Unmanaged.passRetained(Box(body)).toOpaque()
  let rc = pthread_create(&t, &attr, { raw in
    Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
    return nil
  }, box)
  pthread_attr_destroy(&attr)
  if rc != 0 {
    Unmanaged<Box>.fromOpaque(box).release()
    return false
  }
  return true
}

/// `body(i)` for every i in 0..<count, in order in the result, computed on up to `threads` OS
/// threads (the caller is one of them; `runOnWorkerThreads`' pool supplies the others).
///
/// Workers claim runs of `chunk` indices from a shared counter, so one slow element never
/// leaves the others idle. One thread (or a count no larger than `chunk`) maps in place.
/// - Complexity: O(count) calls of `body`, about count / threads of wall time.
public func parallelMap<T: Sendable>(
  count: Int, threads: Int, chunk: Int = 8, _ body: @escaping @Sendable (Int) -> T
) -> [T] {
  let chunk = max(1, chunk)
  let workers = min(max(1, threads), (count + chunk - 1) / chunk)
  if workers <= 1 { return (0..<count).map(body) }
  return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
    let job = ParallelMapJob(count: count, chunk: chunk, results: buffer, body: body)
    runOnWorkerThreads(workers, callerRuns: true) { _ in job.work() }
    initialized = count
  }
}

/// The shared state of one `parallelMap`.
///
/// SAFETY (`@unchecked Sendable`): `results` points at `count` uninitialized slots owned by
/// `parallelMap`, which outlives every worker (`runOnWorkerThreads` returns after all have
/// finished, and orders their writes before its return). Each index is claimed by exactly one
/// worker through `next` (fetch-add), which initializes that slot once and never reads it.
final class ParallelMapJob<T: Sendable>: @unchecked Sendable {
  let count: Int
  let chunk: Int
  let results: UnsafeMutableBufferPointer<T>
  let body: @Sendable (Int) -> T
  /// The next unclaimed index. Relaxed: a work counter, publishing nothing.
  let next = Atomic<Int>(0)
  /// Set when the results are no longer wanted: workers stop claiming (each finishes the
  /// chunk it holds, so the slots made are exactly those below `next`).
  let cancelled = Atomic<Bool>(false)
  /// Per chunk, set once its results are made (releasing: `isMade` acquires them).
  private let made: AtomicArray

  init(count: Int, chunk: Int, results: UnsafeMutableBufferPointer<T>, body: @escaping @Sendable (Int) -> T) {
    self.count = count; self.chunk = chunk; self.results = results; self.body = body
    made = AtomicArray(count: max(1, (count + chunk - 1) / chunk))
  }

  func work() {
    while workOneChunk() {}
  }

  /// Claims the next chunk and makes its results; false when none is left (or cancelled).
  func workOneChunk() -> Bool {
    if cancelled.load(ordering: .relaxed) { return false }
    let start = next.wrappingAdd(chunk, ordering: .relaxed).oldValue
    if start >= count { return false }
    for i in start..<min(start + chunk, count) {
      // SAFETY: i < count and this worker alone claimed i (see the type's invariant).
      (results.baseAddress! + i).initialize(to: body(i))
    }
    made[start / chunk].store(1, ordering: .releasing)
    return true
  }

  /// Whether result `i` is made (and visible to the caller).
  func isMade(_ i: Int) -> Bool {
    made[i / chunk].load(ordering: .acquiring) != 0
  }
}

/// A `parallelMap` started ahead of need: `helpers` pool workers begin on it at once, and
/// `finish` joins in with the caller (and more workers) when the results are wanted. Import
/// prepares the next block's transactions this way while the current block executes and
/// commits, which leaves a core idle in its serial stretches.
public final class BackgroundMap<T: Sendable>: @unchecked Sendable {
  // SAFETY: `buffer` holds `count` slots, each initialized once by the worker that claimed it
  // (see `ParallelMapJob`); they are read (moved out) only by `finish`, after every worker
  // of the job has finished, or the ones made are deinitialized by `deinit` after the same
  // wait. `finished` is only touched by the single caller of `finish` and by `deinit`.
  private let count: Int
  private let buffer: UnsafeMutablePointer<T>
  private let job: ParallelMapJob<T>
  private let helpers: Completion
  private var finished = false

  public init(count: Int, chunk: Int = 8, helpers: Int = 1, _ body: @escaping @Sendable (Int) -> T) {
    self.count = count
    buffer = .allocate(capacity: max(1, count))
    let job = ParallelMapJob(count: count, chunk: max(1, chunk),
                             results: UnsafeMutableBufferPointer(start: buffer, count: count), body: body)
    self.job = job
    let n = count > 0 ? max(0, helpers) : 0
    self.helpers = Completion(remaining: n)
    for (k, worker) in WorkerPool.shared.take(n).enumerated() {
      worker.start(Job(body: { _ in job.work() }, index: k, completion: self.helpers))
    }
  }

  /// Maps what the helpers have not claimed yet on the caller and `threads - 1` more workers,
  /// waits for the helpers' last elements, and returns every result in order. Call once.
  public func finish(threads: Int) -> [T] {
    precondition(!finished, "BackgroundMap.finish called twice")
    let job = self.job
    runOnWorkerThreads(max(1, threads), callerRuns: true) { _ in job.work() }
    helpers.wait()
    finished = true
    // An empty result without `unsafeUninitializedCapacity`: for 0 it writes the count into the
    // shared empty-array storage, which ThreadSanitizer reports when two threads do it at once.
    if count == 0 { return [] }
    return [T](unsafeUninitializedCapacity: count) { out, initialized in
      out.baseAddress!.moveInitialize(from: buffer, count: count)
      initialized = count
    }
  }

  /// Element `i`, as soon as it is made: while it is not, the caller makes the next unclaimed
  /// chunk itself (which holds `i` when nobody has claimed it yet), or waits for the worker
  /// making it. Import executes a block's transactions in order this way while the later
  /// senders are still being recovered. Call before `finish`, from the thread that will call it.
  public func element(_ i: Int) -> T {
    precondition(!finished && i >= 0 && i < count, "BackgroundMap.element out of range or after finish")
    var spins = 0
    while !job.isMade(i) {
      if job.workOneChunk() { continue }
      spins += 1
      if spins & 63 == 0 { sched_yield() }
    }
    // SAFETY: made (acquired above) and never written again; moved out only by `finish`.
    return buffer[i]
  }

  /// Dropped unfinished (the block before failed): the helpers stop after their current chunk,
  /// and the elements made are freed.
  deinit {
    if !finished {
      job.cancelled.store(true, ordering: .relaxed)
      helpers.wait()  // acquires every helper's writes
      buffer.deinitialize(count: min(count, job.next.load(ordering: .relaxed)))
    }
    buffer.deallocate()
  }
}
