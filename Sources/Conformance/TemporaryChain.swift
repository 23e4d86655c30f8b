import Chain
import Foundation
import LMDBStore
import Primitives
import State

/// The LMDB backend of one conformance case: a temporary store holding one branch of the case's
/// chain, from the genesis pre-state (committed with `StateCommitter`) to `head`. A block off
/// that branch (a side chain, a reorg) gets a fresh store into which its branch is replayed.
final class TemporaryChain {
  let directory: String
  let genesis: Block
  let pre: StateChanges
  let config: ChainConfig
  let processor: BlockProcessor
  private var chain: ChainStore
  private var generation = 0
  /// The hash of the store's head block.
  private(set) var head: Hash

  /// Creates the case's directory and its first store, the genesis committed.
  init(genesis: Block, pre: InMemoryState, config: ChainConfig, processor: BlockProcessor) throws {
    // tmpfs when there is one: every block's commit syncs, and the store is thrown away.
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    directory = (base as NSString).appendingPathComponent("strata-blocktest-\(UUID().uuidString)")
    self.genesis = genesis
    var changes = StateChanges()
    for (address, account) in pre.accounts { changes.setAccount(address, account) }
    for (address, slots) in pre.storage {
      for (slot, value) in slots { changes.setStorage(address, slot, value) }
    }
    changes.code = pre.codes
    self.pre = changes
    self.config = config
    self.processor = processor
    head = genesis.header.hash
    chain = try Self.open(directory + "/0", genesis: genesis, pre: changes, config: config)
  }

  deinit { try? FileManager.default.removeItem(atPath: directory) }

  /// A new store at `path` holding the genesis block and its pre-state.
  private static func open(_ path: String, genesis: Block, pre: StateChanges, config: ChainConfig) throws -> ChainStore {
    let store = try Store(path: path)
    let header = genesis.header
    let hash = header.hash
    let root = try store.write(throwing: StoreError.self) { (batch: inout WriteBatch) throws(StoreError) -> Hash in
      let root = try StateCommitter.commit(pre, parentRoot: .emptyTrieRoot, into: &batch)
      try batch.putHeader(hash, header.rlpEncoded)
      try batch.putBody(hash, genesis.bodyRLP)
      try batch.putReceipts(hash, [0xc0])
      try batch.putCanonical(header.number, hash)
      try batch.setHead(hash, number: header.number)
      try batch.setGenesisHash(hash)
      try batch.setChainID(config.chainID)
      return root
    }
    guard root == header.stateRoot else {
      throw BlockchainTestRunner.Failure(description: "genesis state root: got \(root), expected \(header.stateRoot)")
    }
    return ChainStore(store: store, config: config)
  }

  /// Makes the store hold the branch ending at the block whose branch is `blocks` (oldest
  /// first): a fresh store when the head is elsewhere.
  private func moveHead(to target: Hash, replaying blocks: () -> [Block]) throws {
    guard head != target else { return }
    let old = directory + "/\(generation)"
    generation += 1
    chain = try Self.open(directory + "/\(generation)", genesis: genesis, pre: pre, config: config)
    head = genesis.header.hash
    try? FileManager.default.removeItem(atPath: old)
    var totalDifficulty = genesis.header.difficulty
    for b in blocks() {
      // These blocks were accepted once: failing now is the runner's failure, not a rejection.
      defer { totalDifficulty = totalDifficulty &+ b.header.difficulty }
      do { try commit(b, parentTotalDifficulty: totalDifficulty) } catch {
        throw BlockchainTestRunner.Failure(description: "replaying block \(b.header.number) into a fresh store: \(error)")
      }
    }
  }

  private func commit(_ block: Block, parentTotalDifficulty: U256) throws {
    // The import's own path: with several threads, the block's writes run beside it.
    var stats = ChainStore.ImportStats()
    try chain.importBlock(block, processor: processor, parentTotalDifficulty: parentTotalDifficulty, stats: &stats)
    head = block.header.hash
  }

  /// Imports `block` on `parent`; `branch` gives the blocks from genesis to `parent`. A rejected
  /// block must leave the store exactly at `parent`: its head and its state root.
  func importBlock(_ block: Block, parent: Header, parentTotalDifficulty: U256, branch: () -> [Block]) throws {
    try moveHead(to: parent.hash, replaying: branch)
    do {
      try commit(block, parentTotalDifficulty: parentTotalDifficulty)
    } catch let error as ChainError {
      let (storedHead, walk) = try chain.store.read { v in (try v.head(), try v.recomputeStateRoot()) }
      guard storedHead?.hash == parent.hash, walk.root == parent.stateRoot else {
        throw BlockchainTestRunner.Failure(description: "block \(block.header.number) was rejected (\(error)) but changed the store")
      }
      switch error {
      case .block(_, _, let e): throw e
      default: throw BlockchainTestRunner.Failure(description: "\(error)")
      }
    }
  }

  /// The state after `header`, read back from the store.
  func state(at header: Header, branch: [Block]) throws -> InMemoryState {
    try moveHead(to: header.hash, replaying: { branch })
    return try chain.store.read { v in
      var state = InMemoryState()
      try v.forEachAccount { address, account in
        state.accounts[address] = account
        if account.codeHash != .emptyKeccak { state.codes[account.codeHash] = try v.loadCode(account.codeHash) }
        try v.forEachStorage(of: address) { slot, value in
          if !value.isZero { state.storage[address, default: [:]][slot] = value }
        }
      }
      return state
    }
  }
}
