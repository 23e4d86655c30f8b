import EVM
import Execution
import Foundation
import LMDBStore
import Primitives
import State
import Trie

/// Why a client command failed: one line each, naming the block or the input. An invalid block
/// (`block`, `decode`), a store failure (`store`, `stateBackend`) and a usage error are different
/// cases: a failing store is never reported as a bad block.
public enum ChainError: Error, CustomStringConvertible, StoreErrorCarrying {
  case store(StoreError)
  case genesis(GenesisError)
  case notInitialised(String)
  case otherChain(String)
  case block(number: UInt64, hash: Hash, BlockError)
  /// Reading the state failed while block `number` executed: the store's fault, not the block's.
  case stateBackend(number: UInt64, hash: Hash, StateReadError)
  /// The block's parent is stored but is not the head: side chains are not imported.
  case parentNotHead(number: UInt64, hash: Hash, parent: Hash, head: Hash)
  case file(ChainFile.ReadError)
  case decode(offset: UInt64, BlockError)
  /// A proof-of-work block (or one of its ommers, `ommer` its index) whose ethash seal fails.
  case seal(number: UInt64, hash: Hash, ommer: Int?, EthashVerifier.SealError)
  case trie(TrieError)
  case other(String)

  public var description: String {
    switch self {
    case .store(let e): return e.description
    case .genesis(let e): return e.description
    case .notInitialised(let p): return "no store at \(p): run `strata init GENESIS.json` first"
    case .otherChain(let r): return r
    case .block(let n, let h, let e): return "block \(n) (\(h)): \(e)"
    case .stateBackend(let n, let h, let e): return "store failed while executing block \(n) (\(h)): \(e)"
    case .parentNotHead(let n, let h, let parent, let head):
      return "block \(n) (\(h)): its parent \(parent) is not the head \(head) (side chains are not imported)"
    case .file(let e): return e.description
    case .decode(let o, let e): return "block at byte \(o): \(e)"
    case .seal(let n, let h, let ommer, let e):
      return "block \(n) (\(h)): " + (ommer.map { "ommer \($0): " } ?? "") + e.description
    case .trie(let e): return "trie: \(e)"
    case .other(let m): return m
    }
  }
}

/// The client's view of one data directory: genesis, import, queries.
///
/// Every block is committed in one LMDB write transaction — state, trie nodes, code, header,
/// body, receipts, canonical index and head — or not at all. An import puts several blocks in one
/// transaction (`GroupCommit`): each still validated, executed and its roots checked on the state
/// its parent left (read through the open transaction) before the next runs.
public final class ChainStore: @unchecked Sendable {
  // SAFETY (@unchecked Sendable): `store` is thread-safe (LMDB environment, one writer lock);
  // `config` is immutable after init.
  public let store: Store
  public let config: ChainConfig

  /// Meta key of the genesis file's `config`, kept so later imports know the fork schedule.
  static let configKey = "chain-config"

  /// Opens an initialised store.
  public init(path: String, readOnly: Bool = false) throws(ChainError) {
    guard FileManager.default.fileExists(atPath: path) else { throw .notInitialised(path) }
    do {
      store = try Store.open(path: path, readOnly: readOnly)
    } catch {
      if case .notFound = error { throw .notInitialised(path) }
      throw .store(error)
    }
    let raw = try store.read(throwing: ChainError.self) { (views) throws(ChainError) in
      try stored { () throws(StoreError) in try views[0].meta(ChainStore.configKey) }
    }
    guard let raw else { throw .notInitialised(path) }
    do {
      config = try JSONDecoder().decode(GenesisConfig.self, from: Data(raw)).chainConfigValue
    } catch {
      throw .other("stored chain config unreadable: \(error)")
    }
  }

  /// A chain over an open store whose genesis is already committed, with `config` given rather
  /// than read from the store (the conformance runner's temporary stores).
  public init(store: Store, config: ChainConfig) {
    self.store = store
    self.config = config
  }

