import Testing
@testable import Cryptography
import TestSupport

private typealias Fp = BLS12381.Fp
private typealias Fp2 = BLS12381.Fp2
private typealias G1Affine = BLS12381.G1Affine
private typealias G2Affine = BLS12381.G2Affine
private typealias G1Point = BLS12381.G1Point
private typealias G2Point = BLS12381.G2Point
private typealias Scalar = BLS12381.Scalar
private typealias E = BLS12381.EIP2537

private func randomFp(_ g: inout SeededGenerator) -> Fp {
  Fp(canonical: Fp(g.next(), g.next(), g.next(), g.next(), g.next(), g.next() % 0x1a0111ea397fe69a))
}
private func randomFp2(_ g: inout SeededGenerator) -> Fp2 { Fp2(randomFp(&g), randomFp(&g)) }
private func randomScalar(_ g: inout SeededGenerator) -> Scalar {
  Scalar(g.next(), g.next(), g.next(), g.next())
}

/// A point on the G1 curve that is (almost surely) outside the subgroup: solve for y.
private func g1OffSubgroup(_ g: inout SeededGenerator) -> G1Affine {
  while true {
    let x = randomFp(&g)
    if let y = (x.squared() * x + G1Affine.b).squareRoot() { return G1Affine(x: x, y: y) }
  }
}
private func g2OffSubgroup(_ g: inout SeededGenerator) -> G2Affine {
  while true {
    let x = randomFp2(&g)
    if let y = (x.squared() * x + G2Affine.b).squareRoot() { return G2Affine(x: x, y: y) }
  }
}

private func hexBytes(_ s: String) -> [UInt8] { PointEvaluation.decodeHex(s) ?? [] }
private func enc(_ a: Fp) -> [UInt8] { [UInt8](repeating: 0, count: 16) + a.bigEndianBytes }
private func enc(_ p: G1Affine) -> [UInt8] { E.encode(p) }
private func enc(_ p: G2Affine) -> [UInt8] { E.encode(p) }
private func enc(_ s: Scalar) -> [UInt8] { s.bigEndianBytes }
private func decodeG1(_ out: [UInt8]?) -> G1Affine? {
  guard let out, out.count == 128 else { return nil }
  return E.readG1(out, 0, subgroupCheck: false)
}
private func decodeG2(_ out: [UInt8]?) -> G2Affine? {
  guard let out, out.count == 256 else { return nil }
  return E.readG2(out, 0, subgroupCheck: false)
}

/// [k]P for an arbitrary-length big-endian hex k (double-and-add), for checking h_eff.
private func multiplyHex(_ p: G2Point, _ hex: String) -> G2Point {
  var acc = G2Point.identity
  for c in hex.utf8 {
    let v = c <= 57 ? Int(c) - 48 : Int(c) - 87
    for bit in stride(from: 3, through: 0, by: -1) {
      acc = acc.doubled()
      if (v >> bit) & 1 == 1 { acc = acc + p }
    }
  }
  return acc
}

@Suite("BLS12-381 EIP-2537 math")
struct BLS12381EIP2537MathTests {
  @Test func binaryGCDInverseMatchesFermat() {
    var g = SeededGenerator(seed: 20)
    var values: [Fp] = [.one, -Fp.one, Fp(2), Fp(3), Fp(canonical: Fp(1, 0, 0, 0, 0, 0)),
                        Fp(UInt64.max, UInt64.max, UInt64.max, UInt64.max, UInt64.max, 0x1a0111ea397fe699)]
    for _ in 0..<300 { values.append(randomFp(&g)) }
    for v in values {
      // The raw GCD result itself, not only the checked wrapper (which falls back to Fermat).
      let w = BLS12381.binaryGCDInverse(v) * Fp.r3
      #expect(w == v.inverseFermat())
      #expect(v.inverse() * v == .one)
    }
    #expect(Fp.zero.inverse() == .zero)
  }

