import CKeccak
import COpenSSL
import Foundation
import Testing
@testable import Primitives
import TestSupport

@Suite struct KeccakTests {
  @Test func knownVectors() throws {
    #expect(Keccak256.hash([UInt8]()) == (try Hash(hex: "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")))
    #expect(Keccak256.hash(Array("abc".utf8)) == (try Hash(hex: "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")))
    // 200 bytes of 0xa3: two blocks (the Keccak team's long-message style vector).
    #expect(Keccak256.hash([UInt8](repeating: 0xa3, count: 200)) == (try Hash(hex: "3a57666b048777f2c953dc4456f45a2588e1cb6f2da760122d530ac2ce607d4a")))
    // A 136-byte input fills exactly one block, so padding takes a second block.
    #expect(Keccak256.hash(Array(String(repeating: "a", count: 136).utf8)) ==
      (try Hash(hex: "a6c4d403279fe3e0af03729caada8374b5ca54d8065329a3ebcaeb4b60aa386e")))
    #expect(Hash.emptyTrieRoot == (try Hash(hex: "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")))
  }

  /// Every length 0…300 against OpenSSL's SHA3-256: the same Keccak-f[1600] permutation and
  /// sponge, differing only in the padding's first byte, which `domain` selects.
  @Test func sha3AgainstOpenSSLForEveryLength() {
    var rng = SeededGenerator(seed: 7)
    for length in 0...300 {
      let input = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
      var ours = Keccak256(domain: 0x06)
      ours.update(input)
      #expect(ours.finalize().bytes == openSSLSHA3(input), "length \(length)")
    }
  }

  /// Feeding the input in pieces of every size gives the one-shot digest.
  @Test func incrementalMatchesOneShot() {
    var rng = SeededGenerator(seed: 11)
    let input = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &rng) }
    let expected = Keccak256.hash(input)
    for chunk in [1, 2, 7, 64, 135, 136, 137, 500] {
      var h = Keccak256()
      var i = 0
      while i < input.count {
        h.update(input[i..<min(i + chunk, input.count)])
        i += chunk
      }
      #expect(h.finalize() == expected, "chunk \(chunk)")
    }
  }
}

