import Chain
import Dispatch
import EVM
import LMDBStore
import Primitives
import State
import Synchronization

/// The server's limits; each breach gets a JSON-RPC error and the server goes on serving.
public struct RPCLimits: Sendable {
  /// Largest request body accepted (bytes); the HTTP layer enforces it, the handler too.
  public var maxBodyBytes = 5 << 20
  /// Most requests in one batch (geth's BatchRequestLimit).
  public var maxBatch = 1000
  /// Widest `eth_getLogs` range, in blocks.
  public var maxLogBlockRange: UInt64 = 10_000
  /// Most logs one `eth_getLogs` returns.
  public var maxLogs = 20_000
  /// Gas cap of `eth_call`, `eth_estimateGas` and `eth_createAccessList` (geth's RPCGasCap).
  public var gasCap: UInt64 = 50_000_000
  /// Wall-clock limit of one EVM call, in seconds (geth's RPCEVMTimeout).
  public var callTimeout: Double = 5
  /// Most transactions kept in the pending set.
  public var maxPending = 4096
  /// Most blocks one `eth_feeHistory` covers.
  public var maxFeeHistory: UInt64 = 1024

  public init() {}
}

/// What the handler tells its observer about each call (the metrics).
public protocol RPCObserver: Sendable {
  func observe(method: String, seconds: Double, failed: Bool)
}

/// JSON-RPC 2.0 over a store: parses a request body (one request or a batch), runs every call
/// of it on one read snapshot, and returns the response body. No HTTP here: the server and the
/// tests call `handle`.
public final class RPCHandler: Sendable {
  public let chain: ChainStore
  public let limits: RPCLimits
  public let clientVersion: String
  let history: any StateSource
  let pool: PendingPool
  let observer: (any RPCObserver)?

  public convenience init(chain: ChainStore, limits: RPCLimits = RPCLimits(), observer: (any RPCObserver)? = nil,
                          clientVersion: String = "strata/v0.1.0/linux/swift6") {
    self.init(chain: chain, limits: limits, observer: observer, clientVersion: clientVersion, history: ChangeSetSource())
  }

  init(chain: ChainStore, limits: RPCLimits, observer: (any RPCObserver)?, clientVersion: String,
       history: any StateSource) {
    self.chain = chain
    self.limits = limits
    self.clientVersion = clientVersion
    self.history = history
    self.pool = PendingPool(capacity: limits.maxPending)
    self.observer = observer
  }

  /// The response body for a request body; empty when every request was a notification.
  public func handle(_ body: [UInt8]) -> [UInt8] {
    if body.count > limits.maxBodyBytes {
      return JSONWriter.encode(response(id: .null, .failure(.limitExceeded("request body of \(body.count) bytes exceeds the limit of \(limits.maxBodyBytes)"))))
    }
    let parsed: JSON
    do { parsed = try JSONParser.parse(body) } catch {
      return JSONWriter.encode(response(id: .null, .failure(.parse(error.description))))
    }
    switch parsed {
    case .array(let items):
      if items.isEmpty { return JSONWriter.encode(response(id: .null, .failure(.invalidRequest("empty batch")))) }
      if items.count > limits.maxBatch {
        return JSONWriter.encode(response(id: .null, .failure(.limitExceeded("batch of \(items.count) requests exceeds the limit of \(limits.maxBatch)"))))
      }
      let out = withSnapshot { snap in items.compactMap { one($0, snap) } }
      return out.isEmpty ? [] : JSONWriter.encode(.array(out))
    default:
      let out = withSnapshot { snap in one(parsed, snap) }
      return out.map(JSONWriter.encode) ?? []
    }
  }

  public func handle(_ text: String) -> String { String(decoding: handle(Array(text.utf8)), as: UTF8.self) }

  enum Outcome {
    case success(JSON)
    case failure(RPCError)
  }

  private func response(id: JSON, _ outcome: Outcome) -> JSON {
    switch outcome {
    case .success(let r): return .object([("jsonrpc", .string("2.0")), ("id", id), ("result", r)])
    case .failure(let e):
      var err: [(String, JSON)] = [("code", .int(e.code)), ("message", .string(e.message))]
      if let d = e.data { err.append(("data", d)) }
      return .object([("jsonrpc", .string("2.0")), ("id", id), ("error", .object(err))])
    }
  }

