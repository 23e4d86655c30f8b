import Primitives

/// Computes a trie root in one pass over keys given in strictly increasing order, keeping only a
/// stack of the branches still open (one per depth on the current path), never a tree.
///
/// Each key's leaf hangs below the deepest branch it shares with a neighbour, so a key is placed
/// once its successor is known (one key of look-ahead). A branch is closed, encoded and hashed
/// as soon as the keys move past its prefix, and its reference goes into its parent's payload.
/// Children arrive in nibble order, so a branch's payload is built left to right in one buffer.
///
/// ```swift
/// var builder = TrieRootBuilder()
/// for (key, value) in sortedPairs { builder.add(key: key, value: value) }
/// let root = builder.finish()
/// ```
///
/// - Complexity: O(total key length) plus one Keccak-256 per node of 32 bytes or more.
public struct TrieRootBuilder {
  /// A branch still open: its depth in nibbles, and its payload so far.
  @usableFromInline struct Level {
    var depth = 0
    /// References of children `0..<next`, empty slots as 0x80.
    var payload: [UInt8] = []
    var next = 0
    var value: [UInt8] = []
    var hasValue = false
  }

  @usableFromInline var levels: [Level] = []
  /// Levels in use; `levels` keeps the rest for their buffers.
  @usableFromInline var height = 0
  /// Nibbles of the key waiting for its successor, and its value.
  @usableFromInline var pendingKey: [UInt8] = []
  @usableFromInline var pendingValue: [UInt8] = []
  @usableFromInline var hasPending = false
  @usableFromInline var nextKey: [UInt8] = []
  /// The branch being closed (swapped out of `levels`, so its parent can be written meanwhile).
  @usableFromInline var closing: [UInt8] = []
  @usableFromInline var rootEncoding: [UInt8] = []
  @usableFromInline var finished = false

  /// Called with every node that is referenced by hash (32 bytes or more) and with the root,
  /// whatever its size: the nodes a hash-keyed store needs to walk the trie later.
  public var onNode: ((Hash, ArraySlice<UInt8>) -> Void)?

  /// The number of keys added.
  public private(set) var count = 0

  public init(onNode: ((Hash, ArraySlice<UInt8>) -> Void)? = nil) {
    self.onNode = onNode
  }

  /// Adds a key and its value. Keys must come in strictly increasing byte order.
  /// - Parameters:
  ///   - key: the key's bytes (already hashed, for a secure trie).
  ///   - value: a non-empty value (the trie does not store empty values).
  public mutating func add<K: Collection<UInt8>, V: Collection<UInt8>>(key: K, value: V) {
    nextKey.removeAll(keepingCapacity: true)
    NodeCodec.appendNibbles(of: key, to: &nextKey)
    addNext(value: value)
  }

  /// Adds a 32-byte key (a hashed key of a secure trie) and its value.
  public mutating func add<V: Collection<UInt8>>(key: Hash, value: V) {
    nextKey.removeAll(keepingCapacity: true)
    withUnsafeBytes(of: key) { NodeCodec.appendNibbles(of: $0, to: &nextKey) }
    addNext(value: value)
  }

  @usableFromInline mutating func addNext<V: Collection<UInt8>>(value: V) {
    precondition(!finished, "TrieRootBuilder used after finish()")
    precondition(!value.isEmpty, "trie values must not be empty")
    if hasPending {
      let lcp = commonPrefixLength(pendingKey, 0, nextKey, 0)
      precondition(lcp < nextKey.count && (lcp == pendingKey.count || pendingKey[lcp] < nextKey[lcp]),
                   "TrieRootBuilder keys must be strictly increasing")
      placePending(nextCommonPrefix: lcp)
    }
    swap(&pendingKey, &nextKey)
    pendingValue.removeAll(keepingCapacity: true)
    pendingValue.append(contentsOf: value)
    hasPending = true
    count += 1
  }

