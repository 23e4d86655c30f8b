import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing
@testable import RPC

/// The HTTP server on a loopback socket: requests, batches, the body limit and /metrics.
struct ServerTests {
  final class Port: Sendable {
    let value = Mutex<Int?>(nil)
  }

  func post(_ url: URL, _ body: String) async throws -> (Int, String) {
    var req = URLRequest(url: url)
    req.httpMethod = "POST"
    req.setValue("application/json", forHTTPHeaderField: "Content-Type")
    req.httpBody = Data(body.utf8)
    let (data, response) = try await URLSession.shared.data(for: req)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
  }

  @Test func servesOverHTTP() async throws {
    var config = RPCServerConfig()
    config.port = 0
    config.limits.maxBodyBytes = 4096
    let metrics = RPCMetrics()
    let handler = RPCHandler(chain: TinyChain.chain, limits: config.limits, observer: metrics)
    let port = Port()
    let server = Task {
      try await RPCServer.run(handler: handler, metrics: metrics, config: config) { p in port.value.withLock { $0 = p } }
    }
    defer { server.cancel() }
    var bound: Int?
    for _ in 0..<200 {
      bound = port.value.withLock { $0 }
      if bound != nil { break }
      try await Task.sleep(for: .milliseconds(25))
    }
    let p = try #require(bound)
    #expect(p > 0)
    let url = try #require(URL(string: "http://127.0.0.1:\(p)/"))

    let (status, body) = try await post(url, #"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#)
    #expect(status == 200)
    #expect(try JSONParser.parse(body)["result"] == .string("0x539"))

    let (_, batch) = try await post(url, #"[{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"},{"jsonrpc":"2.0","id":2,"method":"nope"}]"#)
    guard case .array(let items) = try JSONParser.parse(batch) else { Issue.record("no batch answer"); return }
    #expect(items.count == 2)
    #expect(items[1]["error"]?["code"] == .number("-32601"))

    let (_, bad) = try await post(url, "{not json")
    #expect(errorCode(bad) == -32700)

    let (bigStatus, big) = try await post(url, String(repeating: " ", count: 10_000) + "{}")
    #expect(bigStatus == 413)
    #expect(errorCode(big) == -32005)

    // Still serving after the bad requests.
    let (again, _) = try await post(url, #"{"jsonrpc":"2.0","id":3,"method":"eth_chainId"}"#)
    #expect(again == 200)

    let (data, _) = try await URLSession.shared.data(from: try #require(URL(string: "http://127.0.0.1:\(p)/metrics")))
    let text = String(decoding: data, as: UTF8.self)
    #expect(text.contains("strata_rpc_requests_total{method=\"eth_chainId\"} 2"))
    #expect(text.contains("strata_rpc_duration_seconds"))
    #expect(text.contains("strata_head_block 0"))
    #expect(text.contains("strata_store_bytes"))
  }
}