  /// Creates a store from a genesis file, or checks that an existing one holds the same chain.
  /// - Returns: the genesis hash and state root.
  @discardableResult
  public static func initialise(path: String, genesisPath: String) throws(ChainError) -> (hash: Hash, stateRoot: Hash) {
    let genesis: GenesisFile
    do { genesis = try GenesisFile.load(path: genesisPath) } catch { throw .genesis(error) }
    let configJSON: Data
    do {
      let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: genesisPath))) as? [String: Any]
      configJSON = try JSONSerialization.data(withJSONObject: object?["config"] ?? [String: Any](), options: [.sortedKeys])
    } catch {
      throw .genesis(.invalidJSON(reason: "\(error)"))
    }
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
      throw .other("cannot create \(path): \(error)")
    }
    let store: Store
    do { store = try Store.open(path: path) } catch { throw .store(error) }
    return try store.write(throwing: ChainError.self) { (batch: inout WriteBatch) throws(ChainError) -> (Hash, Hash) in
      let root = try stored { () throws(StoreError) in
        try StateCommitter.commit(genesis.stateChanges, parentRoot: .emptyTrieRoot, into: &batch)
      }
      let header = genesis.header(stateRoot: root)
      let hash = header.hash
      if let existing = try stored({ () throws(StoreError) in try batch.view.genesisHash() }) {
        guard existing == hash else {
          throw .otherChain("store at \(path) holds another chain (genesis \(existing)); refusing to initialise with \(hash)")
        }
        return (hash, root)
      }
      try stored { () throws(StoreError) in
        try batch.putHeader(hash, header.rlpEncoded)
        try batch.putBody(hash, Block(header: header, withdrawals: header.withdrawalsRoot == nil ? nil : []).bodyRLP)
        try batch.putReceipts(hash, [0xc0])
        try batch.putCanonical(header.number, hash)
        try batch.putTotalDifficulty(hash, header.difficulty)
        try batch.setHead(hash, number: header.number)
        try batch.setGenesisHash(hash)
        try batch.setChainID(genesis.chainConfig.chainID)
        try batch.setMeta(ChainStore.configKey, Array(configJSON))
      }
      return (hash, root)
    }
  }

  // MARK: - Import

  /// Per-stage seconds and counts of an import.
  public struct ImportStats: Sendable {
    public var blocks = 0
    public var skipped = 0
    public var transactions = 0
    public var gas: UInt64 = 0
    public var decode = 0.0, execution = 0.0, trie = 0.0, commit = 0.0
    /// Seconds the import waited for seal checks (they run ahead, on other threads), and how
    /// many proof-of-work headers (blocks and ommers) were checked.
    public var seal = 0.0
    public var sealsChecked = 0
    /// Block-STM counters summed over the blocks that ran in parallel.
    public var parallelBlocks = 0, incarnations = 0, reExecutions = 0, validations = 0, validationAborts = 0
    public var dependencySuspensions = 0, nonceSuspensions = 0, deferredCredits = 0
    public var workNanos: UInt64 = 0, criticalPathNanos: UInt64 = 0
    /// The last imported block's number and what its executor did (nil: the serial executor
    /// ran it without Block-STM, as with one thread), for per-block reports.
    public var lastNumber: UInt64 = 0
    public var lastExecutor: BlockSTMStats? = nil
    public init() {}

    /// Adds another import's counts and times (several files in one command).
    public mutating func add(_ o: ImportStats) {
      blocks += o.blocks; skipped += o.skipped; transactions += o.transactions; gas += o.gas
      decode += o.decode; execution += o.execution; trie += o.trie; commit += o.commit
      seal += o.seal; sealsChecked += o.sealsChecked
      parallelBlocks += o.parallelBlocks; incarnations += o.incarnations; reExecutions += o.reExecutions
      validations += o.validations; validationAborts += o.validationAborts
      dependencySuspensions += o.dependencySuspensions; nonceSuspensions += o.nonceSuspensions
      deferredCredits += o.deferredCredits
      workNanos += o.workNanos; criticalPathNanos += o.criticalPathNanos
    }
  }

  /// How many blocks an import puts in one write transaction (group commit, as geth and reth
  /// batch their writes): the group commits when any bound is reached, before a block Block-STM
  /// runs (its workers read through snapshots of their own), and at the end of the file. LMDB
  /// commits a transaction whole or not at all, so a crash loses at most the open group and the
  /// store stays at a block boundary; one commit (and fsync) per group rather than per block.
  public struct GroupCommit: Sendable, Equatable {
    /// Blocks per write transaction; 1 commits every block on its own.
    public var blocks: Int
    /// Bytes of writes (keys and values) per transaction: the open transaction keeps them in
    /// memory (to replay them if the map must grow).
    public var bytes: Int
    /// Seconds from a group's first block: bounds the work a crash loses.
    public var seconds: Double

    public init(blocks: Int, bytes: Int = GroupCommit.defaultBytes, seconds: Double = GroupCommit.defaultSeconds) {
      self.blocks = max(1, blocks)
      self.bytes = max(1, bytes)
      self.seconds = seconds
    }

    public static let defaultBlocks = 1024
    public static let defaultBytes = 64 << 20
    public static let defaultSeconds = 2.0
    /// The import's default, chosen by measurement (README, "What works").
    public static let `default` = GroupCommit(blocks: defaultBlocks)
    /// One write transaction per block.
    public static let perBlock = GroupCommit(blocks: 1)
  }

  /// With more than one thread, a light block of at least this many transactions that ends
  /// its file commits on its own rather than in a group (`importFile`), where its state root is
  /// computed on several snapshots at once and its writes run beside its execution and trie
  /// update (`importBlockOverlapped`). Measured on the 30M-gas corpus: that takes about 15 µs
  /// per transaction off a block's critical path (a 1,429-transfer block: 13 ms of writes and
  /// half of its 20 ms trie update), where a group saves a commit's sync (about 5 ms) per block.
  /// Inside a file the group is kept: the next block's preparation fills the other thread.
  static let groupMaxTransactions = 256

  /// Imports every block of `path` in order; blocks already stored (a file that starts at
  /// genesis, as `geth export` writes) are skipped and counted. Stops at the first invalid
  /// block: every block before it is committed (the open group first), then the error is
  /// thrown. A store failure aborts the open group (the store stays at its last commit).
  /// - Parameter seals: checks the ethash seal of every proof-of-work block and its ommers (nil:
  ///   not checked). The checks run ahead of execution, `sealWindow` blocks at a time on
  ///   worker threads: the next window's while this one's blocks execute.
  public func importFile(_ path: String, threads: Int, alwaysParallel: Bool = false, group: GroupCommit = .default,
                         seals: EthashVerifier? = nil, sealWindow: Int = 128,
                         progress: ((ImportStats, UInt64, UInt64) -> Void)? = nil) throws(ChainError) -> ImportStats {
    let file: ChainFile
    do { file = try ChainFile(path: path) } catch { throw .file(error) }
    var stats = ImportStats()
    let processor = BlockProcessor(config: config, threads: threads, alwaysParallel: alwaysParallel)
    var decodeTime = 0.0
    typealias Item = Result<(block: Block, end: UInt64)?, ChainError>
    /// The next block in the file and the file offset after it; nil at the end of the file.
    func readOne() -> Item {
      let t0 = Date()
      defer { decodeTime += Date().timeIntervalSince(t0) }
      let item: (offset: UInt64, bytes: [UInt8])?
      do { item = try file.next() } catch { return .failure(.file(error)) }
      guard let (offset, bytes) = item else { return .success(nil) }
      do { return .success((try Block(rlpEncoded: bytes), file.offset)) } catch { return .failure(.decode(offset: offset, error)) }
    }
    // With seal checks, blocks are read a window at a time and the window's seals checked in
    // the background (`BackgroundMap`) while the window before executes; a block whose seal
    // fails becomes its error, reported when the import reaches it.
    var window: [Item] = []
    var windowIndex = 0
    /// One seal to check: the header (a block's, or its ommer `ommer`'s) and the block.
    typealias SealJob = (item: Int, header: Header, hash: Hash, number: UInt64, ommer: Int?)
    /// The window being checked: its items, its checks and their verdicts (in the background).
    var nextWindow: (items: [Item], jobs: [SealJob], checks: BackgroundMap<[EthashVerifier.SealError?]>)? = nil
    let sealBatch = 4
    func readWindow(_ verifier: EthashVerifier) -> (items: [Item], jobs: [SealJob], checks: BackgroundMap<[EthashVerifier.SealError?]>) {
      var items: [Item] = []
      reading: while items.count < max(1, sealWindow) {
        let item = readOne()
        items.append(item)
        switch item {
        case .success(nil), .failure: break reading
        case .success: continue
        }
      }
      // One check per proof-of-work header: each block's own and its ommers'.
      var jobs: [SealJob] = []
      for (i, item) in items.enumerated() {
        guard case .success(let b?) = item else { continue }
        let header = b.block.header
        if EthashVerifier.isSealed(header) { jobs.append((i, header, b.block.hash, header.number, nil)) }
        for (k, ommer) in b.block.ommers.enumerated() where EthashVerifier.isSealed(ommer) {
          jobs.append((i, ommer, b.block.hash, header.number, k))
        }
      }
      stats.sealsChecked += jobs.count
      // Checked `sealBatch` headers per task, in lockstep (`EthashVerifier.verify(_:)`).
      let headers = jobs.map(\.header)
      let tasks = (headers.count + sealBatch - 1) / sealBatch
      let checks = BackgroundMap<[EthashVerifier.SealError?]>(count: tasks, chunk: 1, helpers: 1) { t in
        verifier.verify(Array(headers[(t * sealBatch)..<min(headers.count, (t + 1) * sealBatch)]))
      }
      return (items, jobs, checks)
    }
    func readNext() -> Item {
      guard let verifier = seals else { return readOne() }
      if windowIndex == window.count {
        let (items, jobs, checks) = nextWindow ?? readWindow(verifier)
        let t0 = Date()
        let verdicts = checks.finish(threads: threads).flatMap { $0 }
        stats.seal += Date().timeIntervalSince(t0)
        window = items
        windowIndex = 0
        // The first failing check of a block replaces it with its error.
        var failed = Set<Int>()
        for (job, verdict) in zip(jobs, verdicts) {
          guard let verdict, failed.insert(job.item).inserted else { continue }
          window[job.item] = .failure(.seal(number: job.number, hash: job.hash, ommer: job.ommer, verdict))
        }
        // The next window is checked while this one's blocks execute, unless this one ends the file.
        nextWindow = nil
        if case .success(_?)? = items.last { nextWindow = readWindow(verifier) }
      }
      defer { windowIndex += 1 }
      return window[windowIndex]
    }
    // The next block is read before this one is imported, and its transactions prepared
    // (senders recovered) in the background meanwhile: a light block's serial execution and
    // every commit leave the other cores idle. A bad next block is reported after this one.
    func lookAhead() -> (Result<(block: Block, end: UInt64)?, ChainError>, BackgroundMap<PreparedTransaction>?) {
      let following = readNext()
      var followingAhead: BackgroundMap<PreparedTransaction>? = nil
      if threads > 1, case .success(let f?) = following {
        let header = f.block.header
        followingAhead = prepareTransactionsInBackground(
          f.block.transactions, fork: config.fork(number: header.number, timestamp: header.timestamp))
      }
      return (following, followingAhead)
    }
    // A group's blocks read and write through its one write transaction, which serves one
    // thread: they run on the serial executor (as Block-STM would run them: `runsSerially`),
    // their pure work (senders, encodings, roots of lists) on every thread.
    var serial = processor
    serial.serialExecution = true
    // With several threads a light block of many transactions followed by another joins the
    // group: the next block's senders recover on the other thread while this one executes, its
    // trie updates and its writes go on. The file's last such block (nothing to prepare beside
    // it) commits on its own: its state root is then computed on several snapshots at once and
    // its writes run beside its execution and trie update (`importBlockOverlapped`).
    func joinsGroup(_ block: Block, hasNext: Bool) -> Bool {
      guard group.blocks > 1, processor.runsSerially(block) else { return false }
      return threads == 1 || hasNext || block.transactions.count < Self.groupMaxTransactions
    }
    /// The look-ahead of the block after `current`, made once (to decide how `current` commits).
    var looked: (Item, BackgroundMap<PreparedTransaction>?)? = nil
    func lookedAhead() -> (Item, BackgroundMap<PreparedTransaction>?) {
      if let l = looked { return l }
      let l = lookAhead()
      looked = l
      return l
    }
    func hasNext() -> Bool {
      if case .success(_?) = lookedAhead().0 { return true }
      return false
    }
    var current = try readNext().get()
    var ahead: BackgroundMap<PreparedTransaction>? = nil
    while let (block, end) = current {
      guard joinsGroup(block, hasNext: hasNext()) else {
        let (following, followingAhead) = lookedAhead()
        looked = nil
        try importBlock(block, processor: processor, prepared: ahead, stats: &stats)
        stats.decode = decodeTime
        progress?(stats, end, file.size)
        current = try following.get()
        ahead = followingAhead
        continue
      }
      // One group: blocks until a bound, a block for Block-STM, the end of the file or an error.
      var failure: ChainError? = nil
      var closed = Date()
      try store.write(throwing: ChainError.self) { (batch: inout WriteBatch) throws(ChainError) in
        defer { closed = Date() }
        let started = Date()
        var count = 0
        while let (block, end) = current {
          let (following, followingAhead) = lookedAhead()
          looked = nil
          do throws(ChainError) {
            try importBlock(block, into: &batch, processor: serial, prepared: ahead, stats: &stats)
          } catch {
            // A bad block wrote nothing: the group so far commits, then the error is thrown. A
            // failing store may have written part of the block: the group is aborted.
            if error.isStoreFailure { throw error }
            failure = error
            return
          }
          count += 1
          stats.decode = decodeTime
          progress?(stats, end, file.size)
          ahead = followingAhead
          switch following {
          case .failure(let e):
            failure = e
            current = nil
            return
          case .success(let next):
            current = next
          }
          guard let next = current, count < group.blocks, batch.pendingBytes < group.bytes,
                Date().timeIntervalSince(started) < group.seconds, joinsGroup(next.block, hasNext: hasNext()) else { return }
        }
      }
      // The group's commit (and sync) counts as commit time.
      stats.commit += Date().timeIntervalSince(closed)
      if let failure { throw failure }
    }
    stats.decode = decodeTime
    return stats
  }

  /// Imports one block: `execute` on a snapshot of the head state, then `commit`. A block
  /// already stored is counted as skipped.
  /// - Parameter prepared: the block's transactions prepared ahead (`prepareTransactionsInBackground`).
  /// With more than one thread the block's writes run beside its execution and trie update
  /// (`importBlockOverlapped`).
  /// - Parameter parentTotalDifficulty: as for `execute`.
  public func importBlock(_ block: Block, processor: BlockProcessor, prepared: BackgroundMap<PreparedTransaction>? = nil,
                          parentTotalDifficulty: U256? = nil, stats: inout ImportStats) throws(ChainError) {
    if processor.threads > 1 {
      try importBlockOverlapped(block, processor: processor, prepared: prepared,
                                parentTotalDifficulty: parentTotalDifficulty, stats: &stats)
      return
    }
    let t0 = Date()
    guard let executed = try execute(block, processor: processor, prepared: prepared,
                                     parentTotalDifficulty: parentTotalDifficulty) else {
      stats.skipped += 1
      return
    }
    let t1 = Date()
    let times = try commit(executed, threads: processor.threads)
    stats.record(executed, executionSeconds: t1.timeIntervalSince(t0), times: times)
  }

  /// `importBlock` inside an open write transaction (a group commit): executes and checks
  /// `block` on the state `batch` holds so far, then writes it to `batch`.
  func importBlock(_ block: Block, into batch: inout WriteBatch, processor: BlockProcessor,
                   prepared: BackgroundMap<PreparedTransaction>?, stats: inout ImportStats) throws(ChainError) {
    let t0 = Date()
    let view = batch.view
    guard let executed = try execute(block, processor: processor, prepared: prepared, in: view, workerViews: [view]) else {
      stats.skipped += 1
      return
    }
    let t1 = Date()
    let (sealed, prepared) = try seal(executed, views: [view], threads: processor.threads)
    let t2 = Date()
    try write(sealed, prepared: prepared, into: &batch)
    let times = CommitTimes(trie: t2.timeIntervalSince(t1), write: Date().timeIntervalSince(t2))
    stats.record(executed, executionSeconds: t1.timeIntervalSince(t0), times: times)
  }
}

