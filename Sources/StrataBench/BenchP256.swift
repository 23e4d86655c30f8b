// P256VERIFY (EIP-7951, 0x100) against ECRECOVER (0x01): µs per call and Mgas/s at their gas
// prices (6900 and 3000), in the same run. Called from main.swift.

import Cryptography
import Primitives

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Times Crypto's P-256 verification and secp256k1 recovery on one valid input each; prints the
/// median per call and the gas throughput each precompile's price implies.
func benchP256() {
  func bytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = Array(hex.utf8).makeIterator()
    func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : c - 87 }
    while let hi = it.next(), let lo = it.next() { out.append(nibble(hi) << 4 | nibble(lo)) }
    return out
  }
  /// This thread's CPU time in seconds (on a shared machine it leaves out waiting for a core).
  func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
  }
  /// Median microseconds per call (wall clock, thread CPU time) over `runs` batches of `batch`
  /// calls, after a warm-up batch.
  func medianMicros(runs: Int, batch: Int, _ body: () -> Bool) -> (wall: Double, cpu: Double) {
    let clock = ContinuousClock()
    var walls: [Double] = [], cpus: [Double] = []
    for run in 0...runs {
      var ok = true
      let cpuStart = threadCPUSeconds()
      let d = clock.measure { for _ in 0..<batch { ok = body() && ok } }
      let cpu = threadCPUSeconds() - cpuStart
      precondition(ok, "benchP256: unexpected result")
      if run > 0 {
        walls.append((Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) * 1e-12) / Double(batch))
        cpus.append(cpu * 1e6 / Double(batch))
      }
    }
    walls.sort()
    cpus.sort()
    return (walls[walls.count / 2], cpus[cpus.count / 2])
  }
  func format(_ x: Double) -> String {
    let hundredths = Int(x * 100 + 0.5)
    let frac = hundredths % 100
    return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
  }

  // A signature made with Python's `cryptography` (the P256Tests vector).
  let p256Input = bytes(
    "53d3a3ec772e87371336b512e4ab25c709e0929e11043d73f2c969a5f1e8a6de"
      + "45f1100a583520ab224e21322c26d64da05940ed1fa7b6cebb063e7df8b6ebeb"
      + "0a3dbede9dfcd80d41922f0fbd16660c08f586d684b5fa43485a706ed71142ed"
      + "c3550b9e474e884f3524bad0ea51e4d1e8ca610eada5d351f1c3b48f584da1de"
      + "6479e15c012943a71d61105605a4f39834f533d665fa95bafdc70d0bd2b13b22")
  let key = [UInt8](repeating: 0, count: 31) + [1]
  let hash = Keccak256.hash(Array("strata".utf8))
  guard let sig = try? Secp256k1.sign(messageHash: hash, privateKey: key) else {
    print("p256: secp256k1 signing failed")
    return
  }
  let p256 = medianMicros(runs: 15, batch: 200) { P256.verify(p256Input) }
  let ecrecover = medianMicros(runs: 15, batch: 200) {
    (try? Secp256k1.recoverAddress(messageHash: hash, r: sig.r, s: sig.s, recoveryID: sig.recoveryID)) != nil
  }
  // gas / µs = Mgas/s.
  print(
    "p256 (median of 15; wall / thread CPU): P256VERIFY \(format(p256.wall)) / \(format(p256.cpu)) µs = "
      + "\(format(6900 / p256.wall)) / \(format(6900 / p256.cpu)) Mgas/s at 6900 gas; "
      + "ECRECOVER \(format(ecrecover.wall)) / \(format(ecrecover.cpu)) µs = "
      + "\(format(3000 / ecrecover.wall)) / \(format(3000 / ecrecover.cpu)) Mgas/s at 3000 gas")
}
