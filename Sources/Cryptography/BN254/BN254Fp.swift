extension BN254 {
  /// An element of the base field `F_p`, in Montgomery form (`a·R mod p`, `R = 2²⁵⁶`), always
  /// fully reduced so that equality of limbs is equality of field elements.
  struct Fp: Equatable, Sendable {
    var l0: UInt64
    var l1: UInt64
    var l2: UInt64
    var l3: UInt64

    @inline(__always)
    init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64) {
      self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3
    }

    // p = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47
    static var p0: UInt64 { 0x3c20_8c16_d87c_fd47 }
    static var p1: UInt64 { 0x9781_6a91_6871_ca8d }
    static var p2: UInt64 { 0xb850_45b6_8181_585d }
    static var p3: UInt64 { 0x3064_4e72_e131_a029 }
    /// `-p⁻¹ mod 2⁶⁴`, the Montgomery reduction constant.
    static var inv: UInt64 { 0x87d2_0782_e486_6389 }

    static var zero: Fp { Fp(0, 0, 0, 0) }
    /// `R mod p`, the Montgomery form of 1.
    static var one: Fp { Fp(0xd35d_438d_c58f_0d9d, 0x0a78_eb28_f5c7_0b3d, 0x666e_a36f_7879_462c, 0x0e0a_77c1_9a07_df2f) }
    /// `R² mod p`, used to enter Montgomery form.
    static var r2: Fp { Fp(0xf32c_fc5b_538a_fa89, 0xb5e7_1911_d445_01fb, 0x47ab_1eff_0a41_7ff6, 0x06d8_9f71_cab8_351f) }

    @inline(__always) var isZero: Bool { (l0 | l1 | l2 | l3) == 0 }

    /// Enters Montgomery form from canonical little-endian limbs; nil when the value is ≥ p
    /// (EIP-196: a coordinate ≥ p makes the input invalid).
    init?(canonical v: (UInt64, UInt64, UInt64, UInt64)) {
      let c = Fp(v.0, v.1, v.2, v.3)
      guard c.isLessThanModulus else { return nil }
      self = c * Fp.r2
    }

    /// Small integer constant, in Montgomery form.
    init(_ small: UInt64) {
      self = Fp(small, 0, 0, 0) * Fp.r2
    }

    /// The canonical (non-Montgomery) little-endian limbs.
    var canonical: (UInt64, UInt64, UInt64, UInt64) {
      let c = self * Fp(1, 0, 0, 0)
      return (c.l0, c.l1, c.l2, c.l3)
    }

    @inline(__always) var isLessThanModulus: Bool {
      // Compare from the most significant limb down.
      if l3 != Fp.p3 { return l3 < Fp.p3 }
      if l2 != Fp.p2 { return l2 < Fp.p2 }
      if l1 != Fp.p1 { return l1 < Fp.p1 }
      return l0 < Fp.p0
    }

    /// `a + b + carry`, carry in and out in {0, 1}. Written over `UInt128` so LLVM emits
    /// one `adc` chain (measured 3× faster than `addingReportingOverflow` with `Bool`s).
    @inline(__always)
    static func adc(_ a: UInt64, _ b: UInt64, _ carry: inout UInt64) -> UInt64 {
      let s = UInt128(a) &+ UInt128(b) &+ UInt128(carry)
      carry = UInt64(truncatingIfNeeded: s >> 64)
      return UInt64(truncatingIfNeeded: s)
    }

    /// `a − b − borrow`, borrow in and out in {0, 1}.
    @inline(__always)
    static func sbb(_ a: UInt64, _ b: UInt64, _ borrow: inout UInt64) -> UInt64 {
      let s = UInt128(a) &- UInt128(b) &- UInt128(borrow)
      borrow = UInt64(truncatingIfNeeded: s >> 127)
      return UInt64(truncatingIfNeeded: s)
    }

    /// Subtracts p once if the value (with an extra carry limb `hi`, 0 or 1) is ≥ p;
    /// branch-free.
    @inline(__always)
    static func reduceOnce(_ a0: UInt64, _ a1: UInt64, _ a2: UInt64, _ a3: UInt64, _ hi: UInt64) -> Fp {
      var borrow: UInt64 = 0
      let d0 = sbb(a0, p0, &borrow)
      let d1 = sbb(a1, p1, &borrow)
      let d2 = sbb(a2, p2, &borrow)
      let d3 = sbb(a3, p3, &borrow)
      _ = sbb(hi, 0, &borrow)
      // borrow = 1: the value was < p, keep it.
      let keep = 0 &- borrow
      return Fp((a0 & keep) | (d0 & ~keep), (a1 & keep) | (d1 & ~keep), (a2 & keep) | (d2 & ~keep), (a3 & keep) | (d3 & ~keep))
    }

    @inline(__always)
    static func + (a: Fp, b: Fp) -> Fp {
      // p < 2²⁵⁴, so the sum of two reduced elements fits in four limbs.
      var c: UInt64 = 0
      let s0 = adc(a.l0, b.l0, &c)
      let s1 = adc(a.l1, b.l1, &c)
      let s2 = adc(a.l2, b.l2, &c)
      let s3 = adc(a.l3, b.l3, &c)
      return reduceOnce(s0, s1, s2, s3, 0)
    }

    @inline(__always)
    static func - (a: Fp, b: Fp) -> Fp {
      var borrow: UInt64 = 0
      let d0 = sbb(a.l0, b.l0, &borrow)
      let d1 = sbb(a.l1, b.l1, &borrow)
      let d2 = sbb(a.l2, b.l2, &borrow)
      let d3 = sbb(a.l3, b.l3, &borrow)
      // Went negative: add p back (the carry out cancels the borrow); branch-free.
      let mask = 0 &- borrow
      var c: UInt64 = 0
      let r0 = adc(d0, p0 & mask, &c)
      let r1 = adc(d1, p1 & mask, &c)
      let r2 = adc(d2, p2 & mask, &c)
      let r3 = adc(d3, p3 & mask, &c)
      return Fp(r0, r1, r2, r3)
    }

    @inline(__always)
    static prefix func - (a: Fp) -> Fp { Fp.zero - a }

    @inline(__always) var doubled: Fp { self + self }
    @inline(__always) var squared: Fp { self * self }

    /// `a + b·c + carry`, returning the low word and leaving the high word in `carry`.
    @inline(__always)
    static func mac(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ carry: inout UInt64) -> UInt64 {
      // Cannot overflow: (2⁶⁴−1)² + 2(2⁶⁴−1) < 2¹²⁸.
      let t = UInt128(b) &* UInt128(c) &+ UInt128(a) &+ UInt128(carry)
      carry = UInt64(truncatingIfNeeded: t >> 64)
      return UInt64(truncatingIfNeeded: t)
    }

    /// One CIOS round: `t += a·bi`, then add `m·p` for `m = t0·(−p⁻¹)` and shift one limb down.
    @inline(__always)
    static func montRound(
      _ t: (UInt64, UInt64, UInt64, UInt64, UInt64), _ a: Fp, _ bi: UInt64
    ) -> (UInt64, UInt64, UInt64, UInt64, UInt64) {
      var c: UInt64 = 0
      let s0 = mac(t.0, a.l0, bi, &c)
      let s1 = mac(t.1, a.l1, bi, &c)
      let s2 = mac(t.2, a.l2, bi, &c)
      let s3 = mac(t.3, a.l3, bi, &c)
      var o4: UInt64 = 0
      let s4 = adc(t.4, c, &o4)
      let m = s0 &* 0x87d2_0782_e486_6389
      var d: UInt64 = 0
      _ = mac(s0, m, 0x3c20_8c16_d87c_fd47, &d)
      let r0 = mac(s1, m, 0x9781_6a91_6871_ca8d, &d)
      let r1 = mac(s2, m, 0xb850_45b6_8181_585d, &d)
      let r2 = mac(s3, m, 0x3064_4e72_e131_a029, &d)
      var o3: UInt64 = 0
      let r3 = adc(s4, d, &o3)
      return (r0, r1, r2, r3, o4 &+ o3)
    }

    /// Montgomery multiplication (CIOS): `a·b·R⁻¹ mod p`.
    static func * (a: Fp, b: Fp) -> Fp {
      var t: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
      t = montRound(t, a, b.l0)
      t = montRound(t, a, b.l1)
      t = montRound(t, a, b.l2)
      t = montRound(t, a, b.l3)
      return reduceOnce(t.0, t.1, t.2, t.3, t.4)
    }

    static func *= (a: inout Fp, b: Fp) { a = a * b }
    static func += (a: inout Fp, b: Fp) { a = a + b }
    static func -= (a: inout Fp, b: Fp) { a = a - b }

    /// `self^e` for an exponent given as little-endian limbs.
    func power(_ e: (UInt64, UInt64, UInt64, UInt64)) -> Fp {
      var result = Fp.one
      for limb in [e.3, e.2, e.1, e.0] {
        for i in stride(from: 63, through: 0, by: -1) {
          result = result.squared
          if (limb >> UInt64(i)) & 1 == 1 { result = result * self }
        }
      }
      return result
    }

    /// The multiplicative inverse by Fermat's little theorem (`a^(p−2)`); zero maps to zero.
    /// Slower than `inverse()`; kept as its test oracle.
    func inverseByFermat() -> Fp {
      power((Fp.p0 &- 2, Fp.p1, Fp.p2, Fp.p3))
    }

    /// `R³ mod p`: turns the plain inverse of a Montgomery representation back into
    /// Montgomery form (`(aR)⁻¹ · R³ · R⁻¹ = a⁻¹R`).
    static var r3: Fp { Fp(0xb1cd_6daf_da15_30df, 0x62f2_10e6_a728_3db6, 0xef7f_0b0c_0ada_0afb, 0x20fd_6e90_2d59_2544) }

    /// The multiplicative inverse by the binary extended Euclidean algorithm (variable time,
    /// which is fine: every input here is public); zero maps to zero.
    func inverse() -> Fp {
      if isZero { return self }
      // Invariants: x1·self ≡ u and x2·self ≡ v (mod p), on plain (non-Montgomery) values;
      // Fp's +/− are used only as modular add/sub on raw limbs.
      var u = self
      var v = Fp(Fp.p0, Fp.p1, Fp.p2, Fp.p3)
      var x1 = Fp(1, 0, 0, 0)
      var x2 = Fp.zero
      @inline(__always) func isOne(_ a: Fp) -> Bool { a.l0 == 1 && (a.l1 | a.l2 | a.l3) == 0 }
      @inline(__always) func halve(_ a: inout Fp) {
        a = Fp(a.l0 >> 1 | a.l1 << 63, a.l1 >> 1 | a.l2 << 63, a.l2 >> 1 | a.l3 << 63, a.l3 >> 1)
      }
      /// x/2 mod p: x even → x >> 1; x odd → (x + p) >> 1 (x + p < 2²⁵⁵, no overflow).
      @inline(__always) func halveMod(_ a: inout Fp) {
        if a.l0 & 1 == 1 {
          var c: UInt64 = 0
          a = Fp(Fp.adc(a.l0, Fp.p0, &c), Fp.adc(a.l1, Fp.p1, &c), Fp.adc(a.l2, Fp.p2, &c), Fp.adc(a.l3, Fp.p3, &c))
        }
        halve(&a)
      }
      @inline(__always) func geq(_ a: Fp, _ b: Fp) -> Bool {
        if a.l3 != b.l3 { return a.l3 > b.l3 }
        if a.l2 != b.l2 { return a.l2 > b.l2 }
        if a.l1 != b.l1 { return a.l1 > b.l1 }
        return a.l0 >= b.l0
      }
      @inline(__always) func rawSub(_ a: Fp, _ b: Fp) -> Fp {  // a ≥ b
        var br: UInt64 = 0
        return Fp(Fp.sbb(a.l0, b.l0, &br), Fp.sbb(a.l1, b.l1, &br), Fp.sbb(a.l2, b.l2, &br), Fp.sbb(a.l3, b.l3, &br))
      }
      while !isOne(u) && !isOne(v) {
        while u.l0 & 1 == 0 { halve(&u); halveMod(&x1) }
        while v.l0 & 1 == 0 { halve(&v); halveMod(&x2) }
        if geq(u, v) {
          u = rawSub(u, v)
          x1 = x1 - x2
        } else {
          v = rawSub(v, u)
          x2 = x2 - x1
        }
      }
      // x = (aR)⁻¹ = a⁻¹R⁻¹ as a plain value; Montgomery-multiply by R³ to get a⁻¹R.
      return (isOne(u) ? x1 : x2) * Fp.r3
    }
  }
}
