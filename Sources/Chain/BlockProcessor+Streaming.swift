import EVM
import Execution
import Primitives
import State
import Trie

// A light block imported with several threads and nothing prepared ahead (a file's first
// block, or its only one) used to wait for every sender before its first transaction ran:
// recovery (secp256k1, about 60-90 µs a transaction here) on every thread, then the serial
// execution on one while the others idled. Here the transactions execute in order as their
// senders become known, and the executing thread recovers senders itself whenever the next
// one is not ready: recovery and execution share the threads instead of following each other.
//
// What the block is judged by does not change: the body, every transaction's stateless rules
// and every sender are checked before an execution error is reported, exactly as when they
// ran first (an execution error found early waits for the checks of the transactions after it).

extension BlockProcessor {
  /// Whether `execute` runs `block` while its senders recover: several threads, at least two
  /// transactions, the serial executor (Block-STM needs every sender at the start), and receipts
  /// that need no state root after each transaction (from Byzantium).
  func streamsExecution(_ block: Block, fork: Fork) -> Bool {
    threads > 1 && block.transactions.count > 1 && fork >= .byzantium && runsSerially(block)
  }

  /// The body and transaction checks of `validateTransactions` and the serial execution of
  /// `run`, with the execution of each transaction starting as soon as its sender is known.
  func executeWhileRecovering(
    _ block: Block, fork: Fork, on reader: any StateReader & Sendable
  ) throws(BlockExecutionError) -> ([PreparedTransaction], BlockContext, [Address], BlockExecution) {
    let txs = block.transactions
    let header = block.header
    // Encodings and hashes first (cheap, on every thread), then the senders on the helpers
    // while this thread computes the transactions root and checks the body and the rules.
    let (encoded, signers) = startPreparing(txs, fork: fork, threads: threads)
    let context: BlockContext
    do throws(BlockError) {
      let encodings = encoded.map(\.encoding)
      try validateBody(block, fork: fork, transactionEncodings: encodings, transactionsRoot: TrieRoot.orderedRoot(encodings))
      context = try statelessChecks(block, fork: fork)
    } catch {
      throw .invalid(error)  // the helpers stop when `signers` is dropped
    }

    // Each transaction as its sender is known; the first failure stops the loop.
    let executed: Result<SerialExecutor.Run, ExecutionError>
    let baseFee = header.baseFeePerGas ?? .zero
    do throws(ExecutionError) {
      let run = try SerialExecutor.Run(context: context, state: reader, expectedTransactions: txs.count)
      for i in txs.indices {
        let (sender, authorities) = signers.element(i)
        guard case .success(let address) = sender else { break }  // reported below, in order
        try run.execute(Self.txEnv(txs[i], sender: address, baseFee: baseFee, fork: fork, authorities: authorities), index: i)
      }
      executed = .success(run)
    } catch {
      executed = .failure(error)
    }

    let prepared = assemblePrepared(encoded, signers.finish(threads: 1))
    // A sender that does not recover is reported before any execution error, as when every
    // sender was checked before the first transaction ran.
    let senders: [Address]
    do throws(BlockError) { senders = try Self.senders(prepared) } catch { throw .invalid(error) }
    do throws(ExecutionError) {
      return (prepared, context, senders, try executed.get().finish())
    } catch {
      throw BlockExecutionError(error)
    }
  }
}
