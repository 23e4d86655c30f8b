import EVM
import Execution
import Primitives
import State
import Trie

/// A block that passed every check: what the store commits.
public struct ProcessedBlock: Sendable {
  public var block: Block
  public var hash: Hash
  public var senders: [Address]
  /// Each transaction's canonical encoding and hash, in order (computed with the senders).
  public var transactionEncodings: [[UInt8]]
  public var transactionHashes: [Hash]
  public var receipts: [Receipt]
  /// Each receipt's consensus encoding, in order (what the receipts trie holds, and the store).
  public var receiptEncodings: [[UInt8]]
  public var execution: BlockExecution
  public var stateRoot: Hash
  /// Block-STM's counters when the block ran in parallel.
  public var parallelStats: BlockSTMStats?
}

/// Validates and executes one block against the state after its parent, and checks every root
/// and total the header promises. It changes nothing: the caller commits what it returns.
public struct BlockProcessor: Sendable {
  public var config: ChainConfig
  /// Worker threads for sender recovery (and Block-STM when it runs).
  public var threads: Int
  /// Block-STM for every block of two or more transactions, without the size and gas cutoffs
  /// that keep light blocks serial (with more than one thread): a determinism check.
  public var alwaysParallel: Bool

  public init(config: ChainConfig, threads: Int = 1, alwaysParallel: Bool = false) {
    self.config = config
    self.threads = max(1, threads)
    self.alwaysParallel = alwaysParallel
  }

