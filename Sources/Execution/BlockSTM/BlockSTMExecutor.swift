#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import EVM
import Primitives
import State
import Synchronization

/// What Block-STM did for one block.
public struct BlockSTMStats: Sendable, CustomStringConvertible {
  public var transactions = 0
  public var threads = 0
  /// Executions started, first ones included (a suspended one counts).
  public var incarnations = 0
  /// Executions beyond the first of each transaction.
  public var reExecutions: Int { max(0, incarnations - (transactions - serialTransactions)) }
  public var validations = 0
  /// Validations that found a stale read and aborted the incarnation.
  public var validationAborts = 0
  /// Executions suspended on an ESTIMATE (a dependency on an aborted transaction).
  public var dependencySuspensions = 0
  /// Executions suspended because the sender's nonce was ahead of what was read (waiting for
  /// the previous transaction of the same sender).
  public var nonceSuspensions = 0
  /// Transactions whose final incarnation read the coinbase account.
  public var coinbaseReaders = 0
  /// Transactions whose final incarnation credited an account other than the fee recipient
  /// without reading it (plain transfers).
  public var deferredCredits = 0
  /// Sum of the final incarnations' execution times, and the longest chain of them along the
  /// read dependencies (a transaction depends on each transaction whose write it read).
  public var workNanos: UInt64 = 0
  public var criticalPathNanos: UInt64 = 0
  /// The same in gas.
  public var workGas: UInt64 = 0
  public var criticalPathGas: UInt64 = 0
  /// Wall time of the parallel windows: building the shared structures, the parallel phase
  /// itself, and settling the results in order (counters, write set) after it.
  public var setupNanos: UInt64 = 0
  public var parallelNanos: UInt64 = 0
  public var settleNanos: UInt64 = 0
  /// Why the block took the serial path, when it did (nil: Block-STM ran).
  public var serialReason: String? = nil
  /// Windows the block was cut into, and how many transactions ran in serial windows (where
  /// the previous window re-executed too much, or the parallel results could not be settled).
  public var windows = 0
  public var serialTransactions = 0
  /// Transactions settled by the workers during the parallel phase (the rest are settled after it).
  public var committedEarly = 0

  public init() {}

  /// Adds the counters of one window (windows run one after another: their critical paths add).
  mutating func add(_ w: BlockSTMStats) {
    incarnations += w.incarnations
    validations += w.validations
    validationAborts += w.validationAborts
    dependencySuspensions += w.dependencySuspensions
    nonceSuspensions += w.nonceSuspensions
    coinbaseReaders += w.coinbaseReaders
    deferredCredits += w.deferredCredits
    workNanos += w.workNanos
    criticalPathNanos += w.criticalPathNanos
    workGas += w.workGas
    criticalPathGas += w.criticalPathGas
    windows += w.windows
    setupNanos += w.setupNanos
    parallelNanos += w.parallelNanos
    settleNanos += w.settleNanos
    serialTransactions += w.serialTransactions
    committedEarly += w.committedEarly
    if serialReason == nil, let r = w.serialReason { serialReason = "window: \(r)" }
  }

  /// Total work ÷ critical path: the speedup an unbounded number of cores could reach.
  public var availableParallelism: Double {
    criticalPathNanos == 0 ? 1 : Double(workNanos) / Double(criticalPathNanos)
  }
  /// The same measured in gas (steadier than time, blind to per-opcode cost differences).
  public var availableParallelismByGas: Double {
    criticalPathGas == 0 ? 1 : Double(workGas) / Double(criticalPathGas)
  }

  public var description: String {
    if let serialReason { return "serial (\(serialReason)), \(transactions) txs" }
    return "\(transactions) txs, \(threads) threads: \(incarnations) incarnations (\(reExecutions) re-executions), "
      + "\(validations) validations (\(validationAborts) aborts), \(dependencySuspensions) dependency suspensions, "
      + "\(nonceSuspensions) nonce suspensions, \(coinbaseReaders) coinbase readers, "
      + "\(deferredCredits) deferred credits, \(committedEarly) settled in the parallel phase, \(windows) windows "
      + "(\(serialTransactions) txs serial); available parallelism "
      + "\(Self.format(availableParallelism)) by time, \(Self.format(availableParallelismByGas)) by gas; "
      + "wall µs: setup \(setupNanos / 1000), parallel \(parallelNanos / 1000), settle \(settleNanos / 1000); "
      + "execution µs summed over the final incarnations \(workNanos / 1000)"
  }

  static func format(_ x: Double) -> String {
    let r = (x * 100).rounded() / 100
    return "\(r)"
  }
}