  /// Closes every open branch and returns the root.
  public mutating func finish() -> Hash {
    precondition(!finished, "TrieRootBuilder.finish() called twice")
    finished = true
    guard hasPending else { return .emptyTrieRoot }
    placePending(nextCommonPrefix: -1)
    let root = NodeCodec.hash(rootEncoding, from: 0)
    onNode?(root, rootEncoding[...])
    return root
  }

  // MARK: - The stack

  @inline(__always) var topDepth: Int { height > 0 ? levels[height - 1].depth : -1 }

  @usableFromInline mutating func push(depth: Int) {
    if height == levels.count { levels.append(Level()) }
    levels[height].depth = depth
    levels[height].payload.removeAll(keepingCapacity: true)
    levels[height].next = 0
    levels[height].hasValue = false
    height += 1
  }

  /// Places the pending key (its successor shares `b` nibbles with it; -1 when it is the last
  /// key), then closes the branches deeper than `b`.
  @usableFromInline mutating func placePending(nextCommonPrefix b: Int) {
    let sink = onNode
    if b > topDepth { push(depth: b) }
    if height == 0 {
      // The only key: the root is a leaf holding the whole path.
      rootEncoding.removeAll(keepingCapacity: true)
      Self.appendLeaf(path: pendingKey[...], value: pendingValue, to: &rootEncoding)
      return
    }
    let top = height - 1
    let p = levels[top].depth
    if pendingKey.count == p {
      // The key ends at this branch (a prefix of its successor): the branch's value.
      levels[top].value.removeAll(keepingCapacity: true)
      levels[top].value.append(contentsOf: pendingValue)
      levels[top].hasValue = true
    } else {
      let nibble = Int(pendingKey[p])
      fill(top, upTo: nibble)
      let start = levels[top].payload.count
      Self.appendLeaf(path: pendingKey[(p + 1)...], value: pendingValue, to: &levels[top].payload)
      Self.finishReference(from: start, in: &levels[top].payload, onNode: sink)
      levels[top].next = nibble + 1
    }
    while height > 0 && levels[height - 1].depth > b {
      // Close the top branch: pad to 16 children, add the value, wrap in a list.
      height -= 1
      let x = height
      let depth = levels[x].depth
      fill(x, upTo: 16)
      if levels[x].hasValue {
        NodeCodec.appendString(levels[x].value, to: &levels[x].payload)
      } else {
        levels[x].payload.append(0x80)
      }
      NodeCodec.wrapList(from: 0, in: &levels[x].payload)
      // The slot is free now and may be pushed again below: the encoding moves out to
      // `closing`, and the slot keeps `closing`'s old buffer for reuse.
      swap(&closing, &levels[x].payload)

      if height == 0 && b < 0 {
        // The last branch of the last key: the root (under an extension if it is not at depth 0).
        rootEncoding.removeAll(keepingCapacity: true)
        if depth > 0 {
          NodeCodec.appendHexPrefix(pendingKey[0..<depth], leaf: false, to: &rootEncoding)
          Self.appendReference(toEncoded: closing, in: &rootEncoding, onNode: sink)
          NodeCodec.wrapList(from: 0, in: &rootEncoding)
        } else {
          rootEncoding.append(contentsOf: closing)
        }
        return
      }
      if height == 0 || levels[height - 1].depth < b { push(depth: b) }
      // Attach to the parent, through an extension when depths are more than one nibble apart.
      let parent = height - 1
      let pd = levels[parent].depth
      let nibble = Int(pendingKey[pd])
      fill(parent, upTo: nibble)
      if depth > pd + 1 {
        let start = levels[parent].payload.count
        NodeCodec.appendHexPrefix(pendingKey[(pd + 1)..<depth], leaf: false, to: &levels[parent].payload)
        Self.appendReference(toEncoded: closing, in: &levels[parent].payload, onNode: sink)
        NodeCodec.wrapList(from: start, in: &levels[parent].payload)
        Self.finishReference(from: start, in: &levels[parent].payload, onNode: sink)
      } else {
        Self.appendReference(toEncoded: closing, in: &levels[parent].payload, onNode: sink)
      }
      levels[parent].next = nibble + 1
    }
  }

