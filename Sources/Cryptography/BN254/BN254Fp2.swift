extension BN254 {
  /// `F_p² = F_p[u] / (u² + 1)`: `c0 + c1·u`.
  struct Fp2: Equatable, Sendable {
    var c0: Fp
    var c1: Fp

    @inline(__always)
    init(_ c0: Fp, _ c1: Fp) { self.c0 = c0; self.c1 = c1 }

    static var zero: Fp2 { Fp2(.zero, .zero) }
    static var one: Fp2 { Fp2(.one, .zero) }

    @inline(__always) var isZero: Bool { c0.isZero && c1.isZero }

    @inline(__always) static func + (a: Fp2, b: Fp2) -> Fp2 { Fp2(a.c0 + b.c0, a.c1 + b.c1) }
    @inline(__always) static func - (a: Fp2, b: Fp2) -> Fp2 { Fp2(a.c0 - b.c0, a.c1 - b.c1) }
    @inline(__always) static prefix func - (a: Fp2) -> Fp2 { Fp2(-a.c0, -a.c1) }
    static func += (a: inout Fp2, b: Fp2) { a = a + b }
    static func -= (a: inout Fp2, b: Fp2) { a = a - b }
    static func *= (a: inout Fp2, b: Fp2) { a = a * b }

    /// Karatsuba: three base-field multiplications.
    static func * (a: Fp2, b: Fp2) -> Fp2 {
      let t0 = a.c0 * b.c0
      let t1 = a.c1 * b.c1
      let t2 = (a.c0 + a.c1) * (b.c0 + b.c1)
      return Fp2(t0 - t1, t2 - t0 - t1)
    }

    @inline(__always)
    static func * (a: Fp2, s: Fp) -> Fp2 { Fp2(a.c0 * s, a.c1 * s) }

    /// `(a + bu)² = (a + b)(a − b) + 2ab·u`.
    var squared: Fp2 {
      let ab = c0 * c1
      return Fp2((c0 + c1) * (c0 - c1), ab.doubled)
    }

    @inline(__always) var doubled: Fp2 { Fp2(c0.doubled, c1.doubled) }

    /// The Frobenius map `a^p`, which on `F_p²` is conjugation.
    @inline(__always) var conjugate: Fp2 { Fp2(c0, -c1) }

    /// Multiplication by the sextic non-residue `ξ = 9 + u`: `(9a − b) + (a + 9b)u`.
    @inline(__always) var timesXi: Fp2 {
      let a8 = c0.doubled.doubled.doubled
      let b8 = c1.doubled.doubled.doubled
      return Fp2(a8 + c0 - c1, b8 + c1 + c0)
    }

    func inverse() -> Fp2 {
      let norm = c0.squared + c1.squared
      let ni = norm.inverse()
      return Fp2(c0 * ni, -(c1 * ni))
    }
  }
}
