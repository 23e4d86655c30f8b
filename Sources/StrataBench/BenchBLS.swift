// BLS12-381 and EIP-4844 point-evaluation timings (release build). Called from main.swift.

import Cryptography

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Times one point-evaluation precompile call on a valid proof and one full pairing (Miller
/// loop with line preparation, and final exponentiation); prints the median of each in ms.
func benchBLS() {
  // valid_0 of shared/kzg/point_evaluation.json (c-kzg-4844, mainnet trusted setup).
  let inputHex =
    "0124af2b2b4ce3c3590ecc9ad43a94ea4c4858617688829f2412fddca72debf2012a8ee126b7bb9da686dbd9c5ec6030"
    + "a177699ec409ed56040a07fa3c2d2cc7381d16d6897ababe59ca732c3fbabaeb8d7c0740c1d42a5de661ec1a70753db3"
    + "950eb3a828da1daedd4f0b2205f1cb62db7c811369707a57397b2e0c8409c7df8115b8a6562519055111ffe81c215d3f"
    + "a2c575dc4966f4c4777e633da678ea8b4f6952d15797f7149384ef786e7f29f745bb98c1a82cf8e819444b250c5c019d"
  var input: [UInt8] = []
  var utf8 = Array(inputHex.utf8).makeIterator()
  func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
  while let hi = utf8.next(), let lo = utf8.next() { input.append(nibble(hi) << 4 | nibble(lo)) }

  /// Median wall-clock and thread-CPU milliseconds over `runs` calls. CPU time is the steadier
  /// figure on a shared machine.
  func median(_ runs: Int, _ body: () -> Bool) -> (wall: Double, cpu: Double) {
    var wall: [Double] = [], cpu: [Double] = []
    for _ in 0..<runs {
      let w0 = blsNow(CLOCK_MONOTONIC), c0 = blsNow(CLOCK_THREAD_CPUTIME_ID)
      let ok = body()
      let c1 = blsNow(CLOCK_THREAD_CPUTIME_ID), w1 = blsNow(CLOCK_MONOTONIC)
      precondition(ok, "benchBLS: unexpected result")
      wall.append((w1 - w0) * 1e3)
      cpu.append((c1 - c0) * 1e3)
    }
    wall.sort()
    cpu.sort()
    return (wall[runs / 2], cpu[runs / 2])
  }

  // Warm-up: builds the precomputed lines of [τ]₂ and the G2 generator.
  _ = PointEvaluation.run(input: input)
  let runs = 25
  let evaluation = median(runs) { PointEvaluation.run(input: input) != nil }
  let pairing = median(runs) {
    !BLS12381.pairing(BLS12381.G1Affine.generator, BLS12381.G2Affine.generator).isOne
  }
  let check = median(runs) {
    BLS12381.pairingCheck([
      (BLS12381.G1Affine.generator, BLS12381.G2Prepared(BLS12381.G2Affine.generator)),
      (-BLS12381.G1Affine.generator, BLS12381.G2Prepared(BLS12381.G2Affine.generator)),
    ])
  }
  func line(_ name: String, _ m: (wall: Double, cpu: Double)) {
    print("\(name) \(blsMilliseconds(m.wall)) ms wall, \(blsMilliseconds(m.cpu)) ms cpu "
          + "(median of \(runs))")
  }
  line("bls12-381 point evaluation (0x0a, valid proof):", evaluation)
  line("bls12-381 pairing e(G1, G2):                   ", pairing)
  line("bls12-381 two-pair pairing check:              ", check)
}

private func blsMilliseconds(_ ms: Double) -> String {
  let hundredths = Int(ms * 100 + 0.5)
  let frac = hundredths % 100
  return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
}

/// Seconds on the given clock.
private func blsNow(_ clock: clockid_t) -> Double {
  var ts = timespec()
  clock_gettime(clock, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