extension ChainStore.ImportStats {
  /// Counts one imported block.
  mutating func record(_ executed: ExecutedBlock, executionSeconds: Double, times: ChainStore.CommitTimes) {
    let block = executed.block
    blocks += 1
    lastNumber = block.header.number
    lastExecutor = executed.parallelStats
    if let p = executed.parallelStats, p.serialReason == nil {
      parallelBlocks += 1
      incarnations += p.incarnations
      reExecutions += p.reExecutions
      validations += p.validations
      validationAborts += p.validationAborts
      dependencySuspensions += p.dependencySuspensions
      nonceSuspensions += p.nonceSuspensions
      deferredCredits += p.deferredCredits
      workNanos += p.workNanos
      criticalPathNanos += p.criticalPathNanos
    }
    transactions += block.transactions.count
    gas += block.header.gasUsed
    execution += executionSeconds
    trie += times.trie
    commit += times.write
  }
}

extension ChainStore {

  /// Validates and executes `block` on a read snapshot of the head state; writes nothing.
  /// - Returns: the executed block for `commit`, or nil when the block is already stored.
  /// - Throws: `.block` for an invalid block (an unknown parent included), `.parentNotHead` for a
  ///   block off the head, `.stateBackend` / `.store` when the store fails.
  /// - Parameter parentTotalDifficulty: the parent's total difficulty when the caller tracks it;
  ///   by default the one the store recorded for the parent. It selects Paris by the terminal
  ///   total difficulty.
  public func execute(_ block: Block, processor: BlockProcessor,
                      prepared: BackgroundMap<PreparedTransaction>? = nil,
                      parentTotalDifficulty: U256? = nil) throws(ChainError) -> ExecutedBlock? {
    // Block-STM's workers each read through a view of their own (at most 16: each view holds an
    // LMDB reader slot); view 0 also serves the serial path.
    let views = processor.threads > 1 ? min(16, processor.threads) : 1
    return try store.read(views: views, throwing: ChainError.self) { (views) throws(ChainError) -> ExecutedBlock? in
      try execute(block, processor: processor, prepared: prepared, parentTotalDifficulty: parentTotalDifficulty,
                  in: views[0], workerViews: views)
    }
  }

