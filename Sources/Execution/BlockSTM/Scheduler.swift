import Synchronization

/// A unit of work handed to a worker: execute or validate one incarnation of one transaction.
enum SchedulerTask: Equatable, Sendable {
  case execute(TxIndex, Incarnation)
  case validate(TxIndex, Incarnation)
}

/// The collaborative scheduler of Block-STM (arXiv 2203.06871, Algorithms 4 and 5).
///
/// Two shared counters hand out work in transaction order: `executionIndex` (the next
/// transaction to execute) and `validationIndex` (the next one to validate); workers take the
/// lower of the two kinds first. A failed validation or a resumed dependency lowers a counter;
/// `decreaseCount` lets the done check notice a decrease that raced with it.
///
/// Each transaction's status is one `Atomic<UInt64>`: incarnation << 3 | committed << 2 | phase.
/// The committed bit is set on an EXECUTED transaction whose final incarnation the executor has
/// settled during the parallel phase (`tryCommit`): every transaction below it is committed and
/// its read set validated against them, so no later validation can abort it (the abort's
/// compare-exchange expects the word without the bit), and none is handed out for it.
///
/// ```
///                  try_incarnate                 finish_execution
///   READY(i) ──────────────────────► EXECUTING(i) ─────────────────► EXECUTED(i)
///      ▲                                  │                              │
///      │ resume_dependencies              │ add_dependency               │ try_validation_abort
///      │ (set_ready_status: i+1)          ▼ (read an ESTIMATE, or a      ▼ (read set stale)
///      └────────────────────────────── ABORTING(i) ◄── nonce ahead) ── ABORTING(i)
///                                         │
///                                         └─ finish_validation (set_ready_status: i+1)
/// ```
/// ABORTING(i) always becomes READY(i+1): the next incarnation. Only the thread that moved a
/// transaction into EXECUTING or ABORTING moves it out, so those transitions are plain stores;
/// READY → EXECUTING and EXECUTED → ABORTING race and use compare-exchange.
///
/// Memory ordering: every operation on the status words and the index counters is sequentially
/// consistent, as in the paper's proof (Aptos uses SeqCst for these as well); the multi-version
/// memory's own locks (pthread mutexes, see `Locked`) order the data. Only the statistics
/// (counters in `ParallelRun`) are relaxed.
final class Scheduler: Sendable {
  enum Phase: UInt64 { case readyToExecute = 0, executing = 1, executed = 2, aborting = 3 }

  /// Per transaction, incarnation << 2 | phase, in one allocation (see `AtomicArray`).
  private let statuses: AtomicArray
  /// Per transaction, the transactions suspended until it finishes executing.
  private let dependents: StripedLocked<[TxIndex]>

  let count: Int
  /// The shared counters, a cache line each: every task reads two of them and updates two, and
  /// packed into one line each update took it from the other workers' caches.
  /// `doneMarker` is 0, or 1 once the block is done.
  private let counters = PaddedAtomics(count: 5)
  private static let executionIndex = 0, validationIndex = 1, decreaseCount = 2, activeTasks = 3, doneMarker = 4

  init(transactions: Int) {
    count = transactions
    statuses = AtomicArray(count: transactions)
    dependents = StripedLocked(count: transactions, [])
  }

  @inline(__always) static func pack(_ incarnation: Incarnation, _ phase: Phase) -> UInt64 {
    UInt64(incarnation) << 3 | phase.rawValue
  }
  @inline(__always) static func incarnation(_ s: UInt64) -> Incarnation { Incarnation(s >> 3) }
  @inline(__always) static func phase(_ s: UInt64) -> Phase { Phase(rawValue: s & 3)! }
  static let committedBit: UInt64 = 4

  func status(_ tx: TxIndex) -> (Incarnation, Phase) {
    let s = statuses[tx].load(ordering: .sequentiallyConsistent)
    return (Self.incarnation(s), Self.phase(s))
  }

  var isDone: Bool { counters[Self.doneMarker].load(ordering: .sequentiallyConsistent) != 0 }

  // MARK: Counters

  private func decreaseExecutionIndex(_ target: TxIndex) {
    _ = counters[Self.executionIndex].min(target, ordering: .sequentiallyConsistent)
    counters[Self.decreaseCount].wrappingAdd(1, ordering: .sequentiallyConsistent)
  }

  private func decreaseValidationIndex(_ target: TxIndex) {
    _ = counters[Self.validationIndex].min(target, ordering: .sequentiallyConsistent)
    counters[Self.decreaseCount].wrappingAdd(1, ordering: .sequentiallyConsistent)
  }

