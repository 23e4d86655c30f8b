import Testing
@testable import Cryptography
import TestSupport

private typealias Fp = BLS12381.Fp
private typealias Fp2 = BLS12381.Fp2
private typealias Fp6 = BLS12381.Fp6
private typealias Fp12 = BLS12381.Fp12
private typealias G1Affine = BLS12381.G1Affine
private typealias G2Affine = BLS12381.G2Affine
private typealias G1Point = BLS12381.G1Point
private typealias G2Point = BLS12381.G2Point
private typealias Scalar = BLS12381.Scalar

private func randomFp(_ g: inout SeededGenerator) -> Fp {
  // Top limb below p's top limb keeps the raw value under p.
  let raw = Fp(g.next(), g.next(), g.next(), g.next(), g.next(), g.next() % 0x1a0111ea397fe69a)
  return Fp(canonical: raw)
}
private func randomFp2(_ g: inout SeededGenerator) -> Fp2 { Fp2(randomFp(&g), randomFp(&g)) }
private func randomFp6(_ g: inout SeededGenerator) -> Fp6 {
  Fp6(randomFp2(&g), randomFp2(&g), randomFp2(&g))
}
private func randomFp12(_ g: inout SeededGenerator) -> Fp12 { Fp12(randomFp6(&g), randomFp6(&g)) }
/// A random canonical scalar below r (top limb masked below r's top limb).
private func randomScalar(_ g: inout SeededGenerator) -> Scalar {
  Scalar(g.next(), g.next(), g.next(), g.next() % 0x73eda753299d7d48)
}
/// a·b as a 128-bit scalar.
private func product(_ a: UInt64, _ b: UInt64) -> Scalar {
  let (hi, lo) = a.multipliedFullWidth(by: b)
  return Scalar(lo, hi, 0, 0)
}
private func hexBytes(_ s: String) -> [UInt8] {
  let body = s.hasPrefix("0x") ? String(s.dropFirst(2)) : s
  return PointEvaluation.decodeHex(body)!
}

@Suite("BLS12-381 fields")
struct BLS12381FieldTests {
  @Test func fpArithmetic() {
    var g = SeededGenerator(seed: 1)
    for _ in 0..<200 {
      let a = randomFp(&g), b = randomFp(&g), c = randomFp(&g)
      #expect(a * b == b * a)
      #expect((a * b) * c == a * (b * c))
      #expect(a * (b + c) == a * b + a * c)
      #expect((a + b) - b == a)
      #expect(a + (-a) == Fp.zero)
      #expect(a * Fp.one == a)
      #expect(a.doubled() == a + a)
    }
    for _ in 0..<10 {
      let a = randomFp(&g)
      #expect(a * a.inverse() == Fp.one)
      let s = a.squared()
      #expect(s.squareRoot()?.squared() == s)
    }
  }

  @Test func fpSmallValuesAndBytes() {
    #expect(Fp(2) * Fp(3) == Fp(6))
    #expect(Fp(5) - Fp(7) == -Fp(2))
    var g = SeededGenerator(seed: 2)
    for _ in 0..<50 {
      let a = randomFp(&g)
      #expect(Fp(bigEndian: a.bigEndianBytes) == a)
    }
    // p itself and anything above it are rejected.
    let p = hexBytes("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab")
    #expect(Fp(bigEndian: p) == nil)
    var pMinus1 = p
    pMinus1[47] -= 1
    #expect(Fp(bigEndian: pMinus1) == -Fp.one)
    // (p - 1) / 2 is not "largest"; (p + 1) / 2 is.
    let half = Fp(canonical: Fp.halfModulus)
    #expect(!half.isLexicographicallyLargest)
    #expect((half + Fp.one).isLexicographicallyLargest)
  }

