// Fp12 = Fp6[w] / (w² - v). Equivalently Fp2[w] / (w⁶ - ξ): the six Fp2 coefficients
// (c0.c0, c0.c1, c0.c2, c1.c0, c1.c1, c1.c2) belong to w⁰, w², w⁴, w¹, w³, w⁵.

extension BLS12381 {
  /// c0 + c1·w with w² = v; the target group GT lives here.
  @frozen
  public struct Fp12: Equatable, Sendable {
    public var c0: Fp6
    public var c1: Fp6

    @inline(__always)
    public init(_ c0: Fp6, _ c1: Fp6) { self.c0 = c0; self.c1 = c1 }

    public static let one = Fp12(.one, .zero)

    public var isOne: Bool { self == Fp12.one }

    public static func * (a: Fp12, b: Fp12) -> Fp12 {
      let v0 = a.c0 * b.c0
      let v1 = a.c1 * b.c1
      let c1 = (a.c0 + a.c1) * (b.c0 + b.c1) - v0 - v1
      return Fp12(v0 + v1.multipliedByNonResidue(), c1)
    }

    @inline(__always)
    public static func *= (a: inout Fp12, b: Fp12) { a = a * b }

    /// Complex squaring: two Fp6 products.
    public func squared() -> Fp12 {
      let ab = c0 * c1
      let t = (c0 + c1) * (c0 + c1.multipliedByNonResidue())
      return Fp12(t - ab - ab.multipliedByNonResidue(), ab.doubled())
    }

    /// The conjugate: the p⁶-power Frobenius, and the inverse on the cyclotomic subgroup.
    @inline(__always)
    public func conjugate() -> Fp12 { Fp12(c0, -c1) }

    public func inverse() -> Fp12 {
      let t = (c0.squared() - c1.squared().multipliedByNonResidue()).inverse()
      return Fp12(c0 * t, -(c1 * t))
    }

    /// The p-power Frobenius map: each coefficient of wⁱ is conjugated and scaled by
    /// ξ^(i·(p-1)/6).
    public func frobenius() -> Fp12 {
      Fp12(
        Fp6(c0.c0.conjugate(),
            c0.c1.conjugate() * Fp12.frobW2,
            c0.c2.conjugate() * Fp12.frobW4),
        Fp6(c1.c0.conjugate() * Fp12.frobW1,
            c1.c1.conjugate() * Fp12.frobW3,
            c1.c2.conjugate() * Fp12.frobW5))
    }

    /// Product with the sparse line value l0 + l1·w² + l4·w³ (slots 0, 1 and 4).
    func multiplied(by014 l0: Fp2, _ l1: Fp2, _ l4: Fp2) -> Fp12 {
      let aa = c0.multiplied(by01: l0, l1)
      let bb = c1.multiplied(by1: l4)
      let r1 = (c0 + c1).multiplied(by01: l0, l1 + l4) - aa - bb
      return Fp12(bb.multipliedByNonResidue() + aa, r1)
    }

    /// Granger–Scott squaring, valid for elements of the cyclotomic subgroup (after the easy
    /// part of the final exponentiation).
    func cyclotomicSquared() -> Fp12 {
      // View the element as three Fp4 values (z0 + z1·s), s² = ξ, where
      // (z0, z1) = (c0.c0, c1.c1), (c1.c0, c0.c2), (c0.c1, c1.c2).
      @inline(__always) func fp4Square(_ a: Fp2, _ b: Fp2) -> (Fp2, Fp2) {
        let a2 = a.squared()
        let b2 = b.squared()
        return (b2.multipliedByNonResidue() + a2, (a + b).squared() - a2 - b2)
      }
      var z0 = c0.c0, z4 = c0.c1, z3 = c0.c2
      var z2 = c1.c0, z1 = c1.c1, z5 = c1.c2
      let (t0, t1) = fp4Square(z0, z1)
      z0 = (t0 - z0).doubled() + t0
      z1 = (t1 + z1).doubled() + t1
      let (t2, t3) = fp4Square(z2, z3)
      let (t4, t5) = fp4Square(z4, z5)
      z4 = (t2 - z4).doubled() + t2
      z5 = (t3 + z5).doubled() + t3
      let t3n = t5.multipliedByNonResidue()
      z2 = (t3n + z2).doubled() + t3n
      z3 = (t4 - z3).doubled() + t4
      return Fp12(Fp6(z0, z4, z3), Fp6(z2, z1, z5))
    }

    /// self^|x| for the curve parameter |x| = 0xd201000000010000, on the cyclotomic subgroup.
    func cyclotomicPowAbsX() -> Fp12 {
      var result = self
      var bit = 62
      while bit >= 0 {
        result = result.cyclotomicSquared()
        if (BLS12381.xAbs >> UInt64(bit)) & 1 == 1 { result = result * self }
        bit -= 1
      }
      return result
    }

    /// self^x with x negative, on the cyclotomic subgroup.
    @inline(__always)
    func cyclotomicPowX() -> Fp12 { cyclotomicPowAbsX().conjugate() }

    /// self^e for a 256-bit exponent given as four little-endian limbs (general square and
    /// multiply; for tests and GT exponentiation).
    public func pow(_ e: Scalar) -> Fp12 {
      var result = Fp12.one
      var i = 255
      while i >= 0 {
        result = result.squared()
        if e.bit(i) { result = result * self }
        i -= 1
      }
      return result
    }

    static let frobW1 = Fp2(
      Fp(0x07089552b319d465, 0xc6695f92b50a8313, 0x97e83cccd117228f, 0xa35baecab2dc29ee, 0x1ce393ea5daace4d, 0x08f2220fb0fb66eb),
      Fp(0xb2f66aad4ce5d646, 0x5842a06bfc497cec, 0xcf4895d42599d394, 0xc11b9cba40a8e8d0, 0x2e3813cbe5a0de89, 0x110eefda88847faf))
    static let frobW2 = Fp2(
      .zero,
      Fp(0xcd03c9e48671f071, 0x5dab22461fcda5d2, 0x587042afd3851b95, 0x8eb60ebe01bacb9e, 0x03f97d6e83d050d2, 0x18f0206554638741))
    static let frobW3 = Fp2(
      Fp(0x7bcfa7a25aa30fda, 0xdc17dec12a927e7c, 0x2f088dd86b4ebef1, 0xd1ca2087da74d4a7, 0x2da2596696cebc1d, 0x0e2b7eedbbfd87d2),
      Fp(0x7bcfa7a25aa30fda, 0xdc17dec12a927e7c, 0x2f088dd86b4ebef1, 0xd1ca2087da74d4a7, 0x2da2596696cebc1d, 0x0e2b7eedbbfd87d2))
    static let frobW4 = Fp2(
      Fp(0x890dc9e4867545c3, 0x2af322533285a5d5, 0x50880866309b7e2c, 0xa20d1b8c7e881024, 0x14e4f04fe2db9068, 0x14e56d3f1564853a),
      .zero)
    static let frobW5 = Fp2(
      Fp(0x82d83cf50dbce43f, 0xa2813e53df9d018f, 0xc6f0caa53c65e181, 0x7525cf528d50fe95, 0x4a85ed50f4798a6b, 0x171da0fd6cf8eebd),
      Fp(0x3726c30af242c66c, 0x7c2ac1aad1b6fe70, 0xa04007fbba4b14a2, 0xef517c3266341429, 0x0095ba654ed2226b, 0x02e370eccc86f7dd))
  }
}