  /// Done when both counters are past the block, no task is in flight, and no decrease
  /// happened while we looked.
  private func checkDone() {
    let observed = counters[Self.decreaseCount].load(ordering: .sequentiallyConsistent)
    let e = counters[Self.executionIndex].load(ordering: .sequentiallyConsistent)
    let v = counters[Self.validationIndex].load(ordering: .sequentiallyConsistent)
    if min(e, v) >= count && counters[Self.activeTasks].load(ordering: .sequentiallyConsistent) == 0
      && observed == counters[Self.decreaseCount].load(ordering: .sequentiallyConsistent) {
      counters[Self.doneMarker].store(1, ordering: .sequentiallyConsistent)
    }
  }

  // MARK: Handing out tasks

  /// READY(i) → EXECUTING(i). The caller owns the active-task count on failure.
  private func tryIncarnate(_ tx: TxIndex) -> SchedulerTask? {
    guard tx < count else { return nil }
        var s = statuses[tx].load(ordering: .sequentiallyConsistent)
    while Self.phase(s) == .readyToExecute {
      let desired = Self.pack(Self.incarnation(s), .executing)
      let (exchanged, current) = statuses[tx].compareExchange(
        expected: s, desired: desired, ordering: .sequentiallyConsistent)
      if exchanged { return .execute(tx, Self.incarnation(s)) }
      s = current
    }
    return nil
  }

  private func nextVersionToExecute() -> SchedulerTask? {
    if counters[Self.executionIndex].load(ordering: .sequentiallyConsistent) >= count {
      checkDone()
      return nil
    }
    counters[Self.activeTasks].wrappingAdd(1, ordering: .sequentiallyConsistent)
    let tx = counters[Self.executionIndex].wrappingAdd(1, ordering: .sequentiallyConsistent).oldValue
    if let task = tryIncarnate(tx) { return task }
    counters[Self.activeTasks].wrappingSubtract(1, ordering: .sequentiallyConsistent)
    return nil
  }

  private func nextVersionToValidate() -> SchedulerTask? {
    if counters[Self.validationIndex].load(ordering: .sequentiallyConsistent) >= count {
      checkDone()
      return nil
    }
    counters[Self.activeTasks].wrappingAdd(1, ordering: .sequentiallyConsistent)
    let tx = counters[Self.validationIndex].wrappingAdd(1, ordering: .sequentiallyConsistent).oldValue
    if tx < count {
      let s = statuses[tx].load(ordering: .sequentiallyConsistent)
      // A committed transaction needs no validation: it can no longer be aborted.
      if Self.phase(s) == .executed && s & Self.committedBit == 0 { return .validate(tx, Self.incarnation(s)) }
    }
    counters[Self.activeTasks].wrappingSubtract(1, ordering: .sequentiallyConsistent)
    return nil
  }

  /// The next task, validation first when it lags execution; nil when none is available now.
  func nextTask() -> SchedulerTask? {
    let v = counters[Self.validationIndex].load(ordering: .sequentiallyConsistent)
    if v < counters[Self.executionIndex].load(ordering: .sequentiallyConsistent) {
      return nextVersionToValidate()
    }
    return nextVersionToExecute()
  }

  // MARK: Dependencies

  /// Suspends `tx` (EXECUTING) until `blocking` finishes executing.
  /// - Returns: false when `blocking` has already finished: re-execute `tx` now instead.
  func addDependency(_ tx: TxIndex, on blocking: TxIndex) -> Bool {
    let added = dependents.withLock(blocking) { dependents -> Bool in
      // finish_execution stores EXECUTED before it takes this lock: if it is not visible here,
      // that worker has yet to take the lock and will see the dependent appended below.
      if Self.phase(statuses[blocking].load(ordering: .sequentiallyConsistent)) == .executed { return false }
      let s = statuses[tx].load(ordering: .sequentiallyConsistent)
      statuses[tx].store(Self.pack(Self.incarnation(s), .aborting), ordering: .sequentiallyConsistent)
      dependents.append(tx)
      return true
    }
    if added { counters[Self.activeTasks].wrappingSubtract(1, ordering: .sequentiallyConsistent) }
    return added
  }

  /// ABORTING(i) → READY(i+1); only the owner of the ABORTING state calls it.
  private func setReadyStatus(_ tx: TxIndex) {
        let s = statuses[tx].load(ordering: .sequentiallyConsistent)
    precondition(Self.phase(s) == .aborting, "Block-STM: set_ready_status outside ABORTING")
    statuses[tx].store(Self.pack(Self.incarnation(s) + 1, .readyToExecute), ordering: .sequentiallyConsistent)
  }

