// Fp2 = Fp[u] / (u² + 1).

extension BLS12381 {
  /// c0 + c1·u with u² = -1.
  @frozen
  public struct Fp2: Equatable, Sendable {
    public var c0: Fp
    public var c1: Fp

    @inline(__always)
    public init(_ c0: Fp, _ c1: Fp) { self.c0 = c0; self.c1 = c1 }

    public static let zero = Fp2(.zero, .zero)
    public static let one = Fp2(.one, .zero)

    public var isZero: Bool { c0.isZero && c1.isZero }

    @inline(__always)
    public static func + (a: Fp2, b: Fp2) -> Fp2 { Fp2(a.c0 + b.c0, a.c1 + b.c1) }
    @inline(__always)
    public static func - (a: Fp2, b: Fp2) -> Fp2 { Fp2(a.c0 - b.c0, a.c1 - b.c1) }
    @inline(__always)
    public static prefix func - (a: Fp2) -> Fp2 { Fp2(-a.c0, -a.c1) }
    @inline(__always)
    public static func += (a: inout Fp2, b: Fp2) { a = a + b }
    @inline(__always)
    public static func -= (a: inout Fp2, b: Fp2) { a = a - b }
    @inline(__always)
    public static func *= (a: inout Fp2, b: Fp2) { a = a * b }

    @inline(__always)
    public func doubled() -> Fp2 { Fp2(c0.doubled(), c1.doubled()) }

    /// Karatsuba: three base-field products.
    @inline(__always)
    public static func * (a: Fp2, b: Fp2) -> Fp2 {
      let v0 = a.c0 * b.c0
      let v1 = a.c1 * b.c1
      let s = (a.c0 + a.c1) * (b.c0 + b.c1)
      return Fp2(v0 - v1, s - v0 - v1)
    }

    /// (a + bu)² = (a + b)(a - b) + 2ab·u.
    @inline(__always)
    public func squared() -> Fp2 {
      let t = c0 * c1
      return Fp2((c0 + c1) * (c0 - c1), t.doubled())
    }

    @inline(__always)
    public func multiplied(byBase s: Fp) -> Fp2 { Fp2(c0 * s, c1 * s) }

    /// Multiplies by the sextic non-residue ξ = 1 + u.
    @inline(__always)
    public func multipliedByNonResidue() -> Fp2 { Fp2(c0 - c1, c0 + c1) }

    /// The conjugate, which is also the p-power Frobenius map.
    @inline(__always)
    public func conjugate() -> Fp2 { Fp2(c0, -c1) }

    public func inverse() -> Fp2 {
      let t = (c0.squared() + c1.squared()).inverse()
      return Fp2(c0 * t, -(c1 * t))
    }

    /// self^e for an exponent given as a raw six-limb integer.
    func pow(_ e: Fp) -> Fp2 {
      var result = Fp2.one
      var i = 5
      while i >= 0 {
        let w = e.limb(i)
        var bit = 63
        while bit >= 0 {
          result = result.squared()
          if (w >> UInt64(bit)) & 1 == 1 { result = result * self }
          bit -= 1
        }
        i -= 1
      }
      return result
    }

    /// A square root, or nil when none exists (p ≡ 3 mod 4 method for quadratic extensions).
    public func squareRoot() -> Fp2? {
      if isZero { return self }
      let a1 = pow(Fp.pMinus3Div4)
      let alpha = a1.squared() * self
      let x0 = a1 * self
      let candidate: Fp2
      if alpha == -Fp2.one {
        candidate = Fp2(-x0.c1, x0.c0)  // u·x0
      } else {
        candidate = (alpha + .one).pow(Fp.pMinus1Div2) * x0
      }
      return candidate.squared() == self ? candidate : nil
    }

    /// ZCash rule for Fp2: compare c1, or c0 when c1 is zero.
    public var isLexicographicallyLargest: Bool {
      c1.isZero ? c0.isLexicographicallyLargest : c1.isLexicographicallyLargest
    }
  }
}
