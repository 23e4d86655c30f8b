import Testing

@testable import Cryptography
import TestSupport

// MARK: - A slow, obviously correct reference (little-endian UInt32 limbs)

private typealias Ref = [UInt32]

private func refTrim(_ x: Ref) -> Ref {
  var x = x
  while let l = x.last, l == 0 { x.removeLast() }
  return x
}

private func refFromBytes<C: Collection>(_ bytes: C) -> Ref where C.Element == UInt8 {
  var out = Ref(repeating: 0, count: (bytes.count + 3) / 4)
  for (i, b) in bytes.reversed().enumerated() { out[i / 4] |= UInt32(b) << UInt32(8 * (i % 4)) }
  return refTrim(out)
}

private func refToBytes(_ x: Ref, count: Int) -> [UInt8] {
  var out = [UInt8](repeating: 0, count: count)
  for i in 0..<count where i / 4 < x.count {
    out[count - 1 - i] = UInt8(truncatingIfNeeded: x[i / 4] >> UInt32(8 * (i % 4)))
  }
  return out
}

private func refCompare(_ a: Ref, _ b: Ref) -> Int {
  let a = refTrim(a), b = refTrim(b)
  if a.count != b.count { return a.count < b.count ? -1 : 1 }
  for i in stride(from: a.count - 1, through: 0, by: -1) where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
  return 0
}

private func refSub(_ a: Ref, _ b: Ref) -> Ref {  // a ≥ b
  var out = a
  var borrow: Int64 = 0
  for i in 0..<out.count {
    var d = Int64(out[i]) - Int64(i < b.count ? b[i] : 0) - borrow
    borrow = d < 0 ? 1 : 0
    if d < 0 { d += 1 << 32 }
    out[i] = UInt32(d)
  }
  return refTrim(out)
}

private func refMul(_ a: Ref, _ b: Ref) -> Ref {
  var out = Ref(repeating: 0, count: a.count + b.count + 1)
  for i in 0..<a.count {
    var carry: UInt64 = 0
    for j in 0..<b.count {
      let t = UInt64(a[i]) * UInt64(b[j]) + UInt64(out[i + j]) + carry
      out[i + j] = UInt32(truncatingIfNeeded: t)
      carry = t >> 32
    }
    out[i + b.count] = UInt32(carry)
  }
  return refTrim(out)
}

/// Binary long division: one shift and at most one subtraction per bit.
private func refMod(_ x: Ref, _ m: Ref) -> Ref {
  var r: Ref = []
  let x = refTrim(x)
  for i in stride(from: x.count * 32 - 1, through: 0, by: -1) {
    // r = 2r + bit
    var carry: UInt32 = (x[i / 32] >> UInt32(i % 32)) & 1
    for k in 0..<r.count {
      let nc = r[k] >> 31
      r[k] = r[k] << 1 | carry
      carry = nc
    }
    if carry != 0 { r.append(carry) }
    if refCompare(r, m) >= 0 { r = refSub(r, m) }
  }
  return r
}

private func refPowMod(_ b: Ref, _ e: Ref, _ m: Ref) -> Ref {
  if refTrim(m).isEmpty { return [] }
  var r = refMod([1], m)
  let base = refMod(b, m)
  let e = refTrim(e)
  for i in stride(from: e.count * 32 - 1, through: 0, by: -1) {
    r = refMod(refMul(r, r), m)
    if (e[i / 32] >> UInt32(i % 32)) & 1 == 1 { r = refMod(refMul(r, base), m) }
  }
  return r
}

// MARK: - Helpers

private func meHex(_ s: String) -> [UInt8] {
  var out: [UInt8] = []
  var it = s.lowercased().utf8.makeIterator()
  func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
  while let a = it.next(), let b = it.next() { out.append(nibble(a) << 4 | nibble(b)) }
  return out
}

private func modexp(_ b: [UInt8], _ e: [UInt8], _ m: [UInt8]) -> [UInt8] {
  ModExp.run(base: b[...], exponent: e[...], modulus: m[...])
}