  /// Runs `body` on one read snapshot; a store that cannot be read gives `nil` snapshots, and
  /// each call then fails on its own.
  private func withSnapshot<R>(_ body: (Result<Snapshot, RPCError>) -> R) -> R {
    do {
      return try chain.store.read { view in
        do throws(RPCError) { return body(.success(try Snapshot(view: view, config: chain.config))) } catch { return body(.failure(error)) }
      }
    } catch {
      return body(.failure(.internalError("store: \(error)")))
    }
  }

  /// One request object: its response, or nil for a notification.
  private func one(_ request: JSON, _ snap: Result<Snapshot, RPCError>) -> JSON? {
    guard case .object = request else { return response(id: .null, .failure(.invalidRequest("invalid request"))) }
    let id = request["id"]
    switch id {
    case nil, .null?, .string?, .number?: break
    default: return response(id: .null, .failure(.invalidRequest("invalid request id")))
    }
    guard request["jsonrpc"]?.stringValue == "2.0" else {
      return response(id: id ?? .null, .failure(.invalidRequest("invalid request: jsonrpc must be \"2.0\"")))
    }
    guard let method = request["method"]?.stringValue else {
      return response(id: id ?? .null, .failure(.invalidRequest("invalid request: no method")))
    }
    let start = DispatchTime.now().uptimeNanoseconds
    let outcome: Outcome
    do throws(RPCError) {
      let params = try Params(request["params"])
      switch snap {
      case .success(let s): outcome = .success(try call(method, params, s))
      case .failure(let e): throw e
      }
    } catch {
      outcome = .failure(error)
    }
    if let observer {
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      var failed = false
      if case .failure = outcome { failed = true }
      observer.observe(method: RPCHandler.methods.contains(method) ? method : "unknown", seconds: seconds, failed: failed)
    }
    guard let id else { return nil }  // a notification
    return response(id: id, outcome)
  }

  static let methods: Set<String> = [
    "eth_chainId", "eth_blockNumber", "eth_syncing", "net_version", "web3_clientVersion", "net_listening",
    "eth_getBalance", "eth_getTransactionCount", "eth_getCode", "eth_getStorageAt",
    "eth_getBlockByNumber", "eth_getBlockByHash", "eth_getBlockTransactionCountByNumber",
    "eth_getBlockTransactionCountByHash", "eth_getTransactionByHash", "eth_getTransactionByBlockNumberAndIndex",
    "eth_getTransactionByBlockHashAndIndex", "eth_getTransactionReceipt", "eth_getBlockReceipts", "eth_getLogs",
    "eth_call", "eth_estimateGas", "eth_createAccessList", "eth_feeHistory", "eth_gasPrice",
    "eth_maxPriorityFeePerGas", "eth_blobBaseFee", "eth_getProof", "debug_getRawBlock", "debug_getRawHeader",
    "debug_getRawReceipts", "debug_getRawTransaction", "eth_sendRawTransaction", "eth_getUncleCountByBlockNumber",
    "eth_getUncleCountByBlockHash",
  ]

