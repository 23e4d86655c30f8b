// G2 over Fp2: y² = x³ + b with b = 4(1 + u) (the M-type sextic twist). Jacobian coordinates (x/z², y/z³); z = 0 is the
// identity. Formulas: dbl-2009-l, add-2007-bl and madd-2007-bl (EFD, a = 0).

extension BLS12381 {
  /// A point of G2 in affine coordinates; `isInfinity` marks the identity.
  @frozen
  public struct G2Affine: Equatable, Sendable {
    public var x: Fp2
    public var y: Fp2
    public var isInfinity: Bool

    @inline(__always)
    public init(x: Fp2, y: Fp2) { self.x = x; self.y = y; self.isInfinity = false }

    @inline(__always)
    init(x: Fp2, y: Fp2, isInfinity: Bool) { self.x = x; self.y = y; self.isInfinity = isInfinity }

    /// The identity element.
    public static let infinity = G2Affine(x: .zero, y: .one, isInfinity: true)

    /// The curve constant b.
    static let b = Fp2(
      Fp(0xaa270000000cfff3, 0x53cc0032fc34000a, 0x478fe97a6b0a807f, 0xb1d37ebee6ba24d7, 0x8ec9733bbf78ab2f, 0x09d645513d83de7e),
      Fp(0xaa270000000cfff3, 0x53cc0032fc34000a, 0x478fe97a6b0a807f, 0xb1d37ebee6ba24d7, 0x8ec9733bbf78ab2f, 0x09d645513d83de7e))

    /// The standard generator.
    public static let generator = G2Affine(
      x: Fp2(
        Fp(0xf5f28fa202940a10, 0xb3f5fb2687b4961a, 0xa1a893b53e2ae580, 0x9894999d1a3caee9, 0x6f67b7631863366b, 0x058191924350bcd7),
        Fp(0xa5a9c0759e23f606, 0xaaa0c59dbccd60c3, 0x3bb17e18e2867806, 0x1b1ab6cc8541b367, 0xc2b6ed0ef2158547, 0x11922a097360edf3)),
      y: Fp2(
        Fp(0x4c730af860494c4a, 0x597cfa1f5e369c5a, 0xe7e6856caa0a635a, 0xbbefb5e96e0d495f, 0x07d3a975f0ef25a2, 0x0083fd8e7e80dae5),
        Fp(0xadc0fc92df64b05d, 0x18aa270a2b1461dc, 0x86adac6a3be4eba0, 0x79495c4ec93da33a, 0xe7175850a43ccaed, 0x0b2bc2a163de1bf2)))

    public static func == (a: G2Affine, b: G2Affine) -> Bool {
      if a.isInfinity || b.isInfinity { return a.isInfinity == b.isInfinity }
      return a.x == b.x && a.y == b.y
    }

    /// Whether the point satisfies the curve equation.
    public var isOnCurve: Bool {
      isInfinity || y.squared() == x.squared() * x + G2Affine.b
    }

    /// Whether the point lies in the prime-order subgroup: [r]P = O.
    public var isInSubgroup: Bool {
      isInfinity || multiplied(by: Scalar.modulus).isIdentity
    }

    @inline(__always)
    public static prefix func - (a: G2Affine) -> G2Affine {
      a.isInfinity ? a : G2Affine(x: a.x, y: -a.y)
    }

    /// [k]P by double-and-add with mixed additions.
    public func multiplied(by k: Scalar) -> G2Point {
      if isInfinity { return .identity }
      var acc = G2Point.identity
      var i = k.bitWidth - 1
      while i >= 0 {
        acc = acc.doubled()
        if k.bit(i) { acc = acc.adding(self) }
        i -= 1
      }
      return acc
    }
  }

  /// A point of G2 in Jacobian coordinates.
  @frozen
  public struct G2Point: Equatable, Sendable {
    public var x: Fp2
    public var y: Fp2
    public var z: Fp2

    @inline(__always)
    public init(x: Fp2, y: Fp2, z: Fp2) { self.x = x; self.y = y; self.z = z }

