import Chain
import Foundation
import Testing
@testable import RPC

/// A store holding only a genesis block with a few contracts: an endless loop that reads
/// storage, an endless loop that does not, a contract that reverts with Error("boom"), and one
/// that returns its slot 0 (0x2a).
enum TinyChain {
  static let loopWithReads = "0x7dcd000000000000000000000000000000000001"
  static let loop = "0x7dcd000000000000000000000000000000000002"
  static let reverter = "0x7dcd000000000000000000000000000000000003"
  static let getter = "0x7dcd000000000000000000000000000000000004"
  static let rich = "0x00000000000000000000000000000000000000aa"

  static let chain: ChainStore = {
    let dir = NSTemporaryDirectory() + "strata-rpc-tiny-\(getpid())"
    try? FileManager.default.removeItem(atPath: dir)
    let boom = "08c379a0" + String(repeating: "0", count: 62) + "20" + String(repeating: "0", count: 63) + "4"
      + "626f6f6d" + String(repeating: "0", count: 56)
    let genesis = """
      {"config":{"chainId":1337,"homesteadBlock":0,"eip150Block":0,"eip155Block":0,"eip158Block":0,
      "byzantiumBlock":0,"constantinopleBlock":0,"petersburgBlock":0,"istanbulBlock":0,"berlinBlock":0,
      "londonBlock":0,"mergeNetsplitBlock":0,"terminalTotalDifficulty":0,"shanghaiTime":0,"cancunTime":0},
      "nonce":"0x0","timestamp":"0x0","extraData":"0x","gasLimit":"0x1c9c380","difficulty":"0x0",
      "mixHash":"0x0000000000000000000000000000000000000000000000000000000000000000",
      "coinbase":"0x0000000000000000000000000000000000000000","baseFeePerGas":"0x3b9aca00",
      "alloc":{
        "\(loopWithReads.dropFirst(2))":{"balance":"0x0","code":"0x5b60005450600056"},
        "\(loop.dropFirst(2))":{"balance":"0x0","code":"0x5b600056"},
        "\(reverter.dropFirst(2))":{"balance":"0x0","code":"0x6064600c60003960646000fd\(boom)"},
        "\(getter.dropFirst(2))":{"balance":"0x0","code":"0x60005460005260206000f3","storage":{"0x00":"0x2a"}},
        "\(rich.dropFirst(2))":{"balance":"0xde0b6b3a7640000"}
      }}
      """
    let path = dir + "-genesis.json"
    FileManager.default.createFile(atPath: path, contents: Data(genesis.utf8))
    do {
      _ = try ChainStore.initialise(path: dir, genesisPath: path)
      return try ChainStore(path: dir)
    } catch {
      fatalError("tiny chain: \(error)")
    }
  }()

  static func handler(_ configure: (inout RPCLimits) -> Void = { _ in }) -> RPCHandler {
    var limits = RPCLimits()
    configure(&limits)
    return RPCHandler(chain: chain, limits: limits)
  }
}

/// The error code of a single response (nil when it is a result).
func errorCode(_ response: String) -> Int? {
  guard let r = try? JSONParser.parse(response), case .number(let n)? = r["error"]?["code"] else { return nil }
  return Int(n)
}

func errorMessage(_ response: String) -> String? { (try? JSONParser.parse(response))?["error"]?["message"]?.stringValue }

func call(_ method: String, _ params: String, id: Int = 1) -> String {
  #"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#
}

struct BadInputTests {
  let h = TinyChain.handler()

  @Test func malformedJSONIsParseError() {
    for body in ["{", "{\"jsonrpc\":\"2.0\",", "[1,2", "nul", "\"\\x\"", "{\"a\":1}}", String(repeating: "[", count: 100_000)] {
      let r = h.handle(body)
      #expect(errorCode(r) == -32700, "\(body.prefix(20)): \(r)")
      #expect((try? JSONParser.parse(r))?["id"] == .null)
    }
  }

