import Chain
import EVM
import Execution
import Foundation
import Primitives
import State

// Block-STM benchmark: each ../shared/corpus/*-30Mgas-1b block executed against its genesis
// state (execution only: no trie, no commit; senders recovered once, untimed), serial against
// Block-STM with 2 threads, median of 5 runs. Prints the speedup and Block-STM's counters,
// including the available parallelism (work ÷ critical path) that predicts more cores.

private struct STMBenchBlock {
  var name: String
  var context: BlockContext
  var txs: [TxEnv]
  var state: InMemoryState
  var gasUsed: UInt64
}

private func loadSTMBenchBlock(_ folder: URL) throws -> STMBenchBlock {
  let genesis = try GenesisFile.load(path: folder.appendingPathComponent("genesis.json").path)
  let state = genesis.inMemoryState
  let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent("blocks.rlp")))
  let (item, _) = try RLPItem.read(bytes[...], at: 0)
  let block = try Block(rlpEncoded: Array(item.encoded))
  let header = block.header
  let config = ChainConfig(genesis.config)
  let fork = config.fork(number: header.number, timestamp: header.timestamp)
  var senders: [Address] = []
  for r in recoverSenders(block.transactions, fork: fork, threads: 2) { senders.append(try r.get()) }
  let baseFee = header.baseFeePerGas ?? .zero
  let blobParams = config.blobParameters(fork, timestamp: header.timestamp)
  let blobBaseFee = fork >= .cancun
    ? HeaderValidator.blobBaseFee(excessBlobGas: header.excessBlobGas ?? 0, updateFraction: blobParams.baseFeeUpdateFraction)
    : .zero
  let txs = zip(block.transactions, senders).map { BlockProcessor.txEnv($0, sender: $1, baseFee: baseFee, fork: fork) }
  let context = BlockContext(
    env: BlockEnv(fork: fork, coinbase: header.coinbase, number: header.number, timestamp: header.timestamp,
                  gasLimit: header.gasLimit, prevRandao: header.mixHash, difficulty: header.difficulty,
                  baseFee: baseFee, chainID: U256(config.chainID), blobBaseFee: blobBaseFee),
    parentBeaconBlockRoot: header.parentBeaconBlockRoot,
    withdrawals: (block.withdrawals ?? []).map { ($0.address, $0.amountGwei) },
    maxBlobGas: blobParams.max * HeaderValidator.gasPerBlob)
  return STMBenchBlock(name: folder.lastPathComponent, context: context, txs: txs, state: state, gasUsed: header.gasUsed)
}

/// CPU seconds used by the whole process (all threads) while `body` runs: the total work, which
/// the wall time hides on a loaded machine.
private func cpuSeconds(_ body: () -> Void) -> Double {
  var a = timespec(), b = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a)
  body()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b)
  return Double(b.tv_sec - a.tv_sec) + Double(b.tv_nsec - a.tv_nsec) / 1e9
}

