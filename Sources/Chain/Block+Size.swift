import Primitives

extension Block {
  /// EIP-7934 (Osaka): the largest RLP-encoded block, MAX_BLOCK_SIZE (10 MiB) less a 2 MiB
  /// safety margin for the consensus layer's beacon block around it.
  public static let maxRLPSize = 10_485_760 - 2_097_152

  /// The length of this block's RLP encoding (`rlpEncoded.count`), computed from the parts
  /// without encoding the transactions again.
  /// - Parameter transactionEncodings: each transaction's canonical bytes, in order (a legacy
  ///   transaction's RLP list, or a typed one's type byte and payload, which the block wraps in
  ///   an RLP string).
  public func rlpSize(transactionEncodings: [[UInt8]]) -> Int {
    var transactionsPayload = 0
    for (tx, encoding) in zip(transactions, transactionEncodings) {
      transactionsPayload += tx.type == .legacy ? encoding.count : Self.stringSize(encoding)
    }
    var ommersPayload = 0
    for ommer in ommers { ommersPayload += ommer.rlpEncoded.count }
    var payload = header.rlpEncoded.count + Self.prefixed(transactionsPayload) + Self.prefixed(ommersPayload)
    if let withdrawals {
      var withdrawalsPayload = 0
      for w in withdrawals { withdrawalsPayload += w.rlpEncoded.count }
      payload += Self.prefixed(withdrawalsPayload)
    }
    return Self.prefixed(payload)
  }

  /// The size of an RLP list (or long string) whose payload is `count` bytes, prefix included.
  static func prefixed(_ count: Int) -> Int {
    if count < 56 { return 1 + count }
    var lengthBytes = 0
    var n = count
    while n > 0 { lengthBytes += 1; n >>= 8 }
    return 1 + lengthBytes + count
  }

  /// The size of `bytes` encoded as an RLP string.
  static func stringSize(_ bytes: [UInt8]) -> Int {
    bytes.count == 1 && bytes[0] < 0x80 ? 1 : prefixed(bytes.count)
  }
}
