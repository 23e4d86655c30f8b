extension BN254 {
  /// `F_p¹² = F_p⁶[w] / (w² − v)`: `c0 + c1·w`. Written in powers of `w` (so `w⁶ = ξ`), the six
  /// `F_p²` coefficients are `c0.c0, c1.c0, c0.c1, c1.c1, c0.c2, c1.c2` for `w⁰ … w⁵`.
  struct Fp12: Equatable, Sendable {
    var c0: Fp6
    var c1: Fp6

    @inline(__always)
    init(_ c0: Fp6, _ c1: Fp6) { self.c0 = c0; self.c1 = c1 }

    static var one: Fp12 { Fp12(.one, .zero) }

    @inline(__always) var isOne: Bool { self == Fp12.one }

    static func * (a: Fp12, b: Fp12) -> Fp12 {
      let t0 = a.c0 * b.c0
      let t1 = a.c1 * b.c1
      let c1 = (a.c0 + a.c1) * (b.c0 + b.c1) - t0 - t1
      return Fp12(t0 + t1.timesV, c1)
    }

    static func *= (a: inout Fp12, b: Fp12) { a = a * b }

    /// Complex squaring: `(a + bw)² = (a + b)(a + vb) − ab − v·ab + 2ab·w`.
    var squared: Fp12 {
      let ab = c0 * c1
      let t = (c0 + c1) * (c0 + c1.timesV)
      return Fp12(t - ab - ab.timesV, ab + ab)
    }

    /// `a^(p⁶)`, which is conjugation over `F_p⁶`; the inverse on the cyclotomic subgroup.
    @inline(__always) var conjugate: Fp12 { Fp12(c0, -c1) }

    func inverse() -> Fp12 {
      let t = (c0.squared - c1.squared.timesV).inverse()
      return Fp12(c0 * t, -(c1 * t))
    }

    /// Product with a line value `l0 + l1·w + l3·w³` (the shape every Miller-loop line has
    /// for this D-type twist): `c0 = (l0, 0, 0)`, `c1 = (l1, l3, 0)`.
    func multiplied(byLine l0: Fp2, _ l1: Fp2, _ l3: Fp2) -> Fp12 {
      let t0 = c0 * l0
      let t1 = c1.multiplied(by01: l1, l3)
      let s = (c0 + c1).multiplied(by01: l0 + l1, l3)
      return Fp12(t0 + t1.timesV, s - t0 - t1)
    }

    /// The Frobenius map `a^p`: conjugate each `F_p²` coefficient of `w^i` and multiply it by
    /// `γ_i = ξ^(i(p−1)/6)`.
    var frobenius: Fp12 {
      Fp12(
        Fp6(c0.c0.conjugate, c0.c1.conjugate * Frobenius.gamma2, c0.c2.conjugate * Frobenius.gamma4),
        Fp6(c1.c0.conjugate * Frobenius.gamma1, c1.c1.conjugate * Frobenius.gamma3, c1.c2.conjugate * Frobenius.gamma5))
    }

    /// Squaring in the cyclotomic subgroup (elements with `f^(p⁶+1) = 1`, which the easy part
    /// of the final exponentiation lands in): Granger–Scott, three `F_p⁴` squarings over the
    /// coefficient pairs `(c0.c0, c1.c1)`, `(c1.c0, c0.c2)`, `(c0.c1, c1.c2)`. Wrong for
    /// elements outside that subgroup.
    var cyclotomicSquared: Fp12 {
      let a0 = c0.c0, a1 = c0.c1, a2 = c0.c2
      let b0 = c1.c0, b1 = c1.c1, b2 = c1.c2
      // (a0 + b1·w³)² in F_p⁴ = F_p²[w³]/((w³)² − ξ).
      let t00 = b1.squared, t01 = a0.squared
      let s0 = (b1 + a0).squared - t00 - t01  // 2·a0·b1
      let e0 = t00.timesXi + t01  // a0² + ξ·b1²
      // (b0 + a2·w³)².
      let t10 = a2.squared, t11 = b0.squared
      let s1 = (a2 + b0).squared - t10 - t11  // 2·a2·b0
      let e1 = t10.timesXi + t11  // b0² + ξ·a2²
      // (a1 + b2·w³)².
      let t20 = b2.squared, t21 = a1.squared
      let s2 = ((b2 + a1).squared - t20 - t21).timesXi  // 2·ξ·a1·b2
      let e2 = t20.timesXi + t21  // a1² + ξ·b2²
      // g ↦ 3e − 2g for the first components, h ↦ 3s + 2h for the second.
      return Fp12(
        Fp6((e0 - a0).doubled + e0, (e1 - a1).doubled + e1, (e2 - a2).doubled + e2),
        Fp6((s2 + b0).doubled + s2, (s0 + b1).doubled + s0, (s1 + b2).doubled + s1))
    }

    /// `self^e` in the cyclotomic subgroup, for an unsigned 64-bit exponent.
    func cyclotomicPower(_ e: UInt64) -> Fp12 {
      var result = Fp12.one
      guard e != 0 else { return result }
      for i in stride(from: 63 - e.leadingZeroBitCount, through: 0, by: -1) {
        result = result.cyclotomicSquared
        if (e >> UInt64(i)) & 1 == 1 { result = result * self }
      }
      return result
    }

    /// `self^e` for an unsigned 64-bit exponent (square-and-multiply from the top bit).
    func power(_ e: UInt64) -> Fp12 {
      var result = Fp12.one
      guard e != 0 else { return result }
      for i in stride(from: 63 - e.leadingZeroBitCount, through: 0, by: -1) {
        result = result.squared
        if (e >> UInt64(i)) & 1 == 1 { result = result * self }
      }
      return result
    }

    /// `self^e` for a big-endian exponent of any length (slow; used by tests as an oracle).
    func power(bigEndian e: [UInt8]) -> Fp12 {
      var result = Fp12.one
      for byte in e {
        for i in stride(from: 7, through: 0, by: -1) {
          result = result.squared
          if (byte >> UInt8(i)) & 1 == 1 { result = result * self }
        }
      }
      return result
    }
  }

  /// Frobenius constants `γ_i = ξ^(i(p−1)/6)` in Montgomery form, and the twist constants
  /// derived from them.
  enum Frobenius {
    static var gamma1: Fp2 { Fp2(
      Fp(0xaf9b_a696_3314_4907, 0xca6b_1d73_87af_b78a, 0x11bd_ed5e_f08a_2087, 0x02f3_4d75_1a1f_3a7c),
      Fp(0xa222_ae23_4c49_2d72, 0xd00f_02a4_565d_e15b, 0xdc2f_f3a2_53df_c926, 0x10a7_5716_b389_9551)) }
    static var gamma2: Fp2 { Fp2(
      Fp(0xb577_3b10_4563_ab30, 0x347f_91c8_a9aa_6454, 0x7a00_7127_242e_0991, 0x1956_bcd8_1182_14ec),
      Fp(0x6e84_9f1e_a0aa_4757, 0xaa1c_7b6d_89f8_9141, 0xb6e7_13cd_fae0_ca3a, 0x2669_4fbb_4e82_ebc3)) }
    static var gamma3: Fp2 { Fp2(
      Fp(0xe4bb_dd0c_2936_b629, 0xbb30_f162_e133_bacb, 0x31a9_d1b6_f964_5366, 0x2535_70be_a500_f8dd),
      Fp(0xa1d7_7ce4_5ffe_77c7, 0x07af_fd11_7826_d1db, 0x6d16_bd27_bb7e_dc6b, 0x2c87_2002_85de_fecc)) }
    static var gamma4: Fp2 { Fp2(
      Fp(0x7361_d77f_843a_be92, 0xa5bb_2bd3_2734_11fb, 0x9c94_1f31_4b3e_2399, 0x15df_9cdd_bb9f_d3ec),
      Fp(0x5ddd_fd15_4bd8_c949, 0x62cb_29a5_a444_5b60, 0x37bc_870a_0c7d_d2b9, 0x2483_0a9d_3171_f0fd)) }
    static var gamma5: Fp2 { Fp2(
      Fp(0xc970_692f_4169_0fe7, 0xe240_3421_2769_4b0b, 0x32be_e66b_83c4_59e8, 0x12aa_bced_0ab0_8841),
      Fp(0x0d48_5d23_40ae_bfa9, 0x0519_3418_ab2f_cc57, 0xd3b0_a40b_8a49_10f5, 0x2f21_ebb5_35d2_925a)) }
    /// `ξ^((p²−1)/3)`, an element of `F_p`: the x-coordinate factor of `π²` on the twist.
    static var xiToPSquaredMinus1Over3: Fp { Fp(
      0x3350_c88e_13e8_0b9c, 0x7dce_557c_db5e_56b9, 0x6001_b4b8_b615_564a, 0x2682_e617_0202_17e0) }
  }
}
