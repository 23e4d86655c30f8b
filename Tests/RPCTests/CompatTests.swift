import Chain
import Foundation
import Testing
@testable import RPC

/// The rpc-compat fixtures ($STRATA_RPC_COMPAT, else ../shared/rpc-compat beside the package).
enum CompatFixtures {
  static let directory: String? = {
    if let env = ProcessInfo.processInfo.environment["STRATA_RPC_COMPAT"], !env.isEmpty {
      return FileManager.default.fileExists(atPath: env + "/chain.rlp") ? env : nil
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("../shared/rpc-compat").standardized.path
    return FileManager.default.fileExists(atPath: root + "/chain.rlp") ? root : nil
  }()

  /// The suite's chain, imported once per test process.
  static let chain: ChainStore? = {
    guard let dir = directory else {
      print("*** WARNING: rpc-compat fixtures not found (set STRATA_RPC_COMPAT): rpc-compat tests SKIPPED ***")
      return nil
    }
    let work = NSTemporaryDirectory() + "strata-rpc-tests-\(getpid())"
    return try? RPCCompat.makeChain(fixtures: dir, workdir: work)
  }()
}

@Suite(.enabled(if: CompatFixtures.chain != nil, "rpc-compat fixtures not found: set STRATA_RPC_COMPAT"))
struct CompatTests {
  @Test func everyFixturePasses() throws {
    let dir = try #require(CompatFixtures.directory)
    let chain = try #require(CompatFixtures.chain)
    let cases = try RPCCompat.cases(in: dir)
    #expect(cases.count >= 71)
    let outcomes = RPCCompat.run(cases, handler: RPCHandler(chain: chain))
    for o in outcomes where !o.passed && o.erratum == nil { Issue.record("\(o.name): \(o.detail)") }
    print("rpc-compat: \(outcomes.filter(\.passed).count) of \(outcomes.count) passed")
  }

