import Chain
import EVM
import LMDBStore
import Primitives
import State

/// One request's (or one batch's) view of the store: a single LMDB read transaction, with the
/// head read once at its start, so that every answer in it describes the same chain.
struct Snapshot {
  let view: ReadView
  let head: ChainHead
  let config: ChainConfig

  init(view: ReadView, config: ChainConfig) throws(RPCError) {
    self.view = view
    self.config = config
    guard let head = try Snapshot.store({ () throws(StoreError) in try view.head() }) else {
      throw .server("store has no head")
    }
    self.head = head
  }

  /// Runs a store read, turning its failure into an internal error.
  static func store<R>(_ body: () throws(StoreError) -> R) throws(RPCError) -> R {
    do { return try body() } catch { throw .internalError(error.description) }
  }

  func header(_ hash: Hash) throws(RPCError) -> Header? {
    guard let bytes = try Snapshot.store({ () throws(StoreError) in try view.header(hash) }) else { return nil }
    do { return try Header(rlpEncoded: bytes) } catch { throw .internalError("header \(hash) does not decode: \(error)") }
  }

  func rawHeader(_ hash: Hash) throws(RPCError) -> [UInt8]? {
    try Snapshot.store { () throws(StoreError) in try view.header(hash) }
  }

  func canonicalHash(_ number: UInt64) throws(RPCError) -> Hash? {
    try Snapshot.store { () throws(StoreError) in try view.canonicalHash(number) }
  }

  func isCanonical(_ hash: Hash, number: UInt64) throws(RPCError) -> Bool {
    try canonicalHash(number) == hash
  }

  func block(_ hash: Hash) throws(RPCError) -> Block? {
    guard let header = try header(hash) else { return nil }
    guard let body = try Snapshot.store({ () throws(StoreError) in try view.body(hash) }) else {
      throw .internalError("body of block \(header.number) missing")
    }
    do { return try Block(header: header, bodyRLP: body) } catch {
      throw .internalError("block \(header.number) does not decode: \(error)")
    }
  }

  /// The block's receipts, one per transaction; nil when the store holds none (genesis).
  func receipts(_ hash: Hash, count: Int) throws(RPCError) -> [Receipt]? {
    guard let receipts = try receipts(hash) else { return nil }
    guard receipts.count == count else {
      throw .internalError("block \(hash) has \(count) transactions but \(receipts.count) receipts")
    }
    return receipts
  }

  /// The hashes of a block's transactions, from the stored body without decoding the
  /// transactions (Keccak-256 of each canonical encoding).
  func transactionHashes(_ hash: Hash) throws(RPCError) -> [Hash] {
    guard let body = try Snapshot.store({ () throws(StoreError) in try view.body(hash) }) else {
      throw .internalError("body of block \(hash) missing")
    }
    do {
      let parts = try RLPItem(decoding: body).listItems()
      guard let txs = parts.first else { throw RPCError.internalError("empty body of block \(hash)") }
      return try txs.listItems().map { item in
        // A legacy transaction is its list; a typed one an RLP string holding type ‖ payload.
        item.isList ? Keccak256.hash(item.encoded) : Keccak256.hash(try item.bytes())
      }
    } catch let e as RPCError {
      throw e
    } catch {
      throw .internalError("body of block \(hash) does not decode: \(error)")
    }
  }

  /// The block's receipts as stored, unchecked against its transactions.
  func receipts(_ hash: Hash) throws(RPCError) -> [Receipt]? {
    guard let raw = try rawReceipts(hash) else { return nil }
    var receipts: [Receipt] = []
    do {
      for item in try RLPItem(decoding: raw).listItems() {
        receipts.append(try Receipt(consensusBytes: Array(try item.bytes())))
      }
    } catch {
      throw .internalError("receipts of block \(hash) do not decode: \(error)")
    }
    return receipts
  }

  /// The stored receipts list (RLP list of consensus encodings).
  func rawReceipts(_ hash: Hash) throws(RPCError) -> [UInt8]? {
    try Snapshot.store { () throws(StoreError) in try view.receipts(hash) }
  }

