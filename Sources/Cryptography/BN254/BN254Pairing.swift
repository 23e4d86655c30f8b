extension BN254 {
  /// One (P, Q) pair in the Miller loop: P affine in G1, Q affine in G2, and the running
  /// multiple T of Q in Jacobian coordinates.
  struct MillerPair {
    var px: Fp
    var py: Fp
    var q: G2Affine
    var t: G2
  }

  /// The line values `l0 + l1·w + l3·w³` of one Miller step.
  typealias Line = (l0: Fp2, l1: Fp2, l3: Fp2)

  /// Doubles T and returns the tangent line at T evaluated at P.
  ///
  /// With `ψ(x', y') = (x'w², y'w³)` mapping the twist into E(F_p¹²), the tangent at T is
  /// `y_P − λ'x_P·w + (λ'x' − y')·w³` with `λ' = 3x'²/(2y')`. In Jacobian coordinates,
  /// scaled by `2YZ³` (an `F_p²` factor the final exponentiation removes):
  /// `l0 = Z₃Z²·y_P`, `l1 = −3X²Z²·x_P`, `l3 = 3X³ − 2Y²`, where `Z₃ = 2YZ`.
  static func doublingStep(_ t: inout G2, _ px: Fp, _ py: Fp) -> Line {
    let x = t.x, y = t.y, z = t.z
    let a = x.squared
    let b = y.squared
    let c = b.squared
    let d = ((x + b).squared - a - c).doubled
    let e = a.doubled + a
    let f = e.squared
    let x3 = f - d.doubled
    let y3 = e * (d - x3) - c.doubled.doubled.doubled
    let z3 = (y * z).doubled
    let zz = z.squared
    let l0 = (z3 * zz) * py
    let l1 = -((e * zz) * px)
    let l3 = e * x - b.doubled
    t = G2(x: x3, y: y3, z: z3)
    return (l0, l1, l3)
  }

  /// Adds the affine point Q to T and returns the line through T and Q evaluated at P:
  /// with `λ' = R/(Z·H)`, `H = x_Q Z² − X`, `R = y_Q Z³ − Y`, scaled by `Z₃ = Z·H`:
  /// `l0 = Z₃·y_P`, `l1 = −R·x_P`, `l3 = R·x_Q − Z₃·y_Q`.
  static func additionStep(_ t: inout G2, _ qx: Fp2, _ qy: Fp2, _ px: Fp, _ py: Fp) -> Line {
    let x = t.x, y = t.y, z = t.z
    let zz = z.squared
    let u2 = qx * zz
    let s2 = qy * z * zz
    let h = u2 - x
    let r = s2 - y
    let hh = h.squared
    let hhh = h * hh
    let v = x * hh
    let x3 = r.squared - hhh - v.doubled
    let y3 = r * (v - x3) - y * hhh
    let z3 = z * h
    let l0 = z3 * py
    let l1 = -(r * px)
    let l3 = r * qx - z3 * qy
    t = G2(x: x3, y: y3, z: z3)
    return (l0, l1, l3)
  }

  /// The product of the optimal ate Miller loops `f_{6x+2,Q}(P) · l_{T,π(Q)}(P) · l_{T',−π²(Q)}(P)`
  /// over all pairs, sharing the squarings of the accumulator.
  static func millerLoop(_ pairs: inout [MillerPair]) -> Fp12 {
    var f = Fp12.one
    let digits = ateLoopNAF
    // The leading digit is 1: T starts at Q. Walk the rest from the top.
    for i in stride(from: digits.count - 2, through: 0, by: -1) {
      if i != digits.count - 2 { f = f.squared }
      for k in pairs.indices {
        let line = doublingStep(&pairs[k].t, pairs[k].px, pairs[k].py)
        f = f.multiplied(byLine: line.l0, line.l1, line.l3)
      }
      let d = digits[i]
      if d != 0 {
        for k in pairs.indices {
          let qy = d > 0 ? pairs[k].q.y : -pairs[k].q.y
          let line = additionStep(&pairs[k].t, pairs[k].q.x, qy, pairs[k].px, pairs[k].py)
          f = f.multiplied(byLine: line.l0, line.l1, line.l3)
        }
      }
    }
    for k in pairs.indices {
      let q = pairs[k].q
      // π(Q) on the twist: (x̄·ξ^((p−1)/3), ȳ·ξ^((p−1)/2)).
      let q1x = q.x.conjugate * Frobenius.gamma2
      let q1y = q.y.conjugate * Frobenius.gamma3
      // −π²(Q): (x·ξ^((p²−1)/3), y), since ξ^((p²−1)/2) = −1.
      let q2x = q.x * Frobenius.xiToPSquaredMinus1Over3
      let q2y = q.y
      var line = additionStep(&pairs[k].t, q1x, q1y, pairs[k].px, pairs[k].py)
      f = f.multiplied(byLine: line.l0, line.l1, line.l3)
      line = additionStep(&pairs[k].t, q2x, q2y, pairs[k].px, pairs[k].py)
      f = f.multiplied(byLine: line.l0, line.l1, line.l3)
    }
    return f
  }

  /// `f^((p¹²−1)/r)`: the easy part `(p⁶−1)(p²+1)` by conjugation, inversion and Frobenius;
  /// the hard part `(p⁴−p²+1)/r` by the Devegili–Scott–Dahab chain in powers of `x`.
  static func finalExponentiation(_ f: Fp12) -> Fp12 {
    // Easy part.
    var t1 = f.conjugate * f.inverse()  // f^(p⁶−1)
    t1 = t1.frobenius.frobenius * t1  // ^(p²+1)
    return hardPart(t1)
  }

  /// `m^((p⁴−p²+1)/r)` for `m` in the cyclotomic subgroup.
  static func hardPart(_ t1: Fp12) -> Fp12 {
    let x = curveParameter
    let fp = t1.frobenius
    let fp2 = fp.frobenius
    let fp3 = fp2.frobenius
    let fu = t1.cyclotomicPower(x)
    let fu2 = fu.cyclotomicPower(x)
    let fu3 = fu2.cyclotomicPower(x)
    let y3 = fu.frobenius.conjugate
    let fu2p = fu2.frobenius
    let fu3p = fu3.frobenius
    let y2 = fu2.frobenius.frobenius
    let y0 = fp * fp2 * fp3
    let y1 = t1.conjugate
    let y5 = fu2.conjugate
    let y4 = (fu * fu2p).conjugate
    let y6 = (fu3 * fu3p).conjugate
    var t0 = y6.cyclotomicSquared * y4 * y5
    var t = y3 * y5 * t0
    t0 = t0 * y2
    t = (t.cyclotomicSquared * t0).cyclotomicSquared
    t0 = t * y1
    t = t * y0
    return t0.cyclotomicSquared * t
  }

  /// Whether `∏ e(P_i, Q_i) = 1` over decoded pairs (pairs with a point at infinity
  /// contribute 1 and are skipped).
  static func pairingProductIsOne(_ pairs: [(p: G1, q: G2Affine)]) -> Bool {
    var states: [MillerPair] = []
    states.reserveCapacity(pairs.count)
    for (p, q) in pairs {
      guard let a = p.affine else { continue }
      states.append(MillerPair(px: a.x, py: a.y, q: q, t: G2(affineX: q.x, affineY: q.y)))
    }
    if states.isEmpty { return true }
    return finalExponentiation(millerLoop(&states)).isOne
  }

  /// The ECPAIRING precompile (address 0x08, EIP-197).
  ///
  /// - Parameter input: `k` pairs of 192 bytes each: a G1 point `x ‖ y`, then a G2 point
  ///   `x_im ‖ x_re ‖ y_im ‖ y_re`.
  /// - Returns: 32 bytes, `…01` when `∏ e(P_i, Q_i) = 1` (also for empty input) and `…00`
  ///   otherwise; nil when the length is not a multiple of 192 or any point is invalid
  ///   (coordinate ≥ p, off its curve, or a G2 point outside the order-r subgroup).
  /// - Complexity: one Miller loop per pair with a point other than infinity, and one
  ///   final exponentiation.
  public static func pairingCheck(_ input: [UInt8]) -> [UInt8]? {
    guard input.count % 192 == 0 else { return nil }
    var pairs: [(p: G1, q: G2Affine)] = []
    pairs.reserveCapacity(input.count / 192)
    var offset = 0
    while offset < input.count {
      guard let p = decodeG1(input, at: offset), let q = decodeG2(input, at: offset + 64) else {
        return nil
      }
      if case .point(let qa) = q, !p.isInfinity { pairs.append((p, qa)) }
      offset += 192
    }
    var out = [UInt8](repeating: 0, count: 32)
    if pairingProductIsOne(pairs) { out[31] = 1 }
    return out
  }
}
