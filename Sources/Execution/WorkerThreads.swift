#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body(worker)` on `count` OS threads and returns when all have finished.
///
/// The threads come from a process-wide pool of parked workers (started on first use, each
/// with a large stack: EVM frames nest by recursion, and a 1024-deep call chain needs more than
/// a default 512 KiB–8 MiB thread stack), so a block pays a wake-up rather than a thread start:
/// Block-STM runs one or two parallel windows per block, and creating their threads measured a
/// few percent of a 30M-gas block of transfers. Callers on several threads at once each get
/// their own workers (the pool grows).
///
/// OS threads rather than tasks: workers block on each other (Block-STM dependencies), which
/// would starve Swift's cooperative pool.
public func runOnWorkerThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
  let n = max(1, count)
  let completion = Completion(remaining: n)
  let workers = WorkerPool.shared.take(n)
  for (i, worker) in workers.enumerated() {
    worker.start(Job(body: body, index: i, completion: completion))
  }
  // The mutex in `Completion` orders every worker's writes before the caller's later reads.
  completion.wait()
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

/// A countdown the caller waits on.
private final class Completion: @unchecked Sendable {
  // SAFETY: `remaining` is only touched under `sync.mutex`.
  private let sync = MutexAndCondition()
  private var remaining: Int

  init(remaining: Int) { self.remaining = remaining }
  deinit { sync.destroy() }

  func finishOne() {
    pthread_mutex_lock(sync.mutex)
    remaining -= 1
    if remaining == 0 { pthread_cond_broadcast(sync.cond) }
    pthread_mutex_unlock(sync.mutex)
  }

  func wait() {
    pthread_mutex_lock(sync.mutex)
    while remaining > 0 { pthread_cond_wait(sync.cond, sync.mutex) }
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
  private unowned let pool: WorkerPool
  /// Set when the thread could not be created: jobs run on the caller.
  private var inline = false

  init(pool: WorkerPool) {
    self.pool = pool
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    pthread_attr_setstacksize(&attr, WorkerPool.stackSize)
    pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
    var t = pthread_t()
    let me = Unmanaged.passRetained(self).toOpaque()  // the thread's reference, never released
    let rc = pthread_create(&t, &attr, { raw in
      Unmanaged<PooledWorker>.fromOpaque(raw!).takeUnretainedValue().loop()
    }, me)
    pthread_attr_destroy(&attr)
    if rc != 0 {
      Unmanaged<PooledWorker>.fromOpaque(me).release()
      inline = true
    }
  }

  func start(_ job: Job) {
    if inline {
      job.body(job.index)
      job.completion.finishOne()
      return
    }
    pthread_mutex_lock(sync.mutex)
    self.job = job
    pthread_cond_signal(sync.cond)
    pthread_mutex_unlock(sync.mutex)
  }

  private func loop() -> Never {
    while true {
      pthread_mutex_lock(sync.mutex)
      while job == nil { pthread_cond_wait(sync.cond, sync.mutex) }
      let current = job!
      job = nil
      pthread_mutex_unlock(sync.mutex)
      current.body(current.index)
      pool.park(self)
      current.completion.finishOne()
    }
  }
}
