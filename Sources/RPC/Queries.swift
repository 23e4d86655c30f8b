import Chain
import EVM
import Foundation
import LMDBStore
import Primitives
import State
import Synchronization
import Trie

// MARK: - Logs

/// An `eth_getLogs` filter: addresses (any of), and per topic position a set (any of; empty:
/// anything).
struct LogFilter {
  var addresses: [Address] = []
  var topics: [[Hash]] = []

  func matches(_ log: Log) -> Bool {
    if !addresses.isEmpty && !addresses.contains(log.address) { return false }
    if topics.count > log.topics.count { return false }
    for (i, options) in topics.enumerated() where !options.isEmpty {
      if !options.contains(log.topics[i]) { return false }
    }
    return true
  }

  /// The bloom bits of each address, and of each topic option per position, computed once.
  func bloomBits() -> (addresses: [[Int]], topics: [[[Int]]]) {
    (addresses.map { bloomBitIndexes($0.bytes) }, topics.map { $0.map { bloomBitIndexes($0.bytes) } })
  }

  /// Whether a block's bloom may hold a matching log (false: it certainly does not).
  static func mayMatch(_ bloom: Bloom, _ bits: (addresses: [[Int]], topics: [[[Int]]])) -> Bool {
    if !bits.addresses.isEmpty && !bits.addresses.contains(where: { bloomHas(bloom, $0) }) { return false }
    for options in bits.topics where !options.isEmpty {
      if !options.contains(where: { bloomHas(bloom, $0) }) { return false }
    }
    return true
  }
}

/// The three bloom bits (as byte index × 8 + bit) of `data`.
func bloomBitIndexes(_ data: [UInt8]) -> [Int] {
  let h = Keccak256.hash(data).bytes
  return stride(from: 0, to: 6, by: 2).map { i in
    let bit = (Int(h[i]) << 8 | Int(h[i + 1])) & 2047
    return (255 - bit / 8) * 8 + bit % 8
  }
}

func bloomHas(_ bloom: Bloom, _ bits: [Int]) -> Bool {
  bits.allSatisfy { bloom.bytes[$0 / 8] & (UInt8(1) << UInt8($0 % 8)) != 0 }
}

