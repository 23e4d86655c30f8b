import Chain
import EVM
import Execution
import Foundation
import Primitives
import State
import Testing
import TestSupport

/// Determinism on the corpus: every block of every corpus chain executed by Block-STM (forced on:
/// no gas or size cutoff) with 2, 4 and 8 threads gives the serial executor's outcomes (status,
/// gas, cumulative gas, logs, created address), block gas and write set. The import test checks
/// the serial results against the reference roots; this one ties Block-STM to them.
@Suite(.enabled(if: Fixtures.shared.map { FileManager.default.fileExists(atPath: $0.appendingPathComponent("corpus").path) } ?? false,
  "shared corpus not found"))
struct CorpusBlockSTMTests {
  @Test(arguments: CorpusTests.folders())
  func blockSTMEqualsSerial(folder: String) throws {
    let dir = Fixtures.shared!.appendingPathComponent("corpus/\(folder)")
    let genesis = try GenesisFile.load(path: dir.appendingPathComponent("genesis.json").path)
    let config = ChainConfig(genesis.config)
    var state = genesis.inMemoryState
    let file = try ChainFile(path: dir.appendingPathComponent("blocks.rlp").path)
    var blocks = 0, transactions = 0, parallelRuns = 0
    while let (_, bytes) = try file.next() {
      let block = try Block(rlpEncoded: bytes)
      let header = block.header
      if header.number > 0 { state.blockHashes[header.number - 1] = header.parentHash }
      let fork = config.fork(number: header.number, timestamp: header.timestamp)
      let senders = try recoverSenders(block.transactions, fork: fork, threads: 2).map { try $0.get() }
      let txs = zip(block.transactions, senders).map {
        BlockProcessor.txEnv($0, sender: $1, baseFee: header.baseFeePerGas ?? .zero, fork: fork)
      }
      let context = BlockProcessor.context(for: header, fork: fork, config: config, withdrawals: block.withdrawals)
      let serial = try SerialExecutor.execute(txs, context: context, state: state)
      #expect(serial.gasUsed == header.gasUsed, "block \(header.number): serial gas")
      for threads in [2, 4, 8] {
        let (parallel, stats) = try BlockSTMExecutor.execute(txs, context: context, state: state, threads: threads,
                                                             minTransactions: 2, minAverageGasLimit: 0)
        if stats.serialReason == nil { parallelRuns += 1 }
        let label = "\(folder) block \(header.number), \(threads) threads"
        #expect(parallel.gasUsed == serial.gasUsed, "\(label): gas")
        #expect(parallel.blobGasUsed == serial.blobGasUsed, "\(label): blob gas")
        #expect(parallel.outcomes.count == serial.outcomes.count, "\(label): outcome count")
        for (i, (p, s)) in zip(parallel.outcomes, serial.outcomes).enumerated() {
          #expect(p.succeeded == s.succeeded && p.gasUsed == s.gasUsed && p.cumulativeGasUsed == s.cumulativeGasUsed
                  && p.logs == s.logs && p.createdAddress == s.createdAddress, "\(label): transaction \(i)")
        }
        #expect(parallel.writes == serial.writes, "\(label): write set")
      }
      state.apply(serial.writes)
      blocks += 1
      transactions += txs.count
    }
    #expect(blocks > 0)
    print("Block-STM on corpus \(folder): \(blocks) blocks, \(transactions) txs, \(parallelRuns) parallel runs identical to serial")
  }
}