  /// `execute` on the state `view` holds: a read snapshot, or an open write transaction's view
  /// (a group commit's blocks run on the state of the group's earlier, uncommitted blocks).
  /// - Parameter workerViews: one view per Block-STM worker, `view` first.
  /// - Parameter onValidated: called with the prepared transactions once the header, body and
  ///   transactions are valid, before execution.
  func execute(_ block: Block, processor: BlockProcessor, prepared: BackgroundMap<PreparedTransaction>?,
               parentTotalDifficulty: U256? = nil,
               in view: ReadView, workerViews: [ReadView],
               onValidated: (([PreparedTransaction]) -> Void)? = nil) throws(ChainError) -> ExecutedBlock? {
    let hash = block.hash
    let number = block.header.number
    let known = try stored { () throws(StoreError) -> Bool in
      guard try view.header(hash) != nil else { return false }
      return try view.canonicalHash(number) == hash
    }
    if known { return nil }
    let parent = try storedHeader(block.header.parentHash, in: view, child: block)
    let head = try stored { () throws(StoreError) in try view.head() }
    // The snapshot holds the head's state: a block on another parent would run on the wrong one.
    guard let head, head.hash == parent.hash else {
      throw .parentNotHead(number: number, hash: hash, parent: parent.hash, head: head?.hash ?? .zero)
    }
    var parentTotalDifficulty = parentTotalDifficulty
    if parentTotalDifficulty == nil {
      parentTotalDifficulty = try stored { () throws(StoreError) in try view.totalDifficulty(parent.hash) }
    }
    do throws(BlockExecutionError) {
      return try processor.execute(block, parent: parent, on: view, workerReaders: workerViews, prepared: prepared,
                                   parentTotalDifficulty: parentTotalDifficulty, onValidated: onValidated)
    } catch {
      switch error {
      case .invalid(let e): throw .block(number: number, hash: hash, e)
      case .backend(let e): throw .stateBackend(number: number, hash: hash, e)
      }
    }
  }