extension RPCHandler {
  func getLogs(_ p: Params, _ s: Snapshot) throws(RPCError) -> JSON {
    try p.atMost(1)
    let f = try p.required(0)
    guard case .object = f else { throw .invalidArgument(0, "json: cannot unmarshal non-object into Go value of type filters.FilterCriteria") }
    var filter = LogFilter()
    do throws(RPCError) {
      switch f["address"] {
      case nil, .null?: break
      case .array(let items)?: for a in items { filter.addresses.append(try Param.address(a)) }
      case let a?: filter.addresses = [try Param.address(a)]
      }
      switch f["topics"] {
      case nil, .null?: break
      case .array(let positions)?:
        if positions.count > 4 { throw Param.reason("too many topics, at most 4") }
        for pos in positions {
          switch pos {
          case .null: filter.topics.append([])
          case .array(let options):
            var hs: [Hash] = []
            for o in options { hs.append(try Param.hash(o)) }
            filter.topics.append(hs)
          default: filter.topics.append([try Param.hash(pos)])
          }
        }
      default: throw Param.reason("topics must be an array")
      }
    } catch {
      throw .invalidArgument(0, error.message)
    }
    // The blocks: one by hash, or a canonical range.
    var hashes: [(UInt64, Hash)] = []
    if let bh = f["blockHash"], !bh.isNull {
      if f["fromBlock"].map({ !$0.isNull }) == true || f["toBlock"].map({ !$0.isNull }) == true {
        throw .invalidArgument(0, "cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other")
      }
      let hash: Hash
      do { hash = try Param.hash(bh) } catch { throw .invalidArgument(0, error.message) }
      guard let h = try s.header(hash) else { throw .server("unknown block") }
      hashes = [(h.number, hash)]
    } else {
      func bound(_ name: String) throws(RPCError) -> UInt64 {
        guard let v = f[name], !v.isNull else { return s.head.number }
        do {
          if case .number(let n) = try s.selector(v, allowHash: false) { return n }
        } catch {
          throw .invalidArgument(0, error.message)
        }
        return s.head.number
      }
      let from = try bound("fromBlock")
      let to = min(try bound("toBlock"), s.head.number)
      if from > s.head.number { return .array([]) }
      guard from <= to else { throw .server("invalid block range params") }
      guard to - from < limits.maxLogBlockRange else {
        throw .limitExceeded("block range of \(to - from + 1) exceeds the limit of \(limits.maxLogBlockRange) blocks")
      }
      if let candidates = try indexedBlocks(filter, from: from, through: to, s) {
        // The log index names the blocks that hold a log of each address and topic.
        for n in candidates {
          guard let h = try s.canonicalHash(n) else { break }
          hashes.append((n, h))
        }
      } else {
        var n = from
        while true {
          guard let h = try s.canonicalHash(n) else { break }
          hashes.append((n, h))
          if n == to { break }
          n += 1
        }
      }
    }
    var out: [JSON] = []
    let bits = filter.bloomBits()
    for (number, hash) in hashes {
      guard let raw = try s.rawHeader(hash) else { continue }
      // The bloom sits at a fixed place in a header's RLP (a list of more than 255 bytes, then
      // six hashes and an address); anything else is decoded.
      let bloom: Bloom
      if raw.count > 192 + 256, raw[0] == 0xf9, raw[189] == 0xb9, raw[190] == 0x01, raw[191] == 0x00 {
        bloom = Bloom(raw[192..<(192 + 256)])
      } else {
        guard let h = try s.header(hash) else { continue }
        bloom = h.logsBloom
      }
      guard LogFilter.mayMatch(bloom, bits) else { continue }
      guard let receipts = try s.receipts(hash) else { continue }
      // The body is read only for a block with a matching log, and only the hashes are taken.
      var txHashes: [Hash]?
      var logIndex = 0
      for (i, r) in receipts.enumerated() {
        var txHash: Hash?
        for log in r.logs {
          defer { logIndex += 1 }
          guard filter.matches(log) else { continue }
          if txHashes == nil { txHashes = try s.transactionHashes(hash) }
          guard let all = txHashes, i < all.count else { throw .internalError("block \(hash): fewer transactions than receipts") }
          if txHash == nil { txHash = all[i] }
          out.append(Format.log(log, logIndex: logIndex, txHash: txHash ?? .zero, txIndex: i, blockHash: hash,
                                blockNumber: number))
          if out.count > limits.maxLogs {
            throw .limitExceeded("query returned more than \(limits.maxLogs) results")
          }
        }
      }
    }
    return .array(out)
  }

  /// The blocks of `from...through` that the store's log index says may match `filter`, in
  /// order: the union over its addresses, intersected with the union over each constrained topic
  /// position. Nil when the filter constrains nothing (every block is a candidate).
  func indexedBlocks(_ filter: LogFilter, from: UInt64, through: UInt64, _ s: Snapshot) throws(RPCError) -> [UInt64]? {
    var sets: [Set<UInt64>] = []
    func union(_ keys: [LogKey]) throws(RPCError) -> Set<UInt64> {
      var out = Set<UInt64>()
      for k in keys {
        out.formUnion(try Snapshot.store { () throws(StoreError) in try s.view.logBlocks(k, from: from, through: through) })
      }
      return out
    }
    if !filter.addresses.isEmpty { sets.append(try union(filter.addresses.map { .address($0) })) }
    for (i, options) in filter.topics.enumerated() where !options.isEmpty {
      sets.append(try union(options.map { .topic(position: i, $0) }))
    }
    guard var result = sets.first else { return nil }
    for other in sets.dropFirst() { result.formIntersection(other) }
    return result.sorted()
  }

  // MARK: - Fees

