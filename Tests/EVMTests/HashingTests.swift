import Primitives
import Testing
@testable import EVM

/// The fast hashes behind the EVM's and the executors' maps.
@Suite struct HashingTests {
  /// Slot keys a contract can choose so that a fixed fold of their words (w0 ^ w1·c1 ^ …) is the
  /// same for all of them: the hash must still spread them, under any seed.
  @Test func chosenSlotKeysDoNotCollide() {
    let address = Address(low: 0xC0FFEE)
    var keys: [SlotKey] = []
    for i in 0..<2000 {
      let w1 = UInt64(i) &* 0x0123_4567_89AB_CDEF, w2 = UInt64(i) << 7, w3 = ~UInt64(i)
      // w0 cancels the other words in the fold the hash once used.
      let w0 = 0x5EED ^ (w1 &* 0x9E37_79B9_7F4A_7C15) ^ (w2 &* 0xC2B2_AE3D_27D4_EB4F) ^ (w3 &* 0x1656_67B1_9E37_79F9)
      keys.append(SlotKey(address: address, slot: U256(w0, w1, w2, w3)))
    }
    for seed in [0, 1, 0x7FFF_1234, -42] {
      let hashes = Set(keys.map { $0._rawHashValue(seed: seed) })
      #expect(hashes.count == keys.count, "seed \(seed): \(keys.count - hashes.count) collisions")
      // The low bits pick the bucket: they must spread too.
      let buckets = Set(hashes.map { $0 & 4095 })
      #expect(buckets.count > 1000, "seed \(seed): \(buckets.count) of 4096 buckets used")
    }
    // And a map of them stays a map.
    var map: [SlotKey: Int] = [:]
    for (i, k) in keys.enumerated() { map[k] = i }
    #expect(map.count == keys.count && keys.enumerated().allSatisfy { map[$0.element] == $0.offset })
  }

  /// Slot values chosen to cancel in any fixed fold of the words spread as map keys too.
  @Test func chosenSlotValuesDoNotCollide() {
    let values = (0..<2000).map { (i: Int) -> U256 in
      let w1 = UInt64(i) &* 0x0123_4567_89AB_CDEF, w2 = UInt64(i) << 7, w3 = ~UInt64(i)
      return U256(0x5EED ^ w1 ^ w2 ^ w3, w1, w2, w3)
    }
    for seed in [0, 1, -42] {
      let hashes = Set(values.map { $0._rawHashValue(seed: seed) })
      #expect(hashes.count == values.count)
      #expect(Set(hashes.map { $0 & 4095 }).count > 1000)
    }
    #expect(U256(1, 2, 3, 4) == U256(1, 2, 3, 4) && U256(1, 2, 3, 4) != U256(1, 2, 3, 5))
    #expect(U256(9).hashValue == U256(9).hashValue && Set([U256(1), U256(1), U256(2)]).count == 2)
  }

  @Test func addressAndHashHashAgreeWithEquality() {
    let a = Address(low: 7), b = Address(low: 7), c = Address(low: 8)
    #expect(a == b && a.hashValue == b.hashValue && a != c)
    let h1 = Keccak256.hash([1, 2, 3]), h2 = Keccak256.hash([1, 2, 3]), h3 = Keccak256.hash([4])
    #expect(h1 == h2 && h1.hashValue == h2.hashValue && h1 != h3)
    #expect(Set([a, b, c]).count == 2 && Set([h1, h2, h3]).count == 2)
  }
}
