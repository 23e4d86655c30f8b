import BigInt
import Primitives
import Testing
import TestSupport

/// U256 against an arbitrary-precision oracle (BigInt) on seeded random operands biased toward
/// the edges: zero, one, 2²⁵⁵, all ones, and values with empty limbs.
@Suite struct U256Tests {
  static let modulus = BigUInt(1) << 256
  static let half = BigUInt(1) << 255

  func big(_ x: U256) -> BigUInt { BigUInt(words: [UInt(x.w0), UInt(x.w1), UInt(x.w2), UInt(x.w3)]) }

  func u(_ x: BigUInt) -> U256 {
    let r = x % Self.modulus
    var w = Array(r.words.map { UInt64($0) })
    while w.count < 4 { w.append(0) }
    return U256(w[0], w[1], w[2], w[3])
  }

  func signed(_ x: U256) -> BigInt {
    let b = big(x)
    return b >= Self.half ? BigInt(b) - BigInt(Self.modulus) : BigInt(b)
  }

  func fromSigned(_ x: BigInt) -> U256 {
    let m = BigInt(Self.modulus)
    return u(BigUInt(((x % m) + m) % m))
  }

  func random(_ rng: inout SeededGenerator) -> U256 {
    switch UInt8.random(in: 0..<10, using: &rng) {
    case 0: return [U256.zero, .one, .max, U256(1) << 255, (U256(1) << 255) &- .one, U256(2)].randomElement(using: &rng)!
    case 1: return U256(UInt64.random(in: 0...UInt64.max, using: &rng))
    case 2:
      // Random limbs, some forced to zero or all ones.
      var x = U256.zero
      for i in 0..<4 { x[limb: i] = [0, .max, UInt64.random(in: 0...UInt64.max, using: &rng)].randomElement(using: &rng)! }
      return x
    case 3: return U256.max >> Int.random(in: 0..<256, using: &rng)
    default:
      return U256(rng.next(), rng.next(), rng.next(), rng.next()) >> Int.random(in: 0..<256, using: &rng)
    }
  }

  @Test func arithmeticMatchesOracle() {
    var rng = SeededGenerator(seed: 2024)
    for _ in 0..<20_000 {
      let a = random(&rng), b = random(&rng), m = random(&rng)
      let A = big(a), B = big(b), M = big(m)
      #expect(a &+ b == u(A + B))
      #expect(a &- b == u(A + Self.modulus - B))
      #expect(a &* b == u(A * B))
      let (q, r) = a.quotientAndRemainder(dividingBy: b)
      if b.isZero {
        #expect(q.isZero && r.isZero)
      } else {
        #expect(q == u(A / B) && r == u(A % B), "\(a) / \(b)")
        // a == q*b + r with r < b
        #expect(q &* b &+ r == a && r < b)
      }
      #expect(a.addMod(b, m) == (m.isZero ? .zero : u((A + B) % M)), "addmod \(a) \(b) \(m)")
      #expect(a.mulMod(b, m) == (m.isZero ? .zero : u((A * B) % M)), "mulmod \(a) \(b) \(m)")
      let full = a.multipliedFullWidth(by: b)
      #expect(big(full.high) * Self.modulus + big(full.low) == A * B)
    }
  }

  /// The one-limb-divisor path of division: dividends of two, three and four limbs by divisors
  /// of one limb (small, large, powers of two and of ten), against BigInt.
  @Test func divisionByOneLimbMatchesOracle() {
    var rng = SeededGenerator(seed: 4141)
    let divisors: [UInt64] = [1, 2, 3, 10, 1_000_000, 1_000_000_000_000_000_000, 1 << 63, .max, .max - 1]
    for _ in 0..<5_000 {
      let limbs = Int.random(in: 2...4, using: &rng)
      var a = U256(0, 0, 0, 0)
      for i in 0..<limbs { a[limb: i] = rng.next() }
      if Bool.random(using: &rng) { a[limb: limbs - 1] &= 0xff }
      let d = Bool.random(using: &rng) ? divisors.randomElement(using: &rng)! : max(1, rng.next() >> UInt64.random(in: 0..<64, using: &rng))
      let b = U256(d, 0, 0, 0)
      let (q, r) = a.quotientAndRemainder(dividingBy: b)
      #expect(q == u(big(a) / big(b)) && r == u(big(a) % big(b)), "\(a) / \(d)")
      #expect(a.signedDivided(by: b) == (a.isNegative ? (a.negated / b).negated : q), "sdiv \(a) / \(d)")
    }
  }

