extension BN254 {
  /// `b' = 3 / ξ` of the D-type twist `y² = x³ + 3/(9 + u)` over `F_p²`, Montgomery form.
  static var g2B: Fp2 { Fp2(
    Fp(0x3bf9_38e3_77b8_02a8, 0x020b_1b27_3633_535d, 0x26b7_edf0_4975_5260, 0x2514_c632_4384_a86d),
    Fp(0x38e7_eccc_d1dc_ff67, 0x65f0_b37d_93ce_0d3e, 0xd749_d0dd_22ac_00aa, 0x0141_b9ce_4a68_8d4d)) }

  static func isOnG2Curve(x: Fp2, y: Fp2) -> Bool {
    y.squared == x.squared * x + g2B
  }

  /// G2 membership by definition: `r·Q = O` (a full 254-bit scalar multiplication). Kept as
  /// the reference for `isInG2Subgroup`.
  static func isInG2SubgroupByOrder(_ q: G2) -> Bool {
    let r = groupOrder
    return q.multiplied(by: (r[0], r[1], r[2], r[3])).isInfinity
  }

  /// The endomorphism `ψ = τ⁻¹ ∘ π_p ∘ τ` of the twist (τ the twist map, π_p Frobenius):
  /// `(x, y) ↦ (x̄·ξ^((p−1)/3), ȳ·ξ^((p−1)/2))`, applied to Jacobian coordinates (`Z ↦ Z̄`).
  @inline(__always)
  static func psi(_ q: G2) -> G2 {
    G2(x: q.x.conjugate * Frobenius.gamma2, y: q.y.conjugate * Frobenius.gamma3, z: q.z.conjugate)
  }

  /// G2 membership (EIP-197 requires rejecting points outside the order-r subgroup; the
  /// twist's cofactor is `2p − r`, so such points exist on the curve). Uses the criterion
  /// `[x+1]Q + ψ([x]Q) + ψ²([x]Q) = ψ³([2x]Q)` ⟺ `[r]Q = O` for BN curves (El Housni,
  /// Guillevic, Piellard, "Co-factor clearing and subgroup membership testing on
  /// pairing-friendly curves", 2022), which needs one 63-bit scalar multiplication instead of
  /// a 254-bit one. Tests cross-check it against `isInG2SubgroupByOrder`.
  static func isInG2Subgroup(_ q: G2) -> Bool {
    if q.isInfinity { return true }
    let xq = q.multiplied(by: (curveParameter, 0, 0, 0))
    let psiXQ = psi(xq)
    let psi2XQ = psi(psiXQ)
    let lhs = xq + q + psiXQ + psi2XQ
    let rhs = psi(psi(psi(xq.doubled)))
    return lhs.isEqual(to: rhs)
  }

  /// An affine G2 point (never infinity) as used by the Miller loop.
  struct G2Affine {
    var x: Fp2
    var y: Fp2
  }

  enum G2Decoding {
    case infinity
    case point(G2Affine)
  }

  /// Decodes a G2 point from 128 bytes at `offset`. EIP-197 encodes an `F_p²` element
  /// `a + b·u` as `b ‖ a` (imaginary part first). Each of the four words must be < p; all
  /// zeros is infinity; any other point must be on the twist and in the order-r subgroup.
  static func decodeG2(_ input: [UInt8], at offset: Int) -> G2Decoding? {
    guard let xIm = Fp(canonical: readWord(input, offset)),
      let xRe = Fp(canonical: readWord(input, offset + 32)),
      let yIm = Fp(canonical: readWord(input, offset + 64)),
      let yRe = Fp(canonical: readWord(input, offset + 96))
    else { return nil }
    let x = Fp2(xRe, xIm)
    let y = Fp2(yRe, yIm)
    if x.isZero && y.isZero { return .infinity }
    guard isOnG2Curve(x: x, y: y) else { return nil }
    guard isInG2Subgroup(G2(affineX: x, affineY: y)) else { return nil }
    return .point(G2Affine(x: x, y: y))
  }
}

extension BN254 {
  /// Encodes a G2 point as 128 bytes in the EIP-197 layout (`x_im ‖ x_re ‖ y_im ‖ y_re`),
  /// infinity as zeros.
  static func encodeG2(_ q: G2) -> [UInt8] {
    guard let a = q.affine else { return [UInt8](repeating: 0, count: 128) }
    var out: [UInt8] = []
    out.reserveCapacity(128)
    appendWord(a.x.c1.canonical, to: &out)
    appendWord(a.x.c0.canonical, to: &out)
    appendWord(a.y.c1.canonical, to: &out)
    appendWord(a.y.c0.canonical, to: &out)
    return out
  }
}
