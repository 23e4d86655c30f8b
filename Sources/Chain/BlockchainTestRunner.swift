import EVM
import Execution
import Foundation
import LMDBStore
import Primitives
import State

/// Runs ethereum/tests BlockchainTests fixtures: pre-state and genesis, every block in order
/// (blocks marked `expectException` must be rejected and change nothing), then the post-state
/// and the last block hash.
public struct BlockchainTestRunner: Sendable {
  /// The outcome of one test case.
  public struct CaseResult: Sendable {
    public var file: String
    public var name: String
    public var network: String
    /// nil when the case passed.
    public var failure: String?
    /// Set when the case was not run, with the reason.
    public var skipped: String?
    public var passed: Bool { failure == nil && skipped == nil }
  }

  /// Where each case's state lives.
  public enum StateBackend: String, Sendable, CaseIterable {
    /// `InMemoryState`, committed with `InMemoryState.commit`.
    case memory
    /// A temporary LMDB store per case: the pre-state committed with `StateCommitter`, every
    /// block through `ChainStore.execute` and `ChainStore.commit`, the post-state read back.
    case lmdb
  }

  public var threads: Int
  /// Block-STM for every block of two or more transactions (see `BlockProcessor.alwaysParallel`).
  public var alwaysParallel: Bool
  public var backend: StateBackend

  public init(threads: Int = 1, alwaysParallel: Bool = false, backend: StateBackend = .memory) {
    self.threads = threads
    self.alwaysParallel = alwaysParallel
    self.backend = backend
  }

  /// The chain configuration a fixture's `network` names, or nil for one not supported.
  public static func config(network: String) -> ChainConfig? {
    let direct: [String: Fork] = [
      "Frontier": .frontier, "Homestead": .homestead, "EIP150": .tangerineWhistle,
      "EIP158": .spuriousDragon, "Byzantium": .byzantium, "Constantinople": .constantinople,
      "ConstantinopleFix": .petersburg, "Istanbul": .istanbul, "Berlin": .berlin, "London": .london,
      "Paris": .paris, "Merge": .paris, "Shanghai": .shanghai, "Cancun": .cancun, "Prague": .prague,
    ]
    if let f = direct[network] { return .allActive(upTo: f) }
    switch network {
    case "FrontierToHomesteadAt5":
      var c = ChainConfig.allActive(upTo: .frontier); c.homesteadBlock = 5; return c
    case "HomesteadToEIP150At5":
      var c = ChainConfig.allActive(upTo: .homestead); c.eip150Block = 5; return c
    case "HomesteadToDaoAt5":
      var c = ChainConfig.allActive(upTo: .homestead); c.daoForkBlock = 5; return c
    case "EIP158ToByzantiumAt5":
      var c = ChainConfig.allActive(upTo: .spuriousDragon); c.byzantiumBlock = 5; return c
    case "ByzantiumToConstantinopleFixAt5":
      var c = ChainConfig.allActive(upTo: .byzantium); c.constantinopleBlock = 5; c.petersburgBlock = 5; return c
    case "BerlinToLondonAt5":
      var c = ChainConfig.allActive(upTo: .berlin); c.londonBlock = 5; return c
    case "ArrowGlacierToParisAtDiffC0000":
      var c = ChainConfig.allActive(upTo: .london); c.terminalTotalDifficulty = U256(0xC0000); return c
    case "ParisToShanghaiAtTime15k":
      var c = ChainConfig.allActive(upTo: .paris); c.shanghaiTime = 15_000; return c
    case "ShanghaiToCancunAtTime15k":
      var c = ChainConfig.allActive(upTo: .shanghai); c.cancunTime = 15_000; c.blobSchedule["cancun"] = .cancun; return c
    default:
      return nil
    }
  }

  /// Runs every case of one fixture file.
  public func run(file url: URL) -> [CaseResult] {
    let fileName = url.lastPathComponent
    guard let data = try? Data(contentsOf: url),
      let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else {
      return [CaseResult(file: fileName, name: "-", network: "-", failure: "cannot read fixture JSON", skipped: nil)]
    }
    return json.keys.sorted().map { name in
      let body = json[name] as? [String: Any] ?? [:]
      let network = body["network"] as? String ?? "?"
      do {
        try runCase(body, network: network)
        return CaseResult(file: fileName, name: name, network: network, failure: nil, skipped: nil)
      } catch let e as SkipCase {
        return CaseResult(file: fileName, name: name, network: network, failure: nil, skipped: e.reason)
      } catch {
        return CaseResult(file: fileName, name: name, network: network, failure: "\(error)", skipped: nil)
      }
    }
  }

