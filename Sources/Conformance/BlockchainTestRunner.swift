import Chain
import Execution
import Foundation
import Primitives
import State
import Synchronization

/// Runs ethereum/tests BlockchainTests fixtures: pre-state and genesis, every block in order
/// (blocks marked `expectException` must be rejected and change nothing), then the post-state
/// and the last block hash.
///
/// A case is first checked against the skip list, then its network against `FixtureNetworks`:
/// a network with no configuration that no skip rule covers fails the case. execution-spec-tests'
/// blockchain fixtures have the same shape and run here with their own skip list.
public struct BlockchainTestRunner: Sendable {
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
  public var skipList: SkipList

  public init(threads: Int = 1, alwaysParallel: Bool = false, backend: StateBackend = .memory,
              skipList: SkipList = .ethereumTests) {
    self.threads = threads
    self.alwaysParallel = alwaysParallel
    self.backend = backend
    self.skipList = skipList
  }

  /// Runs every case of `files`, `jobs` files at once on worker threads.
  /// - Returns: the summary of the run, its results in the order of `files`, each file's cases
  ///   by name, counted against this runner's skip list.
  public func run(files: [URL], jobs: Int) -> ConformanceSummary {
    let results = Mutex<[[CaseResult]]>(Array(repeating: [], count: files.count))
    let next = Atomic<Int>(0)
    runOnWorkerThreads(max(1, min(jobs, files.count))) { _ in
      while true {
        let i = next.add(1, ordering: .relaxed).oldValue
        if i >= files.count { return }
        let r = run(file: files[i])
        results.withLock { $0[i] = r }
      }
    }
    return ConformanceSummary(results: results.withLock { $0 }.flatMap { $0 }, skipList: skipList)
  }

  /// Runs every case of one fixture file, by case name.
  public func run(file url: URL) -> [CaseResult] {
    let fileName = url.lastPathComponent
    guard let data = try? Data(contentsOf: url),
      let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else {
      return [CaseResult(file: fileName, name: "-", network: "-", outcome: .failed("cannot read fixture JSON"))]
    }
    return json.keys.sorted().map { name in
      let body = json[name] as? [String: Any] ?? [:]
      let network = body["network"] as? String ?? "?"
      let outcome: CaseResult.Outcome
      if let rule = skipList.rule(file: fileName, testCase: name, network: network) {
        outcome = .skipped(rule)
      } else if var config = FixtureNetworks.config(named: network) {
        do {
          try FixtureNetworks.mergeBlobSchedule(body["config"], into: &config)
          try runCase(body, config: config)
          outcome = .passed
        } catch {
          outcome = .failed("\(error)")
        }
      } else {
        outcome = .failed("network \(network) has no configuration and is not on the skip list")
      }
      return CaseResult(file: fileName, name: name, network: network, outcome: outcome)
    }
  }

  struct Failure: Error, CustomStringConvertible { var description: String }

  struct ChainEntry {
    var header: Header
    /// The state after the block (memory backend only).
    var state: InMemoryState
    var totalDifficulty: U256
    /// The block itself, nil for genesis (the LMDB backend replays branches from these).
    var block: Block?
  }

  func runCase(_ body: [String: Any], config: ChainConfig) throws {
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
          try store.importBlock(block, parent: parent.header, parentTotalDifficulty: parent.totalDifficulty,
                                branch: { branch(to: parent.header.hash) })
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
          try Self.importInMemory(block, parent: parent.header, parentTotalDifficulty: parent.totalDifficulty,
                                  state: &postState, processor: processor)
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
  static func importInMemory(_ block: Block, parent: Header, parentTotalDifficulty: U256? = nil,
                             state: inout InMemoryState, processor: BlockProcessor) throws {
    let executed: ExecutedBlock
    do throws(BlockExecutionError) {
      executed = try processor.execute(block, parent: parent, on: state, parentTotalDifficulty: parentTotalDifficulty)
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
