extension BN254 {
  /// `F_p⁶ = F_p²[v] / (v³ − ξ)`, `ξ = 9 + u`: `c0 + c1·v + c2·v²`.
  struct Fp6: Equatable, Sendable {
    var c0: Fp2
    var c1: Fp2
    var c2: Fp2

    @inline(__always)
    init(_ c0: Fp2, _ c1: Fp2, _ c2: Fp2) { self.c0 = c0; self.c1 = c1; self.c2 = c2 }

    static var zero: Fp6 { Fp6(.zero, .zero, .zero) }
    static var one: Fp6 { Fp6(.one, .zero, .zero) }

    @inline(__always) var isZero: Bool { c0.isZero && c1.isZero && c2.isZero }

    @inline(__always) static func + (a: Fp6, b: Fp6) -> Fp6 { Fp6(a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2) }
    @inline(__always) static func - (a: Fp6, b: Fp6) -> Fp6 { Fp6(a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2) }
    @inline(__always) static prefix func - (a: Fp6) -> Fp6 { Fp6(-a.c0, -a.c1, -a.c2) }

    /// Karatsuba-style product: six `F_p²` multiplications.
    static func * (a: Fp6, b: Fp6) -> Fp6 {
      let t0 = a.c0 * b.c0
      let t1 = a.c1 * b.c1
      let t2 = a.c2 * b.c2
      let c0 = ((a.c1 + a.c2) * (b.c1 + b.c2) - t1 - t2).timesXi + t0
      let c1 = (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1 + t2.timesXi
      let c2 = (a.c0 + a.c2) * (b.c0 + b.c2) - t0 - t2 + t1
      return Fp6(c0, c1, c2)
    }

    var squared: Fp6 {
      // CH-SQR2 (Chung–Hasan): two multiplications and three squarings in F_p².
      let s0 = c0.squared
      let ab = c0 * c1
      let s1 = ab.doubled
      let s2 = (c0 - c1 + c2).squared
      let bc = c1 * c2
      let s3 = bc.doubled
      let s4 = c2.squared
      return Fp6(s3.timesXi + s0, s4.timesXi + s1, s1 + s2 + s3 - s0 - s4)
    }

    /// Multiplication by an `F_p²` scalar.
    static func * (a: Fp6, s: Fp2) -> Fp6 { Fp6(a.c0 * s, a.c1 * s, a.c2 * s) }

    /// Multiplication by `v`: `(c0, c1, c2)·v = (ξ·c2, c0, c1)`.
    @inline(__always) var timesV: Fp6 { Fp6(c2.timesXi, c0, c1) }

    /// Product with a sparse element `b0 + b1·v` (five `F_p²` multiplications).
    func multiplied(by01 b0: Fp2, _ b1: Fp2) -> Fp6 {
      let t0 = c0 * b0
      let t1 = c1 * b1
      let r0 = (c2 * b1).timesXi + t0
      let r1 = (c0 + c1) * (b0 + b1) - t0 - t1
      let r2 = c2 * b0 + t1
      return Fp6(r0, r1, r2)
    }

    func inverse() -> Fp6 {
      let t0 = c0.squared - (c1 * c2).timesXi
      let t1 = c2.squared.timesXi - c0 * c1
      let t2 = c1.squared - c0 * c2
      let t3 = c0 * t0 + (c2 * t1 + c1 * t2).timesXi
      let i = t3.inverse()
      return Fp6(t0 * i, t1 * i, t2 * i)
    }
  }
}
