import COpenSSL
import Testing
@testable import Primitives
import TestSupport

@Suite struct Keccak512Tests {
  @Test func knownVectors() {
    // Keccak-512("") and Keccak-512("abc"), original padding (as ethash uses).
    #expect(Hex.encode(Keccak512.hash([]), prefix: false) ==
      "0eab42de4c3ceb9235fc91acffe746b29c29a8c366b7c60e4e67c466f36a4304c00fa9caf9d87976ba469bcbe06713b435f091ef2769fb160cdab33d3670680e")
    #expect(Hex.encode(Keccak512.hash(Array("abc".utf8)), prefix: false) ==
      "18587dc2ea106b9a1563e32b3312421ca164c7f1f07bc922a9c83d77cea3a1e5d0c69910739025372dc14ac9642629379540c17e2a65b19d77aa511a9d00bb96")
  }

  /// Every length 0…300 (one to five blocks) against OpenSSL's SHA3-512: the same sponge,
  /// differing only in the padding's first byte.
  @Test func sha3AgainstOpenSSLForEveryLength() {
    var rng = SeededGenerator(seed: 512)
    for length in 0...300 {
      let input = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
      var out = [UInt8](repeating: 0, count: 64)
      var len: UInt32 = 0
      let ctx = EVP_MD_CTX_new()!
      EVP_DigestInit_ex(ctx, EVP_sha3_512(), nil)
      input.withUnsafeBytes { _ = EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
      EVP_DigestFinal_ex(ctx, &out, &len)
      EVP_MD_CTX_free(ctx)
      #expect(Keccak512.hash(input, domain: 0x06) == out, "length \(length)")
    }
  }
}