/// Executes a block's transactions in parallel with Block-STM (arXiv 2203.06871): optimistic
/// execution over a multi-version memory, validation of each incarnation's read set, and
/// re-execution of what a failed validation invalidates. The result equals `SerialExecutor`'s
/// bit for bit; whatever only block order can decide (gas, receipts, the final write set with
/// its credits added in order) is settled after the parallel phase.
///
/// The EVM knows nothing of Block-STM: each incarnation is an ordinary `transact` against a
/// `VersionedView`. The write set's credits (fees, plain transfers to accounts the transaction
/// did not read) become credit deltas in the multi-version memory, so that they do not conflict
/// with each other; the outcomes stay here, in `ParallelRun`.
///
/// Readers: one per worker (`execute(_:context:readers:)`), each used by one thread at a time;
/// nothing that crosses threads needs an `@unchecked` wrapper.
public enum BlockSTMExecutor {
  /// Blocks with fewer transactions take the serial path (scheduling costs more than it gains).
  public static let defaultMinTransactions = 4
  /// Blocks whose transactions average a lower gas limit take the serial path: measured on the
  /// corpus (StrataBench `blockstm`, two threads), Block-STM's bookkeeping is now under half the
  /// serial instructions of an ETH transfer (4.9k against 10.4k, callgrind, one worker) and about
  /// a quarter of an ERC-20 transfer's (8.6k against 32.1k), but forced-parallel light blocks
  /// still run at 0.6–1.05× serial on two cores (the CPU time of all threads is 1.6–3.7× the
  /// serial work: data shared between the cores, the fee recipient's credits, idle spinning),
  /// so the cutoff stays.
  public static let defaultMinAverageGasLimit: UInt64 = 150_000

  /// Runs the block on one worker per reader.
  ///
  /// Readers per worker: worker `w` reads the base state through `readers[w]` only, and the
  /// calling thread is worker 0 (it also reads `readers[0]` for the serial parts: system calls,
  /// settling, withdrawals). The readers must all show the same state (the parent block's); each
  /// is used by one thread at a time, so none needs to be safe for concurrent reads. For LMDB,
  /// pass the n views of one snapshot (`store.read(views: n)`: one read transaction each); an
  /// `InMemoryState` can be passed n times.
  ///
  /// - Parameters:
  ///   - transactions: the block's transactions, senders recovered, stateless checks done.
  ///   - context: block environment, system-call input, withdrawals.
  ///   - readers: the state after the parent block, one reader per worker thread (their
  ///     count is the thread count; one runs `SerialExecutor` on `readers[0]`).
  ///   - minTransactions: the smallest block executed in parallel.
  ///   - minAverageGasLimit: the lowest average transaction gas limit executed in parallel.
  ///   - conflictThreshold: re-executions per transaction of a probe window above which the next
  ///     stretch of the block runs serially (a chain of conflicts gains nothing from threads).
  /// - Returns: the same `BlockExecution` as `SerialExecutor.execute`, and what Block-STM did.
  /// - Throws: the same `ExecutionError` as `SerialExecutor.execute`.
  /// - Precondition: `readers` is not empty.
  /// Why a block whose transactions have `gasLimits` runs on the serial executor rather than
  /// under Block-STM (nil: in parallel): one thread, too few transactions, or transactions too
  /// light on average for the bookkeeping to pay. Callers that must know the path before
  /// executing (a group commit) ask here, so the cutoffs live in one place.
  public static func serialReason(
    threads: Int, gasLimits: some Collection<UInt64>,
    minTransactions: Int = defaultMinTransactions, minAverageGasLimit: UInt64 = defaultMinAverageGasLimit,
    minThreads: Int = 2
  ) -> String? {
    if threads < max(1, minThreads) { return "one thread" }
    if gasLimits.count < max(2, minTransactions) { return "small block" }
    if minAverageGasLimit > 0 {
      var total: UInt64 = 0
      for g in gasLimits { total &+= g }
      if total / UInt64(gasLimits.count) < minAverageGasLimit { return "light transactions" }
    }
    return nil
  }

