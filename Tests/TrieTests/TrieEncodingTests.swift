import Primitives
import Testing
@testable import Trie

@Suite struct TrieEncodingTests {
  @Test func hexPrefix() {
    // Yellow Paper appendix C examples (flag nibble, then the path).
    func hp(_ n: [UInt8], _ leaf: Bool) -> [UInt8] {
      var out: [UInt8] = []
      NodeCodec.appendHexPrefix(n[...], leaf: leaf, to: &out)
      return out
    }
    #expect(hp([1, 2, 3, 4, 5], false) == [0x83, 0x11, 0x23, 0x45])
    #expect(hp([0, 1, 2, 3, 4, 5], false) == [0x84, 0x00, 0x01, 0x23, 0x45])
    #expect(hp([0, 0xf, 1, 0xc, 0xb, 8], true) == [0x84, 0x20, 0x0f, 0x1c, 0xb8])
    #expect(hp([0xf, 1, 0xc, 0xb, 8], true) == [0x83, 0x3f, 0x1c, 0xb8])
    #expect(hp([], true) == [0x20])
    #expect(hp([7], false) == [0x17])
    let (n, leaf) = try! NodeCodec.decodeHexPrefix([0x3f, 0x1c, 0xb8], offset: 0)
    #expect(n == [0xf, 1, 0xc, 0xb, 8] && leaf)
  }

  @Test func emptyRoots() {
    #expect(TrieRoot.root(pairs: []) == .emptyTrieRoot)
    #expect(TrieRoot.orderedRoot([]) == .emptyTrieRoot)
    #expect(TrieRoot.storageRoot([(slot: U256(1), value: .zero)]) == .emptyTrieRoot)
    #expect(MerkleTrie(store: InMemoryTrieNodeStore()).rootHash() == .emptyTrieRoot)
    #expect(Hash.emptyTrieRoot.description == "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
  }

  @Test func orderedRootMatchesIncremental() throws {
    // Ordered tries of 0…300 items: keys RLP(i) cross the 0x7f / 0x80 boundary.
    for n in [1, 2, 3, 16, 127, 128, 129, 300] {
      let values = (0..<n).map { i in [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 1 + i % 40) }
      var trie = MerkleTrie(store: InMemoryTrieNodeStore())
      for (i, v) in values.enumerated() {
        var e = RLPEncoder()
        e.append(i)
        try trie.update(e.bytes, v)
      }
      #expect(TrieRoot.orderedRoot(values) == trie.rootHash(), "n = \(n)")
    }
  }

  @Test func accountRoundTrip() throws {
    let rlp = AccountRLP.encode(nonce: 7, balance: U256(1_000_000), storageRoot: .emptyTrieRoot, codeHash: .emptyKeccak)
    let d = try AccountRLP.decode(rlp)
    #expect(d.nonce == 7 && d.balance == U256(1_000_000) && d.storageRoot == .emptyTrieRoot && d.codeHash == .emptyKeccak)
  }

  @Test func storageHelpers() throws {
    let store = InMemoryTrieNodeStore()
    var trie = MerkleTrie(store: store)
    try trie.setStorage(U256(1), U256(0x1234))
    try trie.setStorage(U256(2), U256(5))
    #expect(try trie.storage(U256(1)) == U256(0x1234))
    #expect(trie.rootHash() == TrieRoot.storageRoot([(slot: U256(1), value: U256(0x1234)), (slot: U256(2), value: U256(5))]))
    try trie.setStorage(U256(2), .zero)
    #expect(trie.rootHash() == TrieRoot.storageRoot([(slot: U256(1), value: U256(0x1234))]))
    try trie.setStorage(U256(1), .zero)
    #expect(trie.rootHash() == .emptyTrieRoot)
  }

  @Test func missingNodeIsAnError() {
    let trie = MerkleTrie(store: InMemoryTrieNodeStore(), root: Hash.emptyKeccak)
    #expect(throws: TrieError.missingNode(.emptyKeccak)) { try trie.get([1, 2, 3]) }
  }

  @Test func malformedNodeIsAnError() {
    let store = InMemoryTrieNodeStore()
    let bogus: [UInt8] = [0xc3, 0x80, 0x80, 0x80]
    let h = Keccak256.hash(bogus)
    store.put(h, bogus)
    let trie = MerkleTrie(store: store, root: h)
    #expect(throws: TrieError.self) { try trie.get([1]) }
  }
}

@Suite struct TrieErrorTests {
  @Test func failedUpdateLeavesTheTrieUnchanged() throws {
    // A store missing one node below the root: an update through it fails, the trie stays usable.
    let store = InMemoryTrieNodeStore()
    var trie = MerkleTrie(store: store)
    for i in 0..<64 { try trie.update(Keccak256.hash([UInt8(i)]).bytes, [UInt8](repeating: UInt8(i), count: 40)) }
    let commit = trie.commit()
    let rootNode = commit.nodes.first { $0.hash == commit.root }!
    store.put(rootNode.hash, rootNode.encoded)  // the root only
    var partial = MerkleTrie(store: store, root: commit.root)
    #expect(throws: TrieError.self) { try partial.update(Keccak256.hash([0]).bytes, [1]) }
    #expect(partial.rootHash() == commit.root)
    store.apply(commit)
    try partial.update(Keccak256.hash([0]).bytes, [1])
    #expect(partial.rootHash() != commit.root)
  }
}
