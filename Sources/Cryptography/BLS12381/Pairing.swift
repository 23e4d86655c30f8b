// The optimal ate pairing on BLS12-381: Miller loop over |x| with lines from homogeneous
// projective G2 arithmetic (Costello–Lange–Naehrig), then the final exponentiation.
//
// For the M-type twist ψ(x', y') = (x'/w², y'/w³), the line through twisted points evaluated
// at P = (xP, yP), scaled by w³ and a factor of Fp2 (both vanish in the final exponentiation),
// is l0 + l1·xP·w² + l4·yP·w³: a sparse Fp12 element with Fp2 slots 0, 1 and 4.

extension BLS12381 {
  /// Line coefficients before evaluation at P: l0 + (l1·xP)·w² + (l4·yP)·w³.
  @frozen
  public struct LineCoefficients: Sendable {
    var l0: Fp2
    var l1: Fp2
    var l4: Fp2
  }

  /// A G2 point with its Miller-loop lines precomputed (68 lines: 63 doublings, 5 additions).
  /// Preparing once and reusing pays off for fixed points such as the generator and [τ]₂.
  public struct G2Prepared: Sendable {
    let lines: [LineCoefficients]
    public let isInfinity: Bool

    public init(_ q: G2Affine) {
      isInfinity = q.isInfinity
      if q.isInfinity { lines = []; return }
      var lines: [LineCoefficients] = []
      lines.reserveCapacity(68)
      let half = Fp(0x1804000000015554, 0x855000053ab00001, 0x633cb57c253c276f,
                    0x6e22d1ec31ebb502, 0xd3916126f2d14ca2, 0x17fbb8571a006596)  // 1/2
      let b3 = G2Affine.b.doubled() + G2Affine.b
      var tx = q.x, ty = q.y, tz = Fp2.one
      var bit = 62
      while bit >= 0 {
        // Doubling step: tangent at T, then T = 2T.
        let a = (tx * ty).multiplied(byBase: half)
        let b = ty.squared()
        let c = tz.squared()
        let e = b3 * c
        let f = e.doubled() + e
        let h = (ty + tz).squared() - (b + c)
        let xx = tx.squared()
        lines.append(LineCoefficients(l0: e - b, l1: xx.doubled() + xx, l4: -h))
        let g = (b + f).multiplied(byBase: half)
        let e2 = e.squared()
        tx = a * (b - f)
        ty = g.squared() - (e2.doubled() + e2)
        tz = b * h
        if (xAbs >> UInt64(bit)) & 1 == 1 {
          // Addition step: line through T and Q, then T = T + Q.
          let theta = ty - q.y * tz
          let lambda = tx - q.x * tz
          lines.append(LineCoefficients(l0: lambda * q.y - theta * q.x, l1: theta, l4: -lambda))
          let cc = theta.squared()
          let dd = lambda.squared()
          let ee = dd * lambda
          let ff = tz * cc
          let gg = tx * dd
          let hh = ee + ff - gg.doubled()
          tx = lambda * hh
          ty = theta * (gg - hh) - ee * ty
          tz = tz * ee
        }
        bit -= 1
      }
      self.lines = lines
    }
  }

  /// The product of the Miller loops f_{x,Q}(P) of all pairs, sharing the squarings.
  /// Pairs with an identity element contribute 1 and are skipped.
  public static func multiMillerLoop(_ pairs: [(G1Affine, G2Prepared)]) -> Fp12 {
    let active = pairs.filter { !$0.0.isInfinity && !$0.1.isInfinity }
    var f = Fp12.one
    var index = 0
    var bit = 62
    while bit >= 0 {
      if bit != 62 { f = f.squared() }
      for (p, q) in active {
        let l = q.lines[index]
        f = f.multiplied(by014: l.l0, l.l1.multiplied(byBase: p.x), l.l4.multiplied(byBase: p.y))
      }
      index += 1
      if (xAbs >> UInt64(bit)) & 1 == 1 {
        for (p, q) in active {
          let l = q.lines[index]
          f = f.multiplied(by014: l.l0, l.l1.multiplied(byBase: p.x), l.l4.multiplied(byBase: p.y))
        }
        index += 1
      }
      bit -= 1
    }
    // x < 0: f_{x,Q} = 1 / f_{|x|,Q}, and inversion equals conjugation after the final
    // exponentiation.
    return f.conjugate()
  }

  /// f^((p¹² - 1)/r), up to a fixed power coprime to r: the hard part uses
  /// 3·(p⁴ - p² + 1)/r = (x - 1)²·(x + p)·(x² + p² - 1) + 3 (Hayashida–Hayasaka–Teruya), so the
  /// result is the reduced pairing value cubed. Still bilinear and non-degenerate, and
  /// `== 1` tests are unaffected.
  public static func finalExponentiation(_ f: Fp12) -> Fp12 {
    // Easy part: f^((p⁶ - 1)(p² + 1)); the result lies in the cyclotomic subgroup.
    let f1 = f.conjugate() * f.inverse()
    let m = f1.frobenius().frobenius() * f1
    // Hard part.
    let t0 = m.cyclotomicPowX() * m.conjugate()             // m^(x - 1)
    let t1 = t0.cyclotomicPowX() * t0.conjugate()           // m^((x - 1)²)
    let t2 = t1.cyclotomicPowX() * t1.frobenius()           // · (x + p)
    let t3 = t2.cyclotomicPowX().cyclotomicPowX()
      * t2.frobenius().frobenius() * t2.conjugate()         // · (x² + p² - 1)
    return t3 * m.cyclotomicSquared() * m                   // · m³
  }

  /// The reduced pairing e(P, Q) (cubed; see `finalExponentiation`).
  public static func pairing(_ p: G1Affine, _ q: G2Affine) -> Fp12 {
    finalExponentiation(multiMillerLoop([(p, G2Prepared(q))]))
  }

  /// Whether ∏ e(Pᵢ, Qᵢ) = 1, with one shared final exponentiation.
  public static func pairingCheck(_ pairs: [(G1Affine, G2Prepared)]) -> Bool {
    finalExponentiation(multiMillerLoop(pairs)).isOne
  }
}
