import EVM
import Primitives

/// A transaction receipt. Before Byzantium the first field is the post-transaction state root;
/// from Byzantium on it is the status (1 success, 0 failure).
public struct Receipt: Equatable, Sendable {
  public var type: TransactionType
  public var succeeded: Bool
  /// Pre-Byzantium receipts carry the intermediate state root instead of a status.
  public var postState: Hash?
  public var cumulativeGasUsed: UInt64
  public var bloom: Bloom
  public var logs: [Log]

  public init(type: TransactionType, succeeded: Bool, postState: Hash? = nil, cumulativeGasUsed: UInt64, logs: [Log]) {
    self.type = type; self.succeeded = succeeded; self.postState = postState
    self.cumulativeGasUsed = cumulativeGasUsed; self.logs = logs
    var b = Bloom()
    for log in logs { b.add(log) }
    self.bloom = b
  }

  /// The consensus encoding: RLP for legacy, type byte ‖ RLP for typed receipts. This is the
  /// value stored in the receipts trie.
  public var consensusBytes: [UInt8] {
    var e = RLPEncoder(reservingCapacity: 300 + logs.count * 100)
    if type != .legacy { e.appendRaw([type.rawValue]) }
    e.list { l in
      if let postState { l.append(postState) } else { l.append(UInt64(succeeded ? 1 : 0)) }
      l.append(cumulativeGasUsed)
      l.append(bytes: bloom.bytes)
      l.list { ll in for log in logs { log.encode(to: &ll) } }
    }
    return e.bytes
  }

  /// Decodes the consensus encoding.
  public init(consensusBytes bytes: [UInt8]) throws(RLPError) {
    guard let first = bytes.first else { throw .unexpectedEnd(offset: 0) }
    var body = bytes[...]
    if first < 0x80 {
      guard let t = TransactionType(rawValue: first) else {
        throw .invalidValue(offset: 0, reason: "unknown receipt type \(first)")
      }
      type = t
      body = bytes[1...]
    } else {
      type = .legacy
    }
    var r = try RLPItem(decoding: body).listReader()
    let statusItem = try r.required()
    let status = try statusItem.bytes()
    if status.count == 32 {
      postState = Hash(status); succeeded = true
    } else {
      postState = nil
      succeeded = try statusItem.uint64() == 1
    }
    cumulativeGasUsed = try r.required().uint64()
    let bloomItem = try r.required()
    let bloomBytes = try bloomItem.bytes()
    guard bloomBytes.count == 256 else { throw .wrongSize(offset: bloomItem.offset, expected: 256, got: bloomBytes.count) }
    bloom = Bloom(bloomBytes)
    var logs: [Log] = []
    var lr = try r.required().listReader()
    while let l = try lr.next() { logs.append(try Log(rlp: l)) }
    self.logs = logs
    try r.finish()
  }
}