  public static func execute(
    _ transactions: [TxEnv], context: BlockContext, readers: [any StateReader & Sendable],
    minTransactions: Int = defaultMinTransactions, minAverageGasLimit: UInt64 = defaultMinAverageGasLimit,
    conflictThreshold: Double = 0.4, minThreads: Int = 2
  ) throws(ExecutionError) -> (BlockExecution, BlockSTMStats) {
    precondition(!readers.isEmpty, "Block-STM needs a reader per worker")
    let threads = readers.count
    let state = readers[0]
    var stats = BlockSTMStats()
    stats.transactions = transactions.count
    stats.threads = threads
    if let reason = serialReason(threads: threads, gasLimits: transactions.lazy.map(\.gasLimit),
                                 minTransactions: minTransactions, minAverageGasLimit: minAverageGasLimit,
                                 minThreads: minThreads) {
      stats.serialReason = reason
      return (try SerialExecutor.execute(transactions, context: context, state: state), stats)
    }

    // System calls before the transactions (EIP-4788), serially: the workers read through them.
    let pre = OverlayReader(base: state)
    do {
      try SerialExecutor.applyPreTransactionSystemCalls(vm: VirtualMachine(block: context.env), context: context, overlay: pre)
    } catch {
      throw .state(error)
    }

    // Windows: a probe window first; when it re-executes too much (every transaction conflicts),
    // the next stretch runs serially (doubling while it stays so) before probing again; when it
    // does not, the rest of the block is one window. Windows are settled in order, each reading
    // the state the previous ones left, so the result is the serial one whatever the cut.
    var progress = Progress(changes: pre.writes)
    pre.writes = StateChanges()
    let n = transactions.count
    let probe = n < adaptiveMinTransactions ? n : max(16, n / 8)
    var start = 0
    var nextParallelWindow = probe
    var serialStretch = probe
    do {
      while start < n {
        if nextParallelWindow > 0 {
          let end = min(n, start + nextParallelWindow)
          var windowStats = BlockSTMStats()
          let clean = try runParallelWindow(transactions, start..<end, context: context, readers: readers,
                                            progress: &progress, stats: &windowStats)
          stats.add(windowStats)
          let windowCount = end - start
          start = end
          if !clean || Double(windowStats.reExecutions) > conflictThreshold * Double(windowCount) {
            nextParallelWindow = 0  // too many conflicts (or unsettled): a serial stretch next
          } else {
            nextParallelWindow = n  // parallel pays: the rest in one window
            serialStretch = probe
          }
        } else {
          let end = min(n, start + serialStretch)
          try runSerialWindow(Array(transactions[start..<end]), offset: start, context: context, state: state,
                              progress: &progress, stats: &stats)
          start = end
          serialStretch *= 2
          nextParallelWindow = probe
        }
      }
    } catch let e as ExecutionError {
      throw e
    } catch {
      // `runParallelWindow` catches its own `SerialFallback`; nothing else is thrown.
      throw .state(.backend("Block-STM: unexpected error \(error)"))
    }

    // Withdrawals, rewards and (Prague) the request contracts' system calls after the transactions.
    let post = OverlayReader(base: state, writes: progress.changes)
    let requests = try SerialExecutor.applyPostTransactionChanges(vm: VirtualMachine(block: context.env), context: context,
                                                                  overlay: post)
    let execution = BlockExecution(outcomes: progress.outcomes, writes: post.writes, gasUsed: progress.cumulative,
                                   blobGasUsed: progress.blobGasUsed, systemRequests: requests)
    return (execution, stats)
  }

  /// Runs the block on `threads` workers that all read `state`, which must allow concurrent
  /// reads (an `InMemoryState` does; a store's read view does not: pass one per worker to
  /// `execute(_:context:readers:)`).
  public static func execute(
    _ transactions: [TxEnv], context: BlockContext, state: any StateReader & Sendable, threads: Int,
    minTransactions: Int = defaultMinTransactions, minAverageGasLimit: UInt64 = defaultMinAverageGasLimit,
    conflictThreshold: Double = 0.4, minThreads: Int = 2
  ) throws(ExecutionError) -> (BlockExecution, BlockSTMStats) {
    try execute(transactions, context: context, readers: Array(repeating: state, count: max(1, threads)),
                minTransactions: minTransactions, minAverageGasLimit: minAverageGasLimit,
                conflictThreshold: conflictThreshold, minThreads: minThreads)
  }

  /// Blocks with fewer transactions run as one window, without probing.
  static let adaptiveMinTransactions = 64

  /// The block so far, in order: outcomes, gas, and the changes of every settled window (the
  /// system calls' included).
  struct Progress {
    var outcomes: [TransactionOutcome] = []
    var cumulative: UInt64 = 0
    var blobGasUsed: UInt64 = 0
    var changes: StateChanges
  }

