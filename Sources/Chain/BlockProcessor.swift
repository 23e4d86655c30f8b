import EVM
import Execution
import Primitives
import State
import Trie

/// Validates and executes one block against the state after its parent, and checks every root
/// and total the header promises except those that need the new state (the state root; before
/// Byzantium also the receipts root, whose receipts carry intermediate state roots). It changes
/// nothing: a commit step (`ChainStore.commit`, `InMemoryState.commit`) computes those roots,
/// checks them and writes.
public struct BlockProcessor: Sendable {
  public var config: ChainConfig
  /// Worker threads for sender recovery (and Block-STM when it runs).
  public var threads: Int
  /// Block-STM for every block of two or more transactions, without the size and gas cutoffs
  /// that keep light blocks serial (with more than one thread): a determinism check.
  public var alwaysParallel: Bool
  /// Execution on the serial executor through the one reader it is given, whatever `threads`:
  /// a group commit's blocks read through its write transaction, which serves one thread. The
  /// pure work around execution (sender recovery, encodings, transactions and receipts roots,
  /// blooms) still uses every thread.
  public var serialExecution: Bool

  public init(config: ChainConfig, threads: Int = 1, alwaysParallel: Bool = false, serialExecution: Bool = false) {
    self.config = config
    self.threads = max(1, threads)
    self.alwaysParallel = alwaysParallel
    self.serialExecution = serialExecution
  }

  /// Validates and executes `block` on the state after `parent`.
  /// - Parameters:
  ///   - block: the block to import.
  ///   - parent: its parent's header (already in the chain).
  ///   - reader: the state after `parent` (the serial path, system calls, Block-STM's settling).
  ///   - workerReaders: Block-STM worker `w` reads through `workerReaders[w]` alone: one snapshot
  ///     of the same state each (an LMDB read transaction serves one thread at a time). Empty:
  ///     every worker shares `reader`, which must then allow concurrent reads (`InMemoryState`).
  ///   - prepared: the block's `prepareTransactionsInBackground`, when import started it ahead.
  ///   - parentTotalDifficulty: the parent's total difficulty, when known: it selects Paris by
  ///     the terminal total difficulty.
  ///   - onValidated: called with the prepared transactions (senders, encodings, hashes) once
  ///     the header, the body and every transaction's stateless rules are checked, before
  ///     execution (import starts writing the block's header, body and index meanwhile).
  /// - Returns: the executed block, for a commit step to check the state root and write.
  /// - Throws: `.invalid` naming the first rule the block breaks, or `.backend` when `reader`
  ///   failed (never reported as an invalid block).
  public func execute(
    _ block: Block, parent: Header, on reader: any StateReader & Sendable,
    workerReaders: [any StateReader & Sendable] = [],
    prepared ahead: BackgroundMap<PreparedTransaction>? = nil, parentTotalDifficulty: U256? = nil,
    onValidated: (([PreparedTransaction]) -> Void)? = nil
  ) throws(BlockExecutionError) -> ExecutedBlock {
    let header = block.header
    let fork = config.fork(number: header.number, timestamp: header.timestamp, parentTotalDifficulty: parentTotalDifficulty)
    let prepared: [PreparedTransaction]
    let context: BlockContext
    let senders: [Address]
    let execution: BlockExecution
    let writesAfter: [StateChanges]
    let parallelStats: BlockSTMStats?
    do throws(BlockError) {
      guard header.parentHash == parent.hash else {
        throw .mismatch(.parentHash, expected: .hash(parent.hash), got: .hash(header.parentHash))
      }
      try HeaderValidator.validate(header, parent: parent, config: config, parentTotalDifficulty: parentTotalDifficulty)
    } catch {
      throw .invalid(error)
    }
    if ahead == nil && streamsExecution(block, fork: fork) {
      (prepared, context, senders, execution) = try executeWhileRecovering(block, fork: fork, on: reader)
      onValidated?(prepared)
      (writesAfter, parallelStats) = ([], nil)
    } else {
      do throws(BlockError) {
        (prepared, context, senders) = try validateTransactions(block, fork: fork, prepared: ahead)
      } catch {
        throw .invalid(error)
      }
      onValidated?(prepared)
      let envs = block.transactions.indices.map { i in
        Self.txEnv(block.transactions[i], sender: senders[i], baseFee: header.baseFeePerGas ?? .zero, fork: fork,
                   authorities: prepared[i].authorities)
      }
      // Before Byzantium (EIP-658) each receipt holds the state root after its transaction: the
      // block's writes so far are kept per transaction for the commit step to compute it.
      (execution, writesAfter, parallelStats) = try run(envs, context: context, on: reader, workerReaders: workerReaders,
                                                        keepWritesPerTransaction: fork < .byzantium)
    }

    // Receipts, bloom and the totals the header promises.
    let (receipts, receiptEncodings, bloom) = Self.receipts(block.transactions, execution, postStates: nil, threads: threads)
    do throws(BlockError) {
      guard execution.gasUsed == header.gasUsed else {
        throw .mismatch(.gasUsed, expected: .number(header.gasUsed), got: .number(execution.gasUsed))
      }
      if fork >= .cancun, execution.blobGasUsed != header.blobGasUsed {
        throw .mismatch(.blobGasUsed, expected: header.blobGasUsed.map(HeaderValue.number) ?? .absent,
                        got: .number(execution.blobGasUsed))
      }
      if fork >= .byzantium { try ExecutedBlock.checkReceiptsRoot(receiptEncodings, header: header) }
      guard bloom == header.logsBloom else {
        throw .mismatch(.logsBloom, expected: .bloom(header.logsBloom), got: .bloom(bloom))
      }
      if fork >= .prague { try checkRequests(execution, header: header) }
    } catch {
      throw .invalid(error)
    }
    return ExecutedBlock(
      block: block, hash: header.hash, parent: parent, fork: fork, senders: senders,
      transactionEncodings: prepared.map(\.encoding), transactionHashes: prepared.map(\.hash),
      execution: execution, writesAfterTransaction: writesAfter,
      receipts: fork >= .byzantium ? receipts : [], receiptEncodings: fork >= .byzantium ? receiptEncodings : [],
      parallelStats: parallelStats)
  }