  /// - Parameters:
  ///   - block: the block to import.
  ///   - parent: its parent's header (already in the chain).
  ///   - state: the state after `parent`.
  ///   - stateRoot: computes the state root after applying the block's writes to `state`.
  /// - Throws: `BlockError` naming the first rule the block breaks.
  ///   - prepared: the block's `prepareTransactionsInBackground`, when import started it ahead.
  ///   - intermediateRoot: before Byzantium, the state root after the writes so far (receipts
  ///     carry it instead of a status); nil where pre-Byzantium blocks are not supported.
  public func process(
    _ block: Block, parent: Header, state: any StateReader & Sendable,
    prepared ahead: BackgroundMap<PreparedTransaction>? = nil,
    intermediateRoot: ((StateChanges) -> Hash)? = nil,
    stateRoot: (StateChanges) throws(BlockError) -> Hash
  ) throws(BlockError) -> ProcessedBlock {
    let header = block.header
    let fork = config.fork(number: header.number, timestamp: header.timestamp)
    guard header.parentHash == parent.hash else {
      throw .mismatch(field: "parentHash", expected: parent.hash.description, got: header.parentHash.description)
    }
    try HeaderValidator.validate(header, parent: parent, config: config)
    // Senders, encodings and hashes for every transaction, in parallel; the checks below read
    // them in the order they always ran (body, then each transaction, then its sender).
    var prepared = ahead?.finish(threads: threads) ?? []
    if prepared.count != block.transactions.count {
      prepared = prepareTransactions(block.transactions, fork: fork, threads: threads)
    }
    let encodings = prepared.map(\.encoding)
    try validateBody(block, fork: fork, transactionEncodings: encodings)

    // Stateless transaction checks.
    let chainID = U256(config.chainID)
    let baseFee = header.baseFeePerGas ?? .zero
    let context = Self.context(for: header, fork: fork, config: config, withdrawals: block.withdrawals,
                               rewards: fork >= .paris ? [] : Self.rewards(block, fork: fork))
    let blobBaseFee = context.env.blobBaseFee
    for (i, tx) in block.transactions.enumerated() {
      do {
        try tx.validate(fork: fork, chainID: chainID)
      } catch {
        throw .transaction(index: i, reason: error.description)
      }
      if fork >= .london && tx.feeCap < baseFee {
        throw .transaction(index: i, reason: "max fee per gas \(tx.feeCap) below the base fee \(baseFee)")
      }
      if tx.type == .blob {
        if tx.to == nil { throw .transaction(index: i, reason: "blob transaction cannot create a contract") }
        if tx.maxFeePerBlobGas < blobBaseFee {
          throw .transaction(index: i, reason: "max fee per blob gas \(tx.maxFeePerBlobGas) below the blob base fee \(blobBaseFee)")
        }
      }
    }
    var senders: [Address] = []
    senders.reserveCapacity(block.transactions.count)
    for (i, p) in prepared.enumerated() {
      switch p.sender {
      case .success(let a): senders.append(a)
      case .failure(let e): throw .transaction(index: i, reason: "sender recovery: \(e)")
      }
    }

    let envs = zip(block.transactions, senders).map { tx, sender in
      Self.txEnv(tx, sender: sender, baseFee: baseFee, fork: fork)
    }
    let execution: BlockExecution
    var parallelStats: BlockSTMStats?
    // Before Byzantium (EIP-658) each receipt holds the state root after its transaction.
    var postStates: [Hash] = []
    let needsPostStates = fork < .byzantium && intermediateRoot != nil
    do {
      if needsPostStates, let intermediateRoot {
        execution = try SerialExecutor.execute(envs, context: context, state: state) { _, writes in
          postStates.append(intermediateRoot(writes))
        }
      } else if threads > 1 {
        // Block-STM; it falls back to the serial path itself for small blocks.
        let (e, s) = alwaysParallel
          ? try BlockSTMExecutor.execute(envs, context: context, state: state, threads: threads,
                                         minTransactions: 2, minAverageGasLimit: 0)
          : try BlockSTMExecutor.execute(envs, context: context, state: state, threads: threads)
        execution = e
        parallelStats = s
      } else {
        execution = try SerialExecutor.execute(envs, context: context, state: state)
      }
    } catch {
      switch error {
      case .invalidTransaction(let i, let reason): throw .transaction(index: i, reason: reason)
      case .state(let e): throw .invalidBlock("state read failed: \(e)")
      }
    }

    // Receipts, bloom and the totals the header promises.
    let (receipts, receiptEncodings, bloom) = Self.receipts(
      block.transactions, execution, postStates: needsPostStates ? postStates : nil, threads: threads)
    guard execution.gasUsed == header.gasUsed else {
      throw .mismatch(field: "gasUsed", expected: "\(header.gasUsed)", got: "\(execution.gasUsed)")
    }
    if fork >= .cancun, execution.blobGasUsed != header.blobGasUsed {
      throw .mismatch(field: "blobGasUsed", expected: "\(header.blobGasUsed ?? 0)", got: "\(execution.blobGasUsed)")
    }
    let receiptsRoot = TrieRoot.orderedRoot(receiptEncodings)
    guard receiptsRoot == header.receiptsRoot else {
      throw .mismatch(field: "receiptsRoot", expected: header.receiptsRoot.description, got: receiptsRoot.description)
    }
    guard bloom == header.logsBloom else {
      throw .mismatch(field: "logsBloom", expected: header.logsBloom.description, got: bloom.description)
    }
    let root = try stateRoot(execution.writes)
    guard root == header.stateRoot else {
      throw .mismatch(field: "stateRoot", expected: header.stateRoot.description, got: root.description)
    }
    return ProcessedBlock(block: block, hash: header.hash, senders: senders, transactionEncodings: encodings,
                          transactionHashes: prepared.map(\.hash), receipts: receipts,
                          receiptEncodings: receiptEncodings, execution: execution, stateRoot: root, parallelStats: parallelStats)
  }

  /// What the executor needs of a block: its environment (fork, base fee, blob base fee from
  /// the header's excess blob gas), system-call input, withdrawals and pre-merge rewards.
  public static func context(
    for header: Header, fork: Fork, config: ChainConfig, withdrawals: [Withdrawal]?,
    rewards: [(address: Address, amount: U256)] = []
  ) -> BlockContext {
    let blobParams = config.blobParameters(fork)
    let blobBaseFee = fork >= .cancun
      ? HeaderValidator.blobBaseFee(excessBlobGas: header.excessBlobGas ?? 0, updateFraction: blobParams.baseFeeUpdateFraction)
      : .zero
    return BlockContext(
      env: BlockEnv(
        fork: fork, coinbase: header.coinbase, number: header.number, timestamp: header.timestamp,
        gasLimit: header.gasLimit, prevRandao: header.mixHash, difficulty: header.difficulty,
        baseFee: header.baseFeePerGas ?? .zero, chainID: U256(config.chainID), blobBaseFee: blobBaseFee),
      parentBeaconBlockRoot: header.parentBeaconBlockRoot,
      withdrawals: (withdrawals ?? []).map { ($0.address, $0.amountGwei) },
      maxBlobGas: blobParams.max * HeaderValidator.gasPerBlob,
      rewards: rewards)
  }

