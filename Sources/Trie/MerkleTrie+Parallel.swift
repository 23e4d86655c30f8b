import Primitives

/// Runs `body(part)` for every part in 0..<count, possibly on other threads, and returns when
/// all have finished (the executor's worker pool, for instance).
public typealias ParallelRunner = (_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> Void

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

    let work = ParallelTrieWork(children: children, groups: groups, assignment: assignment, stores: Array(stores.prefix(parts)))
    defer { work.release() }
    run(parts) { p in work.runPart(p) }
    for p in 0..<parts { if let e = work.errors[p] { throw e } }

    var newChildren = [MemoryNode](repeating: .empty, count: 16)
    var live = 0
    for n in 0..<16 {
      newChildren[n] = work.children[n]
      if case .empty = newChildren[n] {} else { live += 1 }
    }
    // A root left with one subtree collapses (as `removing` does it): rare, and serial.
    guard live >= 2 else { return try serial() }
    var hasher = NodeHasher(collect: true)
    let hash = hasher.root(of: .branch(children: newChildren, value: nil))
    var nodes: [TrieNodeWrite] = []
    for p in 0..<parts { nodes += work.writes[p] }
    nodes += hasher.writes
    return TrieCommit(root: hash, nodes: nodes)
  }
}

/// The shared state of one parallel update: the root's children (each written by the one part
/// that owns its nibble), each part's node writes and error.
///
/// SAFETY: `@unchecked Sendable` because the buffers are written at disjoint indices (a nibble's
/// child by its part, a part's writes and error by that part) and read only after `run` has
/// returned, which orders the parts' writes before the caller's reads; the stores are used by
/// their own part only.
private final class ParallelTrieWork<Store: TrieNodeStore>: @unchecked Sendable {
  let children: UnsafeMutablePointer<MemoryNode>
  let writes: UnsafeMutablePointer<[TrieNodeWrite]>
  let errors: UnsafeMutablePointer<TrieError?>
  let groups: [[(nibbles: [UInt8], value: [UInt8])]]
  let assignment: [[Int]]
  let stores: [Store]

  init(children: [MemoryNode], groups: [[(nibbles: [UInt8], value: [UInt8])]], assignment: [[Int]], stores: [Store]) {
    self.children = .allocate(capacity: 16)
    self.children.initialize(from: children, count: 16)
    writes = .allocate(capacity: assignment.count)
    writes.initialize(repeating: [], count: assignment.count)
    errors = .allocate(capacity: assignment.count)
    errors.initialize(repeating: nil, count: assignment.count)
    self.groups = groups
    self.assignment = assignment
    self.stores = stores
  }

  func release() {
    children.deinitialize(count: 16)
    children.deallocate()
    writes.deinitialize(count: assignment.count)
    writes.deallocate()
    errors.deinitialize(count: assignment.count)
    errors.deallocate()
  }

  /// Part `p`: its nibbles' subtrees updated (below the root, from the second nibble on) and
  /// hashed as the root's encoder would reference them.
  func runPart(_ p: Int) {
    let trie = MerkleTrie(store: stores[p], root: .emptyTrieRoot)
    var hasher = NodeHasher(collect: true)
    do throws(TrieError) {
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
        children[n] = hasher.reference(node)
      }
      writes[p] = hasher.writes
    } catch {
      errors[p] = error
    }
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