  /// EIP-7685: the block's requests — deposits from the deposit contract's logs (EIP-6110),
  /// then the request contracts' outputs (EIP-7002, EIP-7251) — hash to the header's
  /// requestsHash.
  /// - Throws: `.requests` for a malformed deposit log, `.mismatch(.requestsHash, …)`.
  func checkRequests(_ execution: BlockExecution, header: Header) throws(BlockError) {
    let hash = try Self.requestsHash(execution, depositContract: config.depositContractAddress)
    guard hash == header.requestsHash else {
      throw .mismatch(.requestsHash, expected: header.requestsHash.map(HeaderValue.hash) ?? .absent, got: .hash(hash))
    }
  }

  /// EIP-7685: the requests hash of an executed Prague block.
  /// - Parameter depositContract: the chain's deposit contract (nil: mainnet's).
  /// - Throws: `.requests` for a malformed deposit log (EIP-6110).
  public static func requestsHash(_ execution: BlockExecution, depositContract: Address?) throws(BlockError) -> Hash {
    let deposits: [UInt8]
    do throws(RequestFault) {
      deposits = try Requests.depositData(logs: execution.outcomes.lazy.flatMap(\.logs),
                                          contract: depositContract ?? Requests.mainnetDepositContract)
    } catch {
      throw .requests(error)
    }
    let all = [(type: Requests.depositType, data: deposits)] + execution.systemRequests.map { (type: $0.type, data: $0.data) }
    return Requests.hash(all)
  }

  /// Whether `execute` runs `block` on the serial executor alone, on one reader: with one
  /// thread, before Byzantium (receipts need the state after each transaction), and for the
  /// small and light blocks Block-STM leaves serial. A group commit runs only such blocks inside
  /// its write transaction, which one thread at a time may read.
  public func runsSerially(_ block: Block) -> Bool {
    if threads <= 1 || serialExecution { return true }
    let header = block.header
    if config.fork(number: header.number, timestamp: header.timestamp) < .byzantium { return true }
    return BlockSTMExecutor.serialReason(
      threads: threads, gasLimits: block.transactions.lazy.map(\.gasLimit),
      minTransactions: cutoffs.minTransactions, minAverageGasLimit: cutoffs.minAverageGasLimit) != nil
  }