  @Test func signedOperationsMatchOracle() {
    var rng = SeededGenerator(seed: 77)
    for _ in 0..<20_000 {
      let a = random(&rng), b = random(&rng)
      let sa = signed(a), sb = signed(b)
      if b.isZero {
        #expect(a.signedDivided(by: b).isZero && a.signedRemainder(dividingBy: b).isZero)
      } else {
        // Truncating division toward zero; remainder takes the dividend's sign.
        var q = sa.magnitude / sb.magnitude
        let qs: BigInt = (sa.sign == sb.sign) ? BigInt(q) : -BigInt(q)
        #expect(a.signedDivided(by: b) == fromSigned(qs), "sdiv \(sa) \(sb)")
        q = sa.magnitude % sb.magnitude
        let rs: BigInt = sa.sign == .minus ? -BigInt(q) : BigInt(q)
        #expect(a.signedRemainder(dividingBy: b) == fromSigned(rs), "smod \(sa) \(sb)")
      }
      #expect(a.signedLess(than: b) == (sa < sb))
    }
    // The boundary: −2²⁵⁵ / −1 overflows back to −2²⁵⁵.
    let minInt = U256(1) << 255
    #expect(minInt.signedDivided(by: .max) == minInt)
    #expect(minInt.signedRemainder(dividingBy: .max) == .zero)
  }

  @Test func shiftsBytesAndSignExtension() {
    var rng = SeededGenerator(seed: 5)
    for _ in 0..<5_000 {
      let a = random(&rng)
      let n = [0, 1, 63, 64, 65, 128, 200, 255, 256, 257, Int.random(in: 0..<300, using: &rng)].randomElement(using: &rng)!
      let sh = U256(UInt64(n))
      let A = big(a)
      #expect(a.shiftedLeft(by: sh) == (n >= 256 ? .zero : u(A << n)))
      #expect(a.shiftedRight(by: sh) == (n >= 256 ? .zero : u(A >> n)))
      let sa = signed(a)
      // SAR rounds toward negative infinity (BigInt's shift truncates toward zero).
      let floorShift: BigInt = sa >= 0 ? sa >> n : -((-sa + (BigInt(1) << n) - 1) >> n)
      let expectedSar: U256 = n >= 256 ? (sa < 0 ? .max : .zero) : fromSigned(floorShift)
      #expect(a.arithmeticShiftedRight(by: sh) == expectedSar, "sar \(a) \(n)")
      let i = Int.random(in: 0..<34, using: &rng)
      let be = a.bigEndianBytes
      #expect(a.byte(at: U256(UInt64(i))) == (i < 32 ? U256(UInt64(be[i])) : .zero))
      let k = Int.random(in: 0..<33, using: &rng)
      var expectedExt = a
      if k < 31 {
        let bits = (k + 1) * 8
        let low = A % (BigUInt(1) << bits)
        let negative = low >> (bits - 1) == 1
        expectedExt = negative ? u(Self.modulus - (BigUInt(1) << bits) + low) : u(low)
      }
      #expect(a.signExtended(fromByte: U256(UInt64(k))) == expectedExt, "signextend \(k) \(a)")
    }
    #expect(U256.max.shiftedLeft(by: .max) == .zero)
    #expect(U256.max.arithmeticShiftedRight(by: .max) == .max)
  }

  @Test func exponentiation() {
    var rng = SeededGenerator(seed: 9)
    for _ in 0..<2_000 {
      let a = random(&rng), e = random(&rng)
      #expect(a.power(e) == u(big(a).power(big(e), modulus: Self.modulus)), "\(a) ** \(e)")
    }
    #expect(U256(2).power(U256(255)) == U256(1) << 255)
    #expect(U256(2).power(U256(256)) == .zero)
    #expect(U256.zero.power(.zero) == .one)
  }

  @Test func textAndBytes() throws {
    var rng = SeededGenerator(seed: 3)
    for _ in 0..<2_000 {
      let a = random(&rng)
      #expect(a.description == String(big(a)))
      #expect(try U256(parsing: a.description) == a)
      #expect(try U256(parsing: a.hexString) == a)
      #expect(U256(bigEndian: a.bigEndianBytes) == a)
      #expect(U256(bigEndian: a.minimalBigEndianBytes) == a)
      #expect(a.leadingZeroBitCount == 256 - big(a).bitWidth || (a.isZero && a.leadingZeroBitCount == 256))
    }
    #expect(throws: U256ParseError.overflow) {
      try U256(parsing: "115792089237316195423570985008687907853269984665640564039457584007913129639936")
    }
    #expect(throws: U256ParseError.invalidCharacter(offset: 1)) { try U256(parsing: "1x") }
    #expect(throws: U256ParseError.overflow) { try U256(parsing: "0x1" + String(repeating: "0", count: 64)) }
    #expect(try U256(parsing: "0x" + String(repeating: "0", count: 70) + "1") == .one)
    #expect(throws: HexError.invalidCharacter(offset: 1)) { try Hex.decode("0xag") }
    #expect(throws: HexError.oddLength) { try Hex.decode("abc") }
    #expect(throws: HexError.wrongLength(expected: 20, got: 2)) { try Address(hex: "0x1234") }
  }
}