  /// Runs `window` with Block-STM over the state `progress` leaves and settles it.
  /// - Returns: false when the results could not be settled and the window ran serially.
  private static func runParallelWindow(
    _ transactions: [TxEnv], _ window: Range<Int>, context: BlockContext, readers: [any StateReader & Sendable],
    progress: inout Progress, stats: inout BlockSTMStats
  ) throws -> Bool {
    let threads = readers.count
    stats.transactions = window.count
    stats.threads = threads
    stats.windows = 1
    // The window's base: the block so far over the parent state. Each worker reads it through
    // its own overlay on its own reader; settle builds the next base from a copy of it.
    let base = progress.changes
    let t0 = monotonicNanoseconds()
    let run = ParallelRun(transactions: transactions, window: window, context: context, readers: readers, base: base,
                          cumulativeGas: progress.cumulative, blobGasUsed: progress.blobGasUsed)
    let t1 = monotonicNanoseconds()
    // The caller is worker 0 (it would run the block itself on the serial path).
    runOnWorkerThreads(threads, callerRuns: true) { worker in run.work(worker: worker) }
    let t2 = monotonicNanoseconds()
    do {
      try settle(run: run, reader: readers[0], progress: &progress)
      run.collectStats(into: &stats)
      let t3 = monotonicNanoseconds()
      stats.setupNanos += t1 &- t0
      stats.parallelNanos += t2 &- t1
      stats.settleNanos += t3 &- t2
      releaseInBackground(consume run)
      return true
    } catch let fallback as SerialFallback {
      run.collectStats(into: &stats)
      stats.serialReason = fallback.reason
      progress.changes = base
      try runSerialWindow(Array(transactions[window]), offset: window.lowerBound, context: context, state: readers[0],
                          progress: &progress, stats: &stats)
      return false
    }
  }

  /// Runs `window` serially over the state `progress` leaves, as `SerialExecutor` does.
  private static func runSerialWindow(
    _ window: [TxEnv], offset: Int, context: BlockContext, state: any StateReader,
    progress: inout Progress, stats: inout BlockSTMStats
  ) throws(ExecutionError) {
    let start = monotonicNanoseconds()
    let overlay = OverlayReader(base: state, writes: progress.changes)
    progress.changes = StateChanges()
    let vm = VirtualMachine(block: context.env)
    for (k, tx) in window.enumerated() {
      let (outcome, writes) = try SerialExecutor.executeOne(
        tx, index: offset + k, vm: vm, context: context, reader: overlay,
        cumulativeGas: progress.cumulative, blobGasUsed: &progress.blobGasUsed)
      progress.cumulative += outcome.gasUsed
      var o = outcome
      o.cumulativeGasUsed = progress.cumulative
      progress.outcomes.append(o)
      try SerialExecutor.apply(writes, to: overlay, fork: context.env.fork)
      stats.workGas += outcome.gasUsed
      stats.criticalPathGas += outcome.gasUsed
    }
    progress.changes = overlay.writes
    let nanos = monotonicNanoseconds() &- start
    stats.workNanos += nanos
    stats.criticalPathNanos += nanos
    stats.serialTransactions += window.count
    stats.windows += 1
  }

  /// Something the parallel results cannot settle exactly: the block is re-run serially.
  struct SerialFallback: Error { var reason: String }

  /// Settles the transactions the workers left unsettled (`ParallelRun.settle(_:into:reader:)`:
  /// the workers settle the ready prefix during the parallel phase), after which every
  /// transaction's last incarnation is final, and hands the window's outcomes, gas and changes
  /// to `progress`.
  /// - Throws: what settling the first failing transaction threw: its `ExecutionError`, or
  ///   `SerialFallback`; `progress` is then unchanged.
  private static func settle(run: ParallelRun, reader: any StateReader & Sendable, progress: inout Progress) throws {
    try run.settlement.withLock { st in
      if let failure = st.failure { throw failure }
      while st.next < run.count {
        try run.settle(st.next, into: &st, reader: reader)
        st.next += 1
      }
      progress.outcomes += st.outcomes
      progress.cumulative = st.cumulative
      progress.blobGasUsed = st.blobGasUsed
      progress.changes = st.changes
      st.changes = StateChanges()
    }
  }
}

/// What the executor keeps of one transaction's last incarnation.
struct IncarnationResult: Sendable {
  var outcome: IncarnationOutcome? = nil
  /// Its execution time (for the parallelism estimate).
  var nanos: UInt64 = 0
}

/// What one incarnation produced.
enum IncarnationOutcome: Sendable {
  case executed(ExecutionResult)
  /// Invalid against the state it read (only final when the incarnation is the last one).
  case invalid(InvalidTransaction)
  /// The backing store failed.
  case failed(StateReadError)
}

