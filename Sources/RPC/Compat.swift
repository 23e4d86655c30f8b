import Chain
import Foundation

/// hive's rpc-compat suite: `.io` files of one request and its recorded response each, replayed
/// through the handler over a store built from the suite's genesis.json and chain.rlp.
public enum RPCCompat {
  /// One `.io` file.
  public struct Case: Sendable {
    public var name: String
    public var request: String
    public var response: String
    /// `speconly`: only a successful, well-formed result is required.
    public var specOnly: Bool
  }

  public struct Outcome: Sendable {
    public var name: String
    public var passed: Bool
    public var detail: String
    /// Set for a fixture that contradicts its own chain, where the answer differs from the
    /// recording only in the fields named here (and is otherwise equal).
    public var erratum: String? = nil
  }

  /// Recorded responses that contradict the chain they were recorded on, with the fields at
  /// fault. `eth_feeHistory/fee-history`: block 2's header has blobGasUsed 0 and excessBlobGas 0
  /// (eth_getBlockByNumber/get-block-n.io records the same header), so its blobGasUsedRatio is 0
  /// and the next blob base fee 1; the shared copy says 0.5 and 0x2. The upstream
  /// execution-apis recording of the same test on the same chain has 0 and ["0x1","0x1"].
  public static let errata: [String: (fields: [String], reason: String)] = [
    "eth_feeHistory/fee-history": (
      ["blobGasUsedRatio", "baseFeePerBlobGas"],
      "recorded blob fields contradict block 2's header (blobGasUsed 0, excessBlobGas 0): expected [0] and [0x1,0x1]"),
  ]

  public enum Failure: Error, CustomStringConvertible {
    case fixtures(String)
    case chain(String)
    public var description: String {
      switch self {
      case .fixtures(let m): return "rpc-compat fixtures: \(m)"
      case .chain(let m): return "rpc-compat chain: \(m)"
      }
    }
  }

  /// Reads every `.io` file under `dir`, in path order.
  public static func cases(in dir: String) throws -> [Case] {
    guard let walker = FileManager.default.enumerator(atPath: dir) else { throw Failure.fixtures("cannot read \(dir)") }
    var paths: [String] = []
    for case let p as String in walker where p.hasSuffix(".io") { paths.append(p) }
    var out: [Case] = []
    for p in paths.sorted() {
      let text = try String(contentsOfFile: dir + "/" + p, encoding: .utf8)
      var request: String?
      var response: String?
      var specOnly = false
      for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
        if line.hasPrefix("//") { if line.contains("speconly") { specOnly = true } }
        else if line.hasPrefix(">> ") { request = String(line.dropFirst(3)) }
        else if line.hasPrefix("<< ") { response = String(line.dropFirst(3)) }
      }
      guard let request, let response else { throw Failure.fixtures("\(p): no request or response line") }
      out.append(Case(name: String(p.dropLast(3)), request: request, response: response, specOnly: specOnly))
    }
    return out
  }

  /// Builds a store in `workdir` from the suite's genesis.json and chain.rlp.
  public static func makeChain(fixtures dir: String, workdir: String) throws -> ChainStore {
    try? FileManager.default.removeItem(atPath: workdir)
    do {
      _ = try ChainStore.initialise(path: workdir, genesisPath: dir + "/genesis.json")
      let chain = try ChainStore(path: workdir)
      _ = try chain.importFile(dir + "/chain.rlp", threads: 1)
      return chain
    } catch {
      throw Failure.chain("\(error)")
    }
  }

  /// Judges one response as hive does: equal JSON, except that two errors match whatever their
  /// messages, and a `speconly` case needs only a result.
  public static func judge(_ c: Case, actual: String) -> Outcome {
    let got: JSON
    let want: JSON
    do {
      got = try JSONParser.parse(actual)
      want = try JSONParser.parse(c.response)
    } catch {
      return Outcome(name: c.name, passed: false, detail: "unparsable: \(error): \(actual.prefix(200))")
    }
    if c.specOnly {
      let ok = got["result"] != nil && got["error"] == nil
      return Outcome(name: c.name, passed: ok, detail: ok ? "" : "expected a result, got \(actual.prefix(300))")
    }
    if want["error"] != nil, got["error"] != nil, got["id"] == want["id"] {
      return Outcome(name: c.name, passed: true, detail: "")
    }
    if got == want { return Outcome(name: c.name, passed: true, detail: "") }
    if let e = errata[c.name], without(e.fields, got) == without(e.fields, want) {
      return Outcome(name: c.name, passed: false, detail: "fixture erratum: \(e.reason); got \(actual.prefix(400))",
                     erratum: e.reason)
    }
    return Outcome(name: c.name, passed: false, detail: "got \(actual.prefix(600))\n    want \(c.response.prefix(600))")
  }

  /// `response` with the named members of its result removed.
  static func without(_ fields: [String], _ response: JSON) -> JSON {
    guard case .object(var top) = response else { return response }
    for i in top.indices where top[i].0 == "result" {
      if case .object(let members) = top[i].1 { top[i].1 = .object(members.filter { !fields.contains($0.0) }) }
    }
    return .object(top)
  }

  /// Runs every case through `handler`, in order, on one handler (as hive runs them on one
  /// client).
  public static func run(_ cases: [Case], handler: RPCHandler) -> [Outcome] {
    cases.map { c in judge(c, actual: handler.handle(c.request)) }
  }

  /// The fixture folder: $STRATA_RPC_COMPAT, else ../shared/rpc-compat; nil when absent.
  public static func fixturesDirectory() -> String? {
    let dir = ProcessInfo.processInfo.environment["STRATA_RPC_COMPAT"] ?? "../shared/rpc-compat"
    return FileManager.default.fileExists(atPath: dir + "/chain.rlp") ? dir : nil
  }
}
