import Primitives

/// A node of the part of the trie held in memory: the paths touched since the last commit.
/// Everything else stays in the store, referenced by hash.
///
/// Only `ext` is boxed: a stored reference is an inline `Hash`, so decoding a branch allocates
/// its child array and nothing per child.
@usableFromInline enum MemoryNode: Sendable {
  case empty
  /// A node in the store, not loaded.
  case stored(Hash)
  /// The rest of the key's nibbles, and the value.
  case leaf(path: [UInt8], value: [UInt8])
  /// A shared run of nibbles (never empty) above a branch.
  indirect case ext(path: [UInt8], child: MemoryNode)
  /// Sixteen children and the value of a key ending here (nil for none).
  case branch(children: [MemoryNode], value: [UInt8]?)
}

/// A Merkle-Patricia trie over a node store, updated in place: inserts, updates and deletes
/// load only the nodes on their paths, and the root is recomputed by re-encoding and re-hashing
/// only those paths; untouched subtrees are referenced by their stored hashes.
///
/// Keys are raw bytes: a secure trie (accounts, storage) passes Keccak-256 of the key (see the
/// account and storage helpers below). After `commit()` the caller must write the returned nodes
/// to the store before the trie is read again.
///
/// - Complexity: an update loads and later re-hashes O(depth) nodes, about log₁₆ n for n keys.
public struct MerkleTrie<Store: TrieNodeStore> {
  public var store: Store
  @usableFromInline var root: MemoryNode

  /// A trie whose root is `root` in `store` (the empty root needs nothing stored).
  public init(store: Store, root: Hash = .emptyTrieRoot) {
    self.store = store
    self.root = root == .emptyTrieRoot ? .empty : .stored(root)
  }

  // MARK: Reading

  /// The value stored under `key`, or nil.
  /// - Throws: `TrieError` when a node on the path is missing or malformed.
  public func get(_ key: some Collection<UInt8>) throws(TrieError) -> [UInt8]? {
    let nibbles = NodeCodec.nibbles(key)
    var node = root
    var i = 0
    while true {
      switch node {
      case .empty:
        return nil
      case .stored(let h):
        node = try load(h)
      case .leaf(let path, let value):
        return path.count == nibbles.count - i && commonPrefixLength(path, 0, nibbles, i) == path.count
          ? value : nil
      case .ext(let path, let child):
        guard commonPrefixLength(path, 0, nibbles, i) == path.count else { return nil }
        i += path.count
        node = child
      case .branch(let children, let value):
        if i == nibbles.count { return value }
        node = children[Int(nibbles[i])]
        i += 1
      }
    }
  }

  // MARK: Writing

  /// Sets `key` to `value`; an empty value deletes the key.
  /// - Throws: `TrieError` when a node on the path is missing or malformed; the trie is then
  ///   as it was before the call.
  public mutating func update(_ key: some Collection<UInt8>, _ value: [UInt8]) throws(TrieError) {
    if value.isEmpty { return try remove(key) }
    let nibbles = NodeCodec.nibbles(key)
    let old = root
    root = .empty  // let the old tree's buffers be uniquely referenced below
    do {
      root = try inserting(old, nibbles, 0, value)
    } catch {
      root = old
      throw error
    }
  }

  /// Deletes `key`; deleting a missing key changes nothing.
  /// - Throws: `TrieError` when a node on the path is missing or malformed; the trie is then
  ///   as it was before the call.
  public mutating func remove(_ key: some Collection<UInt8>) throws(TrieError) {
    let nibbles = NodeCodec.nibbles(key)
    var changed = false
    let new = try removing(root, nibbles, 0, &changed)
    if changed { root = new }
  }

  // MARK: Hashing

  /// The root hash of the current contents. Hashes only the nodes changed since the last commit.
  public func rootHash() -> Hash {
    var hasher = NodeHasher(collect: false)
    return hasher.root(of: root)
  }

  /// Hashes the changed nodes and returns them with the new root; the trie then refers to its
  /// contents through the store alone, so write `nodes` to the store before using the trie again.
  public mutating func commit() -> TrieCommit {
    var hasher = NodeHasher(collect: true)
    let hash = hasher.root(of: root)
    root = hash == .emptyTrieRoot ? .empty : .stored(hash)
    return TrieCommit(root: hash, nodes: hasher.writes)
  }

  // MARK: - Loading

  @usableFromInline func load(_ hash: Hash) throws(TrieError) -> MemoryNode {
    guard let bytes = try store.node(hash) else { throw .missingNode(hash) }
    if let branch = Self.decodePlainBranch(bytes) { return branch }
    do {
      return try decodeNode(RLPItem(decoding: bytes))
    } catch {
      throw .malformedNode(hash, reason: error.description)
    }
  }

