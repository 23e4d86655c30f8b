// G1 over Fp: y² = x³ + b with b = 4. Jacobian coordinates (x/z², y/z³); z = 0 is the
// identity. Formulas: dbl-2009-l, add-2007-bl and madd-2007-bl (EFD, a = 0).

extension BLS12381 {
  /// A point of G1 in affine coordinates; `isInfinity` marks the identity.
  @frozen
  public struct G1Affine: Equatable, Sendable {
    public var x: Fp
    public var y: Fp
    public var isInfinity: Bool

    @inline(__always)
    public init(x: Fp, y: Fp) { self.x = x; self.y = y; self.isInfinity = false }

    @inline(__always)
    init(x: Fp, y: Fp, isInfinity: Bool) { self.x = x; self.y = y; self.isInfinity = isInfinity }

    /// The identity element.
    public static let infinity = G1Affine(x: .zero, y: .one, isInfinity: true)

    /// The curve constant b.
    static let b = Fp(0xaa270000000cfff3, 0x53cc0032fc34000a, 0x478fe97a6b0a807f, 0xb1d37ebee6ba24d7, 0x8ec9733bbf78ab2f, 0x09d645513d83de7e)

    /// The standard generator.
    public static let generator = G1Affine(
      x: Fp(0x5cb38790fd530c16, 0x7817fc679976fff5, 0x154f95c7143ba1c1, 0xf0ae6acdf3d0e747, 0xedce6ecc21dbf440, 0x120177419e0bfb75),
      y: Fp(0xbaac93d50ce72271, 0x8c22631a7918fd8e, 0xdd595f13570725ce, 0x51ac582950405194, 0x0e1c8c3fad0059c0, 0x0bbc3efc5008a26a))

    public static func == (a: G1Affine, b: G1Affine) -> Bool {
      if a.isInfinity || b.isInfinity { return a.isInfinity == b.isInfinity }
      return a.x == b.x && a.y == b.y
    }

    /// Whether the point satisfies the curve equation.
    public var isOnCurve: Bool {
      isInfinity || y.squared() == x.squared() * x + G1Affine.b
    }

    /// Whether the point lies in the prime-order subgroup. Uses the endomorphism test of
    /// Scott ("A note on group membership tests for G1, G2 and GT on BLS pairing-friendly
    /// curves", 2021): P ∈ G1 ⇔ φ(P) = -[x²]P with φ(x, y) = (βx, y), β the cube root of unity
    /// whose eigenvalue on G1 is -x². Costs two multiplications by the 64-bit |x| instead of one
    /// by the 255-bit r; `BLS12381Tests` checks it against [r]P = O.
    public var isInSubgroup: Bool {
      if isInfinity { return true }
      let xxP = G1Point(self).multiplied(byWord: xAbs).multiplied(byWord: xAbs)
      let phi = G1Point(x: x * G1Affine.beta, y: y, z: .one)
      return phi == -xxP
    }

    /// A primitive cube root of unity in Fp (Montgomery form), chosen so that φ acts on G1 as
    /// multiplication by -x².
    static let beta = Fp(0x30f1361b798a64e8, 0xf3b8ddab7ece5a2a, 0x16a8ca3ac61577f7,
                         0xc26a2ff874fd029b, 0x3636b76660701c6e, 0x051ba4ab241b6160)

    @inline(__always)
    public static prefix func - (a: G1Affine) -> G1Affine {
      a.isInfinity ? a : G1Affine(x: a.x, y: -a.y)
    }

    /// [k]P by double-and-add with mixed additions.
    public func multiplied(by k: Scalar) -> G1Point {
      if isInfinity { return .identity }
      var acc = G1Point.identity
      var i = k.bitWidth - 1
      while i >= 0 {
        acc = acc.doubled()
        if k.bit(i) { acc = acc.adding(self) }
        i -= 1
      }
      return acc
    }
  }

