import Primitives

// Ordered neighbours of a key: the nearest stored keys above and below it, in byte order. Walks
// one path down and, where it runs out, the nearest sibling subtree's leftmost or rightmost key.

/// Packs nibbles (an even number: a whole key) into bytes.
func bytes(fromNibbles nibbles: [UInt8]) -> [UInt8] {
  precondition(nibbles.count % 2 == 0, "a stored key has an odd number of nibbles")
  return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
}

extension MerkleTrie {
  /// The smallest stored key strictly greater than `key`, or nil.
  /// - Throws: `TrieError` when a node on the way is missing or malformed.
  /// - Complexity: O(depth) node loads.
  public func key(after key: some Collection<UInt8>) throws(TrieError) -> [UInt8]? {
    var prefix: [UInt8] = []
    return try successor(root, &prefix, NodeCodec.nibbles(key), 0).map(bytes(fromNibbles:))
  }

  /// The greatest stored key strictly less than `key`, or nil.
  /// - Throws: `TrieError` when a node on the way is missing or malformed.
  /// - Complexity: O(depth) node loads.
  public func key(before key: some Collection<UInt8>) throws(TrieError) -> [UInt8]? {
    var prefix: [UInt8] = []
    return try predecessor(root, &prefix, NodeCodec.nibbles(key), 0).map(bytes(fromNibbles:))
  }

  /// -1, 0 or 1 as `path` sorts before, is a prefix of, or sorts after `key[i...]`
  /// (a `key[i...]` that is a proper prefix of `path` sorts before it: 1).
  func compare(_ path: [UInt8], _ key: [UInt8], _ i: Int) -> Int {
    let cp = commonPrefixLength(path, 0, key, i)
    if cp == path.count { return 0 }
    if i + cp == key.count { return 1 }
    return path[cp] < key[i + cp] ? -1 : 1
  }

  /// Smallest key in `node` strictly above `key`; `prefix` holds the nibbles above `node`
  /// (equal to `key[..<i]`) and is restored on return.
  func successor(_ node: MemoryNode, _ prefix: inout [UInt8], _ key: [UInt8], _ i: Int) throws(TrieError) -> [UInt8]? {
    switch node {
    case .empty:
      return nil
    case .stored(let h):
      return try successor(try load(h), &prefix, key, i)
    case .leaf(let path, _):
      // Above the key: sorts after it, or the rest of the key is a proper prefix of the path.
      return compare(path, key, i) == 1 ? prefix + path : nil
    case .ext(let path, let child):
      let c = compare(path, key, i)
      if c == -1 { return nil }
      prefix.append(contentsOf: path)
      defer { prefix.removeLast(path.count) }
      return c == 1 ? try first(child, &prefix) : try successor(child, &prefix, key, i + path.count)
    case .branch(let children, _):
      var from = 0
      if i < key.count {
        let n = Int(key[i])
        prefix.append(UInt8(n))
        let found = try successor(children[n], &prefix, key, i + 1)
        prefix.removeLast()
        if let found { return found }
        from = n + 1
      }
      for m in from..<16 {
        prefix.append(UInt8(m))
        let found = try first(children[m], &prefix)
        prefix.removeLast()
        if let found { return found }
      }
      return nil
    }
  }

  /// Greatest key in `node` strictly below `key`.
  func predecessor(_ node: MemoryNode, _ prefix: inout [UInt8], _ key: [UInt8], _ i: Int) throws(TrieError) -> [UInt8]? {
    switch node {
    case .empty:
      return nil
    case .stored(let h):
      return try predecessor(try load(h), &prefix, key, i)
    case .leaf(let path, _):
      let c = compare(path, key, i)
      // Below the key: sorts before it, or is a proper prefix of the rest of it.
      return c == -1 || (c == 0 && path.count < key.count - i) ? prefix + path : nil
    case .ext(let path, let child):
      let c = compare(path, key, i)
      if c == 1 { return nil }
      prefix.append(contentsOf: path)
      defer { prefix.removeLast(path.count) }
      return c == -1 ? try last(child, &prefix) : try predecessor(child, &prefix, key, i + path.count)
    case .branch(let children, let value):
      // The branch's own value (key == prefix) is below the key unless the key ends here.
      guard i < key.count else { return nil }
      let n = Int(key[i])
      prefix.append(UInt8(n))
      let found = try predecessor(children[n], &prefix, key, i + 1)
      prefix.removeLast()
      if let found { return found }
      for m in stride(from: n - 1, through: 0, by: -1) {
        prefix.append(UInt8(m))
        let found = try last(children[m], &prefix)
        prefix.removeLast()
        if let found { return found }
      }
      return value != nil ? prefix : nil
    }
  }

  /// The smallest key in `node`.
  func first(_ node: MemoryNode, _ prefix: inout [UInt8]) throws(TrieError) -> [UInt8]? {
    switch node {
    case .empty: return nil
    case .stored(let h): return try first(try load(h), &prefix)
    case .leaf(let path, _): return prefix + path
    case .ext(let path, let child):
      prefix.append(contentsOf: path)
      defer { prefix.removeLast(path.count) }
      return try first(child, &prefix)
    case .branch(let children, let value):
      if value != nil { return prefix }
      for m in 0..<16 {
        prefix.append(UInt8(m))
        let found = try first(children[m], &prefix)
        prefix.removeLast()
        if let found { return found }
      }
      return nil
    }
  }

  /// The greatest key in `node`.
  func last(_ node: MemoryNode, _ prefix: inout [UInt8]) throws(TrieError) -> [UInt8]? {
    switch node {
    case .empty: return nil
    case .stored(let h): return try last(try load(h), &prefix)
    case .leaf(let path, _): return prefix + path
    case .ext(let path, let child):
      prefix.append(contentsOf: path)
      defer { prefix.removeLast(path.count) }
      return try last(child, &prefix)
    case .branch(let children, let value):
      for m in stride(from: 15, through: 0, by: -1) {
        prefix.append(UInt8(m))
        let found = try last(children[m], &prefix)
        prefix.removeLast()
        if let found { return found }
      }
      return value != nil ? prefix : nil
    }
  }
}
