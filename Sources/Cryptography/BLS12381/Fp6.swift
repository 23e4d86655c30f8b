// Fp6 = Fp2[v] / (v³ - ξ), ξ = 1 + u.

extension BLS12381 {
  /// c0 + c1·v + c2·v² with v³ = 1 + u.
  @frozen
  public struct Fp6: Equatable, Sendable {
    public var c0: Fp2
    public var c1: Fp2
    public var c2: Fp2

    @inline(__always)
    public init(_ c0: Fp2, _ c1: Fp2, _ c2: Fp2) { self.c0 = c0; self.c1 = c1; self.c2 = c2 }

    public static let zero = Fp6(.zero, .zero, .zero)
    public static let one = Fp6(.one, .zero, .zero)

    public var isZero: Bool { c0.isZero && c1.isZero && c2.isZero }

    @inline(__always)
    public static func + (a: Fp6, b: Fp6) -> Fp6 { Fp6(a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2) }
    @inline(__always)
    public static func - (a: Fp6, b: Fp6) -> Fp6 { Fp6(a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2) }
    @inline(__always)
    public static prefix func - (a: Fp6) -> Fp6 { Fp6(-a.c0, -a.c1, -a.c2) }

    @inline(__always)
    public func doubled() -> Fp6 { Fp6(c0.doubled(), c1.doubled(), c2.doubled()) }

    /// Karatsuba-style product: six Fp2 multiplications.
    public static func * (a: Fp6, b: Fp6) -> Fp6 {
      let v0 = a.c0 * b.c0
      let v1 = a.c1 * b.c1
      let v2 = a.c2 * b.c2
      let c0 = ((a.c1 + a.c2) * (b.c1 + b.c2) - v1 - v2).multipliedByNonResidue() + v0
      let c1 = (a.c0 + a.c1) * (b.c0 + b.c1) - v0 - v1 + v2.multipliedByNonResidue()
      let c2 = (a.c0 + a.c2) * (b.c0 + b.c2) - v0 - v2 + v1
      return Fp6(c0, c1, c2)
    }

    /// Chung–Hasan squaring (SQR2): three Fp2 squarings and two Fp2 products.
    public func squared() -> Fp6 {
      let s0 = c0.squared()
      let ab = c0 * c1
      let s1 = ab.doubled()
      let s2 = (c0 - c1 + c2).squared()
      let bc = c1 * c2
      let s3 = bc.doubled()
      let s4 = c2.squared()
      return Fp6(s3.multipliedByNonResidue() + s0,
                 s4.multipliedByNonResidue() + s1,
                 s1 + s2 + s3 - s0 - s4)
    }

    /// Multiplies by v: (c0, c1, c2)·v = (ξ·c2, c0, c1).
    @inline(__always)
    public func multipliedByNonResidue() -> Fp6 { Fp6(c2.multipliedByNonResidue(), c0, c1) }

    /// Product with the sparse element b0 + b1·v.
    @inline(__always)
    func multiplied(by01 b0: Fp2, _ b1: Fp2) -> Fp6 {
      let v0 = c0 * b0
      let v1 = c1 * b1
      let r0 = ((c1 + c2) * b1 - v1).multipliedByNonResidue() + v0
      let r1 = (c0 + c1) * (b0 + b1) - v0 - v1
      let r2 = (c0 + c2) * b0 - v0 + v1
      return Fp6(r0, r1, r2)
    }

    /// Product with the sparse element b1·v.
    @inline(__always)
    func multiplied(by1 b1: Fp2) -> Fp6 {
      Fp6((c2 * b1).multipliedByNonResidue(), c0 * b1, c1 * b1)
    }

    public func inverse() -> Fp6 {
      let t0 = c0.squared() - (c1 * c2).multipliedByNonResidue()
      let t1 = c2.squared().multipliedByNonResidue() - c0 * c1
      let t2 = c1.squared() - c0 * c2
      let d = (c0 * t0 + (c2 * t1 + c1 * t2).multipliedByNonResidue()).inverse()
      return Fp6(t0 * d, t1 * d, t2 * d)
    }
  }
}