/// The shared state of one window's parallel phase, and the worker loop.
///
/// Everything here crosses threads and is `Sendable` as declared: the transactions, the
/// context and the window's base changes are values, the readers are `Sendable` (worker `w`
/// alone uses `readers[w]`), and the memory, scheduler, deployed code and results synchronise
/// themselves.
final class ParallelRun: Sendable {
  /// The block's transactions (shared, not copied); the window is `offset..<offset + count`,
  /// and transaction `k` of the window (its index everywhere here) is `transactions[offset + k]`.
  let transactions: [TxEnv]
  let offset: Int
  let count: Int
  let context: BlockContext
  /// One reader of the parent state per worker.
  let readers: [any StateReader & Sendable]
  /// The window's base: the changes of the block before the window, over the readers' state.
  let base: StateChanges
  let memory: MVMemory
  let scheduler: Scheduler
  let deployed = DeployedCode()
  /// Each transaction's last incarnation's outcome: the executor's, not the memory's (written
  /// by the worker running the incarnation, read after the parallel phase).
  let results: StripedLocked<IncarnationResult>
  /// What settling in order has reached; the worker that gets the lock settles the committed
  /// prefix during the parallel phase, the caller the rest after it.
  let settlement: Locked<Settlement>
  /// The lowest transaction not settled yet (a hint read without the settlement's lock).
  let settleFront = Atomic<Int>(0)
  /// One per worker: where its incarnations' read and write sets are kept.
  let arenas: [WorkerArena]

  // Statistics (relaxed: counters only).
  let incarnations = Atomic<Int>(0)
  let validations = Atomic<Int>(0)
  let validationAborts = Atomic<Int>(0)
  let dependencySuspensions = Atomic<Int>(0)
  let nonceSuspensions = Atomic<Int>(0)

  init(transactions: [TxEnv], window: Range<Int>, context: BlockContext, readers: [any StateReader & Sendable],
       base: StateChanges, cumulativeGas: UInt64, blobGasUsed: UInt64) {
    self.transactions = transactions
    offset = window.lowerBound
    count = window.count
    self.context = context
    self.readers = readers
    self.base = base
    // Eight shards a worker (16 to 128): contention stays low, and a light window does not
    // allocate and free a hundred maps per thread it does not have.
    var shards = 16
    while shards < 8 * readers.count && shards < 128 { shards *= 2 }
    memory = MVMemory(transactions: window.count, shards: shards)
    scheduler = Scheduler(transactions: window.count)
    results = StripedLocked(count: window.count, IncarnationResult())
    arenas = readers.map { _ in WorkerArena() }
    settlement = Locked(Settlement(changes: base, cumulative: cumulativeGas, blobGasUsed: blobGasUsed,
                                   transactions: window.count))
  }

  deinit {
    results.destroyAll()  // specialised destruction (see `StripedLocked.destroyAll`)
  }

  /// The previous transaction of `tx`'s sender (for the nonce dependency), found by walking
  /// back: needed only when a nonce is ahead, rarely, and usually a few transactions back;
  /// building a sender index for every window cost more.
  func previousOfSender(_ tx: TxIndex) -> TxIndex? {
    let sender = transactions[offset + tx].caller
    var j = tx - 1
    while j >= 0 {
      if transactions[offset + j].caller == sender { return j }
      j -= 1
    }
    return nil
  }

  /// Worker `worker`: draws tasks until the scheduler says the block is done, reading the base
  /// state through `readers[worker]` (its own overlay of the window's base on it).
  func work(worker: Int) {
    let vm = VirtualMachine(block: context.env)
    let base = OverlayReader(base: readers[worker], writes: self.base)
    let view = VersionedView(memory: memory, base: base, deployed: deployed)
    let arena = arenas[worker]
    // An incarnation's writes as versioned locations (reused: the memory copies what it keeps).
    var writes = TransactionWrites()
    var task: SchedulerTask? = nil
    var idle = 0
    while !scheduler.isDone {
      if case .execute(let tx, let incarnation)? = task {
        task = execute(tx, incarnation, vm: vm, view: view, arena: arena, writes: &writes)
      }
      if case .validate(let tx, let incarnation)? = task {
        task = validate(tx, incarnation, worker: worker)
      }
      if task == nil {
        commitReady(worker: worker)
        task = scheduler.nextTask()
        if task == nil {
          // Nothing to do now: others hold the remaining work. Yield rather than spin hard
          // (more threads than cores must not starve the ones doing the work).
          idle += 1
          if idle > 16 { sched_yield() }
        } else {
          idle = 0
        }
      }
    }
  }