  /// The common stored node, a branch of hash references and empty slots with no value, read
  /// without the general decoder; nil for anything else (which the general decoder then reads
  /// and validates).
  @inline(__always) static func decodePlainBranch(_ bytes: [UInt8]) -> MemoryNode? {
    bytes.withUnsafeBytes { p -> MemoryNode? in
      let n = p.count
      guard n >= 56 + 3, p[0] == 0xf8 || p[0] == 0xf9 else { return nil }
      var i: Int
      var length: Int
      if p[0] == 0xf8 {
        length = Int(p[1]); i = 2
        guard length >= 56 else { return nil }
      } else {
        length = Int(p[1]) << 8 | Int(p[2]); i = 3
        guard length >= 256 else { return nil }
      }
      guard i + length == n else { return nil }
      var children: [MemoryNode] = []
      children.reserveCapacity(16)
      for _ in 0..<16 {
        guard i < n else { return nil }
        switch p[i] {
        case 0x80:
          children.append(.empty)
          i += 1
        case 0xa0:
          guard n - i >= 33 else { return nil }
          // SAFETY: i + 1 + 32 <= n, checked above.
          children.append(.stored(Hash(loadingFrom: p.baseAddress! + i + 1)))
          i += 33
        default:
          return nil  // an embedded child
        }
      }
      guard i + 1 == n, p[i] == 0x80 else { return nil }  // a value, or trailing bytes
      return .branch(children: children, value: nil)
    }
  }

  func decodeNode(_ item: RLPItem) throws(RLPError) -> MemoryNode {
    var reader = try item.listReader()
    let first = try reader.required()
    let second = try reader.required()
    if reader.isAtEnd {
      let (path, leaf) = try NodeCodec.decodeHexPrefix(try first.bytes(), offset: first.offset)
      if leaf { return .leaf(path: path, value: Array(try second.bytes())) }
      guard !path.isEmpty else { throw .invalidValue(offset: first.offset, reason: "extension with an empty path") }
      return .ext(path: path, child: try decodeReference(second))
    }
    var children: [MemoryNode] = []
    children.reserveCapacity(16)
    children.append(try decodeReference(first))
    children.append(try decodeReference(second))
    for _ in 2..<16 { children.append(try decodeReference(try reader.required())) }
    let valueItem = try reader.required()
    try reader.finish()
    let value = try valueItem.bytes()
    return .branch(children: children, value: value.isEmpty ? nil : Array(value))
  }

  func decodeReference(_ item: RLPItem) throws(RLPError) -> MemoryNode {
    if item.isList {
      guard item.encoded.count < 32 else {
        throw .invalidValue(offset: item.offset, reason: "embedded node of 32 bytes or more")
      }
      return try decodeNode(item)
    }
    let b = item.payload
    if b.isEmpty { return .empty }
    guard b.count == 32 else { throw .wrongSize(offset: item.offset, expected: 32, got: b.count) }
    // SAFETY: b holds exactly 32 bytes, checked above.
    return .stored(b.withUnsafeBytes { Hash(loadingFrom: $0.baseAddress!) })
  }

  // MARK: - Insert

  func inserting(_ node: MemoryNode, _ key: [UInt8], _ i: Int, _ value: [UInt8]) throws(TrieError) -> MemoryNode {
    switch node {
    case .empty:
      return .leaf(path: Array(key[i...]), value: value)

    case .stored(let h):
      return try inserting(try load(h), key, i, value)

    case .leaf(let path, let old):
      let cp = commonPrefixLength(path, 0, key, i)
      if cp == path.count && i + cp == key.count { return .leaf(path: path, value: value) }
      // Split: a branch where the paths part, under an extension for the shared run.
      var children = [MemoryNode](repeating: .empty, count: 16)
      var branchValue: [UInt8]? = nil
      if cp == path.count {
        branchValue = old
      } else {
        children[Int(path[cp])] = .leaf(path: Array(path[(cp + 1)...]), value: old)
      }
      if i + cp == key.count {
        branchValue = value
      } else {
        children[Int(key[i + cp])] = .leaf(path: Array(key[(i + cp + 1)...]), value: value)
      }
      let branch = MemoryNode.branch(children: children, value: branchValue)
      return cp > 0 ? .ext(path: Array(path[..<cp]), child: branch) : branch

    case .ext(let path, let child):
      let cp = commonPrefixLength(path, 0, key, i)
      if cp == path.count {
        return .ext(path: path, child: try inserting(child, key, i + cp, value))
      }
      var children = [MemoryNode](repeating: .empty, count: 16)
      var branchValue: [UInt8]? = nil
      children[Int(path[cp])] = cp + 1 == path.count ? child : .ext(path: Array(path[(cp + 1)...]), child: child)
      if i + cp == key.count {
        branchValue = value
      } else {
        children[Int(key[i + cp])] = .leaf(path: Array(key[(i + cp + 1)...]), value: value)
      }
      let branch = MemoryNode.branch(children: children, value: branchValue)
      return cp > 0 ? .ext(path: Array(path[..<cp]), child: branch) : branch

    case .branch(var children, let branchValue):
      if i == key.count { return .branch(children: children, value: value) }
      let n = Int(key[i])
      let child = children[n]
      children[n] = .empty
      children[n] = try inserting(child, key, i + 1, value)
      return .branch(children: children, value: branchValue)
    }
  }

