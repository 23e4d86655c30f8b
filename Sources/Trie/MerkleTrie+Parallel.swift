import Primitives

/// Runs `body(part)` for every part in 0..<count, possibly on other threads, and returns when
/// all have finished (the executor's worker pool, for instance).
public typealias ParallelRunner = (_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> Void

/// A `ParallelRunner` that runs the parts one after another on the calling thread.
public func runInline(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
  for part in 0..<count { body(part) }
}

/// Runs `body(part)` for every part in 0..<count with `run` and returns the results in part
/// order; when parts throw, the error of the first of them (in part order) is rethrown.
public func runParts<T, E: Error>(_ count: Int, run: ParallelRunner, _ body: @escaping @Sendable (Int) throws(E) -> T) throws(E) -> [T] {
  let results = PartResults<T, E>(count: count)
  run(count) { part in results.store(part, Result { () throws(E) -> T in try body(part) }) }
  return try results.collect()
}

/// One result slot per part.
///
/// SAFETY: `@unchecked Sendable` because each slot is written by its own part only and read by
/// `collect` after the runner has returned, which orders the parts' writes before that read.
private final class PartResults<T, E: Error>: @unchecked Sendable {
  private let slots: UnsafeMutablePointer<Result<T, E>?>
  private let count: Int

  init(count: Int) {
    self.count = count
    slots = .allocate(capacity: max(1, count))
    slots.initialize(repeating: nil, count: count)
  }

  deinit {
    slots.deinitialize(count: count)
    slots.deallocate()
  }

  func store(_ part: Int, _ result: Result<T, E>) { slots[part] = result }

  func collect() throws(E) -> [T] {
    var out: [T] = []
    out.reserveCapacity(count)
    for part in 0..<count { out.append(try slots[part]!.get()) }
    return out
  }
}

extension MerkleTrie where Store: Sendable {
  /// Applies `updates` to the trie whose root is `root` and commits: the same root and nodes as
  /// `update` for each entry then `commit()`, computed in parts. The root's sixteen subtrees
  /// are independent, so each part updates and hashes the subtrees of its share of the first
  /// nibbles, reading through its own store (every store a view of the same snapshot); the
  /// root branch is then hashed over the results.
  ///
  /// Takes the serial path for one store, few updates, or a root that is not a branch, and
  /// when the root would not stay a branch (fewer than two subtrees left).
  ///
  /// - Parameters:
  ///   - updates: distinct keys (a secure trie's hashes); an empty value deletes the key.
  ///   - stores: one store per part, all views of one snapshot.
  ///   - run: runs the parts.
  /// - Throws: the first `TrieError` of any part.
  public static func updateAndCommit(
    root: Hash, _ updates: [(key: Hash, value: [UInt8])], stores: [Store], minimumUpdates: Int = 64,
    run: ParallelRunner
  ) throws(TrieError) -> TrieCommit {
    func serial() throws(TrieError) -> TrieCommit {
      var trie = MerkleTrie(store: stores[0], root: root)
      for u in updates {
        if u.value.isEmpty { try trie.remove(u.key.bytes) } else { try trie.update(u.key.bytes, u.value) }
      }
      return trie.commit()
    }
    guard stores.count > 1, updates.count >= minimumUpdates, root != .emptyTrieRoot else { return try serial() }
    let reader = MerkleTrie(store: stores[0], root: root)
    guard case .branch(let children, nil) = try reader.load(root) else { return try serial() }

    // The updates by first nibble, and the nibbles shared out by load (largest first).
    var groups = [[(nibbles: [UInt8], value: [UInt8])]](repeating: [], count: 16)
    for u in updates {
      let nibbles = NodeCodec.nibbles(u.key.bytes)
      groups[Int(nibbles[0])].append((nibbles, u.value))
    }
    let parts = min(stores.count, groups.filter { !$0.isEmpty }.count)
    guard parts > 1 else { return try serial() }
    var assignment = [[Int]](repeating: [], count: parts)
    var load = [Int](repeating: 0, count: parts)
    for n in (0..<16).sorted(by: { groups[$0].count > groups[$1].count }) where !groups[n].isEmpty {
      let p = load.indices.min { load[$0] < load[$1] }!
      assignment[p].append(n)
      load[p] += groups[n].count
    }

    // Each part updates its nibbles' subtrees below the root (from the second nibble on) and
    // hashes them as the root's encoder will reference them.
    let partStores = Array(stores.prefix(parts))
    let shares = try runParts(parts, run: run) { [groups, assignment] (p) throws(TrieError) -> (children: [(Int, MemoryNode)], writes: [TrieNodeWrite]) in
      let trie = MerkleTrie(store: partStores[p], root: .emptyTrieRoot)
      var hasher = NodeHasher(collect: true)
      var updated: [(Int, MemoryNode)] = []
      for n in assignment[p] {
        var node = children[n]
        for u in groups[n] {
          if u.value.isEmpty {
            var changed = false
            let r = try trie.removing(node, u.nibbles, 1, &changed)
            if changed { node = r }
          } else {
            node = try trie.inserting(node, u.nibbles, 1, u.value)
          }
        }
        updated.append((n, hasher.reference(node)))
      }
      return (updated, hasher.writes)
    }

    var newChildren = children
    for share in shares { for (n, node) in share.children { newChildren[n] = node } }
    var live = 0
    for c in newChildren { if case .empty = c {} else { live += 1 } }
    // A root left with one subtree collapses (as `removing` does it): rare, and serial.
    guard live >= 2 else { return try serial() }
    var hasher = NodeHasher(collect: true)
    let hash = hasher.root(of: .branch(children: newChildren, value: nil))
    var nodes: [TrieNodeWrite] = []
    for share in shares { nodes += share.writes }
    nodes += hasher.writes
    return TrieCommit(root: hash, nodes: nodes)
  }
}

extension NodeHasher {
  /// What a parent's encoding refers to for `node`: the node itself when its encoding is
  /// embedded (under 32 bytes), else its hash, the node collected.
  mutating func reference(_ node: MemoryNode) -> MemoryNode {
    switch node {
    case .empty, .stored: return node
    default: break
    }
    var out = buffer
    buffer = []
    out.removeAll(keepingCapacity: true)
    encode(node, into: &out)
    guard out.count >= 32 else {
      buffer = out
      return node
    }
    let h = NodeCodec.hash(out, from: 0)
    if collect { writes.append(TrieNodeWrite(hash: h, encoded: out)) }
    buffer = out
    return .stored(h)
  }
}
