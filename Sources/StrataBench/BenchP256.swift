// P256VERIFY (EIP-7951, 0x100) against ECRECOVER (0x01): µs per call and Mgas/s at their gas
// prices (6900 and 3000), in the same run. Called from main.swift.

import Cryptography
import Primitives

/// Times P256 (libcrypto) verification and secp256k1 recovery on one valid input each; prints the
/// median per call and the gas throughput each precompile's price implies.
func benchP256() {
  // A signature made with Python's `cryptography` (the P256Tests vector).
  let p256Input = benchBytes(
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
  let p256 = medianMicrosPerCall("benchP256", runs: 15, batch: 200) { P256.verify(p256Input) }
  let ecrecover = medianMicrosPerCall("benchP256", runs: 15, batch: 200) {
    (try? Secp256k1.recoverAddress(messageHash: hash, r: sig.r, s: sig.s, recoveryID: sig.recoveryID)) != nil
  }
  // gas / µs = Mgas/s.
  print(
    "p256 (median of 15; wall / thread CPU): P256VERIFY \(fmt(p256.wall, 2)) / \(fmt(p256.cpu, 2)) µs = "
      + "\(fmt(6900 / p256.wall, 2)) / \(fmt(6900 / p256.cpu, 2)) Mgas/s at 6900 gas; "
      + "ECRECOVER \(fmt(ecrecover.wall, 2)) / \(fmt(ecrecover.cpu, 2)) µs = "
      + "\(fmt(3000 / ecrecover.wall, 2)) / \(fmt(3000 / ecrecover.cpu, 2)) Mgas/s at 3000 gas")
}