  @Test func extensionFieldInverses() {
    var g = SeededGenerator(seed: 3)
    for _ in 0..<10 {
      let a2 = randomFp2(&g), b2 = randomFp2(&g)
      #expect(a2 * a2.inverse() == Fp2.one)
      #expect(a2.squared() == a2 * a2)
      #expect(a2 * b2 == b2 * a2)
      let s2 = a2.squared()
      #expect(s2.squareRoot()?.squared() == s2)
      let a6 = randomFp6(&g), b6 = randomFp6(&g)
      #expect(a6 * a6.inverse() == Fp6.one)
      #expect(a6.squared() == a6 * a6)
      #expect(a6 * b6 == b6 * a6)
      let a12 = randomFp12(&g), b12 = randomFp12(&g)
      #expect(a12 * a12.inverse() == Fp12.one)
      #expect(a12.squared() == a12 * a12)
      #expect((a12 * b12).frobenius() == a12.frobenius() * b12.frobenius())
      #expect((a12 * b12).conjugate() == a12.conjugate() * b12.conjugate())
    }
  }

  @Test func sparseProductsMatchDenseOnes() {
    var g = SeededGenerator(seed: 4)
    for _ in 0..<10 {
      let f = randomFp12(&g)
      let l0 = randomFp2(&g), l1 = randomFp2(&g), l4 = randomFp2(&g)
      let dense = Fp12(Fp6(l0, l1, .zero), Fp6(.zero, l4, .zero))
      #expect(f.multiplied(by014: l0, l1, l4) == f * dense)
    }
  }

  @Test func frobeniusIsThePthPower() {
    // f^p computed by square-and-multiply over p's six limbs.
    var g = SeededGenerator(seed: 5)
    let f = randomFp12(&g)
    var acc = Fp12.one
    let p = Fp(Fp.p0, Fp.p1, Fp.p2, Fp.p3, Fp.p4, Fp.p5)
    var i = 5
    while i >= 0 {
      for bit in stride(from: 63, through: 0, by: -1) {
        acc = acc.squared()
        if (p.limb(i) >> UInt64(bit)) & 1 == 1 { acc = acc * f }
      }
      i -= 1
    }
    #expect(f.frobenius() == acc)
  }

  @Test func cyclotomicSquaring() {
    var g = SeededGenerator(seed: 6)
    for _ in 0..<5 {
      let f = randomFp12(&g)
      let f1 = f.conjugate() * f.inverse()
      let m = f1.frobenius().frobenius() * f1
      #expect(m.cyclotomicSquared() == m.squared())
      #expect(m.cyclotomicPowX() == m.pow(Scalar(BLS12381.xAbs)).conjugate())
    }
  }
}

@Suite("BLS12-381 groups")
struct BLS12381GroupTests {
  @Test func generatorsAreOnCurveAndInSubgroup() {
    #expect(G1Affine.generator.isOnCurve)
    #expect(G1Affine.generator.isInSubgroup)
    #expect(G2Affine.generator.isOnCurve)
    #expect(G2Affine.generator.isInSubgroup)
    #expect(G1Affine.generator.multiplied(by: Scalar.modulus).isIdentity)
    #expect(G2Affine.generator.multiplied(by: Scalar.modulus).isIdentity)
    #expect(!G1Affine.generator.multiplied(by: Scalar(12345)).isIdentity)
  }

  @Test func g1GroupLaws() {
    var g = SeededGenerator(seed: 10)
    let gen = G1Point.generator
    for _ in 0..<5 {
      let a = UInt64.random(in: 1...UInt64.max, using: &g), b = UInt64.random(in: 1...UInt64.max, using: &g)
      let c = UInt64.random(in: 1...UInt64.max, using: &g)
      let p = gen.multiplied(by: Scalar(a)), q = gen.multiplied(by: Scalar(b))
      let r = gen.multiplied(by: Scalar(c))
      #expect(p + q == q + p)
      #expect((p + q) + r == p + (q + r))
      #expect(p + (-p) == G1Point.identity)
      #expect(p + G1Point.identity == p)
      #expect(p + p == p.doubled())
      #expect(p.adding(q.affine) == p + q)
      #expect(p.adding(p.affine) == p.doubled())
      #expect(p.multiplied(by: Scalar(b)) == gen.multiplied(by: product(a, b)))
      #expect(G1Affine.generator.multiplied(by: Scalar(a)) == p)
      #expect((p + q).affine.isOnCurve)
      #expect((p + q).isInSubgroup)
    }
  }