  /// Seconds the commit step spent on the tries (roots and nodes) and on the write.
  public struct CommitTimes: Sendable {
    public var trie = 0.0, write = 0.0
  }

  /// The commit step: computes the intermediate roots (before Byzantium) and the new state root
  /// with `StateCommitter` on a snapshot of the parent state, checks them against the header,
  /// then writes state, trie nodes, header, body, receipts, transaction index, canonical index
  /// and head in one write transaction. A mismatch or a failure writes nothing.
  /// - Parameter threads: threads (and read views, at most 16) for the trie update.
  /// - Throws: `.block` on a root mismatch, `.parentNotHead` when the head moved since
  ///   `execute`, `.store` when the store fails.
  @discardableResult
  public func commit(_ executed: ExecutedBlock, threads: Int = 1) throws(ChainError) -> CommitTimes {
    var times = CommitTimes()
    let t0 = Date()
    // The trie reads go through one view per thread (the trie has sixteen subtrees, and each
    // view holds an LMDB reader slot), on the parent's state: a wrong root writes nothing.
    let views = min(16, max(1, threads))
    let (sealed, prepared) = try store.read(views: views, throwing: ChainError.self) {
      (views) throws(ChainError) -> (ExecutedBlock, StateCommitter.Prepared) in
      try seal(executed, views: views, threads: threads)
    }
    let t1 = Date()
    times.trie = t1.timeIntervalSince(t0)
    try store.write(throwing: ChainError.self) { (batch: inout WriteBatch) throws(ChainError) in
      // Nothing was committed since the snapshot above: the writes apply to the parent state.
      try write(sealed, prepared: prepared, into: &batch)
    }
    times.write = Date().timeIntervalSince(t1)
    return times
  }

