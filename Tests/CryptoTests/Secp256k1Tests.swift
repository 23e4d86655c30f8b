import Cryptography
import Primitives
import TestSupport
import Testing

@Suite struct Secp256k1Tests {
  /// Well-known keys and their addresses.
  @Test func knownAddresses() throws {
    let one = [UInt8](repeating: 0, count: 31) + [1]
    #expect(try Secp256k1.address(ofPrivateKey: one) == (try Address(hex: "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf")))
    let k46 = [UInt8](repeating: 0x46, count: 32)
    #expect(try Secp256k1.address(ofPrivateKey: k46) == (try Address(hex: "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f")))
    // The public key of 1 is the generator G.
    let g = try Secp256k1.publicKey(ofPrivateKey: one)
    #expect(g.hexString == "0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
      + "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")
  }

  /// EIP-155's example signature (RFC 6979 nonces make signing deterministic).
  @Test func deterministicSignature() throws {
    let hash = try Hash(hex: "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53")
    let sig = try Secp256k1.sign(messageHash: hash, privateKey: [UInt8](repeating: 0x46, count: 32))
    #expect(sig.r == (try U256(parsing: "18515461264373351373200002665853028612451056578545711640558177340181847433846")))
    #expect(sig.s == (try U256(parsing: "46948507304638947509940763649030358759909902576025900602547168820602576006531")))
    #expect(sig.recoveryID == 0)
  }

  @Test func signRecoverRoundTrips() throws {
    var rng = SeededGenerator(seed: 0x5ec9_256b)
    for _ in 0..<200 {
      let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
      let message = Hash((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
      let address = try Secp256k1.address(ofPrivateKey: key)
      let sig = try Secp256k1.sign(messageHash: message, privateKey: key)
      #expect(!(Secp256k1.halfOrder < sig.s), "libsecp256k1 signs with low s")
      #expect(try Secp256k1.recoverAddress(messageHash: message, r: sig.r, s: sig.s, recoveryID: sig.recoveryID) == address)
      let pub = try Secp256k1.recoverPublicKey(messageHash: message, r: sig.r, s: sig.s, recoveryID: sig.recoveryID)
      #expect(pub == (try Secp256k1.publicKey(ofPrivateKey: key)))
      #expect(Secp256k1.address(ofPublicKey: pub) == address)
      // (r, n − s) with the other parity is the same signature: recoverAddress has no low-s rule.
      let highS = Secp256k1.order &- sig.s
      #expect(try Secp256k1.recoverAddress(messageHash: message, r: sig.r, s: highS, recoveryID: sig.recoveryID ^ 1) == address)
      // The wrong parity recovers someone else (or nothing).
      #expect((try? Secp256k1.recoverAddress(messageHash: message, r: sig.r, s: sig.s, recoveryID: sig.recoveryID ^ 1)) != address)
    }
  }

  @Test func rejections() throws {
    let h = Hash.emptyKeccak
    let n = Secp256k1.order
    #expect(throws: SignatureError.rOutOfRange) { try Secp256k1.recoverAddress(messageHash: h, r: .zero, s: U256(1), recoveryID: 0) }
    #expect(throws: SignatureError.rOutOfRange) { try Secp256k1.recoverAddress(messageHash: h, r: n, s: U256(1), recoveryID: 0) }
    #expect(throws: SignatureError.sOutOfRange) { try Secp256k1.recoverAddress(messageHash: h, r: U256(1), s: .zero, recoveryID: 0) }
    #expect(throws: SignatureError.sOutOfRange) { try Secp256k1.recoverAddress(messageHash: h, r: U256(1), s: .max, recoveryID: 0) }
    #expect(throws: SignatureError.invalidRecoveryID(4)) { try Secp256k1.recoverAddress(messageHash: h, r: U256(1), s: U256(1), recoveryID: 4) }
    #expect(throws: SignatureError.invalidRecoveryID(-1)) { try Secp256k1.recoverAddress(messageHash: h, r: U256(1), s: U256(1), recoveryID: -1) }
    // r = 5 is not the x of any curve point (x³ + 7 is not a square mod p), so nothing recovers.
    #expect(throws: SignatureError.recoveryFailed) { try Secp256k1.recoverAddress(messageHash: h, r: U256(5), s: U256(1), recoveryID: 0) }
    #expect(throws: SignatureError.invalidPrivateKey) { try Secp256k1.sign(messageHash: h, privateKey: [UInt8](repeating: 0, count: 32)) }
    #expect(throws: SignatureError.invalidPrivateKey) { try Secp256k1.sign(messageHash: h, privateKey: [1, 2, 3]) }
    #expect(throws: SignatureError.invalidPrivateKey) { try Secp256k1.address(ofPrivateKey: n.bigEndianBytes) }
  }

  /// The order constants agree with each other.
  @Test func constants() {
    #expect(Secp256k1.halfOrder == Secp256k1.order >> 1)
    #expect(Secp256k1.order.hexString == "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
  }
}