func benchBlockSTM() {
  let candidates = [ProcessInfo.processInfo.environment["STRATA_CORPUS"], "../shared/corpus", "/work/shared/corpus"]
  let root = URL(fileURLWithPath: candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0) } ?? "../shared/corpus")
  guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else {
    print("blockstm: no corpus at \(root.path) (set STRATA_CORPUS)")
    return
  }
  let threads = Int(ProcessInfo.processInfo.environment["STRATA_STM_THREADS"] ?? "") ?? 2
  print("Block-STM vs serial, execution only, medians of 15 interleaved runs, \(threads) threads")
  var crossover: [STMBenchBlock] = []
  let filter = ProcessInfo.processInfo.environment["STRATA_STM_FILTER"] ?? ""
  // STRATA_STM_PROFILE=n: run only Block-STM n times on the filtered blocks (for perf/callgrind);
  // STRATA_STM_SERIAL=1: the serial executor instead. With STRATA_STM_THREADS=1, Block-STM runs
  // on the calling thread alone (no idle spinning, no conflicts): its instructions less the
  // serial executor's are the bookkeeping.
  if let loops = Int(ProcessInfo.processInfo.environment["STRATA_STM_PROFILE"] ?? "") {
    for name in names.sorted() where name.hasSuffix("-30Mgas-1b") && (filter.isEmpty || name.contains(filter)) {
      guard let block = try? loadSTMBenchBlock(root.appendingPathComponent(name)) else { continue }
      let serialOnly = ProcessInfo.processInfo.environment["STRATA_STM_SERIAL"] != nil
      let t = measure(runs: loops) {
        if serialOnly {
          blackHole(try? SerialExecutor.execute(block.txs, context: block.context, state: block.state))
        } else {
          blackHole(try? BlockSTMExecutor.execute(block.txs, context: block.context, state: block.state, threads: threads,
                                                  minTransactions: 2, minAverageGasLimit: 0, minThreads: 1))
        }
      }
      print("\(name): \(serialOnly ? "serial" : "block-stm") median \(fmt(t.median * 1000, 2)) ms over \(loops) runs")
    }
    return
  }
  for name in names.sorted() where name.hasSuffix("-30Mgas-1b") && (filter.isEmpty || name.contains(filter)) {
    let block: STMBenchBlock
    do { block = try loadSTMBenchBlock(root.appendingPathComponent(name)) } catch {
      print("\(name): cannot load: \(error)")
      continue
    }
    // Check first: identical results, and the gas the header promises.
    let serial: BlockExecution
    let parallel: BlockExecution
    var stats = BlockSTMStats()
    do {
      serial = try SerialExecutor.execute(block.txs, context: block.context, state: block.state)
      (parallel, stats) = try BlockSTMExecutor.execute(block.txs, context: block.context, state: block.state, threads: threads, minAverageGasLimit: 0)
    } catch {
      print("\(name): execution failed: \(error)")
      continue
    }
    let same = serial.writes == parallel.writes && serial.gasUsed == parallel.gasUsed
      && zip(serial.outcomes, parallel.outcomes).allSatisfy { $0.cumulativeGasUsed == $1.cumulativeGasUsed && $0.logs == $1.logs }
    // Interleaved (serial, parallel) pairs, so that a drift in the machine's speed (this VM's
    // can be 1.5× between seconds) affects both sides alike.
    let (s, p) = measurePairs(runs: 15, {
      blackHole(try? SerialExecutor.execute(block.txs, context: block.context, state: block.state))
    }, {
      blackHole(try? BlockSTMExecutor.execute(block.txs, context: block.context, state: block.state, threads: threads, minAverageGasLimit: 0))
    }, untimedAfterEach: {
      // Block-STM frees its per-block structures on a background thread (overlapping, in an
      // import, the trie and commit work); keep that out of the next serial run.
      waitForBackgroundReleases()
    })
    // The counters of a warm run (the first run above also paid for cold caches).
    if let (_, warm) = try? BlockSTMExecutor.execute(block.txs, context: block.context, state: block.state, threads: threads, minAverageGasLimit: 0) {
      stats = warm
    }
    var cpuSerial: [Double] = [], cpuParallel: [Double] = []
    for _ in 0..<5 {
      cpuSerial.append(cpuSeconds { blackHole(try? SerialExecutor.execute(block.txs, context: block.context, state: block.state)) })
      cpuParallel.append(cpuSeconds {
        blackHole(try? BlockSTMExecutor.execute(block.txs, context: block.context, state: block.state, threads: threads, minAverageGasLimit: 0))
      })
    }
    let cpuS = cpuSerial.sorted()[2], cpuP = cpuParallel.sorted()[2]
    let mgas = Double(serial.gasUsed) / 1e6
    print("\(name): \(block.txs.count) txs, \(fmt(mgas)) Mgas (header \(fmt(Double(block.gasUsed) / 1e6))), "
          + "identical: \(same)")
    print("  serial \(fmt(s.median * 1000, 2)) ms (\(fmt(mgas / s.median, 0)) Mgas/s), "
          + "block-stm \(fmt(p.median * 1000, 2)) ms (\(fmt(mgas / p.median, 0)) Mgas/s), "
          + "speedup \(fmt(s.median / p.median, 2))×; CPU time serial \(fmt(cpuS * 1000, 2)) ms, "
          + "block-stm \(fmt(cpuP * 1000, 2)) ms (all threads: \(fmt(cpuP / cpuS, 2))× the serial work)")
    print("  \(stats)")
    if let (_, chosen) = try? BlockSTMExecutor.execute(block.txs, context: block.context, state: block.state, threads: threads) {
      print("  default path: \(chosen.serialReason.map { "serial (\($0))" } ?? "Block-STM")")
    }
    if name.hasPrefix("eth_transfers") || name.hasPrefix("erc20") || name.hasPrefix("compute") { crossover.append(block) }
  }

  // Where parallel starts to pay: block prefixes of n transactions, serial against Block-STM
  // forced on (minTransactions 2); each timing repeats the prefix to last about a millisecond.
  print("crossover (prefixes of n transactions, \(threads) threads):")
  for block in crossover {
    var line = "  \(block.name):"
    for n in [2, 4, 8, 16, 32, 64] where n <= block.txs.count {
      let txs = Array(block.txs.prefix(n))
      let reps = max(1, 256 / n)
      let s = measure(runs: 5) {
        for _ in 0..<reps { blackHole(try? SerialExecutor.execute(txs, context: block.context, state: block.state)) }
      }
      let p = measure(runs: 5) {
        for _ in 0..<reps {
          blackHole(try? BlockSTMExecutor.execute(txs, context: block.context, state: block.state, threads: threads, minTransactions: 2, minAverageGasLimit: 0))
        }
      }
      line += " n=\(n) \(fmt(s.median / p.median, 2))×"
    }
    print(line)
  }
}

