import Cryptography
import Primitives
import Testing

@Suite struct HashesTests {
  // FIPS 180-2 examples.
  @Test(arguments: [
    ("", "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("abc", "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "0x248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
  ])
  func sha256(_ input: String, _ digest: String) {
    #expect(SHA256.hash(Array(input.utf8)).description == digest)
    // A collection without contiguous storage takes the copying path.
    #expect(SHA256.hash(input.utf8.lazy.map { $0 }) .description == digest)
  }

  @Test func sha256Million() {
    let a = [UInt8](repeating: 0x61, count: 1_000_000)
    #expect(SHA256.hash(a).description == "0xcdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  // The RIPEMD-160 authors' test vectors.
  @Test(arguments: [
    ("", "0x9c1185a5c5e9fc54612808977ee8f548b2258d31"),
    ("a", "0x0bdc9d2d256b3ee9daae347be6f4dc835a467ffe"),
    ("abc", "0x8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"),
    ("message digest", "0x5d0689ef49d2fae572b881b123a85ffa21595f36"),
    ("abcdefghijklmnopqrstuvwxyz", "0xf71c27109c692c1b56bbdceb5b9d2865b3708dbc"),
    ("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
     "0x9b752e45573d4b39f4dbd3323cab82bf63326bfb"),
  ])
  func ripemd160(_ input: String, _ digest: String) {
    let out = RIPEMD160.hash(Array(input.utf8))
    #expect(out.count == 20)
    #expect(out.hexString == digest)
    #expect(RIPEMD160.hash(input.utf8).hexString == digest)
    // libcrypto agrees where its default provider has RIPEMD-160 (OpenSSL ≥ 3.0.7).
    if let theirs = RIPEMD160.libcryptoHash(Array(input.utf8)) { #expect(theirs == out) }
  }

  // The rest of the paper's vectors, including the million-"a" case.
  @Test(arguments: [
    ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "0x12a053384a9c0c88e405a06c27dcf49ada62eb2b"),
    ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "0xb0e20b6e3116640286ed3a87a5713079b21f5189"),
  ])
  func ripemd160MultiBlock(_ input: String, _ digest: String) {
    #expect(RIPEMD160.hash(Array(input.utf8)).hexString == digest)
  }

  @Test func ripemd160Million() {
    let a = [UInt8](repeating: 0x61, count: 1_000_000)
    #expect(RIPEMD160.hash(a).hexString == "0x52783243c1697bdbe16d37f97f68f08325dc1528")
  }

  /// Every length across the padding boundaries (55, 56, 63, 64, 119, 120 …) and past two blocks,
  /// against libcrypto where it has RIPEMD-160; a lazy collection takes the copying path.
  @Test func ripemd160EveryLengthAgainstLibcrypto() {
    for n in 0...300 {
      let m = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ n) }
      let ours = RIPEMD160.hash(m)
      #expect(RIPEMD160.hash(m.lazy.map { $0 }) == ours)
      if let theirs = RIPEMD160.libcryptoHash(m) { #expect(theirs == ours, "length \(n)") }
    }
  }
}