  /// The effective tips of a block's transactions with the gas each used, lowest tip first.
  private func tips(_ block: Block, _ receipts: [Receipt]?) -> [(tip: U256, gas: UInt64)] {
    let baseFee = block.header.baseFeePerGas ?? .zero
    var previous: UInt64 = 0
    var out: [(U256, UInt64)] = []
    for (i, tx) in block.transactions.enumerated() {
      let used: UInt64
      if let receipts { used = receipts[i].cumulativeGasUsed &- previous; previous = receipts[i].cumulativeGasUsed } else { used = 0 }
      let cap = tx.feeCap
      let tip = cap > baseFee ? min(tx.tipCap, cap &- baseFee) : .zero
      out.append((tip, used))
    }
    return out.sorted { $0.0 < $1.0 }
  }

  func feeHistory(_ p: Params, _ s: Snapshot) throws(RPCError) -> JSON {
    let count: UInt64 = try p.arg(0) { (v) throws(RPCError) -> UInt64 in
      if case .number(let n) = v, let x = UInt64(n) { return x }
      if case .string(let t) = v, !t.hasPrefix("0x"), let x = UInt64(t) { return x }
      return try Param.uint64(v)
    }
    let newestSel = try p.arg(1) { (v) throws(RPCError) in try s.selector(v, allowHash: false) }
    var percentiles: [Double] = []
    if let ps = p.optional(2) {
      guard case .array(let items) = ps else { throw .invalidArgument(2, "reward percentiles must be an array") }
      for item in items {
        guard case .number(let t) = item, let x = Double(t) else { throw .invalidArgument(2, "reward percentile is not a number") }
        guard x >= 0 && x <= 100 else { throw .invalidArgument(2, "invalid reward percentile: \(x)") }
        if let last = percentiles.last, x < last { throw .invalidArgument(2, "invalid reward percentile: #\(percentiles.count):\(last) >= #\(percentiles.count + 1):\(x)") }
        percentiles.append(x)
      }
    }
    guard case .number(var newest) = newestSel else { throw .internalError("unreachable") }
    if newest > s.head.number { throw .server("request beyond head block: requested \(newest), head \(s.head.number)") }
    newest = min(newest, s.head.number)
    let blocks = min(count, limits.maxFeeHistory, newest + 1)
    if blocks == 0 { return .object([("oldestBlock", Out.quantity(0))]) }
    let oldest = newest + 1 - blocks
    var baseFees: [JSON] = [], blobFees: [JSON] = [], gasRatio: [JSON] = [], blobRatio: [JSON] = [], rewards: [JSON] = []
    var last: Header?
    for n in oldest...newest {
      guard let hash = try s.canonicalHash(n), let block = try s.block(hash) else { throw .server("block \(n) not found") }
      let h = block.header
      last = h
      baseFees.append(Out.quantity(h.baseFeePerGas ?? .zero))
      blobFees.append(Out.quantity(s.blobBaseFee(h)))
      gasRatio.append(.number(jsonDouble(h.gasLimit == 0 ? 0 : Double(h.gasUsed) / Double(h.gasLimit))))
      let fork = s.fork(h)
      let maxBlob = fork >= .cancun ? s.config.blobParameters(fork, timestamp: h.timestamp).max * VirtualMachine.gasPerBlob : 0
      blobRatio.append(.number(jsonDouble(maxBlob == 0 ? 0 : Double(h.blobGasUsed ?? 0) / Double(maxBlob))))
      if !percentiles.isEmpty {
        let sorted = tips(block, try s.receipts(hash, count: block.transactions.count))
        if sorted.isEmpty {
          rewards.append(.array(percentiles.map { _ in Out.quantity(0) }))
        } else {
          var row: [JSON] = []
          var i = 0
          var sum = sorted[0].gas
          for pct in percentiles {
            let threshold = Double(h.gasUsed) * pct / 100
            while Double(sum) < threshold && i < sorted.count - 1 {
              i += 1
              sum += sorted[i].gas
            }
            row.append(Out.quantity(sorted[i].tip))
          }
          rewards.append(.array(row))
        }
      }
    }
    // The entries after the newest block: its successor's base fee and blob base fee.
    if let h = last {
      baseFees.append(Out.quantity(nextBaseFee(h)))
      let fork = s.fork(h)
      if fork >= .cancun {
        let params = s.config.blobParameters(fork, timestamp: h.timestamp)
        let target = params.target * VirtualMachine.gasPerBlob
        let sum = (h.excessBlobGas ?? 0) + (h.blobGasUsed ?? 0)
        let excess = sum > target ? sum - target : 0
        blobFees.append(Out.quantity(HeaderValidator.blobBaseFee(excessBlobGas: excess, updateFraction: params.baseFeeUpdateFraction)))
      } else {
        blobFees.append(Out.quantity(0))
      }
    }
    var o: [(String, JSON)] = [("oldestBlock", Out.quantity(oldest))]
    if !percentiles.isEmpty { o.append(("reward", .array(rewards))) }
    o += [("baseFeePerGas", .array(baseFees)), ("gasUsedRatio", .array(gasRatio)),
          ("baseFeePerBlobGas", .array(blobFees)), ("blobGasUsedRatio", .array(blobRatio))]
    return .object(o)
  }