  @Test func invalidRequests() {
    for body in ["1", "\"x\"", "[]", #"{"jsonrpc":"1.0","id":1,"method":"eth_chainId"}"#, #"{"jsonrpc":"2.0","id":1}"#,
                 #"{"jsonrpc":"2.0","id":{},"method":"eth_chainId"}"#, #"{"jsonrpc":"2.0","id":1,"method":5}"#] {
      #expect(errorCode(h.handle(body)) == -32600, "\(body)")
    }
    // In a batch each bad member gets its own error and the good ones their results.
    let batch = try? JSONParser.parse(h.handle(#"[1,{"jsonrpc":"2.0","id":2,"method":"eth_chainId"}]"#))
    guard case .array(let items)? = batch else { Issue.record("not a batch answer"); return }
    #expect(items.count == 2)
    #expect(items[0]["error"]?["code"] == .number("-32600"))
    #expect(items[1]["result"] == .string("0x539"))
  }

  @Test func unknownMethod() {
    let r = h.handle(call("eth_doesNotExist", "[]"))
    #expect(errorCode(r) == -32601)
    #expect(errorMessage(r) == "the method eth_doesNotExist does not exist/is not available")
  }

  @Test func wrongParams() {
    let cases = [
      call("eth_getBalance", #"["0x12","latest"]"#),
      call("eth_getBalance", #"[5,"latest"]"#),
      call("eth_getBalance", "[]"),
      call("eth_getBalance", #"{"a":1}"#),
      call("eth_getBlockByNumber", #"["2",true]"#),
      call("eth_getBlockByNumber", #"["0x01",true]"#),
      call("eth_getBlockByNumber", #"["0x0","yes"]"#),
      call("eth_getTransactionByHash", #"["0x1234"]"#),
      call("eth_call", #"["not an object"]"#),
      call("eth_call", #"[{"to":"0xzz"}]"#),
      call("eth_getLogs", #"[{"topics":["0x12"]}]"#),
      call("eth_feeHistory", #"["0x1","latest",[50,10]]"#),
    ]
    for c in cases { #expect(errorCode(h.handle(c)) == -32602, "\(c)") }
    #expect(errorMessage(h.handle(call("debug_getRawBlock", #"["2"]"#))) == "invalid argument 0: hex string without 0x prefix")
  }

  @Test func revertCarriesDataAndReason() throws {
    let r = h.handle(call("eth_call", #"[{"to":"\#(TinyChain.reverter)"},"latest"]"#))
    #expect(errorCode(r) == 3)
    #expect(errorMessage(r) == "execution reverted: boom")
    let data = try #require(try JSONParser.parse(r)["error"]?["data"]?.stringValue)
    #expect(data.hasPrefix("0x08c379a0"))
  }

  @Test func viewCallReturnsStorage() throws {
    let r = h.handle(call("eth_call", #"[{"to":"\#(TinyChain.getter)"},"latest"]"#))
    let out = try #require(try JSONParser.parse(r)["result"]?.stringValue)
    #expect(out == "0x" + String(repeating: "0", count: 62) + "2a")
    // State override: slot 0 replaced for this call only.
    let o = h.handle(call("eth_call", #"[{"to":"\#(TinyChain.getter)"},"latest",{"\#(TinyChain.getter)":{"stateDiff":{"0x0000000000000000000000000000000000000000000000000000000000000000":"0x0000000000000000000000000000000000000000000000000000000000000007"}}}]"#))
    #expect(try JSONParser.parse(o)["result"]?.stringValue == "0x" + String(repeating: "0", count: 63) + "7")
  }

  @Test func gasCapBoundsEndlessLoop() {
    let capped = TinyChain.handler { $0.gasCap = 200_000 }
    let start = Date()
    let r = capped.handle(call("eth_call", #"[{"to":"\#(TinyChain.loop)","gas":"0x3b9aca00"},"latest"]"#))
    #expect(errorCode(r) == -32000)
    #expect(errorMessage(r) == "out of gas")
    #expect(Date().timeIntervalSince(start) < 5)
    #expect(errorCode(capped.handle(call("eth_chainId", "[]"))) == nil)  // still serving
  }

  @Test func timeLimitStopsCall() {
    let quick = TinyChain.handler { $0.callTimeout = 0.2; $0.gasCap = 10_000_000_000 }
    let start = Date()
    let r = quick.handle(call("eth_call", #"[{"to":"\#(TinyChain.loopWithReads)"},"latest"]"#))
    #expect(errorCode(r) == -32000)
    #expect(errorMessage(r)?.hasPrefix("execution aborted (timeout") == true, "\(r)")
    #expect(Date().timeIntervalSince(start) < 5)
    #expect(errorCode(quick.handle(call("eth_blockNumber", "[]"))) == nil)
  }

  @Test func bodyAndBatchLimits() {
    let small = TinyChain.handler { $0.maxBodyBytes = 100; $0.maxBatch = 3 }
    let big = call("eth_getBalance", #"["\#(TinyChain.rich)","latest"]"#) + String(repeating: " ", count: 200)
    #expect(errorCode(small.handle(big)) == -32005)
    let four = "[" + Array(repeating: #"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#, count: 4).joined(separator: ",") + "]"
    let limits = TinyChain.handler { $0.maxBatch = 3 }
    #expect(errorCode(limits.handle(four)) == -32005)
    let three = "[" + Array(repeating: #"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#, count: 3).joined(separator: ",") + "]"
    guard case .array(let items)? = try? JSONParser.parse(limits.handle(three)) else { Issue.record("no batch"); return }
    #expect(items.count == 3)
  }

  @Test func logRangeLimit() {
    let narrow = TinyChain.handler { $0.maxLogBlockRange = 1 }
    // The head is block 0, so a range beyond it is clipped; the limit applies to what is left.
    #expect(errorCode(narrow.handle(call("eth_getLogs", #"[{"fromBlock":"0x0","toBlock":"0x0"}]"#))) == nil)
    let r = TinyChain.handler { $0.maxLogBlockRange = 0 }.handle(call("eth_getLogs", #"[{"fromBlock":"0x0","toBlock":"latest"}]"#))
    #expect(errorCode(r) == -32005)
  }

  @Test func sendRawTransactionErrors() {
    #expect(errorCode(h.handle(call("eth_sendRawTransaction", #"["0x00"]"#))) == -32000)
    #expect(errorCode(h.handle(call("eth_sendRawTransaction", #"["0xf8"]"#))) == -32000)
    #expect(errorCode(h.handle(call("eth_sendRawTransaction", #"["xyz"]"#))) == -32602)
  }

  @Test func balancesAndMissingBlocks() throws {
    #expect(try JSONParser.parse(h.handle(call("eth_getBalance", #"["\#(TinyChain.rich)","latest"]"#)))["result"] == .string("0xde0b6b3a7640000"))
    #expect(errorMessage(h.handle(call("eth_getBalance", #"["\#(TinyChain.rich)","0x5"]"#))) == "header not found")
    #expect(try JSONParser.parse(h.handle(call("eth_getBlockByNumber", #"["0x5",false]"#)))["result"] == .null)
  }
}
