import EVM
import Execution
import Primitives
import State
import Trie

/// Builds valid blocks on top of an in-memory state: what a devnet's block producer does. Used
/// by the demo-data generator and by tests that need real chains.
public struct BlockBuilder: Sendable {
  public var config: ChainConfig
  public var state: InMemoryState
  public var parent: Header
  /// Hashes of the blocks built so far (BLOCKHASH).
  public var hashes: [UInt64: Hash]

  public init(config: ChainConfig, genesis: GenesisFile) {
    self.config = config
    var s = InMemoryState()
    s.apply(genesis.stateChanges)
    state = s
    parent = genesis.header(stateRoot: s.computeStateRoot())
    hashes = [parent.number: parent.hash]
  }

  /// Executes signed `transactions` in a new block on the current head and makes it the head.
  /// - Throws: `BlockExecutionError.invalid` when a transaction is invalid, `.backend` when the
  ///   state cannot be read.
  public mutating func build(
    _ transactions: [Transaction], coinbase: Address, withdrawals: [Withdrawal]? = nil, timeStep: UInt64 = 12
  ) throws(BlockExecutionError) -> Block {
    let number = parent.number + 1
    let timestamp = parent.timestamp + timeStep
    let fork = config.fork(number: number, timestamp: timestamp)
    let parentFork = config.fork(number: parent.number, timestamp: parent.timestamp)
    var header = Header(parentHash: parent.hash, coinbase: coinbase, number: number, gasLimit: parent.gasLimit,
                        timestamp: timestamp, mixHash: Keccak256.hash(parent.hash.bytes))
    if fork >= .london { header.baseFeePerGas = HeaderValidator.expectedBaseFee(parent: parent, parentIsLondon: parentFork >= .london) }
    var ws = withdrawals
    if fork >= .shanghai { ws = ws ?? [] } else { ws = nil }
    if let ws { header.withdrawalsRoot = TrieRoot.orderedRoot(ws.map(\.rlpEncoded)) }
    if fork >= .cancun {
      header.excessBlobGas = HeaderValidator.expectedExcessBlobGas(
        parent: parent, parentIsCancun: parentFork >= .cancun, target: config.blobParameters(fork, timestamp: timestamp).target)
      header.parentBeaconBlockRoot = Keccak256.hash(header.mixHash.bytes)
    }
    header.transactionsRoot = TrieRoot.orderedRoot(transactions.map(\.canonicalBytes))

    var senders: [Address] = []
    for (i, r) in recoverSenders(transactions, fork: fork, threads: 1).enumerated() {
      switch r {
      case .success(let a): senders.append(a)
      case .failure(let e): throw .invalid(.transaction(index: i, .sender(e)))
      }
    }
    let baseFee = header.baseFeePerGas ?? .zero
    let context = BlockProcessor.context(for: header, fork: fork, config: config, withdrawals: ws)
    var reader = state
    reader.blockHashes = hashes
    let execution: BlockExecution
    do {
      execution = try SerialExecutor.execute(
        zip(transactions, senders).map { BlockProcessor.txEnv($0, sender: $1, baseFee: baseFee, fork: fork) },
        context: context, state: reader)
    } catch {
      throw BlockExecutionError(error)
    }
    let (_, receiptEncodings, bloom) = BlockProcessor.receipts(transactions, execution, postStates: nil)
    header.gasUsed = execution.gasUsed
    if fork >= .cancun { header.blobGasUsed = execution.blobGasUsed }
    if fork >= .prague {
      do throws(BlockError) {
        header.requestsHash = try BlockProcessor.requestsHash(execution, depositContract: config.depositContractAddress)
      } catch {
        throw .invalid(error)
      }
    }
    header.receiptsRoot = TrieRoot.orderedRoot(receiptEncodings)
    header.logsBloom = bloom
    state.apply(execution.writes)
    header.stateRoot = state.computeStateRoot()
    parent = header
    hashes[number] = header.hash
    return Block(header: header, transactions: transactions, ommers: [], withdrawals: ws)
  }
}