  /// Block-STM's size and gas cutoffs: none but two transactions with `alwaysParallel`.
  var cutoffs: (minTransactions: Int, minAverageGasLimit: UInt64) {
    alwaysParallel ? (2, 0) : (BlockSTMExecutor.defaultMinTransactions, BlockSTMExecutor.defaultMinAverageGasLimit)
  }

  /// Header-independent checks of the body and of every transaction, in the order they always
  /// ran (body, then each transaction's stateless rules, then its sender).
  /// - Returns: the prepared transactions, the executor's context and the senders.
  func validateTransactions(
    _ block: Block, fork: Fork, prepared ahead: BackgroundMap<PreparedTransaction>?
  ) throws(BlockError) -> ([PreparedTransaction], BlockContext, [Address]) {
    // Senders, encodings and hashes for every transaction, in parallel; without a preparation
    // started ahead, the transactions root is computed while the senders recover.
    var prepared = ahead?.finish(threads: threads) ?? []
    var transactionsRoot: Hash? = nil
    if prepared.count != block.transactions.count {
      (prepared, transactionsRoot) = prepareTransactionsWithRoot(block.transactions, fork: fork, threads: threads)
    }
    try validateBody(block, fork: fork, transactionEncodings: prepared.map(\.encoding), transactionsRoot: transactionsRoot)
    let context = try statelessChecks(block, fork: fork)
    return (prepared, context, try Self.senders(prepared))
  }

  /// The senders, or the first transaction whose sender does not recover.
  static func senders(_ prepared: [PreparedTransaction]) throws(BlockError) -> [Address] {
    var senders: [Address] = []
    senders.reserveCapacity(prepared.count)
    for (i, p) in prepared.enumerated() {
      switch p.sender {
      case .success(let a): senders.append(a)
      case .failure(let e): throw .transaction(index: i, .sender(e))
      }
    }
    return senders
  }

  /// Every transaction's stateless rules, in order; the executor's context.
  func statelessChecks(_ block: Block, fork: Fork) throws(BlockError) -> BlockContext {
    let header = block.header
    let chainID = U256(config.chainID)
    let baseFee = header.baseFeePerGas ?? .zero
    var context = Self.context(for: header, fork: fork, config: config, withdrawals: block.withdrawals,
                               rewards: fork >= .paris ? [] : Self.rewards(block, fork: fork))
    // The DAO fork block moves the DAO's balances to the refund contract first.
    if config.daoForkSupport, config.daoForkBlock == header.number { context.drain = DAOFork.drain }
    let blobBaseFee = context.env.blobBaseFee
    for (i, tx) in block.transactions.enumerated() {
      do throws(TransactionError) {
        try tx.validate(fork: fork, chainID: chainID)
      } catch {
        throw .transaction(index: i, .invalid(error))
      }
      if fork >= .london && tx.feeCap < baseFee {
        throw .transaction(index: i, .feeCapBelowBaseFee(feeCap: tx.feeCap, baseFee: baseFee))
      }
      if tx.type == .setCode && tx.to == nil { throw .transaction(index: i, .invalid(.missingRecipient(.setCode))) }
      if tx.type == .blob {
        if tx.to == nil { throw .transaction(index: i, .invalid(.missingRecipient(.blob))) }
        if tx.maxFeePerBlobGas < blobBaseFee {
          throw .transaction(index: i, .blobFeeCapBelowBlobBaseFee(maxFeePerBlobGas: tx.maxFeePerBlobGas, blobBaseFee: blobBaseFee))
        }
      }
    }
    return context
  }

