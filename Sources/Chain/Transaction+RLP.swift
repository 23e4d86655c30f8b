#if canImport(Primitives)
import Primitives  // absent only when the fuzz harness compiles these files into one module
#endif

// Encodings (EIP-2718):
//   legacy   rlp([nonce, gasPrice, gasLimit, to, value, data, v, r, s])
//   type 1   0x01 ‖ rlp([chainId, nonce, gasPrice, gasLimit, to, value, data, accessList, y, r, s])
//   type 2   0x02 ‖ rlp([chainId, nonce, maxPriorityFee, maxFee, gasLimit, to, value, data,
//                        accessList, y, r, s])
//   type 3   0x03 ‖ rlp([… as type 2 …, accessList, maxFeePerBlobGas, blobVersionedHashes, y, r, s])
//   type 4   0x04 ‖ rlp([… as type 2 …, accessList, authorizationList, y, r, s])
// In a block body a legacy transaction is its list; a typed one is an RLP string holding
// type ‖ rlp(…).

extension Transaction {
  // MARK: Decoding

  /// Decodes the canonical encoding: an RLP list (legacy) or type byte ‖ RLP list (typed), the
  /// bytes that are hashed for the transaction hash and sent over the network.
  /// - Throws: `TransactionError` naming the field or envelope problem.
  public init(canonicalBytes bytes: ArraySlice<UInt8>) throws(TransactionError) {
    guard let first = bytes.first else { throw .empty }
    if first >= 0xc0 {
      let item: RLPItem
      do throws(RLPError) { item = try RLPItem(decoding: bytes) } catch { throw .rlp(error) }
      try self.init(legacyList: item)
    } else if first < 0x80 {
      guard let type = TransactionType(rawValue: first), type != .legacy else {
        throw .unsupportedType(first)
      }
      let body = bytes.dropFirst()
      let item: RLPItem
      do throws(RLPError) { item = try RLPItem(decoding: body) } catch { throw .rlp(error) }
      guard item.isList else { throw .invalidEnvelope("typed transaction payload is not a list") }
      try self.init(type: type, list: item)
    } else {
      throw .invalidEnvelope("an RLP string where a transaction was expected")
    }
  }

  /// Decodes the canonical encoding held in an array.
  public init(canonicalBytes bytes: [UInt8]) throws(TransactionError) {
    try self.init(canonicalBytes: bytes[...])
  }

  /// Decodes one item of a block body's transaction list: a list (legacy) or a string holding
  /// type ‖ RLP (typed).
  /// - Throws: `TransactionError`; a legacy transaction wrapped in a string is rejected.
  public init(blockBodyItem item: RLPItem) throws(TransactionError) {
    if item.isList {
      try self.init(legacyList: item)
      return
    }
    let payload = item.payload
    guard let first = payload.first else { throw .empty }
    guard first < 0x80 else {
      throw .invalidEnvelope("a block-body string must hold a typed transaction")
    }
    try self.init(canonicalBytes: payload)
  }

  init(legacyList item: RLPItem) throws(TransactionError) {
    var f = try FieldReader(item, type: .legacy, count: 9)
    let nonce = try f.uint64("nonce")
    let gasPrice = try f.u256("gasPrice")
    let gasLimit = try f.uint64("gasLimit")
    let to = try f.recipient()
    let value = try f.u256("value")
    let data = try f.bytes("data")
    let v = try f.u256("v")
    let r = try f.u256("r")
    let s = try f.u256("s")
    try f.finish()
    // EIP-155: v = chainID·2 + 35 + parity; 27/28 carry no chain id.
    var chainID: U256? = nil
    if !v.fitsUInt64 || v.w0 >= 35 { chainID = (v &- U256(35)) >> 1 }
    self.init(
      type: .legacy, chainID: chainID, nonce: nonce, gasPrice: gasPrice, gasLimit: gasLimit, to: to,
      value: value, data: data, v: v, r: r, s: s)
  }

