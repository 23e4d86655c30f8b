import EVM
import Execution
import Foundation
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

  public var threads: Int
  /// Block-STM for every block of two or more transactions (see `BlockProcessor.alwaysParallel`).
  public var alwaysParallel: Bool

  public init(threads: Int = 1, alwaysParallel: Bool = false) {
    self.threads = threads
    self.alwaysParallel = alwaysParallel
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
    var state: InMemoryState
    var totalDifficulty: U256
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
    let root = state.computeStateRoot()
    guard root == genesis.stateRoot else {
      throw Failure(description: "genesis state root: got \(root), expected \(genesis.stateRoot)")
    }
    state.blockHashes[0] = genesisHash

    var chain: [Hash: ChainEntry] = [genesisHash: ChainEntry(header: genesis, state: state, totalDifficulty: genesis.difficulty)]
    var head = genesisHash
    let processor = BlockProcessor(config: config, threads: threads, alwaysParallel: alwaysParallel)

    for (i, b) in (body["blocks"] as? [[String: Any]] ?? []).enumerated() {
      let expectException = b["expectException"] != nil
      guard let rlpHex = b["rlp"] as? String else { continue }
      do {
        let block = try Block(rlpEncoded: try Hex.decode(rlpHex))
        guard let parent = chain[block.header.parentHash] else {
          throw BlockError.unknownParent(block.header.parentHash)
        }
        var parentState = parent.state
        // BLOCKHASH sees the 256 ancestors of this block on its own branch.
        var hashes: [UInt64: Hash] = [:]
        var cursor: Header? = parent.header
        while let h = cursor, hashes.count < 256 {
          hashes[h.number] = h.hash
          cursor = chain[h.parentHash]?.header
        }
        parentState.blockHashes = hashes
        var postState = parentState
        let base = parentState
        let processed = try processor.process(block, parent: parent.header, state: parentState, intermediateRoot: { writes in
          var s = base
          s.apply(writes)
          return s.computeStateRoot()
        }) { (writes: StateChanges) throws(BlockError) -> Hash in
          postState.apply(writes)
          Self.refreshStorageRoots(&postState, writes)
          return postState.computeStateRoot()
        }
        if expectException {
          throw Failure(description: "block \(i + 1) should have been rejected (\(b["expectException"]!)) but was accepted")
        }
        let td = parent.totalDifficulty &+ block.header.difficulty
        chain[processed.hash] = ChainEntry(header: block.header, state: postState, totalDifficulty: td)
        let headTD = chain[head]!.totalDifficulty
        if td > headTD || (td == headTD && block.header.difficulty.isZero) { head = processed.hash }
      } catch let f as Failure {
        throw f
      } catch {
        if !expectException { throw Failure(description: "block \(i + 1) rejected: \(error)") }
      }
    }

    let final = chain[head]!
    if let last = body["lastblockhash"] as? String, try Hash(hex: last) != head {
      throw Failure(description: "last block hash: got \(head), expected \(last)")
    }
    if let post = body["postState"] as? [String: Any] {
      try compare(final.state, post)
    } else if let postHash = body["postStateHash"] as? String {
      let r = final.state.computeStateRoot()
      if try Hash(hex: postHash) != r { throw Failure(description: "post state root: got \(r), expected \(postHash)") }
    }
  }

  /// Keeps the `storageRoot` of changed accounts current (EIP-7610 collision checks read it).
  static func refreshStorageRoots(_ state: inout InMemoryState, _ writes: StateChanges) {
    var touched = Set(writes.storage.keys)
    touched.formUnion(writes.clearedStorage)
    touched.formUnion(writes.accounts.keys)
    for a in touched where state.accounts[a] != nil {
      let root = state.storageRoot(of: a)
      state.accounts[a]!.storageRoot = root
    }
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