  private func call(_ method: String, _ p: Params, _ s: Snapshot) throws(RPCError) -> JSON {
    switch method {
    case "eth_chainId": return Out.quantity(chain.config.chainID)
    case "net_version": return .string(String(chain.config.chainID))
    case "net_listening": return .bool(true)
    case "eth_blockNumber": return Out.quantity(s.head.number)
    case "eth_syncing": return .bool(false)
    case "web3_clientVersion": return .string(clientVersion)
    case "eth_getBalance", "eth_getTransactionCount", "eth_getCode":
      let address = try p.arg(0, Param.address)
      let state = try stateAt(p, 1, s)
      do {
        switch method {
        case "eth_getBalance": return Out.quantity(try state.account(address)?.balance ?? .zero)
        case "eth_getTransactionCount":
          var nonce = try state.account(address)?.nonce ?? 0
          if p.optional(1)?.stringValue == "pending" { nonce = max(nonce, pool.nextNonce(address) ?? 0) }
          return Out.quantity(nonce)
        default:
          guard let a = try state.account(address) else { return Out.data([]) }
          return Out.data(try state.code(a.codeHash))
        }
      } catch {
        throw .internalError(error.description)
      }
    case "eth_getStorageAt":
      let address = try p.arg(0, Param.address)
      let key = try storageKey(try p.required(1))
      let state = try stateAt(p, 2, s)
      do { return Out.hash(try state.storage(address, key).hash) } catch { throw .internalError(error.description) }
    case "eth_getBlockByNumber", "eth_getBlockByHash":
      let sel = try method == "eth_getBlockByHash"
        ? Snapshot.Selector.hash(try p.arg(0, Param.hash), requireCanonical: false)
        : p.arg(0) { (v) throws(RPCError) in try s.selector(v, allowHash: false) }
      let full = try p.optionalArg(1, Param.bool) ?? false
      guard let found = try s.resolve(sel), let block = try s.block(found.hash) else { return .null }
      return Format.block(block, hash: found.hash, full: full) { sender(block.transactions[$0]) }
    case "eth_getBlockTransactionCountByNumber", "eth_getBlockTransactionCountByHash",
      "eth_getUncleCountByBlockNumber", "eth_getUncleCountByBlockHash":
      let byHash = method.hasSuffix("Hash")
      let sel = try byHash
        ? Snapshot.Selector.hash(try p.arg(0, Param.hash), requireCanonical: false)
        : p.arg(0) { (v) throws(RPCError) in try s.selector(v, allowHash: false) }
      guard let found = try s.resolve(sel), let block = try s.block(found.hash) else { return .null }
      return Out.quantity(method.contains("Uncle") ? block.ommers.count : block.transactions.count)
    case "eth_getTransactionByHash":
      let hash = try p.arg(0, Param.hash)
      if let (block, index) = try locate(hash, s) {
        let tx = block.block.transactions[index]
        return Format.transaction(tx, from: sender(tx), at: TxPosition(
          blockHash: block.hash, blockNumber: block.block.number, index: index, baseFee: block.block.header.baseFeePerGas))
      }
      if let pending = pool.get(hash) { return Format.transaction(pending.tx, from: pending.sender, at: nil) }
      return .null
    case "eth_getTransactionByBlockNumberAndIndex", "eth_getTransactionByBlockHashAndIndex":
      let sel = try method.hasSuffix("HashAndIndex")
        ? Snapshot.Selector.hash(try p.arg(0, Param.hash), requireCanonical: false)
        : p.arg(0) { (v) throws(RPCError) in try s.selector(v, allowHash: false) }
      let index = try p.arg(1, Param.uint64)
      guard let found = try s.resolve(sel), let block = try s.block(found.hash),
        index < UInt64(block.transactions.count)
      else { return .null }
      let tx = block.transactions[Int(index)]
      return Format.transaction(tx, from: sender(tx), at: TxPosition(
        blockHash: found.hash, blockNumber: block.number, index: Int(index), baseFee: block.header.baseFeePerGas))
    case "eth_getTransactionReceipt":
      let hash = try p.arg(0, Param.hash)
      guard let (block, index) = try locate(hash, s),
        let receipts = try s.receipts(block.hash, count: block.block.transactions.count)
      else { return .null }
      let firstLog = receipts[..<index].reduce(0) { $0 + $1.logs.count }
      return Format.receipt(block: block.block, hash: block.hash, receipts: receipts, index: index, firstLog: firstLog,
                            from: sender(block.block.transactions[index]), blobBaseFee: s.blobBaseFee(block.block.header))
    case "eth_getBlockReceipts":
      let sel = try p.arg(0) { (v) throws(RPCError) in try s.selector(v, allowHash: true) }
      guard let found = try s.resolve(sel), let block = try s.block(found.hash) else { return .null }
      guard let receipts = try s.receipts(found.hash, count: block.transactions.count) else { return .array([]) }
      let blobFee = s.blobBaseFee(block.header)
      var firstLog = 0
      var out: [JSON] = []
      for i in block.transactions.indices {
        out.append(Format.receipt(block: block, hash: found.hash, receipts: receipts, index: i, firstLog: firstLog,
                                  from: sender(block.transactions[i]), blobBaseFee: blobFee))
        firstLog += receipts[i].logs.count
      }
      return .array(out)
    case "eth_getLogs": return try getLogs(p, s)
    case "eth_call": return try ethCall(p, s)
    case "eth_estimateGas": return try estimateGas(p, s)
    case "eth_createAccessList": return try createAccessList(p, s)
    case "eth_feeHistory": return try feeHistory(p, s)
    case "eth_gasPrice":
      guard let head = try s.header(s.head.hash) else { throw .internalError("head header missing") }
      return Out.quantity((head.baseFeePerGas ?? .zero) &+ (try suggestedTip(s)))
    case "eth_maxPriorityFeePerGas": return Out.quantity(try suggestedTip(s))
    case "eth_blobBaseFee":
      guard let head = try s.header(s.head.hash) else { throw .internalError("head header missing") }
      return Out.quantity(s.blobBaseFee(head))
    case "eth_getProof": return try getProof(p, s)
    case "debug_getRawHeader", "debug_getRawBlock", "debug_getRawReceipts":
      let sel = try p.arg(0) { (v) throws(RPCError) in try s.selector(v, allowHash: true) }
      guard let found = try s.resolve(sel) else { throw .server(method == "debug_getRawHeader" ? "header not found" : "block not found") }
      switch method {
      case "debug_getRawHeader":
        return Out.data(try s.rawHeader(found.hash) ?? [])
      case "debug_getRawBlock":
        guard let block = try s.block(found.hash) else { throw .server("block not found") }
        return Out.data(block.rlpEncoded)
      default:
        guard let raw = try s.rawReceipts(found.hash) else { return .array([]) }
        do {
          return .array(try RLPItem(decoding: raw).listItems().map { Out.data(Array(try $0.bytes())) })
        } catch {
          throw .internalError("receipts do not decode: \(error)")
        }
      }
    case "debug_getRawTransaction":
      let hash = try p.arg(0, Param.hash)
      if let (block, index) = try locate(hash, s) { return Out.data(block.block.transactions[index].canonicalBytes) }
      if let pending = pool.get(hash) { return Out.data(pending.tx.canonicalBytes) }
      return Out.data([])
    case "eth_sendRawTransaction": return try sendRawTransaction(p, s)
    default:
      throw .methodNotFound(method)
    }
  }

