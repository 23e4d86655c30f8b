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
  /// Plain transfers whose final incarnation credited the recipient without reading it.
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
      + "\(deferredCredits) deferred credits, \(windows) windows "
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
/// bit for bit; whatever only block order can decide (gas, receipts, fees, the final write set)
/// is settled after the parallel phase.
public enum BlockSTMExecutor {
  /// Blocks with fewer transactions take the serial path (scheduling costs more than it gains).
  public static let defaultMinTransactions = 4
  /// Blocks whose transactions average a lower gas limit take the serial path: measured on the
  /// corpus (StrataBench `blockstm`), Block-STM costs about 1.7–2× the serial CPU on transfers
  /// and ERC-20 calls (≈2.5–4 µs of bookkeeping per transaction against ≈3–6 µs of execution),
  /// so light blocks gain nothing on two cores; compute-heavy ones (≈450k gas each) add ~2%.
  public static let defaultMinAverageGasLimit: UInt64 = 150_000

  /// - Parameters:
  ///   - transactions: the block's transactions, senders recovered, stateless checks done.
  ///   - context: block environment, system-call input, withdrawals.
  ///   - state: the state after the parent block; read concurrently by the workers.
  ///   - threads: worker threads; 1 (or a block below `minTransactions`) runs `SerialExecutor`.
  ///   - minTransactions: the smallest block executed in parallel.
  ///   - minAverageGasLimit: the lowest average transaction gas limit executed in parallel.
  ///   - conflictThreshold: re-executions per transaction of a probe window above which the next
  ///     stretch of the block runs serially (a chain of conflicts gains nothing from threads).
  /// - Returns: the same `BlockExecution` as `SerialExecutor.execute`, and what Block-STM did.
  /// - Throws: the same `ExecutionError` as `SerialExecutor.execute`.
  public static func execute(
    _ transactions: [TxEnv], context: BlockContext, state: any StateReader, threads: Int,
    minTransactions: Int = defaultMinTransactions, minAverageGasLimit: UInt64 = defaultMinAverageGasLimit,
    conflictThreshold: Double = 0.4
  ) throws(ExecutionError) -> (BlockExecution, BlockSTMStats) {
    var stats = BlockSTMStats()
    stats.transactions = transactions.count
    stats.threads = threads
    var reason: String? = nil
    if threads <= 1 {
      reason = "one thread"
    } else if transactions.count < max(2, minTransactions) {
      reason = "small block"
    } else if minAverageGasLimit > 0 {
      var total: UInt64 = 0
      for tx in transactions { total &+= tx.gasLimit }
      if total / UInt64(transactions.count) < minAverageGasLimit { reason = "light transactions" }
    }
    if let reason {
      stats.serialReason = reason
      return (try SerialExecutor.execute(transactions, context: context, state: state), stats)
    }

    // System calls before the transactions (EIP-4788), serially: the workers read through them.
    let pre = OverlayReader(base: state)
    do {
      try SerialExecutor.applyPreTransactionSystemCalls(evm: EVM(block: context.env), context: context, overlay: pre)
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
          let window = Array(transactions[start..<end])
          var windowStats = BlockSTMStats()
          let clean = try runParallelWindow(window, offset: start, context: context, state: state, threads: threads,
                                            progress: &progress, stats: &windowStats)
          stats.add(windowStats)
          start = end
          if !clean || Double(windowStats.reExecutions) > conflictThreshold * Double(window.count) {
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
      fatalError("unreachable: \(error)")
    }

    // Withdrawals and rewards after the transactions.
    let post = OverlayReader(base: state, writes: progress.changes)
    do {
      try SerialExecutor.applyPostTransactionChanges(evm: EVM(block: context.env), context: context, overlay: post)
    } catch {
      throw .state(error)
    }
    let execution = BlockExecution(outcomes: progress.outcomes, writes: post.writes, gasUsed: progress.cumulative,
                                   blobGasUsed: progress.blobGasUsed)
    return (execution, stats)
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
    _ window: [TxEnv], offset: Int, context: BlockContext, state: any StateReader, threads: Int,
    progress: inout Progress, stats: inout BlockSTMStats
  ) throws -> Bool {
    stats.transactions = window.count
    stats.threads = threads
    stats.windows = 1
    let base = OverlayReader(base: state, writes: progress.changes)
    progress.changes = StateChanges()  // moved into `base`: no copy on the writes below
    let t0 = monotonicNanoseconds()
    let run = ParallelRun(transactions: window, context: context, base: SharedBase(reader: base))
    let t1 = monotonicNanoseconds()
    // The caller is worker 0 (it would run the block itself on the serial path).
    runOnWorkerThreads(threads, callerRuns: true) { _ in run.work() }
    let t2 = monotonicNanoseconds()
    run.collectStats(into: &stats)
    do {
      try settle(run: run, transactions: window, offset: offset, context: context, base: base, progress: &progress)
      let t3 = monotonicNanoseconds()
      stats.setupNanos += t1 &- t0
      stats.parallelNanos += t2 &- t1
      stats.settleNanos += t3 &- t2
      releaseInBackground(consume run)
      return true
    } catch let fallback as SerialFallback {
      stats.serialReason = fallback.reason
      progress.changes = base.writes
      try runSerialWindow(window, offset: offset, context: context, state: state, progress: &progress, stats: &stats)
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
    let evm = EVM(block: context.env)
    for (k, tx) in window.enumerated() {
      let (outcome, writes) = try SerialExecutor.executeOne(
        tx, index: offset + k, evm: evm, context: context, reader: overlay,
        cumulativeGas: progress.cumulative, blobGasUsed: &progress.blobGasUsed)
      progress.cumulative += outcome.gasUsed
      var o = outcome
      o.cumulativeGasUsed = progress.cumulative
      progress.outcomes.append(o)
      writes.apply(to: &overlay.writes)
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

  /// Everything serial order decides, per transaction in order: the block gas and blob gas
  /// limits and validity (the first failure is the block's, as serially), cumulative gas and
  /// logs, and the write set. Each final incarnation read exactly what serial execution would
  /// have shown it (validation says so), so its write set is the serial one, except for the
  /// coinbase, whose fees were not credited: its account is rebuilt from each transaction's
  /// own write and fee, in order. Replaying the write sets costs what the serial executor's
  /// own accumulation costs, and needs nothing from the multi-version memory.
  private static func settle(run: ParallelRun, transactions: [TxEnv], offset: Int, context: BlockContext,
                             base pre: OverlayReader, progress: inout Progress) throws {
    let memory = run.memory
    let coinbase = context.env.coinbase
    let clears = context.env.fork >= .spuriousDragon
    var coinbaseAccount: Account?
    do { coinbaseAccount = try pre.account(coinbase) } catch { throw ExecutionError.state(error) }
    var coinbaseWritten = false

    // The coinbase first: each transaction's own write, then its fee, in block order (up to the
    // first transaction that did not execute: the loop below reports it). Its fallbacks are
    // thrown before the window's state is taken over below.
    for k in transactions.indices {
      let entry = memory.records.withLock(k) { data -> CoinbaseEntry? in
        if case .executed? = data.outcome { return data.coinbase }
        return nil
      }
      guard let c = entry else { break }
      if let written = c.written {
        if written == nil && !c.fee.isZero {
          // Selfdestructed (stays deleted) or an EIP-161 deletion (re-created by the fee)? The
          // write set does not say; serial order knows.
          throw SerialFallback(reason: "coinbase deleted by a transaction paying it a fee")
        }
        coinbaseAccount = written
        coinbaseWritten = true
      }
      let credited = VersionedView.credit(coinbaseAccount, fee: c.fee, clearsEmptyAccounts: clears)
      if credited.deleted {
        // EIP-161 removes the account with its storage: serial order handles the storage.
        throw SerialFallback(reason: "zero fee deletes the empty coinbase")
      }
      if !c.fee.isZero { coinbaseWritten = true }
      coinbaseAccount = credited.account
    }

    // Taken over, not copied (the overlay is not read again).
    var changes = pre.writes
    pre.writes = StateChanges()
    changes.accounts.reserveCapacity(changes.accounts.count + 2 * transactions.count)
    var outcomes: [TransactionOutcome] = []
    outcomes.reserveCapacity(transactions.count)
    var cumulative = progress.cumulative
    var blobGasUsed = progress.blobGasUsed
    for (k, tx) in transactions.enumerated() {
      let i = offset + k
      guard tx.gasLimit <= context.env.gasLimit - cumulative else {
        throw ExecutionError.invalidTransaction(index: i, reason:
          "gas limit \(tx.gasLimit) exceeds the block's remaining gas \(context.env.gasLimit - cumulative)")
      }
      let blobGas = UInt64(tx.blobHashes.count) * EVM.gasPerBlob
      guard blobGasUsed + blobGas <= context.maxBlobGas else {
        throw ExecutionError.invalidTransaction(index: i, reason: "blob gas \(blobGasUsed + blobGas) exceeds the block maximum \(context.maxBlobGas)")
      }
      blobGasUsed += blobGas
      // Read in place under the record's lock: copying a result out costs a retain and a
      // release per array in it.
      try memory.records.withLock(k) { data in
        guard case .executed(let r)? = data.outcome else {
          switch data.outcome {
          case .failed(let e)?: throw ExecutionError.state(e)
          case .invalid(let e)?: throw ExecutionError.invalidTransaction(index: i, reason: e.description)
          default: fatalError("Block-STM: transaction \(i) was never executed")
          }
        }
        cumulative += r.gasUsed
        outcomes.append(TransactionOutcome(
          succeeded: r.status == .success, gasUsed: r.gasUsed, cumulativeGasUsed: cumulative,
          logs: r.logs, createdAddress: r.createdAddress))

        // The write set, the coinbase's account value aside (set from the fees below).
        r.writeSet.apply(to: &changes, except: coinbase)
        if let credit = r.deferredCredit {
          // The recipient existed for this transaction (validated), so it is in the changes
          // or, untouched in the block so far, in the base. Validation rules out its absence;
          // should it happen, the block fails rather than guess.
          func missing() -> ExecutionError {
            .state(.backend("Block-STM: the recipient of transaction \(i)'s deferred credit does not exist"))
          }
          if let index = changes.accounts.index(forKey: credit.address) {
            guard changes.accounts.values[index] != nil else { throw missing() }
            changes.accounts.values[index]!.balance &+= credit.value
          } else {
            // Untouched so far: the base account, as the transaction's view fetched it (else read).
            let current: Account?
            if let b = data.creditBase {
              current = b
            } else {
              do { current = try pre.base.account(credit.address) } catch let e as StateReadError { throw ExecutionError.state(e) }
            }
            guard var account = current else { throw missing() }
            account.balance &+= credit.value
            changes.accounts[credit.address] = .some(account)
          }
        }
      }
    }
    if coinbaseWritten {
      if let coinbaseAccount { changes.setAccount(coinbase, coinbaseAccount) } else { changes.deleteAccount(coinbase) }
    }

    progress.outcomes += outcomes
    progress.cumulative = cumulative
    progress.blobGasUsed = blobGasUsed
    progress.changes = changes
  }
}

/// The shared state of one block's parallel phase, and the worker loop.
final class ParallelRun: Sendable {
  let transactions: [TxEnv]
  let context: BlockContext
  let base: SharedBase
  let memory: MVMemory
  let scheduler: Scheduler
  let deployed = DeployedCode()

  // Statistics (relaxed: counters only).
  let incarnations = Atomic<Int>(0)
  let validations = Atomic<Int>(0)
  let validationAborts = Atomic<Int>(0)
  let dependencySuspensions = Atomic<Int>(0)
  let nonceSuspensions = Atomic<Int>(0)

  init(transactions: [TxEnv], context: BlockContext, base: SharedBase) {
    self.transactions = transactions
    self.context = context
    self.base = base
    memory = MVMemory(transactions: transactions.count)
    scheduler = Scheduler(transactions: transactions.count)
  }

  /// The previous transaction of `tx`'s sender (for the nonce dependency), found by walking
  /// back: needed only when a nonce is ahead, rarely, and usually a few transactions back;
  /// building a sender index for every window cost more.
  func previousOfSender(_ tx: TxIndex) -> TxIndex? {
    let sender = transactions[tx].caller
    var j = tx - 1
    while j >= 0 {
      if transactions[j].caller == sender { return j }
      j -= 1
    }
    return nil
  }

  /// One worker: draws tasks until the scheduler says the block is done.
  func work() {
    let evm = EVM(block: context.env)
    let view = VersionedView(memory: memory, base: base.reader, coinbase: context.env.coinbase, deployed: deployed,
                             clearsEmptyAccounts: context.env.fork >= .spuriousDragon)
    var task: SchedulerTask? = nil
    var idle = 0
    while !scheduler.isDone {
      if case .execute(let tx, let incarnation)? = task {
        task = execute(tx, incarnation, evm: evm, view: view)
      }
      if case .validate(let tx, let incarnation)? = task {
        task = validate(tx, incarnation)
      }
      if task == nil {
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

  private func execute(_ tx: TxIndex, _ incarnation: Incarnation, evm: EVM, view: VersionedView) -> SchedulerTask? {
    let env = transactions[tx]
    while true {
      incarnations.wrappingAdd(1, ordering: .relaxed)
      view.begin(tx)
      let start = monotonicNanoseconds()
      let outcome: IncarnationOutcome
      do {
        outcome = .executed(try evm.transact(env, state: view, creditCoinbase: false, deferredCredits: view))
      } catch {
        switch error {
        case .state(.blocked(on: let blocking)):
          if scheduler.addDependency(tx, on: blocking) {
            dependencySuspensions.wrappingAdd(1, ordering: .relaxed)
            return nil
          }
          continue  // the blocking transaction finished meanwhile: its value is there now
        case .state(let e):
          outcome = .failed(e)
        case .invalid(let e):
          // DESIGN.md: a nonce ahead of the sender's is not final; wait for the previous
          // transaction of the same sender when it has not executed yet.
          if case .nonceMismatch(let expected, let got) = e, got > expected, let p = previousOfSender(tx),
             scheduler.addDependency(tx, on: p) {
            nonceSuspensions.wrappingAdd(1, ordering: .relaxed)
            return nil
          }
          outcome = .invalid(e)
        }
      }
      let nanos = monotonicNanoseconds() &- start
      let writes: TransactionWrites
      if case .executed(let result) = outcome {
        writes = locationWrites(of: result, view: view)
      } else {
        writes = TransactionWrites()  // an invalid transaction changes nothing
      }
      let wroteNew = memory.record(tx: tx, incarnation: incarnation, reads: view.reads, coinbaseReads: view.coinbaseReads,
                                   writes: writes, outcome: outcome, nanos: nanos)
      return scheduler.finishExecution(tx, incarnation: incarnation, wroteNewLocation: wroteNew)
    }
  }

  private func validate(_ tx: TxIndex, _ incarnation: Incarnation) -> SchedulerTask? {
    validations.wrappingAdd(1, ordering: .relaxed)
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
  /// deleted accounts, and the coinbase entry with the fee.
  private func locationWrites(of result: ExecutionResult, view: VersionedView) -> TransactionWrites {
    let coinbase = context.env.coinbase
    var writes = TransactionWrites()
    writes.accounts.reserveCapacity(result.writeSet.accounts.count)
    var coinbaseWritten: Account?? = nil
    for w in result.writeSet.accounts {
      let a = w.address
      if let code = w.code, let account = w.account { deployed.insert(account.codeHash, code) }
      var f = AccountFieldWrites(a)
      guard let account = w.account else {
        f.mask |= AccountField.reset.bit
        if a == coinbase {
          coinbaseWritten = .some(nil)
        } else {
          f.mask |= AccountField.existence.bit
          f.existence = .absent
        }
        writes.accounts.append(f)
        continue
      }
      if w.created { f.mask |= AccountField.reset.bit }
      if a == coinbase {
        coinbaseWritten = .some(account)
        if f.mask != 0 { writes.accounts.append(f) }
        continue
      }
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
    if let credit = result.deferredCredit {
      writes.creditBase = view.recipientBase
      var f = AccountFieldWrites(credit.address)
      f.mask = AccountField.credit.bit
      f.balance = credit.value
      writes.accounts.append(f)
    }
    writes.slots.reserveCapacity(result.writeSet.storage.count)
    for s in result.writeSet.storage {
      writes.slots.append((SlotKey(address: s.address, slot: s.slot), s.value))
    }
    writes.coinbase = CoinbaseEntry(written: coinbaseWritten, fee: result.coinbaseFee)
    return writes
  }

  /// Counters, and the critical path along the final incarnations' read dependencies.
  func collectStats(into stats: inout BlockSTMStats) {
    stats.incarnations = incarnations.load(ordering: .relaxed)
    stats.validations = validations.load(ordering: .relaxed)
    stats.validationAborts = validationAborts.load(ordering: .relaxed)
    stats.dependencySuspensions = dependencySuspensions.load(ordering: .relaxed)
    stats.nonceSuspensions = nonceSuspensions.load(ordering: .relaxed)
    let n = transactions.count
    var pathNanos = [UInt64](repeating: 0, count: n)
    var pathGas = [UInt64](repeating: 0, count: n)
    var coinbaseReaders = 0, deferredCredits = 0, workNanos: UInt64 = 0, workGas: UInt64 = 0
    for i in 0..<n {
      // Inside the lock: the record is read in place, not copied.
      memory.records.withLock(i) { data in
        var gas: UInt64 = 0
        if case .executed(let r)? = data.outcome {
          gas = r.gasUsed
          if r.deferredCredit != nil { deferredCredits += 1 }
        }
        var depNanos: UInt64 = 0, depGas: UInt64 = 0
        func dependsOn(_ o: ReadOrigin) {
          guard !o.isBase else { return }
          let j = Int(o.tx)
          depNanos = max(depNanos, pathNanos[j])
          depGas = max(depGas, pathGas[j])
        }
        for r in data.reads {
          switch r {
          case .account(_, let o):
            dependsOn(o.existence); dependsOn(o.nonce); dependsOn(o.balance); dependsOn(o.codeHash)
          case .storage(_, let slot, let reset):
            dependsOn(slot); dependsOn(reset)
          case .recipient(_, let existence, let codeHash):
            dependsOn(existence); dependsOn(codeHash)
          case .credited(_, _, let top):
            dependsOn(top)  // and the credits below it, which precede it anyway
          }
        }
        if let os = data.coinbaseReads {
          coinbaseReaders += 1
          for o in os where o.tx >= 0 { dependsOn(o) }
        }
        pathNanos[i] = depNanos + data.nanos
        pathGas[i] = depGas + gas
        workNanos += data.nanos
        workGas += gas
      }
    }
    stats.coinbaseReaders += coinbaseReaders
    stats.deferredCredits += deferredCredits
    stats.workNanos += workNanos
    stats.workGas += workGas
    stats.criticalPathNanos = pathNanos.max() ?? 0
    stats.criticalPathGas = pathGas.max() ?? 0
  }
}

/// The monotonic clock in nanoseconds: the executor's timings without `Duration` arithmetic
/// (which cost ~400 instructions a transaction when incarnations were timed with it).
@inline(__always) func monotonicNanoseconds() -> UInt64 {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
}