  func transactionLocation(_ txHash: Hash) throws(RPCError) -> (block: Hash, index: UInt64)? {
    try Snapshot.store { () throws(StoreError) in try view.transactionLocation(txHash) }
  }

  /// The fork of a block.
  func fork(_ header: Header) -> Fork { config.fork(number: header.number, timestamp: header.timestamp) }

  /// The blob base fee of a block (zero before Cancun).
  func blobBaseFee(_ header: Header) -> U256 {
    let fork = fork(header)
    guard fork >= .cancun else { return .zero }
    let params = config.blobParameters(fork, timestamp: header.timestamp)
    return HeaderValidator.blobBaseFee(excessBlobGas: header.excessBlobGas ?? 0, updateFraction: params.baseFeeUpdateFraction)
  }

  // MARK: Block selectors

  /// What a block parameter names, resolved: a canonical number (tags included) or a hash.
  enum Selector {
    case number(UInt64)
    case hash(Hash, requireCanonical: Bool)
  }

  /// Parses a block number or tag (`latest`, `earliest`, `pending`, `safe`, `finalized`, or a
  /// quantity); with `allowHash`, also a 32-byte hash and EIP-1898's objects.
  func selector(_ v: JSON, allowHash: Bool) throws(RPCError) -> Selector {
    switch v {
    case .string(let s):
      switch s {
      case "latest", "pending", "safe", "finalized": return .number(head.number)
      case "earliest": return .number(0)
      default:
        if allowHash && s.count == 66 {
          return .hash(try Param.hash(v), requireCanonical: false)
        }
        let n = try Param.uint64(v)
        return .number(n)
      }
    case .object:
      guard allowHash else { throw Param.reason("json: cannot unmarshal object into Go value of type rpc.BlockNumber") }
      let number = v["blockNumber"]
      let hash = v["blockHash"]
      if let number, !number.isNull {
        if let hash, !hash.isNull { throw Param.reason("cannot specify both BlockHash and BlockNumber, choose one or the other") }
        return try selector(number, allowHash: false)
      }
      guard let hash, !hash.isNull else { throw Param.reason("invalid block number or hash") }
      let canonical = try v["requireCanonical"].map { (j: JSON) throws(RPCError) -> Bool in try Param.bool(j) } ?? false
      return .hash(try Param.hash(hash), requireCanonical: canonical)
    default:
      throw Param.reason("json: cannot unmarshal non-string into Go value of type rpc.BlockNumber")
    }
  }

  /// The hash of the block a selector names, or nil when there is none.
  func resolve(_ s: Selector) throws(RPCError) -> (hash: Hash, header: Header)? {
    switch s {
    case .number(let n):
      guard n <= head.number, let hash = try canonicalHash(n), let h = try header(hash) else { return nil }
      return (hash, h)
    case .hash(let hash, let requireCanonical):
      guard let h = try header(hash) else { return nil }
      if requireCanonical, try !isCanonical(hash, number: h.number) {
        throw .server("hash \(hash) is not currently canonical")
      }
      return (hash, h)
    }
  }

  /// Resolves a selector for a state query, where a missing block is an error (geth's texts).
  func resolveForState(_ s: Selector) throws(RPCError) -> (hash: Hash, header: Header) {
    guard let found = try resolve(s) else {
      if case .hash = s { throw .server("header for hash not found") }
      throw .server("header not found")
    }
    return found
  }

  /// A state reader after block `found`.
  func state(_ found: (hash: Hash, header: Header), history: any StateSource) -> any StateReader {
    history.reader(view: view, number: found.header.number, hash: found.hash, stateRoot: found.header.stateRoot,
                   isHead: found.hash == head.hash)
  }
}

/// Recovers senders without the EIP-2 low-s rule (the signatures passed the fork's rules at
/// import, and recovery gives the same address either way).
func sender(_ tx: Transaction) -> Address? { try? tx.recoverSender(lowS: false) }
