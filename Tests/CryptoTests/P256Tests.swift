import Primitives
import Testing

@testable import Cryptography

/// EIP-7951 P256VERIFY: one signature made with an independent P-256 implementation (Python's
/// `cryptography`, key 0x5eed5eed5eed0123456789abcdef, SHA-256 of "strata p256verify"), and the
/// input checks around it.
@Suite struct P256Tests {
  static let h = "53d3a3ec772e87371336b512e4ab25c709e0929e11043d73f2c969a5f1e8a6de"
  static let r = "45f1100a583520ab224e21322c26d64da05940ed1fa7b6cebb063e7df8b6ebeb"
  static let s = "0a3dbede9dfcd80d41922f0fbd16660c08f586d684b5fa43485a706ed71142ed"
  static let qx = "c3550b9e474e884f3524bad0ea51e4d1e8ca610eada5d351f1c3b48f584da1de"
  static let qy = "6479e15c012943a71d61105605a4f39834f533d665fa95bafdc70d0bd2b13b22"
  static let n = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"
  static let p = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"

  static func input(h: String = h, r: String = r, s: String = s, qx: String = qx, qy: String = qy) throws -> [UInt8] {
    try Hex.decode(h + r + s + qx + qy)
  }

  @Test func validSignatureVerifies() throws {
    let input = try Self.input()
    #expect(P256.check(input) == nil)
    #expect(P256.precompile(input) == [UInt8](repeating: 0, count: 31) + [1])
  }

  /// ECDSA is malleable and EIP-7951 keeps it so: (r, n − s) verifies too.
  @Test func highSVerifies() throws {
    let nMinusS = (try U256(bigEndian: Hex.decode(Self.n)[...]) &- U256(bigEndian: Hex.decode(Self.s)[...])).bigEndianBytes
    #expect(P256.check(try Self.input(s: Hex.encode(nMinusS, prefix: false))) == nil)
  }

  @Test func wrongHashOrSignatureFails() throws {
    var input = try Self.input()
    input[0] ^= 1
    #expect(P256.check(input) == .mismatch)
    #expect(P256.precompile(input).isEmpty)
    var badR = try Self.input()
    badR[63] ^= 1
    #expect(P256.check(badR) == .mismatch)
  }

  @Test func lengthMustBe160() throws {
    let input = try Self.input()
    #expect(P256.check(Array(input.dropLast())) == .wrongLength(159))
    #expect(P256.check(input + [0]) == .wrongLength(161))
    #expect(P256.check([]) == .wrongLength(0))
    #expect(P256.precompile(input + [0]).isEmpty)
  }

  @Test func scalarRanges() throws {
    let zero = String(repeating: "0", count: 64)
    #expect(P256.check(try Self.input(r: zero)) == .rOutOfRange)
    #expect(P256.check(try Self.input(r: Self.n)) == .rOutOfRange)
    #expect(P256.check(try Self.input(s: zero)) == .sOutOfRange)
    #expect(P256.check(try Self.input(s: Self.n)) == .sOutOfRange)
    #expect(P256.check(try Self.input(s: String(repeating: "f", count: 64))) == .sOutOfRange)
  }

  @Test func publicKeyChecks() throws {
    let zero = String(repeating: "0", count: 64)
    // The point at infinity's encoding (0, 0) is not on the curve.
    #expect(P256.check(try Self.input(qx: zero, qy: zero)) == .notOnCurve)
    // A coordinate at or above p.
    #expect(P256.check(try Self.input(qx: Self.p)) == .coordinateOutOfRange)
    #expect(P256.check(try Self.input(qy: Self.p)) == .coordinateOutOfRange)
    // y changed by one: off the curve.
    var off = try Self.input()
    off[159] ^= 1
    #expect(P256.check(off) == .notOnCurve)
    // The key's negation (x, p − y) is on the curve but is another key.
    let negY = (try U256(bigEndian: Hex.decode(Self.p)[...]) &- U256(bigEndian: Hex.decode(Self.qy)[...])).bigEndianBytes
    #expect(P256.check(try Self.input(qy: Hex.encode(negY, prefix: false))) == .mismatch)
  }
}
