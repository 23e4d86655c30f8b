// ZCash serialization of BLS12-381 points (compressed form only): the three top bits of the
// first byte are flags — 0x80 compressed, 0x40 point at infinity, 0x20 sign of y
// (set when y is lexicographically largest). G2 writes x.c1 before x.c0.

extension BLS12381 {
  /// Why a compressed point was rejected.
  public enum DecodingError: Error, Equatable, Sendable {
    /// Not 48 (G1) or 96 (G2) bytes.
    case invalidLength(Int)
    /// Compression flag clear, or an infinity encoding with other bits set.
    case invalidFlags
    /// The x coordinate is not below p.
    case coordinateNotInField
    /// No y satisfies the curve equation for this x.
    case notOnCurve
    /// The point is on the curve but outside the order-r subgroup.
    case notInSubgroup
  }

  static let compressionFlag: UInt8 = 0x80
  static let infinityFlag: UInt8 = 0x40
  static let signFlag: UInt8 = 0x20

  /// Checks the flags of an infinity encoding: only 0xc0 followed by zeros is valid.
  static func isCanonicalInfinity(_ bytes: [UInt8], at offset: Int, count: Int) -> Bool {
    guard bytes[offset] == compressionFlag | infinityFlag else { return false }
    for i in (offset + 1)..<(offset + count) where bytes[i] != 0 { return false }
    return true
  }
}

extension BLS12381.G1Affine {
  public static let compressedSize = 48

  /// Decodes a compressed G1 point and checks that it is on the curve and in the subgroup.
  public init(compressed bytes: [UInt8]) throws(BLS12381.DecodingError) {
    guard bytes.count == Self.compressedSize else { throw .invalidLength(bytes.count) }
    try self.init(compressed: bytes, at: 0)
  }

  /// Decodes 48 bytes at `offset` (the caller guarantees they exist).
  init(compressed bytes: [UInt8], at offset: Int) throws(BLS12381.DecodingError) {
    let flags = bytes[offset]
    guard flags & BLS12381.compressionFlag != 0 else { throw .invalidFlags }
    if flags & BLS12381.infinityFlag != 0 {
      guard BLS12381.isCanonicalInfinity(bytes, at: offset, count: Self.compressedSize) else {
        throw .invalidFlags
      }
      self = .infinity
      return
    }
    guard let x = BLS12381.Fp(bigEndian: bytes, at: offset, topMask: 0x1f) else {
      throw .coordinateNotInField
    }
    guard var y = (x.squared() * x + Self.b).squareRoot() else { throw .notOnCurve }
    if y.isLexicographicallyLargest != (flags & BLS12381.signFlag != 0) { y = -y }
    let point = Self(x: x, y: y)
    guard point.isInSubgroup else { throw .notInSubgroup }
    self = point
  }

  /// The 48-byte compressed encoding.
  public var compressed: [UInt8] {
    if isInfinity {
      var out = [UInt8](repeating: 0, count: Self.compressedSize)
      out[0] = BLS12381.compressionFlag | BLS12381.infinityFlag
      return out
    }
    var out = x.bigEndianBytes
    out[0] |= BLS12381.compressionFlag
    if y.isLexicographicallyLargest { out[0] |= BLS12381.signFlag }
    return out
  }
}

extension BLS12381.G2Affine {
  public static let compressedSize = 96

  /// Decodes a compressed G2 point and checks that it is on the curve and in the subgroup.
  public init(compressed bytes: [UInt8]) throws(BLS12381.DecodingError) {
    guard bytes.count == Self.compressedSize else { throw .invalidLength(bytes.count) }
    let flags = bytes[0]
    guard flags & BLS12381.compressionFlag != 0 else { throw .invalidFlags }
    if flags & BLS12381.infinityFlag != 0 {
      guard BLS12381.isCanonicalInfinity(bytes, at: 0, count: Self.compressedSize) else {
        throw .invalidFlags
      }
      self = .infinity
      return
    }
    guard let x1 = BLS12381.Fp(bigEndian: bytes, at: 0, topMask: 0x1f),
          let x0 = BLS12381.Fp(bigEndian: bytes, at: 48)
    else { throw .coordinateNotInField }
    let x = BLS12381.Fp2(x0, x1)
    guard var y = (x.squared() * x + Self.b).squareRoot() else { throw .notOnCurve }
    if y.isLexicographicallyLargest != (flags & BLS12381.signFlag != 0) { y = -y }
    let point = Self(x: x, y: y)
    guard point.isInSubgroup else { throw .notInSubgroup }
    self = point
  }

  /// The 96-byte compressed encoding.
  public var compressed: [UInt8] {
    if isInfinity {
      var out = [UInt8](repeating: 0, count: Self.compressedSize)
      out[0] = BLS12381.compressionFlag | BLS12381.infinityFlag
      return out
    }
    var out = x.c1.bigEndianBytes + x.c0.bigEndianBytes
    out[0] |= BLS12381.compressionFlag
    if y.isLexicographicallyLargest { out[0] |= BLS12381.signFlag }
    return out
  }
}
