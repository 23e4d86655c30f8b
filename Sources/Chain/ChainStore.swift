import EVM
import Execution
import Foundation
import LMDBStore
import Primitives
import Synchronization
import State
import Trie

/// Why a client command failed: one line each, naming the block or the input.
public enum ChainError: Error, CustomStringConvertible {
  case store(StoreError)
  case genesis(GenesisError)
  case notInitialised(String)
  case otherChain(String)
  case block(number: UInt64, hash: Hash, BlockError)
  case file(ChainFile.ReadError)
  case decode(offset: UInt64, BlockError)
  case trie(TrieError)
  case other(String)

  public var description: String {
    switch self {
    case .store(let e): return e.description
    case .genesis(let e): return e.description
    case .notInitialised(let p): return "no store at \(p): run `strata init GENESIS.json` first"
    case .otherChain(let r): return r
    case .block(let n, let h, let e): return "block \(n) (\(h)): \(e)"
    case .file(let e): return e.description
    case .decode(let o, let e): return "block at byte \(o): \(e)"
    case .trie(let e): return "trie: \(e)"
    case .other(let m): return m
    }
  }
}

/// The client's view of one data directory: genesis, import, queries.
///
/// Every block is committed in one LMDB write transaction — state, trie nodes, code, header,
/// body, receipts, canonical index and head — or not at all.
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
    let raw: [UInt8]?
    do { raw = try store.read { try $0.meta(ChainStore.configKey) } } catch { throw .other("\(error)") }
    guard let raw else { throw .notInitialised(path) }
    do {
      config = try JSONDecoder().decode(GenesisConfig.self, from: Data(raw)).chainConfigValue
    } catch {
      throw .other("stored chain config unreadable: \(error)")
    }
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
    let store: Store
    do {
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
      store = try Store.open(path: path)
    } catch let e as StoreError {
      throw .store(e)
    } catch {
      throw .other("cannot create \(path): \(error)")
    }
    do {
      return try store.write { (batch: inout WriteBatch) throws -> (Hash, Hash) in
        let changes = genesis.stateChanges
        let root = try StateCommitter.commit(changes, parentRoot: .emptyTrieRoot, into: &batch)
        let header = genesis.header(stateRoot: root)
        let hash = header.hash
        if let existing = try batch.view.genesisHash() {
          guard existing == hash else {
            throw ChainError.otherChain("store at \(path) holds another chain (genesis \(existing)); refusing to initialise with \(hash)")
          }
          return (hash, root)
        }
        try batch.putHeader(hash, header.rlpEncoded)
        try batch.putBody(hash, Block(header: header, withdrawals: header.withdrawalsRoot == nil ? nil : []).bodyRLP)
        try batch.putReceipts(hash, [0xc0])
        try batch.putCanonical(header.number, hash)
        try batch.setHead(hash, number: header.number)
        try batch.setGenesisHash(hash)
        try batch.setChainID(genesis.chainConfig.chainID)
        try batch.setMeta(ChainStore.configKey, Array(configJSON))
        return (hash, root)
      }
    } catch let e as ChainError {
      throw e
    } catch let e as StoreError {
      throw .store(e)
    } catch {
      throw .other("\(error)")
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
      parallelBlocks += o.parallelBlocks; incarnations += o.incarnations; reExecutions += o.reExecutions
      validations += o.validations; validationAborts += o.validationAborts
      dependencySuspensions += o.dependencySuspensions; nonceSuspensions += o.nonceSuspensions
      deferredCredits += o.deferredCredits
      workNanos += o.workNanos; criticalPathNanos += o.criticalPathNanos
    }
  }

  /// Imports every block of `path` in order; blocks already stored are skipped. Stops at the
  /// first invalid block (the store stays at the last good block).
  public func importFile(_ path: String, threads: Int, alwaysParallel: Bool = false, progress: ((ImportStats, UInt64, UInt64) -> Void)? = nil) throws(ChainError) -> ImportStats {
    let file: ChainFile
    do { file = try ChainFile(path: path) } catch { throw .file(error) }
    var stats = ImportStats()
    let processor = BlockProcessor(config: config, threads: threads, alwaysParallel: alwaysParallel)
    var decodeTime = 0.0
    /// The next block and the file offset after it; nil at the end of the file.
    func readNext() -> Result<(block: Block, end: UInt64)?, ChainError> {
      let t0 = Date()
      defer { decodeTime += Date().timeIntervalSince(t0) }
      let item: (offset: UInt64, bytes: [UInt8])?
      do { item = try file.next() } catch { return .failure(.file(error)) }
      guard let (offset, bytes) = item else { return .success(nil) }
      do { return .success((try Block(rlpEncoded: bytes), file.offset)) } catch { return .failure(.decode(offset: offset, error)) }
    }
    var current = try readNext().get()
    var ahead: BackgroundMap<PreparedTransaction>? = nil
    while let (block, end) = current {
      // The next block is read now, and its transactions prepared (senders recovered) in the
      // background while this one is imported: a light block's serial execution and every
      // block's commit leave the other cores idle. A bad next block is reported after this one.
      let following = readNext()
      var followingAhead: BackgroundMap<PreparedTransaction>? = nil
      if threads > 1, case .success(let f?) = following {
        let header = f.block.header
        followingAhead = prepareTransactionsInBackground(
          f.block.transactions, fork: config.fork(number: header.number, timestamp: header.timestamp))
      }
      try importBlock(block, processor: processor, prepared: ahead, stats: &stats)
      stats.decode = decodeTime
      progress?(stats, end, file.size)
      current = try following.get()
      ahead = followingAhead
    }
    stats.decode = decodeTime
    return stats
  }

  /// Validates and executes one block against a read snapshot, then commits it — state, trie
  /// nodes, header, body, receipts, canonical index, head — in one write transaction, which
  /// also recomputes the state root and aborts unless it matches the header.
  /// - Parameter prepared: the block's transactions prepared ahead (`prepareTransactionsInBackground`).
  public func importBlock(_ block: Block, processor: BlockProcessor, prepared: BackgroundMap<PreparedTransaction>? = nil,
                          stats: inout ImportStats) throws(ChainError) {
    let hash = block.hash
    let number = block.header.number
    do {
      // Execution reads a snapshot; this process holds the only write lock, so the snapshot is
      // the state the write transaction below starts from.
      let t0 = Date()
      // The new state root is computed on that snapshot too, before the write transaction: its
      // trie reads go through one view per thread, and a wrong root writes nothing.
      // (At most 16: the trie has sixteen subtrees, and each view holds an LMDB reader slot.)
      let views = min(16, max(1, processor.threads))
      let result = try store.read(views: views) { (views: [ReadView]) throws -> (ProcessedBlock, StateCommitter.Prepared, Double)? in
        let view = views[0]
        if try view.header(hash) != nil, try view.canonicalHash(number) == hash { return nil }
        guard let parentRLP = try view.header(block.header.parentHash) else {
          throw BlockError.unknownParent(block.header.parentHash)
        }
        let parent = try Header(rlpEncoded: parentRLP)
        var changes = StateChanges()
        let processed = try processor.process(block, parent: parent, state: SharedReader(view), prepared: prepared) { (c: StateChanges) throws(BlockError) -> Hash in
          // The root is checked below, once the block is otherwise valid.
          changes = c
          return block.header.stateRoot
        }
        let tt = Date()
        let prepared = try StateCommitter.prepare(changes, parentRoot: parent.stateRoot, views: views,
                                                  run: { n, body in runOnWorkerThreads(n, callerRuns: true, body) })
        guard prepared.root == block.header.stateRoot else {
          throw BlockError.mismatch(field: "stateRoot", expected: block.header.stateRoot.description, got: prepared.root.description)
        }
        return (processed, prepared, Date().timeIntervalSince(tt))
      }
      guard let (processed, prepared, trieTime) = result else {
        stats.skipped += 1
        return
      }
      let t1 = Date()
      // Assembled from the encodings processing already made: nothing is encoded twice.
      let body = block.bodyRLP(transactionEncodings: processed.transactionEncodings)
      var e = RLPEncoder()
      e.list { l in for r in processed.receiptEncodings { l.append(bytes: r) } }
      let receipts = e.bytes
      try store.write { (batch: inout WriteBatch) throws in
        try StateCommitter.store(prepared, into: &batch)
        try batch.putHeader(hash, block.header.rlpEncoded)
        try batch.putBody(hash, body)
        try batch.putReceipts(hash, receipts)
        for (i, txHash) in processed.transactionHashes.enumerated() {
          try batch.putTransactionLocation(txHash, block: hash, index: UInt64(i))
        }
        try batch.putCanonical(number, hash)
        try batch.setHead(hash, number: number)
      }
      stats.blocks += 1
      stats.lastNumber = number
      stats.lastExecutor = processed.parallelStats
      if let p = processed.parallelStats, p.serialReason == nil {
        stats.parallelBlocks += 1
        stats.incarnations += p.incarnations
        stats.reExecutions += p.reExecutions
        stats.validations += p.validations
        stats.validationAborts += p.validationAborts
        stats.dependencySuspensions += p.dependencySuspensions
        stats.nonceSuspensions += p.nonceSuspensions
        stats.deferredCredits += p.deferredCredits
        stats.workNanos += p.workNanos
        stats.criticalPathNanos += p.criticalPathNanos
      }
      stats.transactions += block.transactions.count
      stats.gas += block.header.gasUsed
      stats.execution += t1.timeIntervalSince(t0) - trieTime
      stats.trie += trieTime
      stats.commit += Date().timeIntervalSince(t1)
    } catch let e as BlockError {
      throw .block(number: number, hash: hash, e)
    } catch let e as StoreError {
      throw .store(e)
    } catch let e as RLPError {
      throw .block(number: number, hash: hash, .rlp(e))
    } catch {
      throw .block(number: number, hash: hash, .invalidBlock("\(error)"))
    }
  }
}

/// A `StateReader` over one LMDB read view that any number of threads may share: reads are
/// serialised by a mutex, since an LMDB transaction serves one thread at a time.
final class SharedReader: StateReader, Sendable {
  let view: Mutex<ReadView>

  init(_ view: ReadView) { self.view = Mutex(view) }

  func account(_ address: Address) throws(StateReadError) -> Account? {
    try view.withLock { v throws(StateReadError) in try v.account(address) }
  }
  func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] {
    try view.withLock { v throws(StateReadError) in try v.code(codeHash) }
  }
  func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 {
    try view.withLock { v throws(StateReadError) in try v.storage(address, slot) }
  }
  func blockHash(_ number: UInt64) throws(StateReadError) -> Hash {
    try view.withLock { v throws(StateReadError) in try v.blockHash(number) }
  }
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
    var e = RLPEncoder()
    e.list { l in
      header.encode(to: &l)
      if let item = try? RLPItem(decoding: bodyRLP), let items = try? item.listItems() {
        for i in items { l.appendRaw(i.encoded) }
      }
    }
    try self.init(rlpEncoded: e.bytes)
  }
}

extension GenesisConfig {
  var chainConfigValue: ChainConfig { ChainConfig(self) }
}