  struct SkipCase: Error { var reason: String }
  struct Failure: Error, CustomStringConvertible { var description: String }

  struct ChainEntry {
    var header: Header
    /// The state after the block (memory backend only).
    var state: InMemoryState
    var totalDifficulty: U256
    /// The block itself, nil for genesis (the LMDB backend replays branches from these).
    var block: Block?
  }

  func runCase(_ body: [String: Any], network: String) throws {
    guard let config = Self.config(network: network) else { throw SkipCase(reason: "network \(network) not supported") }
    guard let pre = body["pre"] as? [String: Any] else { throw Failure(description: "no pre-state") }
    var state = InMemoryState()
    for (addressHex, value) in pre {
      guard let a = value as? [String: Any] else { continue }
      let address = try Address(hex: addressHex)
      var slots: [U256: U256] = [:]
      for (k, v) in a["storage"] as? [String: String] ?? [:] {
        slots[try U256(parsing: k)] = try U256(parsing: v)
      }
      let codeHash = state.setCode(try Hex.decode(a["code"] as? String ?? "0x"))
      state.accounts[address] = Account(nonce: try U256(parsing: a["nonce"] as? String ?? "0x0").clampedUInt64,
                                        balance: try U256(parsing: a["balance"] as? String ?? "0x0"), codeHash: codeHash)
      for (k, v) in slots { state.setStorage(address, k, v) }
      // EIP-7610 looks at the storage root: keep it current.
      let storageRoot = state.storageRoot(of: address)
      state.accounts[address]?.storageRoot = storageRoot
    }
    guard let genesisRLP = body["genesisRLP"] as? String else { throw Failure(description: "no genesisRLP") }
    let genesisBlock = try Block(rlpEncoded: try Hex.decode(genesisRLP))
    let genesis = genesisBlock.header
    let genesisHash = genesis.hash
    if let expected = (body["genesisBlockHeader"] as? [String: Any])?["hash"] as? String,
      try Hash(hex: expected) != genesisHash {
      throw Failure(description: "genesis hash: got \(genesisHash), expected \(expected)")
    }
    let processor = BlockProcessor(config: config, threads: threads, alwaysParallel: alwaysParallel)
    let store: TemporaryChain?
    switch backend {
    case .memory:
      let root = state.computeStateRoot()
      guard root == genesis.stateRoot else {
        throw Failure(description: "genesis state root: got \(root), expected \(genesis.stateRoot)")
      }
      store = nil
    case .lmdb:
      store = try TemporaryChain(genesis: genesisBlock, pre: state, config: config, processor: processor)
    }
    state.blockHashes[0] = genesisHash

    var chain: [Hash: ChainEntry] = [genesisHash: ChainEntry(header: genesis, state: state, totalDifficulty: genesis.difficulty)]
    /// The blocks from genesis (exclusive) to `hash`, oldest first.
    func branch(to hash: Hash) -> [Block] {
      var blocks: [Block] = []
      var cursor = chain[hash]
      while let entry = cursor, let b = entry.block {
        blocks.append(b)
        cursor = chain[b.header.parentHash]
      }
      return blocks.reversed()
    }
    var head = genesisHash

    for (i, b) in (body["blocks"] as? [[String: Any]] ?? []).enumerated() {
      let expectException = b["expectException"] != nil
      guard let rlpHex = b["rlp"] as? String else { continue }
      do {
        let block = try Block(rlpEncoded: try Hex.decode(rlpHex))
        guard let parent = chain[block.header.parentHash] else {
          throw BlockError.unknownParent(block.header.parentHash)
        }
        var postState = InMemoryState()
        if let store {
          try store.importBlock(block, parent: parent.header, branch: { branch(to: parent.header.hash) })
        } else {
          postState = parent.state
          // BLOCKHASH sees the 256 ancestors of this block on its own branch.
          var hashes: [UInt64: Hash] = [:]
          var cursor: Header? = parent.header
          while let h = cursor, hashes.count < 256 {
            hashes[h.number] = h.hash
            cursor = chain[h.parentHash]?.header
          }
          postState.blockHashes = hashes
          try Self.importInMemory(block, parent: parent.header, state: &postState, processor: processor)
        }
        if expectException {
          throw Failure(description: "block \(i + 1) should have been rejected (\(b["expectException"]!)) but was accepted")
        }
        let td = parent.totalDifficulty &+ block.header.difficulty
        let hash = block.header.hash
        chain[hash] = ChainEntry(header: block.header, state: postState, totalDifficulty: td, block: block)
        let headTD = chain[head]!.totalDifficulty
        if td > headTD || (td == headTD && block.header.difficulty.isZero) { head = hash }
      } catch let f as Failure {
        throw f
      } catch {
        if !expectException { throw Failure(description: "block \(i + 1) rejected: \(error)") }
      }
    }

    if let last = body["lastblockhash"] as? String, try Hash(hex: last) != head {
      throw Failure(description: "last block hash: got \(head), expected \(last)")
    }
    let final: InMemoryState
    if let store {
      final = try store.state(at: chain[head]!.header, branch: branch(to: head))
    } else {
      final = chain[head]!.state
    }
    if let post = body["postState"] as? [String: Any] {
      try compare(final, post)
    } else if let postHash = body["postStateHash"] as? String {
      let r = final.computeStateRoot()
      if try Hash(hex: postHash) != r { throw Failure(description: "post state root: got \(r), expected \(postHash)") }
    }
  }

