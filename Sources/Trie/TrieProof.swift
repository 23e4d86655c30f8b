import Primitives

/// Merkle proofs (EIP-1186) from a node store: the nodes on one key's path.
public enum TrieProof {
  /// The proof of `key` (raw trie key bytes: Keccak-256 of the address or slot for the secure
  /// tries) in the trie whose root is `root`: every stored node on the key's path, root first,
  /// as stored (a node under 32 bytes sits inside its parent and is not listed again), and the
  /// value under `key`, or nil when the path ends without it (the nodes then prove absence).
  /// The empty trie's proof is empty.
  /// - Throws: `TrieError` when a node on the path is missing or malformed.
  public static func collect<S: TrieNodeStore>(root: Hash, key: some Collection<UInt8>, store: S)
    throws(TrieError) -> (nodes: [[UInt8]], value: [UInt8]?)
  {
    if root == .emptyTrieRoot { return ([], nil) }
    let nibbles = NodeCodec.nibbles(key)
    var nodes: [[UInt8]] = []
    var hash = root
    var current: [UInt8]
    guard let first = try store.node(root) else { throw .missingNode(root) }
    current = first
    nodes.append(first)
    var i = 0
    while true {
      let next: RLPItem
      do throws(RLPError) {
        let item = try RLPItem(decoding: current)
        let items = try item.listItems()
        if items.count == 2 {
          let (path, leaf) = try NodeCodec.decodeHexPrefix(try items[0].bytes(), offset: items[0].offset)
          let matches = path.count <= nibbles.count - i && commonPrefixLength(path, 0, nibbles, i) == path.count
          if leaf {
            return (nodes, matches && i + path.count == nibbles.count ? Array(try items[1].bytes()) : nil)
          }
          guard matches else { return (nodes, nil) }
          i += path.count
          next = items[1]
        } else if items.count == 17 {
          if i == nibbles.count {
            let v = try items[16].bytes()
            return (nodes, v.isEmpty ? nil : Array(v))
          }
          next = items[Int(nibbles[i])]
          i += 1
        } else {
          throw .invalidValue(offset: 0, reason: "trie node of \(items.count) items")
        }
      } catch {
        throw .malformedNode(hash, reason: error.description)
      }
      if next.isList {
        current = Array(next.encoded)  // an embedded node: part of its parent's proof entry
        continue
      }
      let ref = next.payload
      if ref.isEmpty { return (nodes, nil) }
      guard ref.count == 32 else { throw .malformedNode(hash, reason: "child reference of \(ref.count) bytes") }
      hash = Hash(Array(ref))
      guard let bytes = try store.node(hash) else { throw .missingNode(hash) }
      nodes.append(bytes)
      current = bytes
    }
  }
}
