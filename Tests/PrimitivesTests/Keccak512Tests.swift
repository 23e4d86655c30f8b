import Testing
@testable import Primitives
import TestSupport

// SHA3-512 against OpenSSL at every length is in KeccakTests (the same sponge, another padding).
@Suite struct Keccak512Tests {
  @Test func knownVectors() {
    // Keccak-512("") and Keccak-512("abc"), original padding (as ethash uses).
    #expect(Hex.encode(Keccak512.hash([]), prefix: false) ==
      "0eab42de4c3ceb9235fc91acffe746b29c29a8c366b7c60e4e67c466f36a4304c00fa9caf9d87976ba469bcbe06713b435f091ef2769fb160cdab33d3670680e")
    #expect(Hex.encode(Keccak512.hash(Array("abc".utf8)), prefix: false) ==
      "18587dc2ea106b9a1563e32b3312421ca164c7f1f07bc922a9c83d77cea3a1e5d0c69910739025372dc14ac9642629379540c17e2a65b19d77aa511a9d00bb96")
  }

  /// The pointer form ethash uses gives the array form's digest, also when it writes over its
  /// own input (32-, 40-, 64-byte inputs as ethash hashes, and multi-block ones).
  @Test func pointerFormMatchesAndMayHashInPlace() {
    var rng = SeededGenerator(seed: 512)
    for length in [0, 32, 40, 64, 71, 72, 73, 200] {
      let input = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
      let expected = Keccak512.hash(input)
      var buffer = input + [UInt8](repeating: 0, count: max(0, 64 - length))
      buffer.withUnsafeMutableBytes { b in
        Keccak512.hash(UnsafeRawPointer(b.baseAddress!), count: length, into: b.baseAddress!)
      }
      #expect(Array(buffer.prefix(64)) == expected, "length \(length)")
    }
  }
}