  @Test func g2GroupLaws() {
    var g = SeededGenerator(seed: 11)
    let gen = G2Point.generator
    for _ in 0..<3 {
      let a = UInt64.random(in: 1...UInt64.max, using: &g), b = UInt64.random(in: 1...UInt64.max, using: &g)
      let c = UInt64.random(in: 1...UInt64.max, using: &g)
      let p = gen.multiplied(by: Scalar(a)), q = gen.multiplied(by: Scalar(b))
      let r = gen.multiplied(by: Scalar(c))
      #expect(p + q == q + p)
      #expect((p + q) + r == p + (q + r))
      #expect(p + (-p) == G2Point.identity)
      #expect(p + p == p.doubled())
      #expect(p.adding(q.affine) == p + q)
      #expect(p.multiplied(by: Scalar(b)) == gen.multiplied(by: product(a, b)))
      #expect((p + q).affine.isOnCurve)
      #expect((p + q).isInSubgroup)
    }
  }

  @Test func endomorphismSubgroupTestAgreesWithOrderTest() {
    // Points on the curve from small x: almost all lie outside G1 (the cofactor is large);
    // clearing the cofactor h = 0x396c8c005555e1568c00aaab0000aaab moves them into G1.
    let h = Scalar(0x8c00aaab0000aaab, 0x396c8c005555e156, 0, 0)
    var checked = 0
    for x in UInt64(1)...UInt64(30) {
      let fx = Fp(x)
      guard let y = (fx.squared() * fx + Fp(4)).squareRoot() else { continue }
      let p = G1Affine(x: fx, y: y)
      #expect(p.isOnCurve)
      #expect(p.isInSubgroup == G1Point(p).multiplied(by: Scalar.modulus).isIdentity)
      let cleared = p.multiplied(by: h).affine
      #expect(cleared.isInSubgroup)
      #expect(G1Point(cleared).multiplied(by: Scalar.modulus).isIdentity)
      checked += 1
    }
    #expect(checked > 5)
  }

  @Test func linearCombination() {
    var g = SeededGenerator(seed: 13)
    let a = randomScalar(&g), b = randomScalar(&g)
    let p = G1Affine.generator
    let q = p.multiplied(by: randomScalar(&g)).affine
    #expect(G1Point.linearCombination(a, p, b, q) == p.multiplied(by: a) + q.multiplied(by: b))
    #expect(G1Point.linearCombination(a, p, b, p) == p.multiplied(by: a) + p.multiplied(by: b))
    #expect(G1Point.linearCombination(Scalar(0), p, b, q) == q.multiplied(by: b))
    #expect(G1Point.linearCombination(a, p, a, -p) == G1Point.identity)
  }

  @Test func scalarMultiplicationWrapsAtTheGroupOrder() {
    var g = SeededGenerator(seed: 12)
    let k = randomScalar(&g)
    let p = G1Affine.generator.multiplied(by: k)
    // [r - k]G = -[k]G
    #expect(G1Affine.generator.multiplied(by: k.negatedModR) == -p)
    let q = G2Affine.generator.multiplied(by: k)
    #expect(G2Affine.generator.multiplied(by: k.negatedModR) == -q)
  }
}

@Suite("BLS12-381 encodings")
struct BLS12381EncodingTests {
  static let g1GeneratorHex =
    "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
  static let g2GeneratorHex =
    "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
    + "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"

  @Test func generatorEncodings() throws {
    #expect(G1Affine.generator.compressed == hexBytes(Self.g1GeneratorHex))
    #expect(try G1Affine(compressed: hexBytes(Self.g1GeneratorHex)) == G1Affine.generator)
    #expect(G2Affine.generator.compressed == hexBytes(Self.g2GeneratorHex))
    #expect(try G2Affine(compressed: hexBytes(Self.g2GeneratorHex)) == G2Affine.generator)
  }