  /// EIP-1559: the base fee of the block after `h`.
  func nextBaseFee(_ h: Header) -> U256 {
    guard let base = h.baseFeePerGas else { return .zero }
    let target = h.gasLimit / 2
    guard target > 0 else { return base }
    if h.gasUsed == target { return base }
    if h.gasUsed > target {
      let delta = base &* U256(h.gasUsed - target) / U256(target) / U256(8)
      return base &+ (delta.isZero ? U256.one : delta)
    }
    let delta = base &* U256(target - h.gasUsed) / U256(target) / U256(8)
    return delta > base ? .zero : base &- delta
  }

  /// geth's oracle, simplified: the 60th percentile of the lowest tips of the last 20 blocks
  /// (blocks without transactions count as the previous answer), 1 wei at least.
  func suggestedTip(_ s: Snapshot) throws(RPCError) -> U256 {
    var samples: [U256] = []
    var n = s.head.number
    var seen = 0
    while seen < 20 {
      if let hash = try s.canonicalHash(n), let block = try s.block(hash) {
        let t = tips(block, nil)
        if let low = t.first { samples.append(low.tip) }
      }
      seen += 1
      if n == 0 { break }
      n -= 1
    }
    guard !samples.isEmpty else { return U256(1_000_000) }
    samples.sort(by: <)
    let v = samples[(samples.count - 1) * 60 / 100]
    return v.isZero ? .one : v
  }

  // MARK: - Proofs (EIP-1186)

  func getProof(_ p: Params, _ s: Snapshot) throws(RPCError) -> JSON {
    let address = try p.arg(0, Param.address)
    let keysJSON = try p.required(1)
    guard case .array(let keyItems) = keysJSON else { throw .invalidArgument(1, "storage keys must be an array") }
    var keys: [(text: String, slot: U256)] = []
    for k in keyItems {
      guard case .string(let t) = k else { throw .invalidArgument(1, "storage key must be a string") }
      do {
        let slot = try storageKeyForProof(k)
        keys.append((t, slot))
      } catch {
        throw .invalidArgument(1, error.message)
      }
    }
    let sel = try p.optionalArg(2) { (v) throws(RPCError) in try s.selector(v, allowHash: true) } ?? .number(s.head.number)
    let found = try s.resolveForState(sel)
    let root = found.header.stateRoot
    let accountKey = SecureKey.account(address).bytes
    let accountProof = try proof(root: root, key: accountKey, s)
    let trie = MerkleTrie(store: s.view, root: root)
    let account: (nonce: UInt64, balance: U256, storageRoot: Hash, codeHash: Hash)?
    do { account = try trie.account(address) } catch { throw .internalError(error.description) }
    let storageRoot = account?.storageRoot ?? .emptyTrieRoot
    var storage: [JSON] = []
    for (text, slot) in keys {
      var value = U256.zero
      var nodes: [JSON] = []
      if storageRoot != .emptyTrieRoot {
        do { value = try MerkleTrie(store: s.view, root: storageRoot).storage(slot) } catch { throw .internalError(error.description) }
        nodes = try proof(root: storageRoot, key: SecureKey.storage(slot).bytes, s)
      }
      storage.append(.object([("key", .string(text)), ("value", Out.quantity(value)), ("proof", .array(nodes))]))
    }
    return .object([
      ("address", Out.address(address)),
      ("accountProof", .array(accountProof)),
      ("balance", Out.quantity(account?.balance ?? .zero)),
      ("codeHash", Out.hash(account?.codeHash ?? .emptyKeccak)),
      ("nonce", Out.quantity(account?.nonce ?? 0)),
      ("storageHash", Out.hash(storageRoot)),
      ("storageProof", .array(storage)),
    ])
  }