  private func execute(_ tx: TxIndex, _ incarnation: Incarnation, vm: VirtualMachine, view: VersionedView,
                       arena: WorkerArena, writes: inout TransactionWrites) -> SchedulerTask? {
    while true {
      incarnations.wrappingAdd(1, ordering: .relaxed)
      view.begin(tx)
      let start = monotonicNanoseconds()
      // Built in place and swapped into the results: copying an outcome retains each array in it.
      var slot = IncarnationResult()
      do {
        slot.outcome = .executed(try transactions.withUnsafeBufferPointer { txs throws(TransactError) in
          try vm.transact(txs[offset + tx], state: view)
        })
      } catch {
        switch error {
        case .state(.blocked(on: let blocking)):
          if scheduler.addDependency(tx, on: blocking) {
            dependencySuspensions.wrappingAdd(1, ordering: .relaxed)
            return nil
          }
          continue  // the blocking transaction finished meanwhile: its value is there now
        case .state(let e):
          slot.outcome = .failed(e)
        case .invalid(let e):
          // DESIGN.md: a nonce ahead of the sender's is not final; wait for the previous
          // transaction of the same sender when it has not executed yet.
          if case .nonceMismatch(let expected, let got) = e, got > expected, let p = previousOfSender(tx),
             scheduler.addDependency(tx, on: p) {
            nonceSuspensions.wrappingAdd(1, ordering: .relaxed)
            return nil
          }
          slot.outcome = .invalid(e)
        }
      }
      let nanos = monotonicNanoseconds() &- start
      writes.accounts.removeAll(keepingCapacity: true)
      writes.slots.removeAll(keepingCapacity: true)
      if case .executed(let result)? = slot.outcome {
        locationWrites(of: result, view: view, into: &writes)
      }  // an invalid transaction changes nothing
      // The result before the record: once recorded, the scheduler may hand the transaction to
      // another worker, whose next incarnation writes its own.
      slot.nanos = nanos
      results.withLock(tx) { swap(&$0, &slot) }  // the previous one is freed outside the lock
      let wroteNew = memory.record(tx: tx, incarnation: incarnation, reads: view.reads.elements, writes: writes, arena: arena)
      return scheduler.finishExecution(tx, incarnation: incarnation, wroteNewLocation: wroteNew)
    }
  }

  private func validate(_ tx: TxIndex, _ incarnation: Incarnation, worker: Int) -> SchedulerTask? {
    validations.wrappingAdd(1, ordering: .relaxed)
    // At the settlement's front, settling validates it (against final versions) and commits it:
    // then this validation is done.
    if settleFront.load(ordering: .relaxed) == tx {
      commitReady(worker: worker)
      if scheduler.isCommitted(tx) { return scheduler.finishValidation(tx, aborted: false) }
    }
    let valid = memory.validateReadSet(tx: tx)
    let aborted = !valid && scheduler.tryValidationAbort(tx, incarnation: incarnation)
    if aborted {
      validationAborts.wrappingAdd(1, ordering: .relaxed)
      memory.convertWritesToEstimates(tx: tx)
    }
    return scheduler.finishValidation(tx, aborted: aborted)
  }

  /// The locations one incarnation wrote: each account field that differs from what it read
  /// (all of them for a created or newly existing account), each slot, the resets of created and
  /// deleted accounts, and each non-zero credit as a delta (a zero credit, an EIP-161 touch,
  /// changes no balance: settle decides it in order).
  private func locationWrites(of result: ExecutionResult, view: VersionedView, into writes: inout TransactionWrites) {
    writes.accounts.reserveCapacity(result.writeSet.accounts.count + result.writeSet.credits.count)
    for w in result.writeSet.accounts {
      let a = w.address
      if let code = w.code, let account = w.account { deployed.insert(account.codeHash, code) }
      var f = AccountFieldWrites(a)
      guard let account = w.account else {
        f.mask |= AccountField.reset.bit | AccountField.existence.bit
        f.existence = .absent
        writes.accounts.append(f)
        continue
      }
      if w.created { f.mask |= AccountField.reset.bit }
      let before: Account? = view.accountRead(a) ?? nil
      let fresh = w.created || before == nil
      if fresh || before!.storageRoot != account.storageRoot {
        f.mask |= AccountField.existence.bit
        f.existence = LocationValue(account.storageRoot)
      }
      if fresh || before!.nonce != account.nonce { f.mask |= AccountField.nonce.bit; f.nonce = account.nonce }
      if fresh || before!.balance != account.balance { f.mask |= AccountField.balance.bit; f.balance = account.balance }
      if fresh || before!.codeHash != account.codeHash { f.mask |= AccountField.codeHash.bit; f.codeHash = account.codeHash }
      if f.mask != 0 { writes.accounts.append(f) }
    }
    for credit in result.writeSet.credits where !credit.value.isZero {
      var f = AccountFieldWrites(credit.address)
      f.mask = AccountField.credit.bit
      f.balance = credit.value
      writes.accounts.append(f)
    }
    writes.slots.reserveCapacity(result.writeSet.storage.count)
    for s in result.writeSet.storage {
      writes.slots.append((SlotKey(address: s.address, slot: s.slot), s.value))
    }
  }