    @inline(__always)
    public init(_ a: G2Affine) {
      self = a.isInfinity ? .identity : G2Point(x: a.x, y: a.y, z: .one)
    }

    public static let identity = G2Point(x: .one, y: .one, z: .zero)
    public static let generator = G2Point(G2Affine.generator)

    @inline(__always)
    public var isIdentity: Bool { z.isZero }

    /// Projective equality: x1·z2² = x2·z1² and y1·z2³ = y2·z1³.
    public static func == (a: G2Point, b: G2Point) -> Bool {
      if a.isIdentity || b.isIdentity { return a.isIdentity == b.isIdentity }
      let az2 = a.z.squared(), bz2 = b.z.squared()
      return a.x * bz2 == b.x * az2 && a.y * bz2 * b.z == b.y * az2 * a.z
    }

    @inline(__always)
    public static prefix func - (a: G2Point) -> G2Point { G2Point(x: a.x, y: -a.y, z: a.z) }

    /// dbl-2009-l.
    @inline(__always)
    public func doubled() -> G2Point {
      let a = x.squared()
      let b = y.squared()
      let c = b.squared()
      let d = ((x + b).squared() - a - c).doubled()
      let e = a.doubled() + a
      let f = e.squared()
      let x3 = f - d.doubled()
      let c8 = c.doubled().doubled().doubled()
      let y3 = e * (d - x3) - c8
      let z3 = (y * z).doubled()
      return G2Point(x: x3, y: y3, z: z3)
    }

    /// add-2007-bl, with the exceptional cases (identity, equal or opposite points) handled.
    public static func + (p: G2Point, q: G2Point) -> G2Point {
      if p.isIdentity { return q }
      if q.isIdentity { return p }
      let z1z1 = p.z.squared()
      let z2z2 = q.z.squared()
      let u1 = p.x * z2z2
      let u2 = q.x * z1z1
      let s1 = p.y * q.z * z2z2
      let s2 = q.y * p.z * z1z1
      let h = u2 - u1
      let rr = (s2 - s1).doubled()
      if h.isZero {
        return rr.isZero ? p.doubled() : .identity
      }
      let i = h.doubled().squared()
      let j = h * i
      let v = u1 * i
      let x3 = rr.squared() - j - v.doubled()
      let y3 = rr * (v - x3) - (s1 * j).doubled()
      let z3 = ((p.z + q.z).squared() - z1z1 - z2z2) * h
      return G2Point(x: x3, y: y3, z: z3)
    }

    public static func - (p: G2Point, q: G2Point) -> G2Point { p + (-q) }

    /// madd-2007-bl: self + q for an affine q.
    @inline(__always)
    public func adding(_ q: G2Affine) -> G2Point {
      if q.isInfinity { return self }
      if isIdentity { return G2Point(q) }
      let z1z1 = z.squared()
      let u2 = q.x * z1z1
      let s2 = q.y * z * z1z1
      let h = u2 - x
      let rr = (s2 - y).doubled()
      if h.isZero {
        return rr.isZero ? doubled() : .identity
      }
      let hh = h.squared()
      let i = hh.doubled().doubled()
      let j = h * i
      let v = x * i
      let x3 = rr.squared() - j - v.doubled()
      let y3 = rr * (v - x3) - (y * j).doubled()
      let z3 = (z + h).squared() - z1z1 - hh
      return G2Point(x: x3, y: y3, z: z3)
    }

    /// [k]P by double-and-add.
    public func multiplied(by k: Scalar) -> G2Point {
      var acc = G2Point.identity
      var i = k.bitWidth - 1
      while i >= 0 {
        acc = acc.doubled()
        if k.bit(i) { acc = acc + self }
        i -= 1
      }
      return acc
    }

    /// The affine form (one field inversion).
    public var affine: G2Affine {
      if isIdentity { return .infinity }
      let zi = z.inverse()
      let zi2 = zi.squared()
      return G2Affine(x: x * zi2, y: y * zi2 * zi)
    }

    public var isOnCurve: Bool { isIdentity || affine.isOnCurve }
    public var isInSubgroup: Bool { isIdentity || multiplied(by: Scalar.modulus).isIdentity }
  }
}