/// `strata-bench blockstm-predict`: predicted Block-STM speedups at 8, 16 and 32 threads for the
/// first block of every corpus folder, from the executor's counters of 2-thread runs (this
/// machine has 2 cores, shared).
///
/// The model, per block, from medians of 5 runs (CPU times: on a loaded machine wall time is
/// mostly the wait for a core, and so are the counters' nanosecond fields):
/// - Ts: serial execution, CPU time (single-threaded).
/// - W/CP: the counters' work over critical path measured in gas (`availableParallelismByGas`:
///   the final incarnations' gas, summed, over the longest chain of them along the read
///   dependencies). The nanosecond version is printed too; it is inflated by preemption here.
/// - S: the serial windows of a Block-STM run (setup and settle), scaled from wall to CPU time by
///   the serial run's CPU/wall ratio.
/// - C: the CPU time of the 2-thread Block-STM run (all threads) less S: the parallel phase's
///   work, Block-STM's bookkeeping, validations and re-executions included; C/Ts is printed as
///   the overhead factor.
/// - T(P) between the optimistic S + max(C/P, C·CP/W) and Graham's list-scheduling bound
///   S + C/P + (1 − 1/P)·C·CP/W. Printed: Ts / T(P) for both bounds (Graham first).
/// Blocks the default executor runs serially are predicted all the same (Block-STM forced on).
func benchBlockSTMPredict() {
  let candidates = [ProcessInfo.processInfo.environment["STRATA_CORPUS"], "../shared/corpus", "/work/shared/corpus"]
  let root = URL(fileURLWithPath: candidates.compactMap { $0 }.first { FileManager.default.fileExists(atPath: $0) } ?? "../shared/corpus")
  guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else {
    print("blockstm-predict: no corpus at \(root.path) (set STRATA_CORPUS)")
    return
  }
  let filter = ProcessInfo.processInfo.environment["STRATA_STM_FILTER"] ?? ""
  let runs = 5
  func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
  print("Block-STM speedup over serial predicted from the counters of 2-thread runs (first block of each corpus folder; medians of \(runs) runs; CPU times)")
  print("block                        txs  Mgas serial ms W/CP gas W/CP ns  C/Ts  S ms |     P=2       P=8       P=16      P=32   (Graham–optimistic)")
  for name in names.sorted() where filter.isEmpty || name.contains(filter) {
    let block: STMBenchBlock
    do { block = try loadSTMBenchBlock(root.appendingPathComponent(name)) } catch { continue }
    var ts: [Double] = [], wallS: [Double] = [], cpuP: [Double] = []
    var parGas: [Double] = [], parNs: [Double] = [], ser: [Double] = []
    var ok = block.txs.count >= 2
    for _ in 0..<runs where ok {
      let t0 = DispatchTime.now().uptimeNanoseconds
      ts.append(cpuSeconds { blackHole(try? SerialExecutor.execute(block.txs, context: block.context, state: block.state)) })
      wallS.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
      var stats = BlockSTMStats()
      cpuP.append(cpuSeconds {
        if let (_, st) = try? BlockSTMExecutor.execute(block.txs, context: block.context, state: block.state, threads: 2, minTransactions: 2, minAverageGasLimit: 0) {
          stats = st
        } else { ok = false }
      })
      waitForBackgroundReleases()
      if stats.serialReason != nil { ok = false }
      parGas.append(stats.availableParallelismByGas)
      parNs.append(stats.availableParallelism)
      ser.append(Double(stats.setupNanos + stats.settleNanos) / 1e9)
    }
    let label = name.padding(toLength: 28, withPad: " ", startingAt: 0)
    if !ok {
      print("\(label) \(block.txs.count) txs: Block-STM took the serial path; no prediction")
      continue
    }
    let Ts = median(ts)
    let S = median(ser) * min(1, Ts / median(wallS))
    let C = max(median(cpuP) - S, 1e-9)
    let ratio = max(median(parGas), 1)
    func bounds(_ p: Double) -> (graham: Double, optimistic: Double) {
      let cp = C / ratio
      return (Ts / (S + C / p + (1 - 1 / p) * cp), Ts / (S + max(C / p, cp)))
    }
    var line = label + String(format: " %4d %5.1f %9.2f %8.1f %7.1f %5.2f %5.2f |", block.txs.count, Double(block.gasUsed) / 1e6,
                              Ts * 1000, ratio, median(parNs), C / Ts, S * 1000)
    for p in [2.0, 8.0, 16.0, 32.0] {
      let b = bounds(p)
      line += String(format: " %4.2f–%-4.2f", b.graham, b.optimistic)
    }
    print(line)
  }
}
