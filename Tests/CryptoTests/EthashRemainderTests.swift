@testable import Cryptography
import Testing

/// Ethash's division-free remainder equals `%` for every divisor it meets (cache item counts)
/// and at the edges of 32-bit dividends and divisors.
@Suite struct EthashRemainderTests {
  @Test func equalsTheHardwareRemainder() {
    var rng = SystemRandomNumberGenerator()
    // Epoch 0's and epoch 1's item counts, the edges, and random divisors.
    var divisors: [UInt32] = [1, 2, 3, 7, 64, 262_139, 264_179, UInt32.max - 1, UInt32.max, 1 << 31, (1 << 31) + 1]
    divisors += (0..<200).map { _ in UInt32.random(in: 1...UInt32.max, using: &rng) }
    divisors += (0..<200).map { _ in UInt32.random(in: 1...1_000_000, using: &rng) }
    for n in divisors {
      let r = Ethash.ModReciprocal(n)
      var dividends: [UInt32] = [0, 1, n - 1, n, n &+ 1, UInt32.max, UInt32.max - 1, UInt32.max / n &* n]
      dividends += (0..<500).map { _ in UInt32.random(in: 0...UInt32.max, using: &rng) }
      for a in dividends {
        let got = Ethash.remainder(a, r)
        #expect(got == a % n, "remainder(\(a), \(n)) = \(got), expected \(a % n)")
        if got != a % n { return }
      }
    }
  }
}