func openSSLSHA3(_ input: [UInt8], bits: Int = 256) -> [UInt8] {
  var out = [UInt8](repeating: 0, count: bits / 8)
  var len: UInt32 = 0
  let ctx = EVP_MD_CTX_new()!
  defer { EVP_MD_CTX_free(ctx) }
  EVP_DigestInit_ex(ctx, bits == 512 ? EVP_sha3_512() : EVP_sha3_256(), nil)
  input.withUnsafeBytes { _ = EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
  EVP_DigestFinal_ex(ctx, &out, &len)
  return out
}

extension KeccakTests {
  /// Lengths 0…300 of a fixed pattern against pycryptodome's Keccak-256 (an independent
  /// implementation), folded into one digest of the 301 digests, computed once with:
  /// `keccak(concat(keccak(bytes((i*31 + n*7 + 3) & 0xff for i in range(n))) for n in range(301)))`.
  @Test func everyLengthAgainstIndependentOracle() throws {
    var all: [UInt8] = []
    for n in 0...300 {
      let m = (0..<n).map { i in UInt8(truncatingIfNeeded: i * 31 + n * 7 + 3) }
      all += Keccak256.hash(m).bytes
    }
    #expect(Keccak256.hash(all) == (try Hash(hex: "9c053a86a2c8ecbf3f069894be71bd5bb96f7f7f9f89f807cca24259d84c0a24")))
  }
}

extension KeccakTests {
  /// The one-shot path (whole blocks read in place, the last one padded on the stack) against
  /// OpenSSL's SHA3-256 at every length around the first three block boundaries (136, 272, 408)
  /// and at a few long lengths.
  @Test func oneShotSHA3AgainstOpenSSLAtBlockBoundaries() {
    var rng = SeededGenerator(seed: 19)
    let lengths = Array(0...420) + [1_000, 4_095, 4_096, 4_097, 65_535, 65_536, 65_537]
    for length in lengths {
      let input = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
      let ours = input.withUnsafeBytes { Keccak256.oneShot($0, domain: 0x06) }
      #expect(ours.bytes == openSSLSHA3(input), "length \(length)")
    }
  }

  /// Keccak-512's sponge (rate 72) against OpenSSL's SHA3-512, one-shot and fed in pieces, at
  /// every length 0…300 (block boundaries 72, 144, 216, 288).
  @Test func sha3_512AgainstOpenSSL() {
    var rng = SeededGenerator(seed: 23)
    for length in 0...300 {
      let input = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
      let expected = openSSLSHA3(input, bits: 512)
      #expect(input.withUnsafeBytes { Keccak512.oneShot($0, domain: 0x06) } == expected, "length \(length)")
      var h = Keccak512(domain: 0x06)
      var i = 0
      let chunk = 1 + length % 71
      while i < input.count {
        h.update(input[i..<min(i + chunk, input.count)])
        i += chunk
      }
      #expect(h.finalize() == expected, "length \(length) in pieces of \(chunk)")
    }
  }

  /// Keccak-512 known answers (original padding): the empty string and "abc".
  @Test func keccak512KnownVectors() throws {
    #expect(Keccak512.hash([UInt8]()) == (try Hex.decode(
      "0eab42de4c3ceb9235fc91acffe746b29c29a8c366b7c60e4e67c466f36a4304c00fa9caf9d87976ba469bcbe06713b435f091ef2769fb160cdab33d3670680e")))
    #expect(Keccak512.hash(Array("abc".utf8)) == (try Hex.decode(
      "18587dc2ea106b9a1563e32b3312421ca164c7f1f07bc922a9c83d77cea3a1e5d0c69910739025372dc14ac9642629379540c17e2a65b19d77aa511a9d00bb96")))
  }

  /// The permutation itself: Keccak-f[1600] of the all-zero state, first and last lanes of the
  /// reference's intermediate-values file (KeccakF-1600-IntermediateValues.txt).
  @Test func permutationOfZeroState() {
    var lanes = [UInt64](repeating: 0, count: 25)
    lanes.withUnsafeMutableBufferPointer { keccakF1600Permute($0.baseAddress!) }
    #expect(lanes[0] == 0xF1258F7940E1DDE7)
    #expect(lanes[24] == 0xEAF1FF7B5CECA249)
  }

  /// Both C variants, called directly (the dispatched one is what every test above checks): the
  /// zero-state answer, then 2,000 random states, each permuted three times, lane for lane equal.
  /// On a CPU without BMI1/BMI2 the "bmi" entry runs the generic code, which the test reports.
  @Test func genericAndBMIVariantsAgree() {
    var zero = [UInt64](repeating: 0, count: 25)
    zero.withUnsafeMutableBufferPointer { strata_keccak_f1600_generic($0.baseAddress!) }
    #expect(zero[0] == 0xF1258F7940E1DDE7 && zero[24] == 0xEAF1FF7B5CECA249)
    if strata_keccak_f1600_variant() == 0 { print("KeccakTests: this CPU lacks BMI1/BMI2; the bmi variant is the generic one here") }
    var rng = SeededGenerator(seed: 1600)
    for round in 0..<2000 {
      var a = (0..<25).map { _ in UInt64.random(in: 0...UInt64.max, using: &rng) }
      var b = a
      for _ in 0..<3 {
        a.withUnsafeMutableBufferPointer { strata_keccak_f1600_generic($0.baseAddress!) }
        b.withUnsafeMutableBufferPointer { strata_keccak_f1600_bmi($0.baseAddress!) }
      }
      #expect(a == b, "state \(round)")
      if a != b { break }
    }
  }
}