  @Test func fastG2SubgroupTestAgreesWithOrderCheck() {
    var g = SeededGenerator(seed: 21)
    for _ in 0..<4 {
      let inside = G2Affine.generator.multiplied(by: randomScalar(&g))
      #expect(inside.isInSubgroupFast)
      #expect(inside.isInSubgroup)
      let outside = g2OffSubgroup(&g)
      #expect(outside.isOnCurve)
      #expect(!outside.isInSubgroup)
      #expect(!G2Point(outside).isInSubgroupFast)
    }
    #expect(G2Point.identity.isInSubgroupFast)
  }

  @Test func psiIsAnEndomorphismOfTheCurve() {
    var g = SeededGenerator(seed: 22)
    let p = g2OffSubgroup(&g)
    let q = g2OffSubgroup(&g)
    let pp = G2Point(p), qq = G2Point(q)
    #expect(pp.psi().affine.isOnCurve)
    #expect((pp + qq).psi() == pp.psi() + qq.psi())
    // On G2, ψ acts as multiplication by p ≡ x (mod r).
    let s = G2Point.generator.multiplied(by: randomScalar(&g))
    #expect(s.psi() == s.multipliedByX())
  }

  @Test func fp2SquareRoot() {
    var g = SeededGenerator(seed: 23)
    var squares = 0, nonSquares = 0
    for _ in 0..<40 {
      let a = randomFp2(&g)
      let sq = a.squared()
      let r = sq.squareRootFast()
      #expect(r != nil && r!.squared() == sq)
      if let s = a.squareRootFast() { #expect(s.squared() == a); squares += 1 } else { nonSquares += 1 }
      // Elements of Fp embedded in Fp2 are always squares there.
      let base = Fp2(a.c0, .zero)
      #expect(base.squareRootFast()?.squared() == base)
    }
    #expect(squares > 0 && nonSquares > 0)
    #expect(Fp2.zero.squareRootFast() == Fp2.zero)
  }

  @Test func swuOutputsLieOnTheIsogenousCurves() {
    var g = SeededGenerator(seed: 24)
    var inputs: [Fp] = [.zero, .one, -Fp.one]
    for _ in 0..<10 { inputs.append(randomFp(&g)) }
    for u in inputs {
      let (x, y) = BLS12381.swuG1(u)
      #expect(y.squared() == (x.squared() + BLS12381.MapG1.a) * x + BLS12381.MapG1.b)
      #expect(BLS12381.sgn0(y) == BLS12381.sgn0(u))
      let onE = BLS12381.isoG1(x, y)
      #expect(onE.isOnCurve)
    }
    var inputs2: [Fp2] = [.zero, .one, Fp2(.zero, .one)]
    for _ in 0..<10 { inputs2.append(randomFp2(&g)) }
    for u in inputs2 {
      let (x, y) = BLS12381.swuG2(u)
      #expect(y.squared() == (x.squared() + BLS12381.MapG2.a) * x + BLS12381.MapG2.b)
      #expect(BLS12381.sgn0(y) == BLS12381.sgn0(u))
      #expect(BLS12381.isoG2(x, y).isOnCurve)
    }
  }

  @Test func mapsLandInTheSubgroups() {
    var g = SeededGenerator(seed: 25)
    for i in 0..<6 {
      let u = i == 0 ? Fp.zero : randomFp(&g)
      let p = BLS12381.mapToG1(u)
      #expect(!p.isInfinity)
      #expect(p.isOnCurve)
      #expect(p.multiplied(by: Scalar.modulus).isIdentity)
      let u2 = i == 0 ? Fp2.zero : randomFp2(&g)
      let q = BLS12381.mapToG2(u2)
      #expect(!q.isInfinity)
      #expect(q.isOnCurve)
      #expect(q.multiplied(by: Scalar.modulus).isIdentity)
    }
  }

  @Test func g2CofactorClearingEqualsHEff() {
    var g = SeededGenerator(seed: 26)
    let p = G2Point(g2OffSubgroup(&g))
    let hEff = "0bc69f08f2ee75b3584c6a0ea91b352888e2a8e9145ad7689986ff031508ffe1329c2f178731db956d82bf015d1212b02ec0ec69d7477c1ae954cbc06689f6a359894c0adebbf6b4e8020005aaa95551"
    #expect(p.clearingCofactor() == multiplyHex(p, hEff))
  }

  @Test func msmMatchesNaiveSums() {
    var g = SeededGenerator(seed: 27)
    for n in [1, 2, 3, 9, 33, 70] {
      var p1: [G1Affine] = [], p2: [G2Affine] = [], s: [Scalar] = []
      for i in 0..<n {
        p1.append(G1Affine.generator.multiplied(by: randomScalar(&g)).affine)
        p2.append(G2Affine.generator.multiplied(by: randomScalar(&g)).affine)
        switch i % 5 {
        case 1: s.append(Scalar(0))
        case 2: s.append(Scalar(UInt64.max, UInt64.max, UInt64.max, UInt64.max))
        case 3: s.append(Scalar(UInt64(i)))
        default: s.append(randomScalar(&g))
        }
      }
      if n > 3 { p1[3] = p1[0]; p2[3] = p2[0]; p1[4] = -p1[0]; p2[4] = -p2[0] }
      var e1 = G1Point.identity, e2 = G2Point.identity
      for i in 0..<n {
        e1 = e1 + p1[i].multiplied(by: s[i])
        e2 = e2 + p2[i].multiplied(by: s[i])
      }
      #expect(BLS12381.msm(p1, s) == e1, "G1 n=\(n)")
      #expect(BLS12381.msm(p2, s) == e2, "G2 n=\(n)")
    }
    #expect(BLS12381.msm([G1Affine](), []).isIdentity)
  }
}

@Suite("BLS12-381 EIP-2537 precompiles")
struct BLS12381EIP2537PrecompileTests {
  @Test func gasSchedule() {
    #expect(E.g1MSMGas(160) == 12000)
    #expect(E.g1MSMGas(320) == 2 * 12000 * 949 / 1000)
    #expect(E.g1MSMGas(160 * 128) == 128 * 12000 * 519 / 1000)
    #expect(E.g1MSMGas(160 * 300) == 300 * 12000 * 519 / 1000)
    #expect(E.g2MSMGas(288) == 22500)
    #expect(E.g2MSMGas(288 * 2) == 2 * 22500)
    #expect(E.g2MSMGas(288 * 500) == 500 * 22500 * 524 / 1000)
    #expect(E.g1MSMGas(0) == 0)
    #expect(E.pairingGas(384) == 70300)
    #expect(E.pairingGas(384 * 3) == 3 * 32600 + 37700)
  }

