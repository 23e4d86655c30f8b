import Testing

@testable import Cryptography

// Vectors marked "geth" come from go-ethereum's core/vm/testdata/precompiles/{bn256Add,
// bn256ScalarMul,bn256Pairing}.json (names kept); the not-in-subgroup point comes from
// ethereum/tests GeneralStateTests/stZeroKnowledge/ecpairing_one_point_not_in_subgroup.json.

private func bnHex(_ s: String) -> [UInt8] {
  var out: [UInt8] = []
  var it = s.utf8.makeIterator()
  func nibble(_ c: UInt8) -> UInt8 {
    switch c {
    case 48...57: return c - 48
    case 97...102: return c - 87
    case 65...70: return c - 55
    default: fatalError("bad hex")
    }
  }
  while let a = it.next(), let b = it.next() { out.append(nibble(a) << 4 | nibble(b)) }
  return out
}

private func bnHexString(_ b: [UInt8]) -> String {
  let digits = Array("0123456789abcdef")
  return String(b.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}

private func word(_ v: UInt64) -> String { String(repeating: "0", count: 48) + bnHexString(withUnsafeBytes(of: v.bigEndian) { Array($0) }) }

private let g1Gen = word(1) + word(2)
private let g2Gen =
  "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
  + "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
  + "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
  + "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa"
private let groupOrderHex = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001"
private let fieldModulusHex = "30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47"
private let zero64 = String(repeating: "0", count: 128)

struct BN254Vector: Sendable, CustomStringConvertible {
  let name: String
  let input: String
  let expected: String?  // nil: the precompile must fail
  var description: String { name }
}

@Suite struct BN254FieldTests {
  @Test func inverseEdgeCases() {
    #expect(BN254.Fp.zero.inverse() == .zero)
    #expect(BN254.Fp.one.inverse() == .one)
    let minusOne = -BN254.Fp.one
    #expect(minusOne.inverse() == minusOne)
    // p − 1 and small values as plain limbs, whatever they mean in Montgomery form.
    for v in [BN254.Fp(1, 0, 0, 0), BN254.Fp(2, 0, 0, 0), BN254.Fp(0x3c20_8c16_d87c_fd46, 0x9781_6a91_6871_ca8d, 0xb850_45b6_8181_585d, 0x3064_4e72_e131_a029)] {
      #expect(v.inverse() == v.inverseByFermat())
      #expect(v * v.inverse() == .one)
    }
  }

  @Test func montgomeryRoundTrip() {
    let a = BN254.Fp(canonical: (123_456_789, 0, 0, 42))!
    #expect(a.canonical == (123_456_789, 0, 0, 42))
    #expect(BN254.Fp.one.canonical == (1, 0, 0, 0))
    #expect(BN254.Fp(canonical: BN254.modulus) == nil)
  }

  @Test func fieldIdentities() {
    var x = BN254.Fp(7)
    for _ in 0..<50 {
      let y = x * x + BN254.Fp(3)
      #expect(x * x.inverse() == .one)
      #expect(x.inverse() == x.inverseByFermat())
      #expect((x + y) - y == x)
      #expect(x - x == .zero)
      #expect(-x + x == .zero)
      #expect((x + y) * (x + y) == x.squared + (x * y).doubled + y.squared)
      let x2 = BN254.Fp2(x, y)
      #expect(x2 * x2.inverse() == .one)
      #expect(x2.squared == x2 * x2)
      #expect(x2.timesXi == x2 * BN254.Fp2(BN254.Fp(9), .one))
      x = y
    }
  }

  @Test func towerIdentities() {
    let a = BN254.Fp2(BN254.Fp(5), BN254.Fp(11)), b = BN254.Fp2(BN254.Fp(17), BN254.Fp(3))
    let c = BN254.Fp2(BN254.Fp(1234), BN254.Fp(99))
    let f6 = BN254.Fp6(a, b, c)
    let g6 = BN254.Fp6(c, a, b)
    #expect(f6 * f6.inverse() == .one)
    #expect(f6.squared == f6 * f6)
    #expect(f6.multiplied(by01: a, b) == f6 * BN254.Fp6(a, b, .zero))
    let v = BN254.Fp6(.zero, .one, .zero)
    #expect(f6.timesV == f6 * v)
    let f = BN254.Fp12(f6, g6)
    #expect(f * f.inverse() == .one)
    #expect(f.squared == f * f)
    #expect(f.multiplied(byLine: a, b, c) == f * BN254.Fp12(BN254.Fp6(a, .zero, .zero), BN254.Fp6(b, c, .zero)))
    // Frobenius is the p-th power map: compare against square-and-multiply by p.
    #expect(f.frobenius == f.power(bigEndian: bnHex(fieldModulusHex)))
    // Twelve applications are the identity.
    var g = f
    for _ in 0..<12 { g = g.frobenius }
    #expect(g == f)
  }

  @Test func cyclotomicSquaringMatchesSquaring() {
    let a = BN254.Fp2(BN254.Fp(5), BN254.Fp(11)), b = BN254.Fp2(BN254.Fp(17), BN254.Fp(3))
    let f = BN254.Fp12(BN254.Fp6(a, b, a + b), BN254.Fp6(b, a, a * b))
    // The easy part maps into the cyclotomic subgroup.
    var m = f.conjugate * f.inverse()
    m = m.frobenius.frobenius * m
    #expect(m.cyclotomicSquared == m.squared)
    #expect(m.cyclotomicPower(BN254.curveParameter) == m.power(BN254.curveParameter))
  }

  @Test func ateLoopNAFEncodesLoopCount() {
    var value: Int128 = 0
    for d in BN254.ateLoopNAF.reversed() { value = value * 2 + Int128(d) }
    #expect(value == Int128(BN254.ateLoopCount))
    // Non-adjacent: no two consecutive non-zero digits.
    for i in 1..<BN254.ateLoopNAF.count { #expect(BN254.ateLoopNAF[i] == 0 || BN254.ateLoopNAF[i - 1] == 0) }
  }

  @Test func hardPartMatchesDirectExponentiation() {
    // (p⁴ − p² + 1)/r, computed offline.
    let hard = bnHex(
      "01baaa710b0759ad331ec15183177faf6c0eb522d5b122784e529a5861876f6b3b1b1355d189227d79581e16f3fd90c66b887d56d5095f23aaa441e3954bcf8adcc7b44c87cdbacff1154e7e1da014fd5abf5cc4f49c36d4e81bb482ccdf42b1")
    let a = BN254.Fp2(BN254.Fp(5), BN254.Fp(11)), b = BN254.Fp2(BN254.Fp(17), BN254.Fp(3))
    let f = BN254.Fp12(BN254.Fp6(a, b, a + b), BN254.Fp6(b, a, a * b))
    var m = f.conjugate * f.inverse()
    m = m.frobenius.frobenius * m
    #expect(BN254.hardPart(m) == m.power(bigEndian: hard))
  }
}

@Suite struct BN254CurveTests {
  @Test func generatorsOnCurve() throws {
    #expect(BN254.isOnG1Curve(x: BN254.Fp(1), y: BN254.Fp(2)))
    guard case .point(let q) = BN254.decodeG2(bnHex(g2Gen), at: 0) else {
      Issue.record("G2 generator rejected"); return
    }
    #expect(BN254.isOnG2Curve(x: q.x, y: q.y))
  }

  @Test func pointPlusNegationIsInfinity() throws {
    let p = try #require(BN254.mul(bnHex(g1Gen + word(12345))))
    let pa = try #require(BN254.decodeG1(p, at: 0))
    let neg = BN254.encodeG1(pa.negated)
    #expect(BN254.add(p + neg) == [UInt8](repeating: 0, count: 64))
    #expect(BN254.add(p + p) == BN254.mul(p + bnHex(word(2))))
  }

  @Test func multiplyByGroupOrderIsInfinity() {
    #expect(BN254.mul(bnHex(g1Gen + groupOrderHex)) == [UInt8](repeating: 0, count: 64))
    let q = BN254.G2(affineX: g2Point().x, affineY: g2Point().y)
    let r = BN254.groupOrder
    #expect(q.multiplied(by: (r[0], r[1], r[2], r[3])).isInfinity)
    // (r + 1)·G = G.
    #expect(BN254.mul(bnHex(g1Gen + "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000002")) == bnHex(g1Gen))
  }

  @Test func scalarMulMatchesRepeatedAddition() throws {
    var acc = [UInt8](repeating: 0, count: 64)
    let g = bnHex(g1Gen)
    for k in 1...20 {
      acc = try #require(BN254.add(acc + g))
      #expect(BN254.mul(g + bnHex(word(UInt64(k)))) == acc)
    }
  }

  @Test func invalidInputsFail() {
    // Coordinate ≥ p.
    #expect(BN254.add(bnHex(fieldModulusHex + word(2) + zero64)) == nil)
    #expect(BN254.mul(bnHex(word(1) + fieldModulusHex + word(2))) == nil)
    // (1, 3) is not on the curve.
    #expect(BN254.add(bnHex(word(1) + word(3))) == nil)
    #expect(BN254.mul(bnHex(word(1) + word(3) + word(1))) == nil)
    // Pairing: bad lengths.
    #expect(BN254.pairingCheck([UInt8](repeating: 0, count: 191)) == nil)
    #expect(BN254.pairingCheck([UInt8](repeating: 0, count: 193)) == nil)
    // G2 coordinate ≥ p.
    #expect(BN254.pairingCheck(bnHex(g1Gen + fieldModulusHex + String(g2Gen.dropFirst(64)))) == nil)
    // G2 point off the twist: perturb y_re by one.
    var bad = bnHex(g1Gen + g2Gen)
    bad[191] ^= 1
    #expect(BN254.pairingCheck(bad) == nil)
  }

  @Test func g2PointNotInSubgroupFails() {
    // (1, y) on the twist y² = x³ + 3/(9+u), y computed offline with an F_p² square root.
    // The twist's cofactor is 2p − r, so this point lies outside the order-r subgroup.
    let g2 =
      word(0) + word(1)
      + "0d1271953ed9ea0836846e70a1934187998c7f790cb4d7511b7f8da82de048a4"
      + "2869111d5381f072f8e2728fdb825a51aadd70e52c9830e9ab4b871c0531f1bb"
    let bytes = bnHex(g2)
    let x = BN254.Fp2(.one, .zero)
    let y = BN254.Fp2(
      BN254.Fp(canonical: BN254.readWord(bytes, 96))!, BN254.Fp(canonical: BN254.readWord(bytes, 64))!)
    #expect(BN254.isOnG2Curve(x: x, y: y))
    #expect(!BN254.isInG2Subgroup(BN254.G2(affineX: x, affineY: y)))
    #expect(!BN254.isInG2SubgroupByOrder(BN254.G2(affineX: x, affineY: y)))
    #expect(BN254.pairingCheck(bnHex(zero64 + g2)) == nil)
    #expect(BN254.pairingCheck(bnHex(g1Gen + g2)) == nil)
    // stZeroKnowledge/ecpairing_one_point_not_in_subgroup.json's input must fail too.
    let fixture =
      zero64 + word(0) + word(8)
      + "00d3270b7da683f988d3889abcdad9776ecd45abaca689f1118c3fd33404b439"
      + "2588360d269af2cd3e0803839ea274c2b8f062a6308e8da85fd774c26f1bcb87"
    #expect(BN254.pairingCheck(bnHex(fixture)) == nil)
  }
}

extension BN254CurveTests {
  /// The ψ-based membership test agrees with `r·Q = O` on points inside and outside G2:
  /// multiples of the generator, multiples of a non-member, their sums, and the non-member
  /// with its cofactor cleared (`(2p − r)·Q`, which lands in G2).
  @Test func fastSubgroupCheckMatchesDefinition() {
    let g = g2Point()
    let gen = BN254.G2(affineX: g.x, affineY: g.y)
    let bytes = bnHex(
      "0d1271953ed9ea0836846e70a1934187998c7f790cb4d7511b7f8da82de048a4"
        + "2869111d5381f072f8e2728fdb825a51aadd70e52c9830e9ab4b871c0531f1bb")
    let bad = BN254.G2(
      affineX: BN254.Fp2(.one, .zero),
      affineY: BN254.Fp2(BN254.Fp(canonical: BN254.readWord(bytes, 32))!, BN254.Fp(canonical: BN254.readWord(bytes, 0))!))
    // Cofactor h = 2p − r, little-endian limbs.
    let h: (UInt64, UInt64, UInt64, UInt64) = (
      0x345f_2299_c0f9_fa8d, 0x06ce_ecda_572a_2489, 0xb850_45b6_8181_585e, 0x3064_4e72_e131_a029)
    var cases: [(BN254.G2, Bool)] = [(gen, true), (bad, false), (bad.multiplied(by: h), true)]
    for k: UInt64 in [2, 3, 7, 1_000_003, 0xffff_ffff_ffff_ffff] {
      cases.append((gen.multiplied(by: (k, 0, 0, 0)), true))
      cases.append((bad.multiplied(by: (k, 0, 0, 0)), false))
      cases.append((gen.multiplied(by: (k, 0, 0, 0)) + bad, false))
    }
    for (q, member) in cases {
      #expect(BN254.isInG2SubgroupByOrder(q) == member)
      #expect(BN254.isInG2Subgroup(q) == member)
    }
  }
}

private func g2Point() -> BN254.G2Affine {
  guard case .point(let q) = BN254.decodeG2(bnHex(g2Gen), at: 0) else { fatalError("G2 generator") }
  return q
}

@Suite struct BN254PairingTests {
  @Test func emptyInputIsTrue() {
    #expect(BN254.pairingCheck([]) == bnHex(word(1)))
  }

  @Test func bilinearity() throws {
    // e(aP, bQ) · e(−abP, Q) = 1, and e(aP, bQ) · e(abP, Q) ≠ 1.
    let a: UInt64 = 0x1234_5678_9abc, b: UInt64 = 0xfedc_ba98_7654_3210
    let ab = a.multipliedFullWidth(by: b)
    let abHex = String(repeating: "0", count: 32)
      + bnHexString(withUnsafeBytes(of: ab.high.bigEndian) { Array($0) })
      + bnHexString(withUnsafeBytes(of: ab.low.bigEndian) { Array($0) })
    let aP = try #require(BN254.mul(bnHex(g1Gen + word(a))))
    let abP = try #require(BN254.mul(bnHex(g1Gen + abHex)))
    let abPPoint = try #require(BN254.decodeG1(abP, at: 0))
    let negAbP = BN254.encodeG1(abPPoint.negated)
    let q = g2Point()
    let bQ = BN254.encodeG2(BN254.G2(affineX: q.x, affineY: q.y).multiplied(by: (b, 0, 0, 0)))
    let one = bnHex(word(1)), zero = bnHex(word(0))
    #expect(BN254.pairingCheck(aP + bQ + negAbP + bnHex(g2Gen)) == one)
    #expect(BN254.pairingCheck(aP + bQ + abP + bnHex(g2Gen)) == zero)
    // A single non-degenerate pair is never 1.
    #expect(BN254.pairingCheck(aP + bQ) == zero)
    // Pairs with infinity contribute 1.
    #expect(BN254.pairingCheck(bnHex(zero64 + g2Gen)) == one)
    #expect(BN254.pairingCheck(bnHex(g1Gen) + [UInt8](repeating: 0, count: 128)) == one)
  }

  static let vectors: [BN254Vector] = [
    .init(
      name: "geth jeff1",
      input:
        "1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f593034dd2920f673e204fee2811c678745fc819b55d3e9d294e45c9b03a76aef41209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4a452003a35bf704bf11ca01483bfa8b34b43561848d28905960114c8ac04049af4b6315a416782bb8324af6cfc93537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d120a2a4cf30c1bf9845f20c6fe39e07ea2cce61f0c9bb048165fe5e4de877550111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49d1b6df7c2032c61a830e3c17286de9462bf242fca2883585b93870a73853face6a6bf411198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa",
      expected: "0000000000000000000000000000000000000000000000000000000000000001"),
    .init(
      name: "geth jeff6",
      input:
        "1c76476f4def4bb94541d57ebba1193381ffa7aa76ada664dd31c16024c43f593034dd2920f673e204fee2811c678745fc819b55d3e9d294e45c9b03a76aef41209dd15ebff5d46c4bd888e51a93cf99a7329636c63514396b4a452003a35bf704bf11ca01483bfa8b34b43561848d28905960114c8ac04049af4b6315a416782bb8324af6cfc93537a2ad1a445cfd0ca2a71acd7ac41fadbf933c2a51be344d120a2a4cf30c1bf9845f20c6fe39e07ea2cce61f0c9bb048165fe5e4de877550111e129f1cf1097710d41c4ac70fcdfa5ba2023c6ff1cbeac322de49d1b6df7c103188585e2364128fe25c70558f1560f4f9350baf3959e603cc91486e110936198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa",
      expected: "0000000000000000000000000000000000000000000000000000000000000000"),
    .init(
      name: "geth one_point",
      input:
        "00000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa",
      expected: "0000000000000000000000000000000000000000000000000000000000000000"),
    .init(
      name: "geth two_point_match_2",
      input:
        "00000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa00000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed275dc4a288d1afb3cbb1ac09187524c7db36395df7be3b99e673b13a075a65ec1d9befcd05a5323e6da4d435f3b617cdb3af83285c2df711ef39c01571827f9d",
      expected: "0000000000000000000000000000000000000000000000000000000000000001"),
    .init(
      name: "geth two_point_match_4",
      input:
        "105456a333e6d636854f987ea7bb713dfd0ae8371a72aea313ae0c32c0bf10160cf031d41b41557f3e7e3ba0c51bebe5da8e6ecd855ec50fc87efcdeac168bcc0476be093a6d2b4bbf907172049874af11e1b6267606e00804d3ff0037ec57fd3010c68cb50161b7d1d96bb71edfec9880171954e56871abf3d93cc94d745fa114c059d74e5b6c4ec14ae5864ebe23a71781d86c29fb8fb6cce94f70d3de7a2101b33461f39d9e887dbb100f170a2345dde3c07e256d1dfa2b657ba5cd030427000000000000000000000000000000000000000000000000000000000000000100000000000000000000000000000000000000000000000000000000000000021a2c3013d2ea92e13c800cde68ef56a294b883f6ac35d25f587c09b1b3c635f7290158a80cd3d66530f74dc94c94adb88f5cdb481acca997b6e60071f08a115f2f997f3dbd66a7afe07fe7862ce239edba9e05c5afff7f8a1259c9733b2dfbb929d1691530ca701b4a106054688728c9972c8512e9789e9567aae23e302ccd75",
      expected: "0000000000000000000000000000000000000000000000000000000000000001"),
    .init(
      name: "geth two_point_match_3",
      input:
        "00000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002203e205db4f19b37b60121b83a7333706db86431c6d835849957ed8c3928ad7927dc7234fd11d3e8c36c59277c3e6f149d5cd3cfa9a62aee49f8130962b4b3b9195e8aa5b7827463722b8c153931579d3505566b4edf48d498e185f0509de15204bb53b8977e5f92a0bc372742c4830944a59b4fe6b1c0466e2a6dad122b5d2e030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd31a76dae6d3272396d0cbe61fced2bc532edac647851e3ac53ce1cc9c7e645a83198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c21800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa",
      expected: "0000000000000000000000000000000000000000000000000000000000000001"),
  ]

  /// geth ten_point_match_1 is two_point_match_2 five times over; also interleave pairs
  /// with a point at infinity, which contribute 1 but must still be valid.
  @Test func manyPairs() throws {
    let match2 = try #require(Self.vectors.first { $0.name == "geth two_point_match_2" }).input
    let one = bnHex(word(1))
    #expect(BN254.pairingCheck(bnHex(String(repeating: match2, count: 5))) == one)
    let infinityPair = zero64 + g2Gen
    #expect(BN254.pairingCheck(bnHex(infinityPair + match2 + infinityPair)) == one)
    // An odd number of e(G1, G2) factors is not 1.
    let single = String(match2.prefix(384))
    #expect(BN254.pairingCheck(bnHex(match2 + single + match2)) == bnHex(word(0)))
  }

  @Test(arguments: vectors) func pairingVector(_ v: BN254Vector) {
    let out = BN254.pairingCheck(bnHex(v.input))
    #expect(out.map(bnHexString) == v.expected)
  }
}

@Suite struct BN254AddMulVectors {
  static let add: [BN254Vector] = [
    .init(
      name: "geth add chfast1",
      input:
        "18b18acfb4c2c30276db5411368e7185b311dd124691610c5d3b74034e093dc9063c909c4720840cb5134cb9f59fa749755796819658d32efc0d288198f3726607c2b7f58a84bd6145f00c9c2bc0bb1a187f20ff2c92963a88019e7c6a014eed06614e20c147e940f2d70da3f74c9a17df361706a4485c742bd6788478fa17d7",
      expected:
        "2243525c5efd4b9c3d3c45ac0ca3fe4dd85e830a4ce6b65fa1eeaee202839703301d1d33be6da8e509df21cc35964723180eed7532537db9ae5e7d48f195c915"),
    .init(
      name: "geth add chfast2",
      input:
        "2243525c5efd4b9c3d3c45ac0ca3fe4dd85e830a4ce6b65fa1eeaee202839703301d1d33be6da8e509df21cc35964723180eed7532537db9ae5e7d48f195c91518b18acfb4c2c30276db5411368e7185b311dd124691610c5d3b74034e093dc9063c909c4720840cb5134cb9f59fa749755796819658d32efc0d288198f37266",
      expected:
        "2bd3e6d0f3b142924f5ca7b49ce5b9d54c4703d7ae5648e61d02268b1a0a9fb721611ce0a6af85915e2f1d70300909ce2e49dfad4a4619c8390cae66cefdb204"),
    .init(name: "geth add cdetrio4 (empty)", input: "", expected: zero64),
    .init(name: "geth add cdetrio1 (zeros, long)", input: zero64 + zero64 + zero64, expected: zero64),
    .init(name: "geth add cdetrio8 (short)", input: g1Gen, expected: g1Gen),
    .init(
      name: "geth add cdetrio11 (G + G)", input: g1Gen + g1Gen,
      expected:
        "030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd315ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4"),
    .init(
      name: "geth add cdetrio13",
      input:
        "17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa901e0559bacb160664764a357af8a9fe70baa9258e0b959273ffc5718c6d4cc7c039730ea8dff1254c0fee9c0ea777d29a9c710b7e616683f194f18c43b43b869073a5ffcc6fc7a28c30723d6e58ce577356982d65b833a5a5c15bf9024b43d98",
      expected:
        "15bf2bb17880144b5d1cd2b1f46eff9d617bffd1ca57c37fb5a49bd84e53cf66049c797f9ce0d17083deb32b5e36f2ea2a212ee036598dd7624c168993d1355f"),
    .init(
      name: "geth add cdetrio14 (P + -P)",
      input:
        "17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa901e0559bacb160664764a357af8a9fe70baa9258e0b959273ffc5718c6d4cc7c17c139df0efee0f766bc0204762b774362e4ded88953a39ce849a8a7fa163fa92e83f8d734803fc370eba25ed1f6b8768bd6d83887b87165fc2434fe11a830cb"
        + zero64,
      expected: zero64),
  ]

  static let mul: [BN254Vector] = [
    .init(
      name: "geth mul chfast1",
      input:
        "2bd3e6d0f3b142924f5ca7b49ce5b9d54c4703d7ae5648e61d02268b1a0a9fb721611ce0a6af85915e2f1d70300909ce2e49dfad4a4619c8390cae66cefdb20400000000000000000000000000000000000000000000000011138ce750fa15c2",
      expected:
        "070a8d6a982153cae4be29d434e8faef8a47b274a053f5a4ee2a6c9c13c31e5c031b8ce914eba3a9ffb989f9cdd5b0f01943074bf4f0f315690ec3cec6981afc"),
    .init(
      name: "geth mul chfast2",
      input:
        "070a8d6a982153cae4be29d434e8faef8a47b274a053f5a4ee2a6c9c13c31e5c031b8ce914eba3a9ffb989f9cdd5b0f01943074bf4f0f315690ec3cec6981afc30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd46",
      expected:
        "025a6f4181d2b4ea8b724290ffb40156eb0adb514c688556eb79cdea0752c2bb2eff3f31dea215f1eb86023a133a996eb6300b44da664d64251d05381bb8a02e"),
    .init(
      name: "geth mul chfast3",
      input:
        "025a6f4181d2b4ea8b724290ffb40156eb0adb514c688556eb79cdea0752c2bb2eff3f31dea215f1eb86023a133a996eb6300b44da664d64251d05381bb8a02e183227397098d014dc2822db40c0ac2ecbc0b548b438e5469e10460b6c3e7ea3",
      expected:
        "14789d0d4a730b354403b5fac948113739e276c23e0258d8596ee72f9cd9d3230af18a63153e0ec25ff9f2951dd3fa90ed0197bfef6e2a1a62b5095b9d2b4a27"),
    .init(
      name: "geth mul cdetrio1",
      input:
        "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
      expected:
        "2cde5879ba6f13c0b5aa4ef627f159a3347df9722efce88a9afbb20b763b4c411aa7e43076f6aee272755a7f9b84832e71559ba0d2e0b17d5f9f01755e5b0d11"),
    .init(
      name: "geth mul cdetrio2 (r - 1)",
      input:
        "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f630644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000",
      expected:
        "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe3163511ddc1c3f25d396745388200081287b3fd1472d8339d5fecb2eae0830451"),
    .init(
      name: "geth mul cdetrio3",
      input:
        "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f60000000000000000000000000000000100000000000000000000000000000000",
      expected:
        "1051acb0700ec6d42a88215852d582efbaef31529b6fcbc3277b5c1b300f5cf0135b2394bb45ab04b8bd7611bd2dfe1de6a4e6e2ccea1ea1955f577cd66af85b"),
    .init(
      name: "geth mul cdetrio11",
      input:
        "039730ea8dff1254c0fee9c0ea777d29a9c710b7e616683f194f18c43b43b869073a5ffcc6fc7a28c30723d6e58ce577356982d65b833a5a5c15bf9024b43d98ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
      expected:
        "00a1a234d08efaa2616607e31eca1980128b00b415c845ff25bba3afcb81dc00242077290ed33906aeb8e42fd98c41bcb9057ba03421af3f2d08cfc441186024"),
    .init(
      name: "geth mul cdetrio14 (9)",
      input:
        "039730ea8dff1254c0fee9c0ea777d29a9c710b7e616683f194f18c43b43b869073a5ffcc6fc7a28c30723d6e58ce577356982d65b833a5a5c15bf9024b43d980000000000000000000000000000000000000000000000000000000000000009",
      expected:
        "19f75b9dd68c080a688774a6213f131e3052bd353a304a189d7a2ee367e3c2582612f545fb9fc89fde80fd81c68fc7dcb27fea5fc124eeda69433cf5c46d2d7f"),
    .init(name: "mul by zero", input: g1Gen + word(0), expected: zero64),
    .init(name: "mul short input (scalar 0)", input: g1Gen, expected: zero64),
    .init(name: "mul infinity", input: zero64 + word(77), expected: zero64),
  ]

  @Test(arguments: add) func addVector(_ v: BN254Vector) {
    #expect(BN254.add(bnHex(v.input)).map(bnHexString) == v.expected)
  }

  @Test(arguments: mul) func mulVector(_ v: BN254Vector) {
    #expect(BN254.mul(bnHex(v.input)).map(bnHexString) == v.expected)
  }
}