  /// Settles, in order, the transactions from the settlement's front whose status is EXECUTED
  /// and whose read set validates now that every transaction below is committed (then it is
  /// final: `Scheduler.tryCommit`); stops at the first that is not ready, or that fails to
  /// settle (the caller's `settle` throws its error after the parallel phase). Skipped when
  /// another worker holds the settlement.
  func commitReady(worker: Int) {
    let front = settleFront.load(ordering: .relaxed)
    guard front < count, scheduler.executedUncommitted(front) != nil else { return }
    settlement.withLockIfAvailable { st in
      let reader = readers[worker]
      while st.failure == nil && st.next < count {
        let k = st.next
        guard let word = scheduler.executedUncommitted(k) else { return }
        // A validation that failed with every transaction below final fails for good: the
        // scheduler's own validation will abort the incarnation; do not repeat it meanwhile.
        if st.staleWord == word && st.staleTx == k { return }
        guard memory.validateReadSet(tx: k) else {
          st.staleTx = k
          st.staleWord = word
          return
        }
        guard scheduler.tryCommit(k, word: word) else { return }
        do {
          try settle(k, into: &st, reader: reader)
        } catch {
          st.failure = error
          return
        }
        st.next = k + 1
        st.committedEarly += 1
        settleFront.store(k + 1, ordering: .relaxed)
      }
    }
  }

  /// Everything serial order decides for transaction `k` of the window, whose last incarnation
  /// is final: the block gas and blob gas limits and validity (the first failure is the block's,
  /// as serially), cumulative gas and logs, and the write set. The final incarnation read
  /// exactly what serial execution would have shown it (validation says so), so its write set is
  /// the serial one; its credits (fees, plain transfers) are added here in order, reading each
  /// account as the block so far has it (`reader`: the settling thread's own reader of the
  /// parent state). Also the counters: the critical path along the read dependencies.
  /// - Throws: `SerialFallback` when a zero credit (an EIP-161 touch of the fee recipient)
  ///   deletes an existing empty account: the parallel readers saw it alive (zero credits are
  ///   not versioned), so the window runs again serially.
  func settle(_ k: Int, into st: inout Settlement, reader: any StateReader & Sendable) throws {
    let i = offset + k
    let clears = context.env.fork >= .spuriousDragon
    let coinbase = context.env.coinbase
    try SerialExecutor.admit(transactions[i], index: i, context: context, cumulativeGas: st.cumulative,
                             blobGasUsed: &st.blobGasUsed)
    // Read in place under the result's lock: copying a result out costs a retain and a
    // release per array in it. Once applied, the result is moved out and freed here, after the
    // lock: its arrays go back to this worker's allocator cache, which the next incarnation's
    // result draws from (kept to the end of the window, each result had to be allocated anew
    // from the allocator's slow path: ~450 instructions a transfer).
    var spent = IncarnationResult()
    let (gas, nanos) = try results.withLock(k) { slot -> (UInt64, UInt64) in
      guard case .executed(let r)? = slot.outcome else {
        switch slot.outcome {
        case .failed(let e)?: throw ExecutionError.state(e)
        case .invalid(let e)?: throw ExecutionError.invalidTransaction(index: i, reason: .evm(e))
        default:
          throw ExecutionError.state(.backend("Block-STM: transaction \(i) was never executed"))
        }
      }
      st.cumulative += r.gasUsed
      st.outcomes.append(TransactionOutcome(
        succeeded: r.status == .success, gasUsed: r.gasUsed, cumulativeGasUsed: st.cumulative,
        logs: r.logs, createdAddress: r.createdAddress))
      var creditsOther = false
      for c in r.writeSet.credits {
        if c.address != coinbase { creditsOther = true }
        guard clears && c.value.isZero else { continue }
        let current: Account?
        if let j = st.changes.accounts.index(forKey: c.address) {
          current = st.changes.accounts.values[j]
        } else {
          do { current = try reader.account(c.address) } catch let e as StateReadError { throw ExecutionError.state(e) }
        }
        if let current, current.isEmpty {
          throw BlockSTMExecutor.SerialFallback(reason: "zero fee deletes an empty fee recipient")
        }
      }
      if creditsOther { st.deferredCredits += 1 }
      do {
        try r.writeSet.apply(to: &st.changes, base: reader, clearsEmptyAccounts: clears)
      } catch let e as StateReadError {
        throw ExecutionError.state(e)
      }
      let settled = (r.gasUsed, slot.nanos)
      swap(&slot, &spent)
      return settled
    }
    memory.records.withLock(k) { data in
      var depNanos: UInt64 = 0, depGas: UInt64 = 0
      var readCoinbase = false
      func dependsOn(_ o: ReadOrigin) {
        guard !o.isBase else { return }
        let j = Int(o.tx)
        depNanos = max(depNanos, st.pathNanos[j])
        depGas = max(depGas, st.pathGas[j])
      }
      for r in data.reads {
        switch r {
        case .account(let a, let o):
          if a == coinbase { readCoinbase = true }
          dependsOn(o.existence); dependsOn(o.nonce); dependsOn(o.balance); dependsOn(o.codeHash)
        case .storage(_, let slot, let reset):
          dependsOn(slot); dependsOn(reset)
        case .recipient(_, let existence, let codeHash):
          dependsOn(existence); dependsOn(codeHash)
        case .credited(_, _, let top):
          dependsOn(top)  // and the credits below it, which precede it anyway
        }
      }
      if readCoinbase { st.coinbaseReaders += 1 }
      st.pathNanos[k] = depNanos + nanos
      st.pathGas[k] = depGas + gas
      if depNanos + nanos > st.criticalPathNanos { st.criticalPathNanos = depNanos + nanos }
      if depGas + gas > st.criticalPathGas { st.criticalPathGas = depGas + gas }
      st.workNanos += nanos
      st.workGas += gas
    }
  }