  @Test func roundTrips() throws {
    var g = SeededGenerator(seed: 20)
    for _ in 0..<8 {
      let k = randomScalar(&g)
      let p = G1Affine.generator.multiplied(by: k).affine
      #expect(try G1Affine(compressed: p.compressed) == p)
      let np = -p
      #expect(try G1Affine(compressed: np.compressed) == np)
      #expect(p.compressed[0] & 0x20 != np.compressed[0] & 0x20)
    }
    for _ in 0..<3 {
      let k = randomScalar(&g)
      let q = G2Affine.generator.multiplied(by: k).affine
      #expect(try G2Affine(compressed: q.compressed) == q)
      #expect(try G2Affine(compressed: (-q).compressed) == -q)
    }
    #expect(try G1Affine(compressed: G1Affine.infinity.compressed) == G1Affine.infinity)
    #expect(try G2Affine(compressed: G2Affine.infinity.compressed) == G2Affine.infinity)
    #expect(G1Affine.infinity.compressed == [0xc0] + [UInt8](repeating: 0, count: 47))
  }

  @Test func rejectsBadFlagsAndLengths() {
    let gen = hexBytes(Self.g1GeneratorHex)
    var uncompressed = gen
    uncompressed[0] &= 0x7f
    #expect(throws: BLS12381.DecodingError.invalidFlags) { try G1Affine(compressed: uncompressed) }
    var infinityWithSign = [UInt8](repeating: 0, count: 48)
    infinityWithSign[0] = 0xe0
    #expect(throws: BLS12381.DecodingError.invalidFlags) { try G1Affine(compressed: infinityWithSign) }
    var infinityWithX = [UInt8](repeating: 0, count: 48)
    infinityWithX[0] = 0xc0
    infinityWithX[47] = 1
    #expect(throws: BLS12381.DecodingError.invalidFlags) { try G1Affine(compressed: infinityWithX) }
    var infinityNoCompression = [UInt8](repeating: 0, count: 48)
    infinityNoCompression[0] = 0x40
    #expect(throws: BLS12381.DecodingError.invalidFlags) {
      try G1Affine(compressed: infinityNoCompression)
    }
    #expect(throws: BLS12381.DecodingError.invalidLength(47)) {
      try G1Affine(compressed: Array(gen.dropLast()))
    }
    var g2Infinity = [UInt8](repeating: 0, count: 96)
    g2Infinity[0] = 0xc0
    g2Infinity[60] = 1
    #expect(throws: BLS12381.DecodingError.invalidFlags) { try G2Affine(compressed: g2Infinity) }
    #expect(throws: BLS12381.DecodingError.invalidLength(48)) { try G2Affine(compressed: gen) }
  }

  @Test func rejectsCoordinatesOutOfField() {
    // x = p with the compression flag: not a field element.
    var bytes = hexBytes("1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab")
    bytes[0] |= 0x80
    #expect(throws: BLS12381.DecodingError.coordinateNotInField) { try G1Affine(compressed: bytes) }
    var g2 = hexBytes(Self.g2GeneratorHex)
    for i in 48..<96 { g2[i] = 0xff }  // x.c0 ≥ p
    #expect(throws: BLS12381.DecodingError.coordinateNotInField) { try G2Affine(compressed: g2) }
  }

  @Test func rejectsPointsOffCurveAndOutsideSubgroup() {
    // Small x values: x³ + 4 is a square for some (on the curve, but the cofactor is huge, so not
    // in the subgroup) and not for others.
    var sawOffCurve = false, sawOutsideSubgroup = false
    for x in UInt64(1)...UInt64(20) {
      var bytes = Fp(x).bigEndianBytes
      bytes[0] |= 0x80
      do {
        _ = try G1Affine(compressed: bytes)
        Issue.record("x = \(x) decoded as a subgroup point")
      } catch BLS12381.DecodingError.notOnCurve {
        sawOffCurve = true
      } catch BLS12381.DecodingError.notInSubgroup {
        sawOutsideSubgroup = true
      } catch {
        Issue.record("unexpected error \(error) for x = \(x)")
      }
    }
    #expect(sawOffCurve && sawOutsideSubgroup)
    var sawG2OffCurve = false, sawG2OutsideSubgroup = false
    for x in UInt64(1)...UInt64(10) {
      var bytes = Fp(x).bigEndianBytes + Fp(1).bigEndianBytes
      bytes[0] |= 0x80
      do {
        _ = try G2Affine(compressed: bytes)
        Issue.record("G2 x = \(x) decoded as a subgroup point")
      } catch BLS12381.DecodingError.notOnCurve {
        sawG2OffCurve = true
      } catch BLS12381.DecodingError.notInSubgroup {
        sawG2OutsideSubgroup = true
      } catch {
        Issue.record("unexpected error \(error) for G2 x = \(x)")
      }
    }
    #expect(sawG2OffCurve && sawG2OutsideSubgroup)
  }
}

