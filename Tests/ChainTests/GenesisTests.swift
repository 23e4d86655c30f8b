import Foundation
import Primitives
import TestSupport
import Testing
import Trie
@testable import Chain

@Suite struct GenesisTests {
  @Test func mainnetGenesisStateRoot() throws {
    guard let shared = Fixtures.shared else {
      Fixtures.warnMissing("shared/mainnet/genesis.json")
      withKnownIssue("shared data missing") { Issue.record("shared folder not found") }
      return
    }
    let genesis = try GenesisFile.load(path: shared.appendingPathComponent("mainnet/genesis.json").path)
    #expect(genesis.alloc.count == 8893)
    #expect(genesis.config.chainId == 1)
    #expect(genesis.config.block("homesteadBlock") == 1_150_000)
    #expect(genesis.config.daoForkSupport == true)
    #expect(genesis.nonce == 0x42)
    #expect(genesis.gasLimit == 0x1388)
    #expect(genesis.difficulty == U256(0x4_0000_0000))
    #expect(genesis.baseFeePerGas == nil)
    #expect(genesis.extraData.hexString == "0x11bbe8db4e347b4e8c937c1c8370e4b5ed33adb3db69cbdb7a38e1e50b1b82fa")
    let root = genesis.stateRoot()
    let expected = try Hash(hex: "0xd7f8974fb5ac78d9ac099b9ad5018bedc2ce0a72dad1827a1709da30580f0544")
    #expect(root == expected, "mainnet genesis state root: got \(root), expected \(expected)")

    // The incremental trie agrees, account by account.
    let store = InMemoryTrieNodeStore()
    var trie = MerkleTrie(store: store)
    for (address, a) in genesis.alloc {
      try trie.setAccount(address, nonce: a.nonce, balance: a.balance, storageRoot: a.storageRoot, codeHash: a.codeHash)
    }
    #expect(trie.rootHash() == expected)
  }

  /// The corpus chains' genesis files (code, storage, Cancun fields) against their expected roots.
  @Test func corpusGenesisStateRoots() throws {
    guard let shared = Fixtures.shared else {
      Fixtures.warnMissing("shared/corpus")
      withKnownIssue("shared data missing") { Issue.record("shared folder not found") }
      return
    }
    let corpus = shared.appendingPathComponent("corpus")
    let folders = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
      .filter { FileManager.default.fileExists(atPath: corpus.appendingPathComponent("\($0)/genesis.json").path) }
    var passed = 0
    for folder in folders {
      let dir = corpus.appendingPathComponent(folder)
      let genesis = try GenesisFile.load(path: dir.appendingPathComponent("genesis.json").path)
      let expectedJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("expected.json"))) as! [String: Any]
      let g = expectedJSON["genesis"] as! [String: Any]
      let expected = try Hash(hex: g["stateRoot"] as! String)
      #expect(genesis.alloc.count == g["accounts"] as! Int)
      #expect(genesis.config.chainId == 1337)
      #expect(genesis.config.time("cancunTime") == 0)
      #expect(genesis.config.blobSchedule["cancun"]?.max == 6)
      #expect(genesis.baseFeePerGas == U256(1_000_000_000))
      let root = genesis.stateRoot()
      #expect(root == expected, "\(folder): got \(root), expected \(expected)")
      if root == expected { passed += 1 }
    }
    print("corpus genesis roots: \(passed)/\(folders.count) passed")
    #expect(!folders.isEmpty)
  }

  static func decode(_ json: String) -> Result<GenesisFile, GenesisError> {
    Result { () throws(GenesisError) in try GenesisFile.decode(Data(json.utf8)) }
  }

  @Test func decimalAndHexBalancesAgree() throws {
    let hex = try GenesisFile.decode(Data(#"{"gasLimit":"0x1","difficulty":"0x0","alloc":{"0x0000000000000000000000000000000000000001":{"balance":"0x10"}}}"#.utf8))
    let dec = try GenesisFile.decode(Data(#"{"gasLimit":1,"difficulty":0,"alloc":{"0000000000000000000000000000000000000001":{"balance":"16","nonce":"0x0"}}}"#.utf8))
    #expect(hex.alloc == dec.alloc)
    #expect(hex.stateRoot() == dec.stateRoot())
  }

  @Test func storageZeroSlotsAreAbsent() throws {
    let a = try GenesisFile.decode(Data(#"{"gasLimit":"0x1","difficulty":"0x0","alloc":{"0x0000000000000000000000000000000000000001":{"balance":"0x0","code":"0x00","storage":{"0x01":"0x05","0x02":"0x00"}}}}"#.utf8))
    let b = try GenesisFile.decode(Data(#"{"gasLimit":"0x1","difficulty":"0x0","alloc":{"0x0000000000000000000000000000000000000001":{"balance":"0x0","code":"0x00","storage":{"0x0000000000000000000000000000000000000000000000000000000000000001":"0x0000000000000000000000000000000000000000000000000000000000000005"}}}}"#.utf8))
    #expect(a.stateRoot() == b.stateRoot())
    #expect(a.alloc.first!.value.storageRoot == TrieRoot.storageRoot([(slot: U256(1), value: U256(5))]))
  }

  @Test func errorsNameTheField() {
    let cases: [(String, GenesisError)] = [
      (#"{"gasLimit":"0x1","difficulty":"0x0"}"#, .missingField("alloc")),
      (#"{"difficulty":"0x0","alloc":{}}"#, .missingField("gasLimit")),
      (#"{"gasLimit":"0x1","difficulty":"0x0","alloc":{"0x01":{"balance":"0x1"}}}"#,
       .invalidField("alloc.0x01", reason: "not a 20-byte hex address")),
      (#"{"gasLimit":"0x1","difficulty":"0x0","alloc":{"0x0000000000000000000000000000000000000001":{}}}"#,
       .missingField("alloc.0x0000000000000000000000000000000000000001.balance")),
    ]
    for (json, expected) in cases {
      switch Self.decode(json) {
      case .success: Issue.record("accepted: \(json)")
      case .failure(let e): #expect(e == expected, "\(json)")
      }
    }
    // Bad values: the field is named and the message is one line.
    for json in [
      #"{"gasLimit":"0x1","difficulty":"0x0","alloc":{"0x0000000000000000000000000000000000000001":{"balance":"0xzz"}}}"#,
      #"{"gasLimit":"12abc","difficulty":"0x0","alloc":{}}"#,
      #"{"gasLimit":"0x1","difficulty":"0x0","mixHash":"0x12","alloc":{}}"#,
      #"{"gasLimit":"0x1","difficulty":"0x0","alloc":{"0x0000000000000000000000000000000000000001":{"balance":"0x1","code":"0xabc"}}}"#,
      #"{"gasLimit":"0x1","difficulty":"0x0","alloc":{"0x0000000000000000000000000000000000000001":{"balance":"0x1","storage":{"0x1":"0xq"}}}}"#,
      #"{"gasLimit":"0x1", "#,
      #"[1,2]"#,
    ] {
      switch Self.decode(json) {
      case .success: Issue.record("accepted: \(json)")
      case .failure(let e):
        let line = e.description
        #expect(!line.contains("\n"), "\(line)")
        print("rejected as expected: \(line)")
      }
    }
    switch Result(catching: { () throws(GenesisError) in try GenesisFile.load(path: "/nonexistent/genesis.json") }) {
    case .success: Issue.record("loaded a missing file")
    case .failure(let e):
      if case .unreadable = e {} else { Issue.record("unexpected \(e)") }
    }
  }
}