  /// The receipts of executed transactions, their consensus encodings and the block's logs
  /// bloom. `postStates` (one root per transaction) replaces the status before Byzantium.
  /// Receipts (each bloom a Keccak per log address and topic) and encodings are built on
  /// `threads` threads.
  public static func receipts(_ transactions: [Transaction], _ execution: BlockExecution, postStates: [Hash]?,
                              threads: Int = 1) -> (receipts: [Receipt], encodings: [[UInt8]], bloom: Bloom)
  {
    let outcomes = execution.outcomes
    let built = parallelMap(count: min(transactions.count, outcomes.count), threads: threads, chunk: 16) { i in
      let o = outcomes[i]
      let r = Receipt(type: transactions[i].type, succeeded: o.succeeded, postState: postStates?[i],
                      cumulativeGasUsed: o.cumulativeGasUsed, logs: o.logs)
      return (r, r.consensusBytes)
    }
    var bloom = Bloom()
    for (r, _) in built { bloom.formUnion(r.bloom) }
    return (built.map(\.0), built.map(\.1), bloom)
  }

  /// Body checks against the header: transactions root, ommers, withdrawals.
  /// - Parameter transactionEncodings: each transaction's canonical encoding, in order.
  func validateBody(_ block: Block, fork: Fork, transactionEncodings: [[UInt8]]) throws(BlockError) {
    let header = block.header
    let txRoot = TrieRoot.orderedRoot(transactionEncodings)
    guard txRoot == header.transactionsRoot else {
      throw .mismatch(field: "transactionsRoot", expected: header.transactionsRoot.description, got: txRoot.description)
    }
    var e = RLPEncoder()
    e.list { l in for o in block.ommers { o.encode(to: &l) } }
    let ommersHash = Keccak256.hash(e.bytes)
    guard ommersHash == header.ommersHash else {
      throw .mismatch(field: "ommersHash", expected: header.ommersHash.description, got: ommersHash.description)
    }
    if fork >= .paris && !block.ommers.isEmpty { throw .invalidBlock("ommers after the merge") }
    if block.ommers.count > 2 { throw .invalidBlock("more than two ommers") }
    if fork >= .shanghai {
      guard let withdrawals = block.withdrawals else { throw .invalidBlock("withdrawals missing") }
      let root = TrieRoot.orderedRoot(withdrawals.map(\.rlpEncoded))
      guard root == header.withdrawalsRoot else {
        throw .mismatch(field: "withdrawalsRoot", expected: header.withdrawalsRoot?.description ?? "none", got: root.description)
      }
    } else if block.withdrawals != nil {
      throw .invalidBlock("withdrawals before Shanghai")
    }
  }

  /// The EVM's view of a transaction: effective gas price and fee caps per EIP-1559/4844.
  public static func txEnv(_ tx: Transaction, sender: Address, baseFee: U256, fork: Fork) -> TxEnv {
    let price: U256
    switch tx.type {
    case .legacy, .accessList: price = tx.gasPrice
    default:
      let tipped = baseFee &+ tx.maxPriorityFeePerGas
      price = tx.maxFeePerGas < tipped ? tx.maxFeePerGas : tipped
    }
    return TxEnv(
      caller: sender, to: tx.to, value: tx.value, data: tx.data, gasLimit: tx.gasLimit,
      gasPrice: price, maxFeePerGas: tx.feeCap, maxFeePerBlobGas: tx.maxFeePerBlobGas,
      blobHashes: tx.blobVersionedHashes,
      accessList: tx.accessList.map { EVM.AccessListEntry(address: $0.address, storageKeys: $0.storageKeys.map { U256($0) }) },
      nonce: tx.nonce)
  }

  /// Pre-merge miner and ommer rewards (Frontier 5 ETH, Byzantium 3, Constantinople 2).
  static func rewards(_ block: Block, fork: Fork) -> [(address: Address, amount: U256)] {
    let eth = U256(1_000_000_000_000_000_000)
    let base: U256 = fork >= .constantinople ? U256(2) &* eth : fork >= .byzantium ? U256(3) &* eth : U256(5) &* eth
    var out: [(Address, U256)] = []
    var minerReward = base
    for ommer in block.ommers {
      // Ommer: (8 + ommer.number - number) / 8 of the base; miner: base / 32 per ommer.
      let k = U256(8 &+ ommer.number &- block.header.number)
      out.append((ommer.coinbase, k &* base / U256(8)))
      minerReward = minerReward &+ base / U256(32)
    }
    out.insert((block.header.coinbase, minerReward), at: 0)
    return out
  }
}
