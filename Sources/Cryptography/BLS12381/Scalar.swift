// 256-bit integers used as scalars (exponents of group elements), and the curve parameter.

extension BLS12381 {
  /// |x| for the BLS parameter x = -0xd201000000010000.
  static let xAbs: UInt64 = 0xd201000000010000

  /// A 256-bit unsigned integer, four little-endian 64-bit limbs. Not reduced: callers that
  /// need a field element of Fr check `isCanonical`.
  @frozen
  public struct Scalar: Equatable, Sendable {
    public var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64

    @inline(__always)
    public init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64) {
      self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3
    }

    @inline(__always)
    public init(_ v: UInt64) { self.init(v, 0, 0, 0) }

    /// r, the order of G1, G2 and GT (BLS_MODULUS).
    public static let modulus = Scalar(0xffffffff00000001, 0x53bda402fffe5bfe,
                                       0x3339d80809a1d805, 0x73eda753299d7d48)

    var bitWidth: Int { 256 }

    /// Reads 32 big-endian bytes at `offset`; nil when fewer remain.
    public init?(bigEndian bytes: [UInt8], at offset: Int = 0) {
      guard offset >= 0, bytes.count - offset >= 32 else { return nil }
      func word(_ k: Int) -> UInt64 {
        var w: UInt64 = 0
        let base = offset + (3 - k) * 8
        for j in 0..<8 { w = (w << 8) | UInt64(bytes[base + j]) }
        return w
      }
      self.init(word(0), word(1), word(2), word(3))
    }

    /// 32 big-endian bytes.
    public var bigEndianBytes: [UInt8] {
      var out = [UInt8](repeating: 0, count: 32)
      let limbs = [l0, l1, l2, l3]
      for k in 0..<4 {
        for j in 0..<8 { out[(3 - k) * 8 + j] = UInt8(truncatingIfNeeded: limbs[k] >> UInt64(56 - 8 * j)) }
      }
      return out
    }

    @inline(__always)
    func bit(_ i: Int) -> Bool {
      let w: UInt64
      switch i >> 6 {
      case 0: w = l0
      case 1: w = l1
      case 2: w = l2
      default: w = l3
      }
      return (w >> UInt64(i & 63)) & 1 == 1
    }

    /// Whether the value is below r, i.e. a canonical element of Fr.
    public var isCanonical: Bool {
      let m = Scalar.modulus
      if l3 != m.l3 { return l3 < m.l3 }
      if l2 != m.l2 { return l2 < m.l2 }
      if l1 != m.l1 { return l1 < m.l1 }
      return l0 < m.l0
    }

    /// r - self for a canonical nonzero value (the additive inverse in Fr); zero stays zero.
    public var negatedModR: Scalar {
      if (l0 | l1 | l2 | l3) == 0 { return self }
      let m = Scalar.modulus
      let (s0, b0) = blsSbb(m.l0, l0, 0)
      let (s1, b1) = blsSbb(m.l1, l1, b0)
      let (s2, b2) = blsSbb(m.l2, l2, b1)
      let (s3, _) = blsSbb(m.l3, l3, b2)
      return Scalar(s0, s1, s2, s3)
    }
  }
}
