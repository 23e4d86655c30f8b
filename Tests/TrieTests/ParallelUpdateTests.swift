import Dispatch
import Primitives
import TestSupport
import Testing
import Trie

/// A read-only copy of an in-memory node store, safe to read from several threads.
private struct FrozenStore: TrieNodeStore, Sendable {
  let nodes: [Hash: [UInt8]]
  func node(_ hash: Hash) throws(TrieError) -> [UInt8]? { nodes[hash] }
}

private func runConcurrently(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
  DispatchQueue.concurrentPerform(iterations: count) { body($0) }
}

private func randomHash(_ rng: inout SeededGenerator) -> Hash {
  Hash(w0: rng.next(), w1: rng.next(), w2: rng.next(), w3: rng.next())
}

/// `MerkleTrie.updateAndCommit` (subtrees of the root updated and hashed in parallel) against
/// the serial update and commit: same root, same new nodes, and the root of the final contents.
@Suite struct ParallelTrieUpdateTests {
  /// A trie of `size` random keys, then `changes` updates: new keys, changed values, deletions
  /// of present and of absent keys (a fraction `deleteShare` of them deletions of present keys).
  @Test(arguments: [(1, 10), (2, 40), (40, 30), (3000, 900), (3000, 2990), (20_000, 4000)])
  func equalsSerial(size: Int, changes: Int) throws {
    var rng = SeededGenerator(seed: UInt64(size * 7919 + changes))
    let building = InMemoryTrieNodeStore()
    var trie = MerkleTrie(store: building)
    var contents: [Hash: [UInt8]] = [:]
    for _ in 0..<size {
      let k = randomHash(&rng)
      let v = [UInt8](repeating: UInt8(truncatingIfNeeded: rng.next()), count: Int(rng.next() % 70) + 1)
      try trie.update(k.bytes, v)
      contents[k] = v
    }
    let base = trie.commit()
    building.apply(base)
    let store = FrozenStore(nodes: building.nodes)

    // Deleting most keys (the 2990 of 3000 case) leaves the root with fewer than two subtrees
    // or none: the parallel path must fall back and still agree.
    let existing = Array(contents.keys).sorted()
    var updates: [(key: Hash, value: [UInt8])] = []
    var used = Set<Hash>()
    let deleteMost = changes > size / 2 && size > 100
    for i in 0..<changes {
      let key: Hash
      var value: [UInt8]
      if deleteMost || (i % 3 == 0 && !existing.isEmpty) {
        key = existing[i % existing.count]
        value = deleteMost || i % 2 == 0 ? [] : [0x42, UInt8(truncatingIfNeeded: i)]
      } else if i % 3 == 1 {
        key = randomHash(&rng)
        value = [UInt8](repeating: 7, count: i % 40 + 1)
      } else {
        key = randomHash(&rng)
        value = []  // absent: nothing to delete
      }
      guard used.insert(key).inserted else { continue }
      updates.append((key, value))
      if value.isEmpty { contents[key] = nil } else { contents[key] = value }
    }

    var serialTrie = MerkleTrie(store: store, root: base.root)
    for u in updates {
      if u.value.isEmpty { try serialTrie.remove(u.key.bytes) } else { try serialTrie.update(u.key.bytes, u.value) }
    }
    let serial = serialTrie.commit()
    let parallel = try MerkleTrie<FrozenStore>.updateAndCommit(
      root: base.root, updates, stores: [store, store, store], minimumUpdates: 1, run: runConcurrently)
    #expect(parallel.root == serial.root)
    #expect(Set(parallel.nodes.map(\.hash)) == Set(serial.nodes.map(\.hash)))

    var fresh = MerkleTrie(store: InMemoryTrieNodeStore())
    for (k, v) in contents { try fresh.update(k.bytes, v) }
    #expect(parallel.root == fresh.rootHash())
  }

  /// A missing node fails the update as serially, whichever part meets it.
  @Test func missingNodeIsAnError() throws {
    var rng = SeededGenerator(seed: 99)
    let building = InMemoryTrieNodeStore()
    var trie = MerkleTrie(store: building)
    for _ in 0..<500 { try trie.update(randomHash(&rng).bytes, [1, 2, 3]) }
    let base = trie.commit()
    building.apply(base)
    // Only the root node stored: every subtree is missing.
    let store = FrozenStore(nodes: [base.root: building.nodes[base.root]!])
    let updates = (0..<100).map { _ in (key: randomHash(&rng), value: [UInt8]([9])) }
    #expect(throws: TrieError.self) {
      try MerkleTrie<FrozenStore>.updateAndCommit(root: base.root, updates, stores: [store, store], minimumUpdates: 1,
                                                  run: runConcurrently)
    }
  }
}