  /// Pads level `i` with empty children up to nibble `n`.
  @inline(__always) mutating func fill(_ i: Int, upTo n: Int) {
    var next = levels[i].next
    while next < n { levels[i].payload.append(0x80); next += 1 }
    levels[i].next = next
  }

  @inline(__always) static func appendLeaf(path: ArraySlice<UInt8>, value: [UInt8], to out: inout [UInt8]) {
    let start = out.count
    NodeCodec.appendHexPrefix(path, leaf: true, to: &out)
    NodeCodec.appendString(value, to: &out)
    NodeCodec.wrapList(from: start, in: &out)
  }

  /// Replaces the node encoded at `out[start...]` by its hash reference when it is 32 bytes or
  /// longer (and reports it to `onNode`); shorter nodes stay embedded.
  @inline(__always) static func finishReference(from start: Int, in out: inout [UInt8], onNode: ((Hash, ArraySlice<UInt8>) -> Void)?) {
    guard out.count - start >= 32 else { return }
    let h = NodeCodec.hash(out, from: start)
    onNode?(h, out[start...])
    out.removeSubrange(start...)
    NodeCodec.appendHashRef(h, to: &out)
  }

  @inline(__always) static func appendReference(toEncoded node: [UInt8], in out: inout [UInt8], onNode: ((Hash, ArraySlice<UInt8>) -> Void)?) {
    if node.count < 32 {
      out.append(contentsOf: node)
    } else {
      let h = NodeCodec.hash(node, from: 0)
      onNode?(h, node[...])
      NodeCodec.appendHashRef(h, to: &out)
    }
  }
}

/// Roots of tries computed in one pass.
public enum TrieRoot {
  /// The root of a trie over `pairs`, whose keys must be strictly increasing.
  /// - Complexity: O(n) in the total size of the pairs.
  public static func root<K: Collection<UInt8>, V: Collection<UInt8>>(
    sortedPairs pairs: some Sequence<(K, V)>
  ) -> Hash {
    var builder = TrieRootBuilder()
    for (k, v) in pairs { builder.add(key: k, value: v) }
    return builder.finish()
  }

  /// The root of a trie over `pairs` in any order (keys must be distinct).
  /// - Complexity: O(n log n) for the sort.
  public static func root(pairs: [([UInt8], [UInt8])]) -> Hash {
    let sorted = pairs.sorted { $0.0.lexicographicallyPrecedes($1.0) }
    return root(sortedPairs: sorted)
  }

  /// The root of a secure trie: each key is replaced by its Keccak-256 (keys must be distinct).
  public static func secureRoot(pairs: [([UInt8], [UInt8])]) -> Hash {
    let hashed = pairs.map { (Keccak256.hash($0.0), $0.1) }.sorted { $0.0 < $1.0 }
    var builder = TrieRootBuilder()
    for (k, v) in hashed { builder.add(key: k, value: v) }
    return builder.finish()
  }

  /// The root of an ordered trie, keyed by RLP of each value's index: the transactions root,
  /// the receipts root, the withdrawals root.
  /// - Parameter values: the encoded items (a typed transaction's or receipt's bytes as they
  ///   appear in the block: `type ‖ payload`; a legacy one's RLP list).
  public static func orderedRoot(_ values: [[UInt8]]) -> Hash {
    // RLP(0) = 0x80 sorts after RLP(1…127) = 0x01…0x7f; sort the encoded indices once.
    var keyed: [([UInt8], Int)] = []
    keyed.reserveCapacity(values.count)
    for i in values.indices {
      var e = RLPEncoder(reservingCapacity: 9)
      e.append(i)
      keyed.append((e.bytes, i))
    }
    keyed.sort { $0.0.lexicographicallyPrecedes($1.0) }
    var builder = TrieRootBuilder()
    for (k, i) in keyed { builder.add(key: k, value: values[i]) }
    return builder.finish()
  }
}