  private func resumeDependencies(_ dependents: [TxIndex]) {
    guard let lowest = dependents.min() else { return }
    for tx in dependents { setReadyStatus(tx) }
    decreaseExecutionIndex(lowest)
  }

  // MARK: Finishing tasks

  /// EXECUTING(i) → EXECUTED(i), resumes the dependents, and decides what to validate: with a
  /// new location written, everything from `tx` up; otherwise `tx` alone (returned).
  func finishExecution(_ tx: TxIndex, incarnation: Incarnation, wroteNewLocation: Bool) -> SchedulerTask? {
    statuses[tx].store(Self.pack(incarnation, .executed), ordering: .sequentiallyConsistent)
    let dependents = dependents.withLock(tx) { d -> [TxIndex] in
      let out = d
      d = []
      return out
    }
    resumeDependencies(dependents)
    if counters[Self.validationIndex].load(ordering: .sequentiallyConsistent) > tx {
      if wroteNewLocation {
        decreaseValidationIndex(tx)
      } else {
        return .validate(tx, incarnation)
      }
    }
    counters[Self.activeTasks].wrappingSubtract(1, ordering: .sequentiallyConsistent)
    return nil
  }

  /// EXECUTED(i) → ABORTING(i) when still at incarnation `incarnation`: only the first failed
  /// validation of an incarnation aborts it.
  func tryValidationAbort(_ tx: TxIndex, incarnation: Incarnation) -> Bool {
    statuses[tx].compareExchange(
      expected: Self.pack(incarnation, .executed), desired: Self.pack(incarnation, .aborting),
      ordering: .sequentiallyConsistent).exchanged
  }

  /// The status word of `tx` when it is EXECUTED and not committed (nil otherwise): what
  /// `tryCommit` expects.
  func executedUncommitted(_ tx: TxIndex) -> UInt64? {
    let s = statuses[tx].load(ordering: .sequentiallyConsistent)
    return Self.phase(s) == .executed && s & Self.committedBit == 0 ? s : nil
  }

  /// Whether `tx` is committed (`tryCommit`).
  func isCommitted(_ tx: TxIndex) -> Bool {
    statuses[tx].load(ordering: .sequentiallyConsistent) & Self.committedBit != 0
  }

  /// EXECUTED(i) → EXECUTED(i), committed, when the status is still `word`: from then on no
  /// validation aborts it. The caller has validated incarnation i's read set with every
  /// transaction below committed.
  func tryCommit(_ tx: TxIndex, word: UInt64) -> Bool {
    statuses[tx].compareExchange(expected: word, desired: word | Self.committedBit,
                                 ordering: .sequentiallyConsistent).exchanged
  }

  /// After a validation: an aborted transaction is made READY for its next incarnation, everything
  /// above it is re-validated, and, when execution has passed it, it is re-executed right away.
  func finishValidation(_ tx: TxIndex, aborted: Bool) -> SchedulerTask? {
    if aborted {
      setReadyStatus(tx)
      decreaseValidationIndex(tx + 1)
      if counters[Self.executionIndex].load(ordering: .sequentiallyConsistent) > tx, let task = tryIncarnate(tx) {
        return task
      }
    }
    counters[Self.activeTasks].wrappingSubtract(1, ordering: .sequentiallyConsistent)
    return nil
  }
}

/// Atomic words in one allocation (an object and an atomic per transaction cost a measurable
/// share of setting up a light block).
///
/// Interleaved: word `i` lives in row `i % 8`, so that neighbouring transactions — the ones
/// the workers run at the same moment — have their words in different cache lines (packed,
/// eight shared a line, and each status change took it from the other workers' caches).
final class AtomicArray: Sendable {
  // SAFETY (for the unchecked pointer below): allocated and initialised in `init`, freed in
  // `deinit`, and only ever accessed through `Atomic`'s operations in between.
  private nonisolated(unsafe) let words: UnsafeMutablePointer<Atomic<UInt64>>
  let count: Int
  /// Words per row: at least a cache line's worth.
  private let rowWords: Int

  init(count: Int) {
    self.count = count
    rowWords = max(8, (count + 7) / 8)
    words = .allocate(capacity: 8 * rowWords)
    for i in 0..<(8 * rowWords) { (words + i).initialize(to: Atomic(0)) }
  }

  deinit {
    words.deinitialize(count: 8 * rowWords)
    words.deallocate()
  }

  @inline(__always) subscript(index: Int) -> Atomic<UInt64> {
    unsafeAddress {
      precondition(index >= 0 && index < count, "AtomicArray index out of range")
      return UnsafePointer(words + ((index & 7) * rowWords + (index >> 3)))
    }
  }
}
