import Foundation
import Testing
@testable import RPC

/// A deterministic generator (SplitMix64), so a failure repeats.
struct SplitMix {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

struct JSONTests {
  @Test func roundTrips() throws {
    let texts = [
      #"{"a":[1,-2.5e3,true,false,null,"x\"y\\z\n\u00e9\ud83d\ude00"],"b":{}}"#,
      "[]", "0", "-0.0", "\"\"", #"{"k":{"k":{"k":[[[]]]}}}"#, #"{"id":1,"id":2}"#,
    ]
    for t in texts {
      let v = try JSONParser.parse(t)
      let again = try JSONParser.parse(JSONWriter.string(v))
      #expect(v == again, "\(t)")
    }
    #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
  }

  @Test func rejects() {
    for t in ["", " ", "01", "1.", ".5", "-", "1e", "[1,]", "{\"a\"}", "{\"a\":}", "{a:1}", "\"\\ud800\"", "\"\u{01}\"",
              "tru", "nulll", "[1 2]", "\"abc", "{\"a\":1,}", String(repeating: "[", count: 65) + String(repeating: "]", count: 65)] {
      #expect(throws: JSONParseError.self, "\(t)") { try JSONParser.parse(t) }
    }
    #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xff, 0x22]) }  // not UTF-8
  }
}

/// The request decoder under random and mutated input: every body gets exactly one
/// well-formed JSON-RPC answer (or none, for notifications), never a crash.
struct DecoderFuzzTests {
  static let seeds = [
    #"{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x00000000000000000000000000000000000000aa","latest"]}"#,
    #"[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},{"jsonrpc":"2.0","id":"x","method":"eth_getStorageAt","params":["0x7dcd000000000000000000000000000000000004","0x0",{"blockNumber":"0x0"}]}]"#,
    #"{"jsonrpc":"2.0","id":2,"method":"eth_call","params":[{"to":"0x7dcd000000000000000000000000000000000004","gas":"0x5208","input":"0x00"},"latest"]}"#,
    #"{"jsonrpc":"2.0","id":3,"method":"eth_getLogs","params":[{"fromBlock":"0x0","toBlock":"latest","topics":[null,["0x0000000000000000000000000000000000000000000000000000000000000001"]]}]}"#,
    #"{"jsonrpc":"2.0","id":4,"method":"eth_feeHistory","params":["0x2","latest",[10,50]]}"#,
    #"{"jsonrpc":"2.0","id":5,"method":"eth_getProof","params":["0x7dcd000000000000000000000000000000000004",["0x0"],"latest"]}"#,
    #"{"jsonrpc":"2.0","id":6,"method":"eth_sendRawTransaction","params":["0xf86c8084044103f38261a894aa000000000000000000000000000000000000000a8255448718e5bb3abd109fa0dd5a76981eee3e5684d994130d05bb165e516c20ea23b149aa1b17b4cb0564e6a021bdb5747224359f458d6463440acd35620e63e78f733e80fb43f4b7b7ab27b6"]}"#,
  ]

  func check(_ h: RPCHandler, _ body: [UInt8]) {
    let out = h.handle(body)
    if out.isEmpty { return }  // notifications only
    guard let v = try? JSONParser.parse(out) else {
      Issue.record("not JSON: \(String(decoding: out.prefix(200), as: UTF8.self)) for \(String(decoding: body.prefix(200), as: UTF8.self))")
      return
    }
    let answers: [JSON]
    if case .array(let a) = v { answers = a } else { answers = [v] }
    for a in answers {
      #expect(a["jsonrpc"] == .string("2.0"))
      #expect((a["result"] == nil) != (a["error"] == nil))
      if let e = a["error"] {
        guard case .number? = e["code"], e["message"]?.stringValue != nil else {
          Issue.record("malformed error \(JSONWriter.string(e))"); continue
        }
      }
    }
  }

  @Test func mutatedRequests() {
    let h = TinyChain.handler { $0.callTimeout = 0.5 }
    var rng = SplitMix(state: 0x5eed)
    let alphabet = Array(#"{}[]",:0123456789abcdefx"-.eE \nnulltruefalse\u"#.utf8)
    for round in 0..<3000 {
      var body = Array(DecoderFuzzTests.seeds[round % DecoderFuzzTests.seeds.count].utf8)
      for _ in 0..<(1 + rng.below(4)) {
        switch rng.below(4) {
        case 0 where !body.isEmpty: body[rng.below(body.count)] = alphabet[rng.below(alphabet.count)]
        case 1 where !body.isEmpty: body.remove(at: rng.below(body.count))
        case 2: body.insert(alphabet[rng.below(alphabet.count)], at: rng.below(body.count + 1))
        default:
          if !body.isEmpty {
            let a = rng.below(body.count), b = rng.below(body.count)
            body.replaceSubrange(min(a, b)..<max(a, b), with: [])
          }
        }
      }
      check(h, body)
    }
  }

  @Test func randomBytes() {
    let h = TinyChain.handler()
    var rng = SplitMix(state: 42)
    for _ in 0..<2000 {
      let n = rng.below(64)
      check(h, (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }
  }
}