  /// The commit step's computation, on `views` of the parent's state (a snapshot, or an open
  /// write transaction's view): the intermediate roots and the new state root, checked against
  /// the header. Writes nothing.
  /// - Returns: the block sealed with its receipts, and the state update to write.
  func seal(_ executed: ExecutedBlock, views: [ReadView], threads: Int) throws(ChainError) -> (ExecutedBlock, StateCommitter.Prepared) {
    let parent = executed.parent
    try requireHead(parent.hash, in: views[0], for: executed)
    let roots = try stored { () throws(StoreError) -> [Hash] in
      try executed.writesAfterTransaction.map { (writes) throws(StoreError) -> Hash in
        try StateCommitter.prepare(writes, parentRoot: parent.stateRoot, views: [views[0]], run: nil).root
      }
    }
    let prepared = try stored { () throws(StoreError) in
      try StateCommitter.prepare(executed.execution.writes, parentRoot: parent.stateRoot, views: views,
                                 run: views.count > 1 ? { n, body in runOnWorkerThreads(n, callerRuns: true, body) } : nil)
    }
    do throws(BlockError) {
      let sealed = try executed.sealed(intermediateRoots: roots, threads: threads)
      try executed.checkStateRoot(prepared.root)
      return (sealed, prepared)
    } catch {
      throw .block(number: executed.block.header.number, hash: executed.hash, error)
    }
  }