  /// A point of G1 in Jacobian coordinates.
  @frozen
  public struct G1Point: Equatable, Sendable {
    public var x: Fp
    public var y: Fp
    public var z: Fp

    @inline(__always)
    public init(x: Fp, y: Fp, z: Fp) { self.x = x; self.y = y; self.z = z }

    @inline(__always)
    public init(_ a: G1Affine) {
      self = a.isInfinity ? .identity : G1Point(x: a.x, y: a.y, z: .one)
    }

    public static let identity = G1Point(x: .one, y: .one, z: .zero)
    public static let generator = G1Point(G1Affine.generator)

    @inline(__always)
    public var isIdentity: Bool { z.isZero }

    /// Projective equality: x1·z2² = x2·z1² and y1·z2³ = y2·z1³.
    public static func == (a: G1Point, b: G1Point) -> Bool {
      if a.isIdentity || b.isIdentity { return a.isIdentity == b.isIdentity }
      let az2 = a.z.squared(), bz2 = b.z.squared()
      return a.x * bz2 == b.x * az2 && a.y * bz2 * b.z == b.y * az2 * a.z
    }

    @inline(__always)
    public static prefix func - (a: G1Point) -> G1Point { G1Point(x: a.x, y: -a.y, z: a.z) }

    /// dbl-2009-l.
    @inline(__always)
    public func doubled() -> G1Point {
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
      return G1Point(x: x3, y: y3, z: z3)
    }

    /// add-2007-bl, with the exceptional cases (identity, equal or opposite points) handled.
    public static func + (p: G1Point, q: G1Point) -> G1Point {
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
      return G1Point(x: x3, y: y3, z: z3)
    }

    public static func - (p: G1Point, q: G1Point) -> G1Point { p + (-q) }

    /// madd-2007-bl: self + q for an affine q.
    @inline(__always)
    public func adding(_ q: G1Affine) -> G1Point {
      if q.isInfinity { return self }
      if isIdentity { return G1Point(q) }
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
      return G1Point(x: x3, y: y3, z: z3)
    }

    /// [k]P by double-and-add.
    public func multiplied(by k: Scalar) -> G1Point {
      var acc = G1Point.identity
      var i = k.bitWidth - 1
      while i >= 0 {
        acc = acc.doubled()
        if k.bit(i) { acc = acc + self }
        i -= 1
      }
      return acc
    }

    /// [k]P for a 64-bit k (double-and-add).
    func multiplied(byWord k: UInt64) -> G1Point {
      if k == 0 { return .identity }
      var acc = self
      var bit = 63 - k.leadingZeroBitCount - 1
      while bit >= 0 {
        acc = acc.doubled()
        if (k >> UInt64(bit)) & 1 == 1 { acc = acc + self }
        bit -= 1
      }
      return acc
    }

    /// [a]P + [b]Q with one shared doubling chain (Straus–Shamir).
    public static func linearCombination(_ a: Scalar, _ p: G1Affine, _ b: Scalar, _ q: G1Affine)
      -> G1Point
    {
      let pq = G1Point(p).adding(q)
      var acc = G1Point.identity
      var i = 255
      while i >= 0 {
        acc = acc.doubled()
        switch (a.bit(i), b.bit(i)) {
        case (true, true): acc = acc + pq
        case (true, false): acc = acc.adding(p)
        case (false, true): acc = acc.adding(q)
        case (false, false): break
        }
        i -= 1
      }
      return acc
    }

    /// The affine form (one field inversion).
    public var affine: G1Affine {
      if isIdentity { return .infinity }
      let zi = z.inverse()
      let zi2 = zi.squared()
      return G1Affine(x: x * zi2, y: y * zi2 * zi)
    }

    public var isOnCurve: Bool { isIdentity || affine.isOnCurve }
    public var isInSubgroup: Bool { isIdentity || multiplied(by: Scalar.modulus).isIdentity }
  }
}