  @Test func generatorEncodingMatchesTheSpec() {
    let x = "17f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
    let bytes = enc(G1Affine.generator)
    #expect(bytes[0..<16].allSatisfy { $0 == 0 })
    #expect(PointEvaluation.decodeHex(x).map { Array(bytes[16..<64]) == $0 } == true)
    #expect(decodeG1(bytes) == G1Affine.generator)
    #expect(decodeG2(enc(G2Affine.generator)) == G2Affine.generator)
    #expect(enc(G1Affine.infinity) == [UInt8](repeating: 0, count: 128))
    #expect(decodeG1([UInt8](repeating: 0, count: 128))?.isInfinity == true)
  }

  @Test func additions() {
    var g = SeededGenerator(seed: 31)
    let a = G1Affine.generator.multiplied(by: randomScalar(&g)).affine
    let b = G1Affine.generator.multiplied(by: randomScalar(&g)).affine
    #expect(decodeG1(E.g1Add(enc(a) + enc(b))) == (G1Point(a) + G1Point(b)).affine)
    #expect(decodeG1(E.g1Add(enc(a) + enc(a))) == G1Point(a).doubled().affine)
    #expect(decodeG1(E.g1Add(enc(a) + enc(-a)))?.isInfinity == true)
    #expect(decodeG1(E.g1Add(enc(a) + enc(G1Affine.infinity))) == a)
    // No subgroup check for addition.
    let off = g1OffSubgroup(&g)
    #expect(decodeG1(E.g1Add(enc(off) + enc(a))) == (G1Point(off) + G1Point(a)).affine)

    let c = G2Affine.generator.multiplied(by: randomScalar(&g)).affine
    let d = G2Affine.generator.multiplied(by: randomScalar(&g)).affine
    #expect(decodeG2(E.g2Add(enc(c) + enc(d))) == (G2Point(c) + G2Point(d)).affine)
    #expect(decodeG2(E.g2Add(enc(c) + enc(c))) == G2Point(c).doubled().affine)
    #expect(decodeG2(E.g2Add(enc(c) + enc(-c)))?.isInfinity == true)
    let off2 = g2OffSubgroup(&g)
    #expect(decodeG2(E.g2Add(enc(off2) + enc(G2Affine.infinity))) == off2)
  }