  /// The fee-history erratum: our blob fields are the ones block 2's own header implies.
  @Test func feeHistoryBlobFieldsFollowTheHeader() throws {
    let chain = try #require(CompatFixtures.chain)
    let h = RPCHandler(chain: chain)
    let block = try JSONParser.parse(h.handle(#"{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["0x2",false]}"#))["result"]
    let fees = try JSONParser.parse(h.handle(#"{"jsonrpc":"2.0","id":1,"method":"eth_feeHistory","params":["0x1","0x2",[95,99]]}"#))["result"]
    let used = try #require(block?["blobGasUsed"]?.stringValue)
    #expect(used == "0x0")
    #expect(fees?["blobGasUsedRatio"] == .array([.number("0")]))
    #expect(block?["excessBlobGas"]?.stringValue == "0x0")
    #expect(fees?["baseFeePerBlobGas"] == .array([.string("0x1"), .string("0x1")]))
    #expect(fees?["gasUsedRatio"] == .array([.number("0.007565458319646006")]))
  }

  /// The judge itself: a changed field fails, a reordered object passes, two errors match.
  @Test func judgeIsStrict() {
    let c = RPCCompat.Case(name: "x", request: "", response: #"{"jsonrpc":"2.0","id":1,"result":{"a":"0x1","b":[1,2]}}"#, specOnly: false)
    #expect(RPCCompat.judge(c, actual: #"{"id":1,"jsonrpc":"2.0","result":{"b":[1,2],"a":"0x1"}}"#).passed)
    #expect(!RPCCompat.judge(c, actual: #"{"jsonrpc":"2.0","id":1,"result":{"a":"0x2","b":[1,2]}}"#).passed)
    #expect(!RPCCompat.judge(c, actual: #"{"jsonrpc":"2.0","id":1,"result":{"a":"0x1","b":[2,1]}}"#).passed)
    let e = RPCCompat.Case(name: "e", request: "", response: #"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"x"}}"#, specOnly: false)
    #expect(RPCCompat.judge(e, actual: #"{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"y"}}"#).passed)
    #expect(!RPCCompat.judge(e, actual: #"{"jsonrpc":"2.0","id":1,"result":"0x0"}"#).passed)
  }

  /// Past blocks: the balance of the test contract grows over the chain; reading it at each
  /// block from the trie must match the flat tables at the head.
  @Test func historicalStateMatchesHeadAtHead() throws {
    let chain = try #require(CompatFixtures.chain)
    let h = RPCHandler(chain: chain)
    let head = h.handle(#"{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"}"#)
    let n = try #require(try JSONParser.parse(head)["result"]?.stringValue)
    let atHead = h.handle(#"{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x7dcd17433742f4c0ca53122ab541d0ba67fc27df","latest"]}"#)
    let byNumber = h.handle(#"{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x7dcd17433742f4c0ca53122ab541d0ba67fc27df",{"blockNumber":"\#(n)"}]}"#)
    #expect(atHead == byNumber)
    let early = h.handle(#"{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x7dcd17433742f4c0ca53122ab541d0ba67fc27df","0x1"]}"#)
    #expect(early != atHead)
  }

  /// The two sources of past state agree: the change sets and the trie under each block's root,
  /// for every account the chain touches, at every block.
  @Test func changeSetsAndTrieAgreeAtEveryBlock() throws {
    let chain = try #require(CompatFixtures.chain)
    let sets = RPCHandler(chain: chain, limits: RPCLimits(), observer: nil, clientVersion: "", history: ChangeSetSource())
    let trie = RPCHandler(chain: chain, limits: RPCLimits(), observer: nil, clientVersion: "", history: TrieSource())
    let accounts = ["0x7dcd17433742f4c0ca53122ab541d0ba67fc27df", "0x7435ed30a8b4aeb0877cef0c6e8cffe834eb865f",
                    "0x9344b07175800259691961298ca11c824e65032d", "0x0000000000000000000000000000000000000000",
                    "0x000f3df6d732807ef1319fb7b8bb8522d0beac02", "0xc1cadaffffffffffffffffffffffffffffffffff"]
    var differing = 0
    for n in 0...20 {
      for a in accounts {
        for m in ["eth_getBalance", "eth_getTransactionCount", "eth_getCode"] {
          let req = #"{"jsonrpc":"2.0","id":1,"method":"\#(m)","params":["\#(a)","0x\#(String(n, radix: 16))"]}"#
          let x = sets.handle(req), y = trie.handle(req)
          #expect(x == y, "\(m) \(a) at \(n)")
          #expect(errorCode(x) == nil, "\(x)")
        }
        let slot = #"{"jsonrpc":"2.0","id":1,"method":"eth_getStorageAt","params":["\#(a)","0x0","0x\#(String(n, radix: 16))"]}"#
        #expect(sets.handle(slot) == trie.handle(slot))
      }
      let first = #"{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x7dcd17433742f4c0ca53122ab541d0ba67fc27df","0x\#(String(n, radix: 16))"]}"#
      if sets.handle(first) != sets.handle(#"{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x7dcd17433742f4c0ca53122ab541d0ba67fc27df","latest"]}"#) { differing += 1 }
    }
    #expect(differing > 0)  // the balance really changes over the chain
  }

  /// Filtered queries (served through the log index) give exactly the matching part of the
  /// unfiltered one (a scan of every block).
  @Test func logIndexAgreesWithScan() throws {
    let chain = try #require(CompatFixtures.chain)
    let h = RPCHandler(chain: chain)
    let all = try JSONParser.parse(h.handle(#"{"jsonrpc":"2.0","id":1,"method":"eth_getLogs","params":[{"fromBlock":"0x0","toBlock":"latest"}]}"#))
    guard case .array(let logs)? = all["result"] else { Issue.record("no logs"); return }
    #expect(logs.count > 10)
    var addresses: [String] = []
    var topics: [String] = []
    for l in logs {
      if let a = l["address"]?.stringValue, !addresses.contains(a) { addresses.append(a) }
      if case .array(let ts)? = l["topics"], let t = ts.first?.stringValue, !topics.contains(t) { topics.append(t) }
    }
    for a in addresses {
      let r = try JSONParser.parse(h.handle(#"{"jsonrpc":"2.0","id":1,"method":"eth_getLogs","params":[{"fromBlock":"0x0","toBlock":"latest","address":"\#(a)"}]}"#))
      #expect(r["result"] == .array(logs.filter { $0["address"]?.stringValue == a }), "\(a)")
    }
    for t in topics.prefix(8) {
      let r = try JSONParser.parse(h.handle(#"{"jsonrpc":"2.0","id":1,"method":"eth_getLogs","params":[{"fromBlock":"0x0","toBlock":"latest","topics":[["\#(t)"]]}]}"#))
      let want = logs.filter { if case .array(let ts)? = $0["topics"] { return ts.first?.stringValue == t } else { return false } }
      #expect(r["result"] == .array(want), "\(t)")
    }
  }

  /// Every batch is one snapshot, also while blocks are being committed: the head number, the
  /// latest block and the balance at "latest" and at that number always agree.
  @Test func batchesStayConsistentDuringImport() throws {
    let dir = try #require(CompatFixtures.directory)
    let work = NSTemporaryDirectory() + "strata-rpc-live-\(getpid())"
    try? FileManager.default.removeItem(atPath: work)
    defer { try? FileManager.default.removeItem(atPath: work) }
    _ = try ChainStore.initialise(path: work, genesisPath: dir + "/genesis.json")
    let chain = try ChainStore(path: work)
    let h = RPCHandler(chain: chain)
    let done = DispatchSemaphore(value: 0)
    let importer = Thread {
      _ = try? chain.importFile(dir + "/chain.rlp", threads: 1, group: ChainStore.GroupCommit(blocks: 1))
      done.signal()
    }
    importer.start()
    var finished = false
    var seen = Set<String>()
    while !finished {
      finished = done.wait(timeout: .now()) == .success
      let out = try JSONParser.parse(h.handle(#"[{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"},{"jsonrpc":"2.0","id":2,"method":"eth_getBlockByNumber","params":["latest",false]},{"jsonrpc":"2.0","id":3,"method":"eth_getBalance","params":["0x7dcd17433742f4c0ca53122ab541d0ba67fc27df","latest"]}]"#))
      guard case .array(let r) = out, r.count == 3, let n = r[0]["result"]?.stringValue else { Issue.record("bad batch"); return }
      #expect(r[1]["result"]?["number"]?.stringValue == n)
      let at = try JSONParser.parse(h.handle(#"{"jsonrpc":"2.0","id":4,"method":"eth_getBalance","params":["0x7dcd17433742f4c0ca53122ab541d0ba67fc27df","\#(n)"]}"#))
      if errorCode(JSONWriter.string(at)) == nil { #expect(at["result"] == r[2]["result"]) }
      seen.insert(n)
    }
    #expect(seen.contains("0x14"))
  }

  /// A batch answers each request, in order, from one snapshot.
  @Test func batchAnswersInOrder() throws {
    let chain = try #require(CompatFixtures.chain)
    let h = RPCHandler(chain: chain)
    let out = try JSONParser.parse(h.handle(#"[{"jsonrpc":"2.0","id":7,"method":"eth_chainId"},{"jsonrpc":"2.0","method":"eth_chainId"},{"jsonrpc":"2.0","id":"b","method":"eth_blockNumber"}]"#))
    guard case .array(let items) = out else { Issue.record("not an array"); return }
    #expect(items.count == 2)  // the notification gets no answer
    #expect(items.first?["id"] == .number("7"))
    #expect(items.last?["id"] == .string("b"))
  }
}
