import Chain
import Cryptography
import Foundation
import Primitives
import TestSupport

/// Ethash light verification: the epoch-0 cache's generation, and one seal check (mainnet
/// block 1, two dataset rows computed from the cache for each of 64 accesses).
func benchEthash() {
  let t0 = DispatchTime.now().uptimeNanoseconds
  let cache = Ethash.Cache(epoch: 0)
  let generation = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
  print(String(format: "ethash cache epoch 0 (%d MB): generated in %.2f s", (cache.words.count * 4) >> 20, generation))
  guard let file = Fixtures.shared?.appendingPathComponent("mainnet/block1.rlp"),
        let data = FileManager.default.contents(atPath: file.path),
        let block = try? Block(rlpEncoded: Array(data)) else {
    Fixtures.warnMissing("../shared/mainnet/block1.rlp")
    return
  }
  let header = block.header
  let sealHash = header.sealHash
  var ok = true
  let (median, spread) = measure(runs: 7) {
    for _ in 0..<200 {
      ok = ok && cache.hashimotoLight(sealHash: sealHash, nonce: header.nonce).mixDigest == header.mixHash
    }
  }
  print(String(format: "ethash light verification: %.0f µs per seal (median of 7 × 200, spread %.0f%%), valid: %@",
               median / 200 * 1e6, spread * 100, ok ? "yes" : "NO"))
  // Several seals in lockstep (import checks 4 per task): twice as many dataset items' misses
  // in flight.
  for k in [2, 4, 8] {
    let batch = Array(repeating: (sealHash: sealHash, nonce: header.nonce), count: k)
    let (m, sp) = measure(runs: 7) {
      for _ in 0..<(200 / k) {
        ok = ok && cache.hashimotoLight(batch).allSatisfy { $0.mixDigest == header.mixHash }
      }
    }
    print(String(format: "ethash light verification, %d in lockstep: %.0f µs per seal (median of 7 × %d × %d, spread %.0f%%), valid: %@",
                 k, m / Double(200 / k * k) * 1e6, 200 / k, k, sp * 100, ok ? "yes" : "NO"))
  }
}