  /// Writes a sealed block into `batch`, whose head must be its parent: state, trie nodes,
  /// header, body, receipts, transaction index, canonical index, total difficulty (the parent's
  /// plus its own, when the parent's is recorded) and head.
  func write(_ sealed: ExecutedBlock, prepared: StateCommitter.Prepared,
             into batch: inout WriteBatch) throws(ChainError) {
    let block = sealed.block
    let hash = sealed.hash
    let number = block.header.number
    try requireHead(sealed.parent.hash, in: batch.view, for: sealed)
    // Assembled from the encodings execution already made: nothing is encoded twice.
    let body = block.bodyRLP(transactionEncodings: sealed.transactionEncodings)
    var e = RLPEncoder()
    e.list { l in for r in sealed.receiptEncodings { l.append(bytes: r) } }
    let receipts = e.bytes
    // History first: it reads the values the state write replaces (ChainStore+History.swift).
    try recordHistory(sealed, prepared: prepared, into: &batch)
    try stored { () throws(StoreError) in
      try StateCommitter.store(prepared, into: &batch)
      try batch.putHeader(hash, block.header.rlpEncoded)
      try batch.putBody(hash, body)
      try batch.putReceipts(hash, receipts)
      for (i, txHash) in sealed.transactionHashes.enumerated() {
        try batch.putTransactionLocation(txHash, block: hash, index: UInt64(i))
      }
      try batch.putCanonical(number, hash)
      if let parentTD = try batch.view.totalDifficulty(sealed.parent.hash) {
        try batch.putTotalDifficulty(hash, parentTD &+ block.header.difficulty)
      }
      try batch.setHead(hash, number: number)
    }
  }