  init(type: TransactionType, list item: RLPItem) throws(TransactionError) {
    let count: Int
    switch type {
    case .legacy: count = 9
    case .accessList: count = 11
    case .dynamicFee: count = 12
    case .blob: count = 14
    case .setCode: count = 13
    }
    if type == .blob, let version = Transaction.networkWrapperVersion(item) {
      throw .blobNetworkForm(wrapperVersion: version)
    }
    var f = try FieldReader(item, type: type, count: count)
    var tx = Transaction(type: type)
    tx.chainID = try f.u256("chainId")
    tx.nonce = try f.uint64("nonce")
    if type == .accessList {
      tx.gasPrice = try f.u256("gasPrice")
    } else {
      tx.maxPriorityFeePerGas = try f.u256("maxPriorityFeePerGas")
      tx.maxFeePerGas = try f.u256("maxFeePerGas")
    }
    tx.gasLimit = try f.uint64("gasLimit")
    tx.to = try f.recipient()
    if tx.to == nil && (type == .blob || type == .setCode) { throw .missingRecipient(type) }
    tx.value = try f.u256("value")
    tx.data = try f.bytes("data")
    tx.accessList = try f.accessList()
    if type == .blob {
      tx.maxFeePerBlobGas = try f.u256("maxFeePerBlobGas")
      tx.blobVersionedHashes = try f.hashList("blobVersionedHashes")
    }
    if type == .setCode {
      tx.authorizationList = try f.authorizationList()
    }
    tx.v = try f.u256("yParity")
    tx.r = try f.u256("r")
    tx.s = try f.u256("s")
    try f.finish()
    self = tx
  }

  // MARK: Encoding

  /// The canonical encoding: RLP list (legacy) or type ‖ RLP list. Its Keccak-256 is the hash.
  public var canonicalBytes: [UInt8] {
    var e = RLPEncoder(reservingCapacity: 128 + data.count)
    if type != .legacy { e.appendRaw(CollectionOfOne(type.rawValue)) }
    e.list { appendFields(to: &$0, signature: true) }
    return e.bytes
  }

  /// The transaction hash: Keccak-256 of the canonical encoding.
  public var hash: Hash { Keccak256.hash(canonicalBytes) }

  /// The hash the sender signs (per type; EIP-155 for protected legacy transactions).
  public var signingHash: Hash {
    var e = RLPEncoder(reservingCapacity: 128 + data.count)
    if type != .legacy { e.appendRaw(CollectionOfOne(type.rawValue)) }
    e.list { appendFields(to: &$0, signature: false) }
    return Keccak256.hash(e.bytes)
  }

  /// The fields in order; with `signature` false, the signing payload instead of v, r, s.
  func appendFields(to e: inout RLPEncoder, signature: Bool) {
    if type == .legacy {
      e.append(nonce)
      e.append(gasPrice)
      e.append(gasLimit)
      appendRecipient(to: &e)
      e.append(value)
      e.append(bytes: data)
      if signature {
        e.append(v); e.append(r); e.append(s)
      } else if let chainID {
        // EIP-155: the signing payload ends with chainId, 0, 0.
        e.append(chainID); e.append(UInt64(0)); e.append(UInt64(0))
      }
      return
    }
    e.append(chainID ?? .zero)
    e.append(nonce)
    if type == .accessList {
      e.append(gasPrice)
    } else {
      e.append(maxPriorityFeePerGas)
      e.append(maxFeePerGas)
    }
    e.append(gasLimit)
    appendRecipient(to: &e)
    e.append(value)
    e.append(bytes: data)
    e.list { l in
      for entry in accessList {
        l.list { pair in
          pair.append(entry.address)
          pair.list { keys in for k in entry.storageKeys { keys.append(k) } }
        }
      }
    }
    if type == .blob {
      e.append(maxFeePerBlobGas)
      e.list { l in for h in blobVersionedHashes { l.append(h) } }
    }
    if type == .setCode {
      e.list { l in for a in authorizationList { a.appendRLP(to: &l) } }
    }
    if signature {
      e.append(v); e.append(r); e.append(s)
    }
  }

  func appendRecipient(to e: inout RLPEncoder) {
    if let to { e.append(to) } else { e.append(bytes: EmptyCollection<UInt8>()) }
  }
}

extension Transaction: RLPEncodable {
  /// Writes the block-body form: the list itself (legacy) or a string holding the canonical bytes.
  public func encode(to encoder: inout RLPEncoder) {
    if type == .legacy {
      encoder.list { appendFields(to: &$0, signature: true) }
    } else {
      encoder.append(bytes: canonicalBytes)
    }
  }
}

extension Authorization {
  func appendRLP(to e: inout RLPEncoder) {
    e.list { l in
      l.append(chainID); l.append(address); l.append(nonce)
      l.append(UInt64(yParity)); l.append(r); l.append(s)
    }
  }