  // MARK: - Delete

  /// `node` without `key[i...]`; `changed` is set when the key was there.
  func removing(_ node: MemoryNode, _ key: [UInt8], _ i: Int, _ changed: inout Bool) throws(TrieError) -> MemoryNode {
    switch node {
    case .empty:
      return node

    case .stored(let h):
      let loaded = try load(h)
      let result = try removing(loaded, key, i, &changed)
      return changed ? result : node

    case .leaf(let path, _):
      if path.count == key.count - i && commonPrefixLength(path, 0, key, i) == path.count {
        changed = true
        return .empty
      }
      return node

    case .ext(let path, let child):
      guard commonPrefixLength(path, 0, key, i) == path.count else { return node }
      let newChild = try removing(child, key, i + path.count, &changed)
      guard changed else { return node }
      return try prefixed(path, newChild)

    case .branch(var children, var value):
      if i == key.count {
        guard value != nil else { return node }
        value = nil
      } else {
        let n = Int(key[i])
        let newChild = try removing(children[n], key, i + 1, &changed)
        guard changed else { return node }
        children[n] = newChild
      }
      changed = true
      // A branch left with one entry collapses into its parent's path.
      var only = -1
      var live = 0
      for (n, c) in children.enumerated() {
        if case .empty = c { continue }
        live += 1
        only = n
      }
      if live == 0 {
        guard let value else { return .empty }
        return .leaf(path: [], value: value)
      }
      if live == 1 && value == nil {
        return try prefixed([UInt8(only)], children[only])
      }
      return .branch(children: children, value: value)
    }
  }

  /// `node` with `path` in front of it: merged into a leaf's or extension's path, or an
  /// extension above a branch. Loads a stored node to see which it is.
  func prefixed(_ path: [UInt8], _ node: MemoryNode) throws(TrieError) -> MemoryNode {
    switch node {
    case .empty:
      return .empty
    case .stored(let h):
      let loaded = try load(h)
      if case .branch = loaded { return .ext(path: path, child: node) }  // keep the stored reference
      return try prefixed(path, loaded)
    case .leaf(let rest, let value):
      return .leaf(path: path + rest, value: value)
    case .ext(let rest, let child):
      return .ext(path: path + rest, child: child)
    case .branch:
      return .ext(path: path, child: node)
    }
  }
}

/// Encodes the in-memory part of a trie, bottom-up, into one reused buffer.
struct NodeHasher {
  let collect: Bool
  var writes: [TrieNodeWrite] = []
  var buffer: [UInt8] = []

  init(collect: Bool) {
    self.collect = collect
    buffer.reserveCapacity(1024)
  }

  mutating func root(of node: MemoryNode) -> Hash {
    switch node {
    case .empty: return .emptyTrieRoot
    case .stored(let h): return h
    default: break
    }
    var out = buffer
    buffer = []
    out.removeAll(keepingCapacity: true)
    encode(node, into: &out)
    let h = NodeCodec.hash(out, from: 0)
    if collect { writes.append(TrieNodeWrite(hash: h, encoded: out)) }
    buffer = out
    return h
  }

  mutating func encode(_ node: MemoryNode, into out: inout [UInt8]) {
    let start = out.count
    switch node {
    case .empty:
      out.append(0x80)
      return
    case .stored:
      fatalError("NodeHasher.encode: a stored node is referenced by hash, never encoded")
    case .leaf(let path, let value):
      NodeCodec.appendHexPrefix(path[...], leaf: true, to: &out)
      NodeCodec.appendString(value, to: &out)
    case .ext(let path, let child):
      NodeCodec.appendHexPrefix(path[...], leaf: false, to: &out)
      appendReference(child, to: &out)
    case .branch(let children, let value):
      for c in children { appendReference(c, to: &out) }
      if let value { NodeCodec.appendString(value, to: &out) } else { out.append(0x80) }
    }
    NodeCodec.wrapList(from: start, in: &out)
  }

  mutating func appendReference(_ node: MemoryNode, to out: inout [UInt8]) {
    switch node {
    case .empty:
      out.append(0x80)
    case .stored(let h):
      NodeCodec.appendHashRef(h, to: &out)
    default:
      let start = out.count
      encode(node, into: &out)
      guard out.count - start >= 32 else { return }  // embedded in the parent
      let h = NodeCodec.hash(out, from: start)
      if collect { writes.append(TrieNodeWrite(hash: h, encoded: Array(out[start...]))) }
      out.removeSubrange(start...)
      NodeCodec.appendHashRef(h, to: &out)
    }
  }
}