  /// The one place the executors are called: serial when the block's receipts need the state
  /// after each transaction (before Byzantium) or with one thread, Block-STM otherwise (it falls
  /// back to the serial path itself for small blocks).
  /// - Returns: the execution, the block's writes after each transaction (only when
  ///   `keepWritesPerTransaction`) and Block-STM's counters when it ran.
  func run(
    _ envs: [TxEnv], context: BlockContext, on reader: any StateReader & Sendable,
    workerReaders: [any StateReader & Sendable], keepWritesPerTransaction: Bool
  ) throws(BlockExecutionError) -> (BlockExecution, [StateChanges], BlockSTMStats?) {
    do throws(ExecutionError) {
      if keepWritesPerTransaction {
        var writesAfter: [StateChanges] = []
        writesAfter.reserveCapacity(envs.count)
        let execution = try SerialExecutor.execute(envs, context: context, state: reader) { _, writes in
          writesAfter.append(writes)
        }
        return (execution, writesAfter, nil)
      }
      if threads > 1 && !serialExecution {
        // Worker 0 is the calling thread and reads through `reader`.
        let readers = workerReaders.isEmpty
          ? Array(repeating: reader, count: threads)
          : [reader] + workerReaders.dropFirst().prefix(threads - 1)
        let (e, s) = try BlockSTMExecutor.execute(envs, context: context, readers: readers,
                                                  minTransactions: cutoffs.minTransactions,
                                                  minAverageGasLimit: cutoffs.minAverageGasLimit)
        return (e, [], s)
      }
      return (try SerialExecutor.execute(envs, context: context, state: reader), [], nil)
    } catch {
      throw BlockExecutionError(error)
    }
  }

  /// What the executor needs of a block: its environment (fork, base fee, blob base fee from
  /// the header's excess blob gas), system-call input, withdrawals and pre-merge rewards.
  public static func context(
    for header: Header, fork: Fork, config: ChainConfig, withdrawals: [Withdrawal]?,
    rewards: [(address: Address, amount: U256)] = []
  ) -> BlockContext {
    let blobParams = config.blobParameters(fork, timestamp: header.timestamp)
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
      rewards: rewards,
      parentHash: fork >= .prague ? header.parentHash : nil)
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
  /// - Parameters:
  ///   - transactionEncodings: each transaction's canonical encoding, in order.
  ///   - transactionsRoot: their ordered-trie root when already computed.
  func validateBody(_ block: Block, fork: Fork, transactionEncodings: [[UInt8]], transactionsRoot: Hash? = nil) throws(BlockError) {
    let header = block.header
    let txRoot = transactionsRoot ?? TrieRoot.orderedRoot(transactionEncodings)
    guard txRoot == header.transactionsRoot else {
      throw .mismatch(.transactionsRoot, expected: .hash(header.transactionsRoot), got: .hash(txRoot))
    }
    var e = RLPEncoder()
    e.list { l in for o in block.ommers { o.encode(to: &l) } }
    let ommersHash = Keccak256.hash(e.bytes)
    guard ommersHash == header.ommersHash else {
      throw .mismatch(.ommersHash, expected: .hash(header.ommersHash), got: .hash(ommersHash))
    }
    if fork >= .paris && !block.ommers.isEmpty { throw .invalidBody(.ommersAfterMerge) }
    if block.ommers.count > 2 { throw .invalidBody(.tooManyOmmers(block.ommers.count)) }
    if fork >= .shanghai {
      guard let withdrawals = block.withdrawals else { throw .invalidBody(.withdrawalsMissing) }
      let root = TrieRoot.orderedRoot(withdrawals.map(\.rlpEncoded))
      guard root == header.withdrawalsRoot else {
        throw .mismatch(.withdrawalsRoot, expected: header.withdrawalsRoot.map(HeaderValue.hash) ?? .absent, got: .hash(root))
      }
    } else if block.withdrawals != nil {
      throw .invalidBody(.withdrawalsBeforeShanghai)
    }
    if fork >= .osaka {
      let size = block.rlpSize(transactionEncodings: transactionEncodings)
      if size > Block.maxRLPSize { throw .invalidBody(.blockTooLarge(size: size, max: Block.maxRLPSize)) }
    }
  }

  /// The EVM's view of a transaction: effective gas price and fee caps per EIP-1559/4844, and
  /// the EIP-7702 authorizations with their signers (`authorities`, one per authorization, as
  /// `prepareTransactions` recovered them; recovered here when nil).
  public static func txEnv(_ tx: Transaction, sender: Address, baseFee: U256, fork: Fork,
                           authorities: [Address?]? = nil) -> TxEnv {
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
      nonce: tx.nonce,
      authorizations: tx.authorizationList.enumerated().map { i, a in
        let authority: Address?
        if let authorities, i < authorities.count { authority = authorities[i] } else { authority = try? a.authority() }
        return AuthorizationEnv(chainID: a.chainID, address: a.address, nonce: a.nonce, authority: authority)
      })
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
