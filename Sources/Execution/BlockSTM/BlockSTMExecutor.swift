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
  /// Sum of the final incarnations' execution times, and the longest chain of them along the
  /// read dependencies (a transaction depends on each transaction whose write it read).
  public var workNanos: UInt64 = 0
  public var criticalPathNanos: UInt64 = 0
  /// The same in gas.
  public var workGas: UInt64 = 0
  public var criticalPathGas: UInt64 = 0
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
    workNanos += w.workNanos
    criticalPathNanos += w.criticalPathNanos
    workGas += w.workGas
    criticalPathGas += w.criticalPathGas
    windows += w.windows
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
      + "\(nonceSuspensions) nonce suspensions, \(coinbaseReaders) coinbase readers, \(windows) windows "
      + "(\(serialTransactions) txs serial); available parallelism "
      + "\(Self.format(availableParallelism)) by time, \(Self.format(availableParallelismByGas)) by gas"
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
  /// corpus (StrataBench `blockstm`), Block-STM's bookkeeping costs about 10–15 µs of CPU per
  /// transaction, three to four times what a transfer or an ERC-20 call costs serially, so
  /// light blocks cannot gain on two cores; compute-heavy ones (≈450k gas each) add only ~5%.
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
    let run = ParallelRun(transactions: window, context: context, base: SharedBase(reader: base))
    runOnWorkerThreads(threads) { _ in run.work() }
    run.collectStats(into: &stats)
    do {
      try settle(run: run, transactions: window, offset: offset, context: context, base: base, progress: &progress)
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
    let start = ContinuousClock.now
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
    let elapsed = ContinuousClock.now - start
    let nanos = UInt64(max(0, elapsed.components.seconds)) &* 1_000_000_000
      &+ UInt64(max(0, elapsed.components.attoseconds / 1_000_000_000))
    stats.workNanos += nanos
    stats.criticalPathNanos += nanos
    stats.serialTransactions += window.count
    stats.windows += 1
  }

  /// Something the parallel results cannot settle exactly: the block is re-run serially.
  struct SerialFallback: Error { var reason: String }

  /// Everything serial order decides: per transaction in order, the block gas and blob gas
  /// limits and validity (the first failure is the block's, as serially); cumulative gas and
  /// logs; then the final write set (the last version of each location, the fees credited to
  /// the coinbase in order) and the changes after the transactions.
  private static func settle(run: ParallelRun, transactions: [TxEnv], offset: Int, context: BlockContext,
                             base pre: OverlayReader, progress: inout Progress) throws {
    let memory = run.memory
    var outcomes: [TransactionOutcome] = []
    outcomes.reserveCapacity(transactions.count)
    var results: [ExecutionResult] = []
    results.reserveCapacity(transactions.count)
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
      let outcome = memory.records[k].data.withLock { $0.outcome }
      switch outcome {
      case .none: fatalError("Block-STM: transaction \(i) was never executed")
      case .failed(let e): throw ExecutionError.state(e)
      case .invalid(let e): throw ExecutionError.invalidTransaction(index: i, reason: e.description)
      case .executed(let r):
        cumulative += r.gasUsed
        outcomes.append(TransactionOutcome(
          succeeded: r.status == .success, gasUsed: r.gasUsed, cumulativeGasUsed: cumulative,
          logs: r.logs, createdAddress: r.createdAddress))
        results.append(r)
      }
    }

    // The last version of each location.
    struct Fields {
      var existence: Hash?? = nil
      var nonce: UInt64? = nil
      var balance: U256? = nil
      var codeHash: Hash? = nil
    }
    var fields: [Address: Fields] = [:]
    var lastReset: [Address: Int32] = [:]
    var slots: [(address: Address, slot: U256, tx: Int32, value: U256)] = []
    var coinbaseEntries: [MVMemory.Entry] = []
    memory.forEachLocation { key, entries in
      guard let last = entries.last else { return }
      precondition(last.incarnation >= 0, "Block-STM: an ESTIMATE survived the parallel phase")
      switch (key, last.value) {
      case (.existence(let a), .existence(let root)): fields[a, default: Fields()].existence = .some(root)
      case (.nonce(let a), .nonce(let n)): fields[a, default: Fields()].nonce = n
      case (.balance(let a), .balance(let b)): fields[a, default: Fields()].balance = b
      case (.codeHash(let a), .codeHash(let h)): fields[a, default: Fields()].codeHash = h
      case (.storage(let a, let s), .storage(let v)): slots.append((a, s, last.tx, v))
      case (.storageReset(let a), .storageReset): lastReset[a] = last.tx
      case (.coinbase, .coinbase): coinbaseEntries = entries
      default: fatalError("Block-STM: value kind does not match its key \(key)")
      }
    }

    var changes = pre.writes
    for address in lastReset.keys { changes.clearStorage(of: address) }
    for s in slots {
      // A slot written before the account's last reset is gone (serial order clears it then).
      if let r = lastReset[s.address], s.tx < r { continue }
      changes.setStorage(s.address, s.slot, s.value)
    }
    let coinbase = context.env.coinbase
    for (address, f) in fields {
      precondition(address != coinbase, "Block-STM: the coinbase written outside its key")
      if case .some(.none) = f.existence {
        changes.deleteAccount(address)
        continue
      }
      let before: Account?
      do { before = try pre.account(address) } catch { throw ExecutionError.state(error) }
      let storageRoot: Hash
      if case .some(.some(let root)) = f.existence {
        storageRoot = root
      } else if let before {
        storageRoot = before.storageRoot
      } else {
        throw SerialFallback(reason: "fields of \(address) written without its creation")
      }
      guard let nonce = f.nonce ?? before?.nonce, let balance = f.balance ?? before?.balance,
            let codeHash = f.codeHash ?? before?.codeHash else {
        throw SerialFallback(reason: "fields of \(address) written without its creation")
      }
      changes.setAccount(address, Account(nonce: nonce, balance: balance, codeHash: codeHash, storageRoot: storageRoot))
    }

    // The coinbase: each transaction's own write, then its fee, in block order.
    precondition(coinbaseEntries.count == transactions.count, "Block-STM: a transaction left no coinbase entry")
    let clears = context.env.fork >= .spuriousDragon
    var coinbaseAccount: Account?
    do { coinbaseAccount = try pre.account(coinbase) } catch { throw ExecutionError.state(error) }
    var coinbaseWritten = false
    for entry in coinbaseEntries {
      guard case .coinbase(let c) = entry.value else { fatalError("Block-STM: wrong value kind at the coinbase key") }
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
    if coinbaseWritten {
      if let coinbaseAccount { changes.setAccount(coinbase, coinbaseAccount) } else { changes.deleteAccount(coinbase) }
    }

    // Code deployed by the final incarnations, in block order.
    for r in results {
      for w in r.writeSet.accounts where w.account != nil {
        if let code = w.code { changes.setCode(code) }
      }
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
  /// For each transaction, the previous one of the same sender (nonce dependencies).
  let previousOfSender: [TxIndex?]

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
    var last: [Address: TxIndex] = [:]
    var previous: [TxIndex?] = []
    previous.reserveCapacity(transactions.count)
    for (i, tx) in transactions.enumerated() {
      previous.append(last[tx.caller])
      last[tx.caller] = i
    }
    previousOfSender = previous
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
      let start = ContinuousClock.now
      let outcome: IncarnationOutcome
      do {
        outcome = .executed(try evm.transact(env, state: view, creditCoinbase: false))
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
          if case .nonceMismatch(let expected, let got) = e, got > expected, let p = previousOfSender[tx],
             scheduler.addDependency(tx, on: p) {
            nonceSuspensions.wrappingAdd(1, ordering: .relaxed)
            return nil
          }
          outcome = .invalid(e)
        }
      }
      let elapsed = ContinuousClock.now - start
      let nanos = UInt64(max(0, elapsed.components.seconds)) &* 1_000_000_000
        &+ UInt64(max(0, elapsed.components.attoseconds / 1_000_000_000))
      let writes: [(LocationKey, LocationValue)]
      if case .executed(let result) = outcome {
        writes = locationWrites(of: result, view: view)
      } else {
        writes = []  // an invalid transaction changes nothing
      }
      let wroteNew = memory.record(tx: tx, incarnation: incarnation, reads: view.reads, writes: writes,
                                   outcome: outcome, nanos: nanos)
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
  private func locationWrites(of result: ExecutionResult, view: VersionedView) -> [(LocationKey, LocationValue)] {
    let coinbase = context.env.coinbase
    var writes: [(LocationKey, LocationValue)] = []
    writes.reserveCapacity(result.writeSet.accounts.count * 2 + result.writeSet.storage.count + 1)
    var coinbaseWritten: Account?? = nil
    for w in result.writeSet.accounts {
      let a = w.address
      if let code = w.code, let account = w.account { deployed.insert(account.codeHash, code) }
      guard let account = w.account else {
        writes.append((.storageReset(a), .storageReset))
        if a == coinbase { coinbaseWritten = .some(nil) } else { writes.append((.existence(a), .existence(storageRoot: nil))) }
        continue
      }
      if w.created { writes.append((.storageReset(a), .storageReset)) }
      if a == coinbase { coinbaseWritten = .some(account); continue }
      let before: Account? = view.accountsRead[a] ?? nil
      let fresh = w.created || before == nil
      if fresh || before!.storageRoot != account.storageRoot {
        writes.append((.existence(a), .existence(storageRoot: account.storageRoot)))
      }
      if fresh || before!.nonce != account.nonce { writes.append((.nonce(a), .nonce(account.nonce))) }
      if fresh || before!.balance != account.balance { writes.append((.balance(a), .balance(account.balance))) }
      if fresh || before!.codeHash != account.codeHash { writes.append((.codeHash(a), .codeHash(account.codeHash))) }
    }
    for s in result.writeSet.storage {
      writes.append((.storage(s.address, s.slot), .storage(s.value)))
    }
    writes.append((.coinbase, .coinbase(CoinbaseEntry(written: coinbaseWritten, fee: result.coinbaseFee))))
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
    for i in 0..<n {
      let data = memory.records[i].data.withLock { $0 }
      var gas: UInt64 = 0
      if case .executed(let r)? = data.outcome { gas = r.gasUsed }
      var depNanos: UInt64 = 0, depGas: UInt64 = 0
      func dependsOn(_ o: ReadOrigin) {
        guard !o.isBase else { return }
        let j = Int(o.tx)
        depNanos = max(depNanos, pathNanos[j])
        depGas = max(depGas, pathGas[j])
      }
      for r in data.reads {
        switch r {
        case .location(_, let o): dependsOn(o)
        case .coinbase(let os):
          stats.coinbaseReaders += 1
          for o in os { dependsOn(o) }
        }
      }
      pathNanos[i] = depNanos + data.nanos
      pathGas[i] = depGas + gas
      stats.workNanos += data.nanos
      stats.workGas += gas
    }
    stats.criticalPathNanos = pathNanos.max() ?? 0
    stats.criticalPathGas = pathGas.max() ?? 0
  }
}
