import EVM
import Execution
import Foundation
import Primitives
import State
import Testing
import Trie
@testable import Chain

/// A light block executed while its senders recover (`executeWhileRecovering`, several threads,
/// nothing prepared ahead) gives what the one-thread path gives, and judges a bad block by the
/// same first error: an invalid sender after a failing transaction is still the block's error.
@Suite struct StreamedExecutionTests {
  static let keys: [[UInt8]] = [[UInt8](repeating: 0, count: 31) + [11], [UInt8](repeating: 0, count: 31) + [12]]

  static func address(of key: [UInt8]) throws -> Address {
    try Transaction(type: .dynamicFee, chainID: U256(1), maxFeePerGas: U256(1), gasLimit: 21_000,
                    to: Address(low: 1)).signed(privateKey: key).sender(fork: .cancun)
  }

  /// A Cancun chain with the two senders funded, and a block of `count` transfers alternating
  /// between them (about a quarter to new accounts).
  static func chain(count: Int) throws -> (GenesisFile, Header, InMemoryState, Block) {
    let funded = try keys.map { "\"\(try address(of: $0).description)\": {\"balance\": \"0x3635c9adc5dea00000\"}" }
    let json = """
      {"config": {"chainId": 1, "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0, "eip158Block": 0,
        "byzantiumBlock": 0, "constantinopleBlock": 0, "petersburgBlock": 0, "istanbulBlock": 0, "berlinBlock": 0,
        "londonBlock": 0, "mergeNetsplitBlock": 0, "terminalTotalDifficulty": 0, "shanghaiTime": 0, "cancunTime": 0},
       "gasLimit": "0x1c9c380", "difficulty": "0x0", "timestamp": "0x0",
       "alloc": {\(funded.joined(separator: ", "))}}
      """
    let genesis = try GenesisFile.decode(Data(json.utf8))
    var builder = BlockBuilder(config: genesis.chainConfig, genesis: genesis)
    let parent = builder.parent
    let base = builder.state
    var txs: [Transaction] = []
    for i in 0..<count {
      let to = i % 4 == 0 ? Address(low: UInt32(0x10_000 + i)) : Address(low: UInt32(0x100 + i % 3))
      txs.append(try Transaction(type: .dynamicFee, chainID: U256(1), nonce: UInt64(i / 2), maxPriorityFeePerGas: U256(2),
                                 maxFeePerGas: U256(1_000_000_000), gasLimit: 21_000, to: to, value: U256(UInt64(1000 + i)))
        .signed(privateKey: keys[i % 2]))
    }
    let block = try builder.build(txs, coinbase: Address(low: 0xc0))
    return (genesis, parent, base, block)
  }

  @Test func streamedEqualsOneThread() throws {
    let (genesis, parent, base, block) = try Self.chain(count: 40)
    let one = BlockProcessor(config: genesis.chainConfig, threads: 1)
    let two = BlockProcessor(config: genesis.chainConfig, threads: 2)
    #expect(two.streamsExecution(block, fork: .cancun))
    #expect(!one.streamsExecution(block, fork: .cancun))
    let a = try one.execute(block, parent: parent, on: base)
    let b = try two.execute(block, parent: parent, on: base)
    #expect(a.execution.writes == b.execution.writes)
    #expect(a.execution.gasUsed == b.execution.gasUsed && a.execution.gasUsed == block.header.gasUsed)
    #expect(a.receiptEncodings == b.receiptEncodings)
    #expect(a.senders == b.senders && a.transactionHashes == b.transactionHashes)
    #expect(a.transactionEncodings == b.transactionEncodings)
  }

  /// Transaction 3 fails in execution (its nonce is ahead), transaction 30's signature does not
  /// recover: both paths report transaction 30's sender, the check that runs first.
  @Test func senderErrorOutranksAnEarlierExecutionError() throws {
    let (genesis, parent, base, good) = try Self.chain(count: 40)
    var block = good
    block.transactions[3] = try block.transactions[3].with(nonce: 99).signed(privateKey: Self.keys[1])
    // An r in range whose point is not on the curve: the stateless checks pass, recovery fails.
    var bad = block.transactions[30]
    for r in 1...64 {
      bad.r = U256(UInt64(r))
      if (try? bad.sender(fork: .cancun)) == nil { break }
    }
    #expect((try? bad.sender(fork: .cancun)) == nil)
    block.transactions[30] = bad
    block.header.transactionsRoot = TrieRoot.orderedRoot(block.transactions.map(\.canonicalBytes))
    let errors = Self.errors(block, genesis: genesis, parent: parent, base: base)
    #expect(errors.count == 2 && errors[0] == errors[1])
    for error in errors {
      guard case .invalid(.transaction(index: 30, .sender)) = error else {
        Issue.record("expected transaction 30's sender, got \(error)")
        continue
      }
    }

    // Without the bad signature, transaction 3's execution error is the block's, on both paths.
    block.transactions[30] = good.transactions[30]
    block.header.transactionsRoot = TrieRoot.orderedRoot(block.transactions.map(\.canonicalBytes))
    let failures = Self.errors(block, genesis: genesis, parent: parent, base: base).map { "\($0)" }
    #expect(failures.count == 2 && failures[0] == failures[1])
    #expect(failures.first?.contains("3") == true)
  }
}

extension StreamedExecutionTests {
  /// The errors of `block` with one thread and with two (one entry each; none when accepted).
  static func errors(_ block: Block, genesis: GenesisFile, parent: Header, base: InMemoryState) -> [BlockExecutionError] {
    var out: [BlockExecutionError] = []
    for threads in [1, 2] {
      do {
        _ = try BlockProcessor(config: genesis.chainConfig, threads: threads).execute(block, parent: parent, on: base)
        Issue.record("an invalid block was accepted with \(threads) threads")
      } catch {
        out.append(error)
      }
    }
    return out
  }
}

private extension Transaction {
  func with(nonce: UInt64) -> Transaction {
    var t = self
    t.nonce = nonce
    return t
  }
}
