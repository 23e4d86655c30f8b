import Testing

@testable import Cryptography

// EIP-152 test vectors 0–8 (as also carried by go-ethereum's core/vm/testdata/precompiles/
// blake2F.json and fail-blake2f.json). Vector 9 (2³² − 1 rounds) is omitted: too slow for a
// unit test.

private func b2Hex(_ s: String) -> [UInt8] {
  var out: [UInt8] = []
  var it = s.lowercased().utf8.makeIterator()
  func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
  while let a = it.next(), let b = it.next() { out.append(nibble(a) << 4 | nibble(b)) }
  return out
}

private func b2HexString(_ b: [UInt8]) -> String {
  let digits = Array("0123456789abcdef")
  return String(b.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}

/// h, m ("abc"), t = 3 shared by vectors 4–8; the rounds prefix and final flag vary.
private let stateAndBlock =
  "48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b"
  + "6162630000000000000000000000000000000000000000000000000000000000"
  + "0000000000000000000000000000000000000000000000000000000000000000"
  + "0000000000000000000000000000000000000000000000000000000000000000"
  + "0000000000000000000000000000000000000000000000000000000000000000"
  + "03000000000000000000000000000000"

struct Blake2fVector: Sendable, CustomStringConvertible {
  let name: String
  let input: String
  let expected: String?
  var description: String { name }
}

@Suite struct Blake2fTests {
  static let vectors: [Blake2fVector] = [
    .init(name: "vector 0: empty input", input: "", expected: nil),
    .init(name: "vector 1: 212 bytes", input: "00000c" + stateAndBlock + "01", expected: nil),
    .init(name: "vector 2: 214 bytes", input: "000000000c" + stateAndBlock + "01", expected: nil),
    .init(name: "vector 3: final flag 2", input: "0000000c" + stateAndBlock + "02", expected: nil),
    .init(
      name: "vector 4: 0 rounds", input: "00000000" + stateAndBlock + "01",
      expected:
        "08c9bcf367e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d282e6ad7f520e511f6c3e2b8c68059b9442be0454267ce079217e1319cde05b"),
    .init(
      name: "vector 5: 12 rounds", input: "0000000c" + stateAndBlock + "01",
      expected:
        "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"),
    .init(
      name: "vector 6: not final", input: "0000000c" + stateAndBlock + "00",
      expected:
        "75ab69d3190a562c51aef8d88f1c2775876944407270c42c9844252c26d2875298743e7f6d5ea2f2d3e8d226039cd31b4e426ac4f2d3d666a610c2116fde4735"),
    .init(
      name: "vector 7: 1 round", input: "00000001" + stateAndBlock + "01",
      expected:
        "b63a380cb2897d521994a85234ee2c181b5f844d2c624c002677e9703449d2fba551b3a8333bcdf5f2f7e08993d53923de3d64fcc68c034e717b9293fed7a421"),
  ]

  /// Vector 8 runs 8,000,000 rounds: a fraction of a second in release, about 20 s in debug,
  /// so it runs only in optimised builds.
  #if DEBUG
    static let runsSlowVectors = false
  #else
    static let runsSlowVectors = true
  #endif

  @Test(.enabled(if: runsSlowVectors)) func eip152Vector8() {
    let out = Blake2f.compress(b2Hex("007a1200" + stateAndBlock + "01"))
    #expect(
      out.map(b2HexString)
        == "6d2ce9e534d50e18ff866ae92d70cceba79bbcd14c63819fe48752c8aca87a4bb7dcc230d22a4047f0486cfcfb50a17b24b2899eb8fca370f22240adb5170189")
  }

  @Test(arguments: vectors) func eip152Vector(_ v: Blake2fVector) {
    #expect(Blake2f.compress(b2Hex(v.input)).map(b2HexString) == v.expected)
  }

  @Test func roundsAreBigEndian() {
    #expect(Blake2f.rounds(b2Hex("007a1200" + stateAndBlock + "01")) == 8_000_000)
    #expect(Blake2f.rounds(b2Hex("0000000c" + stateAndBlock + "02")) == 12)
    #expect(Blake2f.rounds([]) == nil)
  }
}