@Suite("BLS12-381 pairing")
struct BLS12381PairingTests {
  @Test func nonDegenerateAndOfOrderR() {
    let e = BLS12381.pairing(.generator, .generator)
    #expect(!e.isOne)
    #expect(e.pow(Scalar.modulus).isOne)
    #expect(BLS12381.pairing(.infinity, .generator).isOne)
    #expect(BLS12381.pairing(.generator, .infinity).isOne)
  }

  @Test func bilinearity() {
    var g = SeededGenerator(seed: 30)
    let e = BLS12381.pairing(.generator, .generator)
    for _ in 0..<2 {
      let a = UInt64.random(in: 1...UInt64.max, using: &g), b = UInt64.random(in: 1...UInt64.max, using: &g)
      let p = G1Affine.generator.multiplied(by: Scalar(a)).affine
      let q = G2Affine.generator.multiplied(by: Scalar(b)).affine
      // e(aP, bQ) = e(P, Q)^(ab)
      #expect(BLS12381.pairing(p, q) == e.pow(product(a, b)))
      // e(aP, Q) = e(P, aQ)
      let qa = G2Affine.generator.multiplied(by: Scalar(a)).affine
      #expect(BLS12381.pairing(p, .generator) == BLS12381.pairing(.generator, qa))
    }
    // Full-size scalars: e([k]P, Q) = e(P, [k]Q) = e(P, Q)^k.
    let k = randomScalar(&g)
    let kp = G1Affine.generator.multiplied(by: k).affine
    let kq = G2Affine.generator.multiplied(by: k).affine
    let ek = e.pow(k)
    #expect(BLS12381.pairing(kp, .generator) == ek)
    #expect(BLS12381.pairing(.generator, kq) == ek)
  }

  @Test func multiPairingCheck() {
    var g = SeededGenerator(seed: 31)
    let k = randomScalar(&g)
    let kp = G1Affine.generator.multiplied(by: k).affine
    let kq = G2Affine.generator.multiplied(by: k).affine
    let gen2 = BLS12381.G2Prepared(.generator)
    // e(kP, Q) · e(-P, kQ) = 1
    #expect(BLS12381.pairingCheck([(kp, gen2), (-G1Affine.generator, BLS12381.G2Prepared(kq))]))
    #expect(!BLS12381.pairingCheck([(kp, gen2), (G1Affine.generator, BLS12381.G2Prepared(kq))]))
    // e(P, Q) · e(-P, Q) = 1, and an empty product is 1.
    #expect(BLS12381.pairingCheck([(.generator, gen2), (-G1Affine.generator, gen2)]))
    #expect(BLS12381.pairingCheck([]))
    #expect(BLS12381.pairingCheck([(.infinity, gen2)]))
  }
}