  private func storageKeyForProof(_ v: JSON) throws(RPCError) -> U256 {
    guard case .string(var t) = v else { throw Param.reason(HexText.syntax) }
    if t.hasPrefix("0x") || t.hasPrefix("0X") { t = String(t.dropFirst(2)) }
    guard t.count <= 64, t.utf8.allSatisfy(Param.isHexDigit) else { throw Param.reason("invalid storage key") }
    do { return try U256(hexDigits: ArraySlice(t.utf8)) } catch { throw Param.reason("invalid storage key") }
  }

  /// The nodes on the path to `key` in the trie under `root`, root first (inline nodes are part
  /// of their parents).
  func proof(root: Hash, key: [UInt8], _ s: Snapshot) throws(RPCError) -> [JSON] {
    if root == .emptyTrieRoot { return [] }
    var nibbles: [UInt8] = []
    for b in key { nibbles.append(b >> 4); nibbles.append(b & 0xf) }
    var out: [JSON] = []
    var next: RLPItem?
    guard let first = try Snapshot.store({ () throws(StoreError) in try s.view.trieNode(root) }) else {
      throw .internalError("trie node \(root) missing: state at this block is not stored")
    }
    out.append(Out.data(first))
    do {
      next = try RLPItem(decoding: first)
      var i = 0
      while let node = next {
        next = nil
        let items = try node.listItems()
        var child: RLPItem?
        if items.count == 17 {
          guard i < nibbles.count else { break }
          child = items[Int(nibbles[i])]
          i += 1
        } else if items.count == 2 {
          let path = Array(try items[0].bytes())
          guard let flag = path.first else { break }
          let isLeaf = flag >> 4 >= 2
          var pathNibbles: [UInt8] = (flag >> 4) & 1 == 1 ? [flag & 0xf] : []
          for b in path.dropFirst() { pathNibbles.append(b >> 4); pathNibbles.append(b & 0xf) }
          if isLeaf { break }
          guard i + pathNibbles.count <= nibbles.count, Array(nibbles[i..<(i + pathNibbles.count)]) == pathNibbles else { break }
          i += pathNibbles.count
          child = items[1]
        } else {
          break
        }
        guard let c = child else { break }
        if c.isList {
          next = c  // an inline node
        } else {
          let ref = try c.bytes()
          guard ref.count == 32 else { break }
          let h = Hash(ref)
          guard let bytes = try Snapshot.store({ () throws(StoreError) in try s.view.trieNode(h) }) else {
            throw RPCError.internalError("trie node \(h) missing")
          }
          out.append(Out.data(bytes))
          next = try RLPItem(decoding: bytes)
        }
      }
    } catch let e as RPCError {
      throw e
    } catch {
      throw .internalError("malformed trie node: \(error)")
    }
    return out
  }

  // MARK: - Sending

