import Primitives
import TestSupport
import Testing
@testable import Trie

/// Randomised properties with a seeded generator, so a failure repeats exactly.
@Suite struct TriePropertyTests {
  /// Keys from a tiny alphabet, 0…5 bytes: many shared prefixes, keys that are prefixes of
  /// others, embedded (short) nodes.
  static func denseKey(_ rng: inout SeededGenerator) -> [UInt8] {
    let alphabet: [UInt8] = [0x00, 0x01, 0x10, 0x11, 0x1f, 0xf1, 0xff]
    return (0..<Int.random(in: 0...5, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
  }

  static func value(_ rng: inout SeededGenerator) -> [UInt8] {
    // Mostly short values (embedded leaves), sometimes long ones (hashed leaves).
    let n = Bool.random(using: &rng) ? Int.random(in: 1...4, using: &rng) : Int.random(in: 1...80, using: &rng)
    return (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
  }

  static func randomMap(_ rng: inout SeededGenerator, count: Int, secure: Bool) -> [[UInt8]: [UInt8]] {
    var m: [[UInt8]: [UInt8]] = [:]
    for _ in 0..<count {
      let k = secure ? Keccak256.hash([UInt8.random(in: 0...255, using: &rng), UInt8.random(in: 0...255, using: &rng)]).bytes
        : denseKey(&rng)
      m[k] = value(&rng)
    }
    return m
  }

  static func incrementalRoot(_ pairs: [([UInt8], [UInt8])]) throws -> Hash {
    var trie = MerkleTrie(store: InMemoryTrieNodeStore())
    for (k, v) in pairs { try trie.update(k, v) }
    return trie.rootHash()
  }

  @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
  func orderIndependence(seed: UInt64) throws {
    var rng = SeededGenerator(seed: seed)
    for round in 0..<40 {
      let m = Self.randomMap(&rng, count: Int.random(in: 0...60, using: &rng), secure: round % 2 == 1)
      let pairs = Array(m)
      let reference = TrieRoot.root(pairs: pairs)
      for _ in 0..<4 {
        let shuffled = pairs.shuffled(using: &rng)
        #expect(try Self.incrementalRoot(shuffled) == reference, "seed \(seed) round \(round)")
      }
    }
  }

  @Test(arguments: [11, 12, 13, 14])
  func insertThenDeleteRestoresRoot(seed: UInt64) throws {
    var rng = SeededGenerator(seed: seed)
    for round in 0..<30 {
      let secure = round % 2 == 0
      let base = Self.randomMap(&rng, count: Int.random(in: 0...50, using: &rng), secure: secure)
      let extra = Self.randomMap(&rng, count: Int.random(in: 1...50, using: &rng), secure: secure)
        .filter { base[$0.key] == nil }
      let store = InMemoryTrieNodeStore()
      var trie = MerkleTrie(store: store)
      for (k, v) in base { try trie.update(k, v) }
      // Half the rounds go through the store (commit, reopen) between the phases.
      let before: Hash
      if round % 4 < 2 {
        let c = trie.commit()
        store.apply(c)
        before = c.root
      } else {
        before = trie.rootHash()
      }
      for (k, v) in extra.shuffled(using: &rng) { try trie.update(k, v) }
      if round % 3 == 0 { store.apply(trie.commit()) }
      for (k, _) in extra.shuffled(using: &rng) { try trie.remove(k) }
      #expect(trie.rootHash() == before, "seed \(seed) round \(round)")
      #expect(trie.commit().root == before)
    }
  }

  @Test(arguments: [21, 22, 23, 24])
  func builderAgreesWithIncremental(seed: UInt64) throws {
    var rng = SeededGenerator(seed: seed)
    for round in 0..<12 {
      let secure = round % 3 != 0
      let store = InMemoryTrieNodeStore()
      var trie = MerkleTrie(store: store)
      var model: [[UInt8]: [UInt8]] = [:]
      // Batches of mixed inserts, updates and deletes, committed between batches.
      for batch in 0..<6 {
        for _ in 0..<Int.random(in: 1...120, using: &rng) {
          let r = Int.random(in: 0..<10, using: &rng)
          if r < 3, let k = model.keys.randomElement(using: &rng) {
            model[k] = nil
            try trie.remove(k)
          } else if r < 5, let k = model.keys.randomElement(using: &rng) {
            let v = Self.value(&rng)
            model[k] = v
            try trie.update(k, v)
          } else {
            let k = Self.randomMap(&rng, count: 1, secure: secure).keys.first!
            let v = Self.value(&rng)
            model[k] = v
            try trie.update(k, v)
          }
        }
        let expected = TrieRoot.root(pairs: Array(model))
        #expect(trie.rootHash() == expected, "seed \(seed) round \(round) batch \(batch)")
        let c = trie.commit()
        store.apply(c)
        #expect(c.root == expected)
        for (k, v) in model.prefix(20) { #expect(try trie.get(k) == v) }
      }
    }
  }

  @Test(arguments: [31, 32])
  func neighboursMatchSortedKeys(seed: UInt64) throws {
    var rng = SeededGenerator(seed: seed)
    for round in 0..<20 {
      let m = Self.randomMap(&rng, count: Int.random(in: 0...40, using: &rng), secure: false)
      let store = InMemoryTrieNodeStore()
      var trie = MerkleTrie(store: store)
      for (k, v) in m { try trie.update(k, v) }
      if round % 2 == 0 { store.apply(trie.commit()) }
      let sorted = m.keys.sorted { $0.lexicographicallyPrecedes($1) }
      for _ in 0..<30 {
        let probe = Self.denseKey(&rng)
        let above = sorted.first { probe.lexicographicallyPrecedes($0) }
        let below = sorted.last { $0.lexicographicallyPrecedes(probe) }
        #expect(try trie.key(after: probe) == above, "seed \(seed) round \(round) after \(probe)")
        #expect(try trie.key(before: probe) == below, "seed \(seed) round \(round) before \(probe)")
      }
    }
  }

  @Test func builderEmitsAWalkableStore() throws {
    // The nodes the builder reports are enough to reopen the trie and update it.
    var rng = SeededGenerator(seed: 99)
    let m = Self.randomMap(&rng, count: 500, secure: true)
    let store = InMemoryTrieNodeStore()
    var builder = TrieRootBuilder { h, node in store.put(h, Array(node)) }
    for (k, v) in m.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) { builder.add(key: k, value: v) }
    let root = builder.finish()
    var trie = MerkleTrie(store: store, root: root)
    for (k, v) in m { #expect(try trie.get(k) == v) }
    let victim = m.keys.first!
    try trie.remove(victim)
    var smaller = m
    smaller[victim] = nil
    #expect(trie.rootHash() == TrieRoot.root(pairs: Array(smaller)))
  }
}