  /// The state after the block named by argument `i` (`latest` when absent).
  private func stateAt(_ p: Params, _ i: Int, _ s: Snapshot) throws(RPCError) -> any StateReader {
    let sel = try p.optionalArg(i) { (v) throws(RPCError) in try s.selector(v, allowHash: true) } ?? .number(s.head.number)
    return s.state(try s.resolveForState(sel), history: history)
  }

  /// geth's storage key rule: hex of at most 32 bytes (a 0x prefix optional), -32000 otherwise.
  private func storageKey(_ v: JSON) throws(RPCError) -> U256 {
    guard case .string(var text) = v else { throw .server("unable to decode storage key: hex string invalid") }
    if text.hasPrefix("0x") || text.hasPrefix("0X") { text = String(text.dropFirst(2)) }
    if text.count % 2 == 1 { text = "0" + text }
    guard text.utf8.allSatisfy(Param.isHexDigit) else { throw .server("unable to decode storage key: hex string invalid") }
    guard text.count <= 64 else { throw .server("unable to decode storage key: hex string too long, want at most 32 bytes") }
    do { return try U256(hexDigits: ArraySlice(text.utf8)) } catch { throw .server("unable to decode storage key: hex string invalid") }
  }

  /// The canonical block and index of transaction `hash`.
  func locate(_ hash: Hash, _ s: Snapshot) throws(RPCError) -> ((hash: Hash, block: Block), Int)? {
    guard let (blockHash, position) = try s.transactionLocation(hash), let block = try s.block(blockHash),
      position < UInt64(block.transactions.count), block.transactions[Int(position)].hash == hash,
      block.number <= s.head.number
    else { return nil }
    return ((blockHash, block), Int(position))
  }
}
