import EVM
import Primitives
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Recovers the sender of every transaction of a block, spread over `threads` OS threads.
///
/// Workers claim small runs of indices from a shared atomic counter, so a slow recovery on one
/// thread never leaves the others idle; the calling thread is one of the workers.
/// - Parameters:
///   - txs: the block's transactions, in order.
///   - fork: the block's fork (EIP-2 low-s from Homestead on).
///   - threads: how many threads to use, the caller's included; clamped to 1...txs.count.
/// - Returns: for each transaction, in order, its sender or why recovery failed.
/// - Complexity: O(n) recoveries, about n / threads of wall time each.
public func recoverSenders(_ txs: [Transaction], fork: Fork, threads: Int)
  -> [Result<Address, TransactionError>]
{
  let lowS = fork >= .homestead
  let n = txs.count
  let workers = max(1, min(threads, n))
  if workers == 1 {
    return txs.map { tx in
      do throws(TransactionError) { return .success(try tx.recoverSender(lowS: lowS)) } catch { return .failure(error) }
    }
  }
  return [Result<Address, TransactionError>](unsafeUninitializedCapacity: n) { buffer, count in
    let job = RecoveryJob(txs: txs, lowS: lowS, results: buffer)
    var spawned: [RecoveryThread] = []
    for _ in 1..<workers {
      if let thread = RecoveryThread(job) { spawned.append(thread) }
    }
    job.work()
    // pthread_join orders every worker's writes to `buffer` before the reads that follow.
    for thread in spawned { thread.join() }
    count = n
  }
}

/// The shared state of one batch recovery.
///
/// SAFETY (`@unchecked Sendable`): `results` points at `txs.count` uninitialized slots owned by
/// `recoverSenders`, which outlives every worker (it joins them before returning). Each index is
/// claimed by exactly one worker through `next` (fetch-add), which initializes that slot once and
/// never reads it; the caller reads the slots only after joining every worker.
final class RecoveryJob: @unchecked Sendable {
  let txs: [Transaction]
  let lowS: Bool
  let results: UnsafeMutableBufferPointer<Result<Address, TransactionError>>
  /// The next unclaimed index. Relaxed: a plain work counter, publishing nothing.
  let next = Atomic<Int>(0)
  /// Indices claimed per fetch-add: amortises the shared cache line over a few recoveries.
  static let chunk = 4

  init(txs: [Transaction], lowS: Bool, results: UnsafeMutableBufferPointer<Result<Address, TransactionError>>) {
    self.txs = txs; self.lowS = lowS; self.results = results
  }

  func work() {
    let n = txs.count
    while true {
      let start = next.wrappingAdd(RecoveryJob.chunk, ordering: .relaxed).oldValue
      if start >= n { return }
      for i in start..<min(start + RecoveryJob.chunk, n) {
        let result: Result<Address, TransactionError>
        do throws(TransactionError) { result = .success(try txs[i].recoverSender(lowS: lowS)) } catch { result = .failure(error) }
        // SAFETY: i < n and this worker alone claimed i (see the type's invariant).
        (results.baseAddress! + i).initialize(to: result)
      }
    }
  }
}

/// One worker OS thread running `RecoveryJob.work`.
struct RecoveryThread {
  #if canImport(Darwin)
  var handle: pthread_t?
  #else
  var handle: pthread_t = 0
  #endif

  /// Starts a thread; nil if the system refuses (the remaining workers absorb its share).
  init?(_ job: RecoveryJob) {
    let context = Unmanaged.passRetained(job).toOpaque()
    let rc = pthread_create(&handle, nil, { raw in
      #if canImport(Darwin)
      let job = Unmanaged<RecoveryJob>.fromOpaque(raw).takeRetainedValue()
      #else
      let job = Unmanaged<RecoveryJob>.fromOpaque(raw!).takeRetainedValue()
      #endif
      job.work()
      return nil
    }, context)
    if rc != 0 {
      Unmanaged<RecoveryJob>.fromOpaque(context).release()
      return nil
    }
  }

  func join() {
    #if canImport(Darwin)
    if let handle { pthread_join(handle, nil) }
    #else
    pthread_join(handle, nil)
    #endif
  }
}