  /// One block through `execute` and the in-memory commit step; `state` is the parent's state
  /// and becomes the block's (unchanged when the block is rejected).
  static func importInMemory(_ block: Block, parent: Header, state: inout InMemoryState, processor: BlockProcessor) throws {
    let executed: ExecutedBlock
    do throws(BlockExecutionError) {
      executed = try processor.execute(block, parent: parent, on: state)
    } catch {
      switch error {
      case .invalid(let e): throw e
      case .backend(let e): throw Failure(description: "state backend failed on block \(block.header.number): \(e)")
      }
    }
    _ = try state.commit(executed)
  }

  func compare(_ state: InMemoryState, _ post: [String: Any]) throws {
    var expectedAddresses = Set<Address>()
    for (addressHex, value) in post {
      guard let a = value as? [String: Any] else { continue }
      let address = try Address(hex: addressHex)
      expectedAddresses.insert(address)
      guard let got = state.accounts[address] else { throw Failure(description: "post: account \(address) missing") }
      let balance = try U256(parsing: a["balance"] as? String ?? "0x0")
      if got.balance != balance { throw Failure(description: "post: \(address) balance: got \(got.balance), expected \(balance)") }
      let nonce = try U256(parsing: a["nonce"] as? String ?? "0x0").clampedUInt64
      if got.nonce != nonce { throw Failure(description: "post: \(address) nonce: got \(got.nonce), expected \(nonce)") }
      let code = try Hex.decode(a["code"] as? String ?? "0x")
      if (try? state.code(got.codeHash)) != code { throw Failure(description: "post: \(address) code differs") }
      var expectedSlots: [U256: U256] = [:]
      for (k, v) in a["storage"] as? [String: String] ?? [:] {
        let value = try U256(parsing: v)
        if !value.isZero { expectedSlots[try U256(parsing: k)] = value }
      }
      let gotSlots = state.storage[address] ?? [:]
      if gotSlots != expectedSlots {
        let diff = Set(gotSlots.keys).union(expectedSlots.keys).filter { gotSlots[$0] != expectedSlots[$0] }.sorted { $0 < $1 }.prefix(3)
        let shown = diff.map { "slot \($0): got \(gotSlots[$0] ?? .zero), expected \(expectedSlots[$0] ?? .zero)" }
        throw Failure(description: "post: \(address) storage: \(shown.joined(separator: "; "))")
      }
    }
    for address in state.accounts.keys where !expectedAddresses.contains(address) {
      throw Failure(description: "post: unexpected account \(address)")
    }
  }
}

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
    for b in blocks() {
      // These blocks were accepted once: failing now is the runner's failure, not a rejection.
      do { try commit(b) } catch {
        throw BlockchainTestRunner.Failure(description: "replaying block \(b.header.number) into a fresh store: \(error)")
      }
    }
  }

  private func commit(_ block: Block) throws {
    if let executed = try chain.execute(block, processor: processor) {
      try chain.commit(executed, threads: processor.threads)
    }
    head = block.header.hash
  }

  /// Imports `block` on `parent`; `branch` gives the blocks from genesis to `parent`. A rejected
  /// block must leave the store exactly at `parent`: its head and its state root.
  func importBlock(_ block: Block, parent: Header, branch: () -> [Block]) throws {
    try moveHead(to: parent.hash, replaying: branch)
    do {
      try commit(block)
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