private func randomBytes(_ count: Int, _ rng: inout SeededGenerator) -> [UInt8] {
  (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
}

// MARK: - Tests

@Suite struct ModExpTests {
  /// EIP-198's examples: Fermat for the secp256k1 field prime.
  @Test func eip198Examples() {
    let p = meHex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f")
    let pMinus1 = meHex("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e")
    #expect(modexp([3], pMinus1, p) == [UInt8](repeating: 0, count: 31) + [1])
    // Base length 0: 0^(p−1) = 0.
    #expect(modexp([], pMinus1, p) == [UInt8](repeating: 0, count: 32))
  }

  /// Operands are slices of one call-data buffer, as the EVM passes them: indices do not
  /// start at zero.
  @Test func slicesWithOffsets() {
    let data: [UInt8] = [0xaa, 0xbb, 3, 0, 5, 0x01, 0x00, 0x01, 0xcc]
    // 3^5 mod 257 = 243 mod 257 = 243; modulus 0x0101.
    let out = ModExp.run(base: data[2..<3], exponent: data[3..<5], modulus: data[5..<7])
    #expect(out == [0, 243])
    let big = ModExp.run(base: data[2..<3], exponent: data[4..<5], modulus: data[5..<8])
    // 3^5 mod 0x010001 = 243.
    #expect(big == [0, 0, 243])
  }

  @Test func edgeCases() {
    // Modulus 0 (any length) → all zeros of that length; empty modulus → empty output.
    #expect(modexp([2], [3], [0, 0, 0]) == [0, 0, 0])
    #expect(modexp([2], [3], []) == [])
    // x mod 1 = 0, also for 0^0.
    #expect(modexp([5], [0], [0, 1]) == [0, 0])
    #expect(modexp([], [], [1]) == [0])
    // 0^0 = 1; x^0 = 1; empty exponent is 0.
    #expect(modexp([], [], [0, 7]) == [0, 1])
    #expect(modexp([9], [0, 0], [7]) == [1])
    #expect(modexp([9], [], [0, 0, 0, 0, 0, 0, 0, 0, 0, 200]) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    // 0^e = 0 for e > 0.
    #expect(modexp([0, 0], [5], [13]) == [0])
    // Base longer than the modulus, and equal to a multiple of it.
    // 2^88 + 3 = 309485009821345068724781059 ≡ 9 (mod 10).
    #expect(modexp([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3], [1], [10]) == [9])
    #expect(modexp([0, 26], [1], [13]) == [0])
    // Leading zeros in the modulus are kept in the output length.
    #expect(modexp([3], [5], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]) == [UInt8](repeating: 0, count: 14) + [243])
    // Powers of two (even path, single limb and multi-limb): 3^200 mod 2^64, 2^128.
    let twoTo64: [UInt8] = [1] + [UInt8](repeating: 0, count: 8)
    let expected64 = refToBytes(refPowMod([3], [200], refFromBytes(twoTo64)), count: 9)
    #expect(modexp([3], [200], twoTo64) == expected64)
  }

  /// Random operands against the reference: odd and even moduli, 1 to 40 bytes, with and
  /// without leading zeros, exponents up to 12 bytes, bases up to twice the modulus length.
  @Test func randomAgainstReference() {
    var rng = SeededGenerator(seed: 0x5eed_0198)
    for iteration in 0..<200 {
      let mLen = Int.random(in: 1...40, using: &rng)
      var m = randomBytes(mLen, &rng)
      if iteration % 3 == 0 { m[0] = 0 }  // leading zero byte
      if iteration % 2 == 0 { m[mLen - 1] |= 1 } else { m[mLen - 1] &= 0xfe }  // odd / even
      if iteration % 7 == 0 { m[0] = 0xff }  // top bit set (no normalisation shift)
      let b = randomBytes(Int.random(in: 0...(2 * mLen), using: &rng), &rng)
      let e = randomBytes(Int.random(in: 0...12, using: &rng), &rng)
      let want = refToBytes(refPowMod(refFromBytes(b), refFromBytes(e), refFromBytes(m)), count: mLen)
      let got = modexp(b, e, m)
      #expect(got == want, "m=\(m) b=\(b) e=\(e)")
    }
  }

  /// Moduli that stress long division: all-ones limbs (quotient-digit estimates hit the
  /// `b − 1` case), powers of two, a single top bit, and single-limb boundaries.
  @Test func structuredModuliAgainstReference() {
    var rng = SeededGenerator(seed: 0xd1_71de)
    var moduli: [[UInt8]] = [
      [UInt8](repeating: 0xff, count: 31) + [0xfe],
      [UInt8](repeating: 0xff, count: 32),
      [UInt8](repeating: 0xff, count: 8),
      [UInt8](repeating: 0xff, count: 7) + [0xfe],
      [0x80] + [UInt8](repeating: 0, count: 31),
      [0x01] + [UInt8](repeating: 0, count: 32),
      [0x01] + [UInt8](repeating: 0, count: 8),
      [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01],
      [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
      [2], [3], [0xff],
    ]
    moduli.append([0xff] + [UInt8](repeating: 0, count: 15) + [0xff] + [UInt8](repeating: 0, count: 14) + [2])
    for m in moduli {
      for _ in 0..<6 {
        var b = randomBytes(Int.random(in: 1...(2 * m.count + 1), using: &rng), &rng)
        if Bool.random(using: &rng) { b = [UInt8](repeating: 0xff, count: b.count) }
        let e = randomBytes(Int.random(in: 1...6, using: &rng), &rng)
        let want = refToBytes(refPowMod(refFromBytes(b), refFromBytes(e), refFromBytes(m)), count: m.count)
        #expect(modexp(b, e, m) == want, "m=\(m) b=\(b) e=\(e)")
      }
    }
  }

  /// Identities at the sizes the EVM sees most (up to 256-byte moduli and beyond):
  /// a^(e1+e2) = a^e1 · a^e2 and (a^e)² = a^(2e), with the product reduced by the reference.
  @Test(arguments: [32, 64, 128, 256, 512])
  func exponentIdentities(size: Int) {
    var rng = SeededGenerator(seed: UInt64(size) &* 0x1234_5678)
    for parity in 0..<2 {
      var m = randomBytes(size, &rng)
      m[0] |= 0x80
      if parity == 0 { m[size - 1] |= 1 } else { m[size - 1] &= 0xfe }
      let a = randomBytes(size, &rng)
      let e1 = randomBytes(8, &rng), e2 = randomBytes(8, &rng)
      // e1 + e2 as 9 big-endian bytes.
      var sum = [UInt8](repeating: 0, count: 9)
      var carry = 0
      for i in stride(from: 7, through: 0, by: -1) {
        let s = Int(e1[i]) + Int(e2[i]) + carry
        sum[i + 1] = UInt8(s & 0xff)
        carry = s >> 8
      }
      sum[0] = UInt8(carry)
      let lhs = modexp(a, sum, m)
      let x = modexp(a, e1, m), y = modexp(a, e2, m)
      let rhs = refToBytes(refMod(refMul(refFromBytes(x), refFromBytes(y)), refFromBytes(m)), count: size)
      #expect(lhs == rhs, "size \(size) parity \(parity)")
      // (a^e1)² = a^(2·e1)
      var twice = [UInt8](repeating: 0, count: 9)
      var c = 0
      for i in stride(from: 7, through: 0, by: -1) {
        let s = Int(e1[i]) * 2 + c
        twice[i + 1] = UInt8(s & 0xff)
        c = s >> 8
      }
      twice[0] = UInt8(c)
      #expect(modexp(x, [2], m) == modexp(a, twice, m))
    }
  }

  /// Fermat's little theorem for large primes: a^(p−1) = 1 and a^p = a (mod p).
  @Test func fermat() {
    // 2^521 − 1 (a Mersenne prime), 66 bytes.
    var m521 = [UInt8](repeating: 0xff, count: 66)
    m521[0] = 0x01
    var m521Minus1 = m521
    m521Minus1[65] = 0xfe
    // The BN254 base field prime and the secp256k1 group order.
    let bnP = meHex("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47")
    let bnPMinus1 = meHex("30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd46")
    let n = meHex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
    let nMinus1 = meHex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140")
    var rng = SeededGenerator(seed: 42)
    for (p, pm1) in [(m521, m521Minus1), (bnP, bnPMinus1), (n, nMinus1)] {
      for _ in 0..<3 {
        let a = randomBytes(p.count - 1, &rng)
        guard a.contains(where: { $0 != 0 }) else { continue }
        #expect(modexp(a, pm1, p) == [UInt8](repeating: 0, count: p.count - 1) + [1])
        #expect(modexp(a, p, p) == [0] + a)
      }
    }
  }
}