  @Test func msmPrecompiles() {
    var g = SeededGenerator(seed: 32)
    let k = randomScalar(&g)
    let p = G1Affine.generator
    #expect(decodeG1(E.g1MSM(enc(p) + enc(k))) == p.multiplied(by: k).affine)
    #expect(decodeG1(E.g1MSM(enc(p) + enc(Scalar.modulus)))?.isInfinity == true)
    #expect(decodeG1(E.g1MSM(enc(G1Affine.infinity) + enc(k)))?.isInfinity == true)
    let q = G2Affine.generator
    let both = enc(q) + enc(k) + enc(q) + enc(Scalar(3))
    #expect(decodeG2(E.g2MSM(both)) == (q.multiplied(by: k) + q.multiplied(by: Scalar(3))).affine)
    // Subgroup checks apply to MSM inputs.
    #expect(E.g1MSM(enc(g1OffSubgroup(&g)) + enc(k)) == nil)
    #expect(E.g2MSM(enc(g2OffSubgroup(&g)) + enc(k)) == nil)
  }

  @Test func pairingBilinearity() {
    var g = SeededGenerator(seed: 33)
    let a = UInt64.random(in: 1...UInt64.max, using: &g), b = UInt64.random(in: 1...UInt64.max, using: &g)
    let (hi, lo) = a.multipliedFullWidth(by: b)
    let ab = Scalar(lo, hi, 0, 0)
    let aP = G1Affine.generator.multiplied(by: Scalar(a)).affine
    let bQ = G2Affine.generator.multiplied(by: Scalar(b)).affine
    let abP = G1Affine.generator.multiplied(by: ab).affine
    // e(aP, bQ)·e(-abP, Q) = 1.
    let ok = E.pairingCheck(enc(aP) + enc(bQ) + enc(-abP) + enc(G2Affine.generator))
    #expect(ok?.last == 1 && ok?.count == 32 && ok?.dropLast().allSatisfy { $0 == 0 } == true)
    let bad = E.pairingCheck(enc(aP) + enc(bQ) + enc(abP) + enc(G2Affine.generator))
    #expect(bad == [UInt8](repeating: 0, count: 32))
    // GT: e(aP, bQ) = e(P, Q)^(ab).
    let lhs = BLS12381.pairing(aP, bQ)
    let rhs = BLS12381.pairing(G1Affine.generator, G2Affine.generator).pow(ab)
    #expect(lhs == rhs)
    // Infinity contributes one.
    #expect(E.pairingCheck(enc(G1Affine.infinity) + enc(bQ))?.last == 1)
    #expect(E.pairingCheck(enc(g1OffSubgroup(&g)) + enc(bQ)) == nil)
    #expect(E.pairingCheck(enc(aP) + enc(g2OffSubgroup(&g))) == nil)
  }

  @Test func mapPrecompiles() {
    var g = SeededGenerator(seed: 34)
    let u = randomFp(&g)
    let p = decodeG1(E.mapFpToG1(enc(u)))
    #expect(p != nil && p == BLS12381.mapToG1(u))
    #expect(p?.isInSubgroup == true)
    let u2 = randomFp2(&g)
    let q = decodeG2(E.mapFp2ToG2(enc(u2.c0) + enc(u2.c1)))
    #expect(q != nil && q == BLS12381.mapToG2(u2))
    #expect(q?.isInSubgroup == true)
  }