  /// The hash the authority signs (EIP-7702): keccak(0x05 ‖ rlp([chain_id, address, nonce])).
  public var signingHash: Hash {
    var e = RLPEncoder(reservingCapacity: 64)
    e.appendRaw(CollectionOfOne(UInt8(0x05)))
    e.list { l in l.append(chainID); l.append(address); l.append(nonce) }
    return Keccak256.hash(e.bytes)
  }
}

/// Reads a transaction's fields in order, naming the field in every error.
struct FieldReader {
  var reader: RLPListReader
  let type: TransactionType
  let count: Int
  var index = 0

  init(_ item: RLPItem, type: TransactionType, count: Int) throws(TransactionError) {
    guard item.isList else { throw .rlp(.unexpectedString(offset: item.offset)) }
    reader = RLPListReader(item.payload)
    self.type = type
    self.count = count
  }

  mutating func next(_ name: String) throws(TransactionError) -> RLPItem {
    let item: RLPItem?
    do throws(RLPError) { item = try reader.next() } catch { throw .invalidField(name, error) }
    guard let item else { throw .wrongFieldCount(type, expected: count, got: index) }
    index += 1
    return item
  }

  /// Throws if fields remain, counting them for the error.
  mutating func finish() throws(TransactionError) {
    var extra = 0
    do throws(RLPError) {
      while try reader.next() != nil { extra += 1 }
    } catch {
      throw .rlp(error)
    }
    if extra > 0 { throw .wrongFieldCount(type, expected: count, got: count + extra) }
  }

  mutating func uint64(_ name: String) throws(TransactionError) -> UInt64 {
    let item = try next(name)
    do throws(RLPError) { return try item.uint64() } catch { throw .invalidField(name, error) }
  }

  mutating func u256(_ name: String) throws(TransactionError) -> U256 {
    let item = try next(name)
    do throws(RLPError) { return try item.u256() } catch { throw .invalidField(name, error) }
  }

  mutating func bytes(_ name: String) throws(TransactionError) -> [UInt8] {
    let item = try next(name)
    do throws(RLPError) { return Array(try item.bytes()) } catch { throw .invalidField(name, error) }
  }

  /// `to`: empty for a contract creation, else exactly 20 bytes.
  mutating func recipient() throws(TransactionError) -> Address? {
    let item = try next("to")
    if item.isList { throw .invalidField("to", .unexpectedList(offset: item.offset)) }
    if item.payload.isEmpty { return nil }
    do throws(RLPError) { return try item.address() } catch { throw .invalidField("to", error) }
  }

  mutating func hashList(_ name: String) throws(TransactionError) -> [Hash] {
    let item = try next(name)
    var out: [Hash] = []
    do throws(RLPError) {
      var r = try item.listReader()
      while let h = try r.next() { out.append(try h.hash()) }
    } catch {
      throw .invalidField(name, error)
    }
    return out
  }

  mutating func accessList() throws(TransactionError) -> [AccessListEntry] {
    let item = try next("accessList")
    var out: [AccessListEntry] = []
    do throws(RLPError) {
      var entries = try item.listReader()
      while let entry = try entries.next() {
        var pair = try entry.listReader()
        let address = try pair.required("address").address()
        let keysItem = try pair.required("storageKeys")
        try pair.finish()
        var keys: [Hash] = []
        var kr = try keysItem.listReader()
        while let k = try kr.next() { keys.append(try k.hash()) }
        out.append(AccessListEntry(address: address, storageKeys: keys))
      }
    } catch {
      throw .invalidField("accessList", error)
    }
    return out
  }

  mutating func authorizationList() throws(TransactionError) -> [Authorization] {
    let item = try next("authorizationList")
    var out: [Authorization] = []
    do throws(RLPError) {
      var tuples = try item.listReader()
      while let tuple = try tuples.next() {
        var t = try tuple.listReader()
        let chainID = try t.required().u256()
        let address = try t.required().address()
        let nonce = try t.required().uint64()
        let yParity = try t.required().integerBytes(maxBytes: 1).first ?? 0
        let r = try t.required().u256()
        let s = try t.required().u256()
        try t.finish()
        out.append(Authorization(chainID: chainID, address: address, nonce: nonce, yParity: yParity, r: r, s: s))
      }
    } catch {
      throw .invalidField("authorizationList", error)
    }
    return out
  }
}
