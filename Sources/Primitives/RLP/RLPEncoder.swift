/// Builds RLP into one growing buffer.
///
/// Lists are written by `list { … }`: the payload goes first and the header is inserted in
/// front once its length is known, so nothing is encoded twice.
public struct RLPEncoder: Sendable {
  public private(set) var bytes: [UInt8]

  public init(reservingCapacity capacity: Int = 64) {
    bytes = []
    bytes.reserveCapacity(capacity)
  }

  /// Appends a byte string.
  public mutating func append(bytes string: some Collection<UInt8>) {
    let n = string.count
    if n == 1, let b = string.first, b < 0x80 {
      bytes.append(b)
      return
    }
    appendHeader(length: n, shortBase: 0x80)
    bytes.append(contentsOf: string)
  }

  /// Appends an unsigned integer in canonical form (zero is the empty string).
  public mutating func append(_ value: UInt64) {
    if value == 0 { bytes.append(0x80); return }
    if value < 0x80 { bytes.append(UInt8(value)); return }
    let n = (64 - value.leadingZeroBitCount + 7) / 8
    bytes.append(0x80 + UInt8(n))
    for i in stride(from: n - 1, through: 0, by: -1) { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
  }

  public mutating func append(_ value: Int) {
    precondition(value >= 0, "RLP integers are unsigned")
    append(UInt64(value))
  }

  public mutating func append(_ value: U256) {
    if value.fitsUInt64 { append(value.w0); return }
    append(bytes: value.minimalBigEndianBytes)
  }

  public mutating func append(_ value: Address) { value.withUnsafeBytes { append(bytes: $0) } }
  public mutating func append(_ value: Hash) { value.withUnsafeBytes { append(bytes: $0) } }

  /// Appends bytes that are already RLP (an item encoded elsewhere).
  public mutating func appendRaw(_ encoded: some Collection<UInt8>) {
    bytes.append(contentsOf: encoded)
  }

  /// Appends a list whose items `body` writes.
  public mutating func list(_ body: (inout RLPEncoder) throws -> Void) rethrows {
    let start = bytes.count
    try body(&self)
    let length = bytes.count - start
    var header: [UInt8] = []
    if length < 56 {
      header = [0xc0 + UInt8(length)]
    } else {
      let n = (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
      header = [0xf7 + UInt8(n)]
      for i in stride(from: n - 1, through: 0, by: -1) { header.append(UInt8(truncatingIfNeeded: length >> (8 * i))) }
    }
    bytes.insert(contentsOf: header, at: start)
  }

  mutating func appendHeader(length: Int, shortBase: UInt8) {
    if length < 56 {
      bytes.append(shortBase + UInt8(length))
    } else {
      let n = (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
      bytes.append(shortBase + 55 + UInt8(n))
      for i in stride(from: n - 1, through: 0, by: -1) { bytes.append(UInt8(truncatingIfNeeded: length >> (8 * i))) }
    }
  }

  /// The header of a string or list of `length` payload bytes (lists: `isList`).
  public static func header(length: Int, isList: Bool) -> [UInt8] {
    var e = RLPEncoder(reservingCapacity: 9)
    e.appendHeader(length: length, shortBase: isList ? 0xc0 : 0x80)
    return e.bytes
  }
}

/// A value with a canonical RLP form.
public protocol RLPEncodable {
  func encode(to encoder: inout RLPEncoder)
}

extension RLPEncodable {
  /// The value's RLP bytes.
  public var rlpEncoded: [UInt8] {
    var e = RLPEncoder()
    encode(to: &e)
    return e.bytes
  }
}

/// A value decodable from one RLP item.
public protocol RLPDecodable {
  init(rlp item: RLPItem) throws(RLPError)
}

extension RLPDecodable {
  /// Decodes `bytes`, which must hold exactly one item.
  public init(rlpEncoded bytes: [UInt8]) throws(RLPError) {
    try self.init(rlp: try RLPItem(decoding: bytes))
  }
}