  /// The counters, and the critical path along the final incarnations' read dependencies.
  func collectStats(into stats: inout BlockSTMStats) {
    stats.incarnations = incarnations.load(ordering: .relaxed)
    stats.validations = validations.load(ordering: .relaxed)
    stats.validationAborts = validationAborts.load(ordering: .relaxed)
    stats.dependencySuspensions = dependencySuspensions.load(ordering: .relaxed)
    stats.nonceSuspensions = nonceSuspensions.load(ordering: .relaxed)
    settlement.withLock { st in
      stats.coinbaseReaders += st.coinbaseReaders
      stats.deferredCredits += st.deferredCredits
      stats.workNanos += st.workNanos
      stats.workGas += st.workGas
      stats.criticalPathNanos = st.criticalPathNanos
      stats.criticalPathGas = st.criticalPathGas
      stats.committedEarly = st.committedEarly
    }
  }
}

/// What settling a window in order has reached (`ParallelRun.settlement`).
struct Settlement {
  /// The window's base grown by the settled transactions.
  var changes: StateChanges
  var outcomes: [TransactionOutcome] = []
  var cumulative: UInt64
  var blobGasUsed: UInt64
  /// The next transaction (index in the window) to settle.
  var next = 0
  /// What settling `next` threw during the parallel phase; settling stops there.
  var failure: (any Error)? = nil
  /// The status word of the transaction whose validation failed last at the front (not retried
  /// until its status changes).
  var staleTx = -1
  var staleWord: UInt64 = 0
  /// Transactions settled during the parallel phase.
  var committedEarly = 0
  // Counters.
  var coinbaseReaders = 0
  var deferredCredits = 0
  var workNanos: UInt64 = 0
  var workGas: UInt64 = 0
  var criticalPathNanos: UInt64 = 0
  var criticalPathGas: UInt64 = 0
  var pathNanos: [UInt64]
  var pathGas: [UInt64]

  init(changes: StateChanges, cumulative: UInt64, blobGasUsed: UInt64, transactions: Int) {
    self.changes = changes
    self.cumulative = cumulative
    self.blobGasUsed = blobGasUsed
    self.changes.accounts.reserveCapacity(changes.accounts.count + 2 * transactions)
    outcomes.reserveCapacity(transactions)
    pathNanos = [UInt64](repeating: 0, count: transactions)
    pathGas = pathNanos
  }
}

/// The monotonic clock in nanoseconds: the executor's timings without `Duration` arithmetic
/// (which cost ~400 instructions a transaction when incarnations were timed with it).
@inline(__always) func monotonicNanoseconds() -> UInt64 {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
}