  /// Known answers: the first two MAP_FP_TO_G1 and MAP_FP2_TO_G2 vectors of the EIP-2537
  /// assets (the RFC 9380 suites' field elements for the messages "" and "abc").
  @Test(arguments: [
    ("156c8a6a2c184569d69a76be144b5cdc5141d2d2ca4fe341f011e25e3969c55ad9e9b9ce2eb833c81a908e5fa4ac5f03",
     "184bb665c37ff561a89ec2122dd343f20e0f4cbcaec84e3c3052ea81d1834e192c426074b02ed3dca4e7676ce4ce48ba",
     "04407b8d35af4dacc809927071fc0405218f1401a6d15af775810e4e460064bcc9468beeba82fdc751be70476c888bf3"),
    ("147e1ed29f06e4c5079b9d14fc89d2820d32419b990c1c7bb7dbea2a36a045124b31ffbde7c99329c05c559af1c6cc82",
     "009769f3ab59bfd551d53a5f846b9984c59b97d6842b20a2c565baa167945e3d026a3755b6345df8ec7e6acb6868ae6d",
     "1532c00cf61aa3d0ce3e5aa20c3b531a2abd2c770a790a2613818303c6b830ffc0ecf6c357af3317b9575c567f11cd2c"),
  ])
  func mapFpToG1KnownAnswers(_ v: (String, String, String)) {
    let pad = String(repeating: "0", count: 32)
    let out = E.mapFpToG1(hexBytes(pad + v.0))
    #expect(out == hexBytes(pad + v.1 + pad + v.2))
  }

  @Test(arguments: [
    (["07355d25caf6e7f2f0cb2812ca0e513bd026ed09dda65b177500fa31714e09ea0ded3a078b526bed3307f804d4b93b04",
      "02829ce3c021339ccb5caf3e187f6370e1e2a311dec9b75363117063ab2015603ff52c3d3b98f19c2f65575e99e8b78c"],
     ["00e7f4568a82b4b7dc1f14c6aaa055edf51502319c723c4dc2688c7fe5944c213f510328082396515734b6612c4e7bb7",
      "126b855e9e69b1f691f816e48ac6977664d24d99f8724868a184186469ddfd4617367e94527d4b74fc86413483afb35b",
      "0caead0fd7b6176c01436833c79d305c78be307da5f6af6c133c47311def6ff1e0babf57a0fb5539fce7ee12407b0a42",
      "1498aadcf7ae2b345243e281ae076df6de84455d766ab6fcdaad71fab60abb2e8b980a440043cd305db09d283c895e3d"]),
    (["138879a9559e24cecee8697b8b4ad32cced053138ab913b99872772dc753a2967ed50aabc907937aefb2439ba06cc50c",
      "0a1ae7999ea9bab1dcc9ef8887a6cb6e8f1e22566015428d220b7eec90ffa70ad1f624018a9ad11e78d588bd3617f9f2"],
     ["108ed59fd9fae381abfd1d6bce2fd2fa220990f0f837fa30e0f27914ed6e1454db0d1ee957b219f61da6ff8be0d6441f",
      "0296238ea82c6d4adb3c838ee3cb2346049c90b96d602d7bb1b469b905c9228be25c627bffee872def773d5b2a2eb57d",
      "033f90f6057aadacae7963b0a0b379dd46750c1c94a6357c99b65f63b79e321ff50fe3053330911c56b6ceea08fee656",
      "153606c417e59fb331b7ae6bce4fbf7c5190c33ce9402b5ebe2b70e44fca614f3f1382a3625ed5493843d0b0a652fc3f"]),
  ])
  func mapFp2ToG2KnownAnswers(_ v: ([String], [String])) {
    let pad = String(repeating: "0", count: 32)
    let out = E.mapFp2ToG2(hexBytes(v.0.map { pad + $0 }.joined()))
    #expect(out == hexBytes(v.1.map { pad + $0 }.joined()))
  }

