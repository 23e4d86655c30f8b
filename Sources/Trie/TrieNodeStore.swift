import Primitives

/// Why a trie operation failed.
public enum TrieError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The store has no node with this hash (a pruned or corrupt store, or a wrong root).
  case missingNode(Hash)
  /// The node stored under this hash is not a valid trie node.
  case malformedNode(Hash, reason: String)
  /// The store itself failed (I/O, a closed transaction); the message says how.
  case backend(String)

  public var description: String {
    switch self {
    case .missingNode(let h): return "trie: node \(h) is missing from the store"
    case .malformedNode(let h, let reason): return "trie: node \(h) is malformed: \(reason)"
    case .backend(let m): return "trie store: \(m)"
    }
  }
}

/// Where trie nodes live, keyed by the Keccak-256 of their RLP encoding.
///
/// The trie reads nodes through this; the nodes a change creates come back from
/// `MerkleTrie.commit()` as a `TrieCommit`, which the owner writes (the LMDB store inside the
/// block's write transaction, the in-memory store with `apply(_:)`). Nodes are never deleted:
/// a hash-keyed store is append-only, and older roots stay readable.
public protocol TrieNodeStore {
  /// The encoded node whose Keccak-256 is `hash`, or nil when the store lacks it.
  func node(_ hash: Hash) throws(TrieError) -> [UInt8]?
}

/// One node to persist: its hash and its RLP encoding.
public struct TrieNodeWrite: Equatable, Sendable {
  public var hash: Hash
  public var encoded: [UInt8]

  public init(hash: Hash, encoded: [UInt8]) {
    self.hash = hash; self.encoded = encoded
  }
}

/// The outcome of `MerkleTrie.commit()`: the new root and the nodes created since the last commit.
public struct TrieCommit: Sendable {
  public var root: Hash
  /// Every node referenced by hash on the changed paths, the root included (whatever its size).
  public var nodes: [TrieNodeWrite]

  public init(root: Hash, nodes: [TrieNodeWrite]) {
    self.root = root; self.nodes = nodes
  }
}

/// A node store in a dictionary: for tests, genesis building and benchmarks.
///
/// A reference type so several tries (the account trie and every storage trie) share one store.
/// Not thread-safe: use it from one thread at a time.
public final class InMemoryTrieNodeStore: TrieNodeStore {
  public private(set) var nodes: [Hash: [UInt8]]

  public init(minimumCapacity: Int = 0) {
    nodes = Dictionary(minimumCapacity: minimumCapacity)
  }

  public func node(_ hash: Hash) throws(TrieError) -> [UInt8]? { nodes[hash] }

  /// Stores one node.
  public func put(_ hash: Hash, _ encoded: [UInt8]) { nodes[hash] = encoded }

  /// Stores the nodes of a commit.
  public func apply(_ commit: TrieCommit) {
    for n in commit.nodes { nodes[n.hash] = n.encoded }
  }

  /// The number of nodes held.
  public var count: Int { nodes.count }
}