  func sendRawTransaction(_ p: Params, _ s: Snapshot) throws(RPCError) -> JSON {
    let raw = try p.arg(0, Param.bytes)
    let tx: Transaction
    do { tx = try decodeNetworkTransaction(raw) } catch { throw .server("rlp: \(error)") }
    guard let head = try s.header(s.head.hash) else { throw .internalError("head header missing") }
    let fork = chain.config.fork(number: head.number + 1, timestamp: head.timestamp + 1)
    let chainID = U256(chain.config.chainID)
    let from: Address
    do {
      try tx.validateSignature(fork: fork, chainID: chainID)
      from = try tx.sender(fork: fork)
    } catch {
      switch error {
      case .typeNotActive: throw .server("transaction type not supported")
      case .wrongChainID: throw .server("invalid chain id for signer")
      default: throw .server("invalid sender")
      }
    }
    do { try tx.validateFields(fork: fork) } catch {
      switch error {
      case .intrinsicGasTooLow(let have, let want): throw .server("intrinsic gas too low: gas \(have), minimum needed \(want)")
      case .priorityFeeAboveFeeCap: throw .server("max priority fee per gas higher than max fee per gas")
      case .initcodeTooLarge(let size, let limit): throw .server("max initcode size exceeded: code size \(size), limit \(limit)")
      default: throw .server(error.description)
      }
    }
    if tx.gasLimit > head.gasLimit { throw .server("exceeds block gas limit") }
    if pool.get(tx.hash) != nil { throw .server("already known") }
    let state = s.state((s.head.hash, head), history: history)
    let account: Account?
    do { account = try state.account(from) } catch { throw .internalError(error.description) }
    let nonce = account?.nonce ?? 0
    if tx.nonce < nonce { throw .server("nonce too low: next nonce \(nonce), tx nonce \(tx.nonce)") }
    let balance = account?.balance ?? .zero
    var cost = tx.feeCap &* U256(tx.gasLimit) &+ tx.value
    if tx.type == .blob { cost = cost &+ tx.maxFeePerBlobGas &* U256(VirtualMachine.gasPerBlob * UInt64(tx.blobVersionedHashes.count)) }
    if balance < cost {
      throw .server("insufficient funds for gas * price + value: balance \(balance), tx cost \(cost), overshot \(cost &- balance)")
    }
    guard pool.add(PendingTransaction(tx: tx, sender: from)) else { throw .server("txpool is full") }
    return Out.hash(tx.hash)
  }
}

/// Decodes a transaction as `eth_sendRawTransaction` receives it: the canonical encoding, or a
/// blob transaction's network form (type 3 ‖ rlp([tx, blobs, commitments, proofs])).
func decodeNetworkTransaction(_ raw: [UInt8]) throws -> Transaction {
  if raw.first == 0x03 {
    let outer = try RLPItem(decoding: raw[1...])
    let items = try outer.listItems()
    if let inner = items.first, inner.isList {
      guard items.count == 4 else { throw TransactionError.invalidEnvelope("blob network form of \(items.count) items") }
      let blobs = try items[1].listItems().count
      let commitments = try items[2].listItems().count
      let proofs = try items[3].listItems().count
      let tx = try Transaction(canonicalBytes: [0x03] + Array(inner.encoded))
      guard blobs == tx.blobVersionedHashes.count, commitments == blobs, proofs == blobs else {
        throw TransactionError.invalidEnvelope("blob sidecar counts differ from the versioned hashes")
      }
      return tx
    }
  }
  return try Transaction(canonicalBytes: raw)
}

/// A transaction accepted by `eth_sendRawTransaction`.
struct PendingTransaction: Sendable {
  var tx: Transaction
  var sender: Address
}

/// The in-memory pending set: what was sent, by hash, bounded.
final class PendingPool: Sendable {
  private let state = Mutex<(byHash: [Hash: PendingTransaction], order: [Hash])>(([:], []))
  let capacity: Int

  init(capacity: Int) { self.capacity = capacity }

  func add(_ p: PendingTransaction) -> Bool {
    state.withLock { s in
      guard s.byHash.count < capacity else { return false }
      s.byHash[p.tx.hash] = p
      s.order.append(p.tx.hash)
      return true
    }
  }

  func get(_ hash: Hash) -> PendingTransaction? { state.withLock { $0.byHash[hash] } }

  /// The nonce after the sender's highest pending one.
  func nextNonce(_ sender: Address) -> UInt64? {
    state.withLock { s in
      s.byHash.values.filter { $0.sender == sender }.map { $0.tx.nonce + 1 }.max()
    }
  }

  var count: Int { state.withLock { $0.byHash.count } }
}

/// A Double as JSON text, as Go's encoding/json writes float64 (shortest round-trip form).
func jsonDouble(_ d: Double) -> String {
  if d == d.rounded() && abs(d) < 1e21 { return String(Int64(d)) }
  return "\(d)"
}