  @Test func rejections() {
    var g = SeededGenerator(seed: 35)
    let p = G1Affine.generator.multiplied(by: randomScalar(&g)).affine
    let q = G2Affine.generator.multiplied(by: randomScalar(&g)).affine
    let modulus = [UInt8](repeating: 0, count: 16) + PointEvaluation.decodeHex(
      "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab")!
    // Wrong lengths, including empty.
    for op in [E.g1Add, E.g2Add, E.g1MSM, E.g2MSM, E.pairingCheck, E.mapFpToG1, E.mapFp2ToG2] {
      #expect(op([]) == nil)
    }
    #expect(E.g1Add(enc(p) + enc(p) + [0]) == nil)
    #expect(E.g1Add(Array((enc(p) + enc(p)).dropLast())) == nil)
    #expect(E.g2Add(enc(q) + enc(q) + [0]) == nil)
    #expect(E.g1MSM(enc(p) + enc(Scalar(1)) + [0]) == nil)
    #expect(E.g2MSM(enc(q) + enc(Scalar(1)) + [0]) == nil)
    #expect(E.pairingCheck(enc(p) + enc(q) + [0]) == nil)
    #expect(E.mapFpToG1(enc(Fp.one) + [0]) == nil)
    #expect(E.mapFp2ToG2(enc(Fp.one) + enc(Fp.one) + [0]) == nil)
    // A non-zero byte in the top 16 of a coordinate.
    for i in [0, 15, 64, 79] {
      var bad = enc(p) + enc(p)
      bad[i] = 1
      #expect(E.g1Add(bad) == nil)
    }
    var badMap = enc(Fp.one)
    badMap[3] = 0x80
    #expect(E.mapFpToG1(badMap) == nil)
    // Non-canonical coordinates: p itself, and x + p encoded.
    #expect(E.mapFpToG1(modulus) == nil)
    #expect(E.mapFp2ToG2(enc(Fp.one) + modulus) == nil)
    #expect(E.g1Add(modulus + enc(p.y) + enc(p)) == nil)
    // Off the curve.
    let offCurve = enc(p.x) + enc(p.y + .one)
    #expect(E.g1Add(offCurve + enc(p)) == nil)
    #expect(E.g1MSM(offCurve + enc(Scalar(1))) == nil)
    let offCurve2 = enc(q.x.c0) + enc(q.x.c1) + enc(q.y.c0 + .one) + enc(q.y.c1)
    #expect(E.g2Add(offCurve2 + enc(q)) == nil)
    #expect(E.pairingCheck(enc(p) + offCurve2) == nil)
    // (0, y) and (x, 0) are not infinity.
    #expect(E.g1Add(enc(Fp.zero) + enc(Fp.one) + enc(p)) == nil)
    #expect(E.g1Add(enc(Fp.one) + enc(Fp.zero) + enc(p)) == nil)
  }

  @Test func randomAndMutatedInputsNeverCrash() {
    var g = SeededGenerator(seed: 36)
    let p = G1Affine.generator.multiplied(by: randomScalar(&g)).affine
    let q = G2Affine.generator.multiplied(by: randomScalar(&g)).affine
    let seeds: [[UInt8]] = [
      enc(p) + enc(p), enc(q) + enc(q), enc(p) + enc(Scalar(7)), enc(q) + enc(Scalar(7)),
      enc(p) + enc(q), enc(p.x), enc(q.x.c0) + enc(q.x.c1),
    ]
    let ops = [E.g1Add, E.g2Add, E.g1MSM, E.g2MSM, E.pairingCheck, E.mapFpToG1, E.mapFp2ToG2]
    let valid = [256, 512, 160, 288, 384, 64, 128]
    for round in 0..<60 {
      let opIndex = round % ops.count
      var input = seeds[opIndex]
      // Flip one random bit of the valid input, or use random bytes of the right length.
      if round % 2 == 0 {
        let i = Int.random(in: 0..<input.count, using: &g)
        input[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &g))
      } else {
        input = (0..<valid[opIndex]).map { _ in UInt8.random(in: 0...255, using: &g) }
      }
      if let out = ops[opIndex](input) {
        #expect([128, 256, 32].contains(out.count))
      }
      // Random bytes almost never form a canonical coordinate (the top 16 bytes are not zero).
      if round % 2 == 1 { #expect(ops[opIndex](input) == nil) }
    }
  }
}