  /// Throws `.parentNotHead` unless the head stored in `view` is `parent`.
  private func requireHead(_ parent: Hash, in view: ReadView, for executed: ExecutedBlock) throws(ChainError) {
    try requireHead(parent, in: view, number: executed.block.header.number, hash: executed.hash)
  }

  /// Throws `.parentNotHead` unless the head stored in `view` is `parent` (for block `number`, `hash`).
  func requireHead(_ parent: Hash, in view: ReadView, number: UInt64, hash: Hash) throws(ChainError) {
    let head = try stored { () throws(StoreError) in try view.head() }
    guard head?.hash == parent else {
      throw .parentNotHead(number: number, hash: hash, parent: parent, head: head?.hash ?? .zero)
    }
  }

  /// The stored header `hash`, parent of `child`: `.block(…, .unknownParent)` when absent, a
  /// corrupt-store error when it does not decode.
  private func storedHeader(_ hash: Hash, in view: ReadView, child: Block) throws(ChainError) -> Header {
    guard let rlp = try stored({ () throws(StoreError) in try view.header(hash) }) else {
      throw .block(number: child.header.number, hash: child.hash, .unknownParent(hash))
    }
    do {
      return try Header(rlpEncoded: rlp)
    } catch {
      throw .store(.corrupt(table: .headers, key: hash.bytes, reason: "\(error)"))
    }
  }
}

extension ChainError {
  /// The store failed (not the block, the file or the caller): a group commit aborts rather than
  /// committing what the failing transaction holds.
  var isStoreFailure: Bool {
    switch self {
    case .store, .stateBackend, .trie: return true
    default: return false
    }
  }
}

/// Runs a store operation, its failure as a `ChainError.store`.
@inline(__always)
func stored<R>(_ body: () throws(StoreError) -> R) throws(ChainError) -> R {
  do { return try body() } catch { throw .store(error) }
}

extension Block {
  /// rlp([transactions, ommers(, withdrawals)]): what the `bodies` table keeps.
  public var bodyRLP: [UInt8] { bodyRLP(transactionEncodings: nil) }

  /// `bodyRLP`, from the transactions' canonical encodings when the caller has them (one per
  /// transaction, in order) rather than encoding each transaction again.
  func bodyRLP(transactionEncodings: [[UInt8]]?) -> [UInt8] {
    var e = RLPEncoder()
    e.list { l in
      l.list { t in
        if let encodings = transactionEncodings, encodings.count == transactions.count {
          // The body form: a legacy transaction's list as it is, a typed one as a string.
          for (tx, bytes) in zip(transactions, encodings) {
            if tx.type == .legacy { t.appendRaw(bytes) } else { t.append(bytes: bytes) }
          }
        } else {
          for tx in transactions { tx.encode(to: &t) }
        }
      }
      l.list { o in for u in ommers { u.encode(to: &o) } }
      if let withdrawals { l.list { w in for x in withdrawals { x.encode(to: &w) } } }
    }
    return e.bytes
  }

  /// Reassembles a block from its header and stored body.
  public init(header: Header, bodyRLP: [UInt8]) throws(BlockError) {
    // A body that does not decode is reported, not dropped (a block without one would fail
    // later with a misleading error).
    let items: [RLPItem]
    do { items = try RLPItem(decoding: bodyRLP).listItems() } catch { throw .rlp(error) }
    var e = RLPEncoder()
    e.list { l in
      header.encode(to: &l)
      for i in items { l.appendRaw(i.encoded) }
    }
    try self.init(rlpEncoded: e.bytes)
  }
}

extension GenesisConfig {
  var chainConfigValue: ChainConfig { ChainConfig(self) }
}
