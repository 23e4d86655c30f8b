import EVM
import Execution
import Primitives
import State
import Trie

/// A block validated and executed by `BlockProcessor.execute`: everything the header promises
/// is checked except the state root and, before Byzantium, the receipts root (those receipts
/// carry the state root after each transaction). A commit step computes those roots from the
/// writes, checks them with `sealed(intermediateRoots:)` and `checkStateRoot(_:)`, and writes.
public struct ExecutedBlock: Sendable {
  public var block: Block
  public var hash: Hash
  /// The header of the parent whose state the block ran on.
  public var parent: Header
  public var fork: Fork
  public var senders: [Address]
  /// Each transaction's canonical encoding and hash, in order (computed with the senders).
  public var transactionEncodings: [[UInt8]]
  public var transactionHashes: [Hash]
  /// Outcomes, totals and the block's write set (`execution.writes`) over the parent state.
  public var execution: BlockExecution
  /// Before Byzantium: the block's writes after each transaction, over the parent state (the
  /// commit step turns each into the receipt's intermediate state root). Empty from Byzantium on.
  public var writesAfterTransaction: [StateChanges]
  /// The receipts and their consensus encodings, checked against the receipts root. Before
  /// Byzantium both are empty until `sealed(intermediateRoots:)` fills and checks them.
  public var receipts: [Receipt]
  public var receiptEncodings: [[UInt8]]
  /// Block-STM's counters when the block ran in parallel.
  public var parallelStats: BlockSTMStats?

  /// Whether the receipts still wait for intermediate state roots (before Byzantium).
  public var needsIntermediateRoots: Bool { fork < .byzantium }

  /// The block with its receipts complete: before Byzantium, each receipt gets its intermediate
  /// state root (`intermediateRoots[i]`: the state root of `writesAfterTransaction[i]` over the
  /// parent state) and the receipts root is checked; from Byzantium on, the block as it is.
  /// - Throws: `BlockError.mismatch(.receiptsRoot, …)`.
  public func sealed(intermediateRoots: [Hash], threads: Int = 1) throws(BlockError) -> ExecutedBlock {
    guard needsIntermediateRoots else { return self }
    var sealed = self
    let (receipts, encodings, _) = BlockProcessor.receipts(
      block.transactions, execution, postStates: intermediateRoots, threads: threads)
    try Self.checkReceiptsRoot(encodings, header: block.header)
    sealed.receipts = receipts
    sealed.receiptEncodings = encodings
    return sealed
  }

  /// Checks the state root a commit step computed against the header's.
  /// - Throws: `BlockError.mismatch(.stateRoot, …)`.
  public func checkStateRoot(_ root: Hash) throws(BlockError) {
    guard root == block.header.stateRoot else {
      throw .mismatch(.stateRoot, expected: .hash(block.header.stateRoot), got: .hash(root))
    }
  }

  static func checkReceiptsRoot(_ encodings: [[UInt8]], header: Header) throws(BlockError) {
    let root = TrieRoot.orderedRoot(encodings)
    guard root == header.receiptsRoot else {
      throw .mismatch(.receiptsRoot, expected: .hash(header.receiptsRoot), got: .hash(root))
    }
  }
}

extension InMemoryState {
  /// The commit step on the in-memory state (which must be the state `executed` ran on):
  /// computes the intermediate roots (before Byzantium) and the new state root, checks them,
  /// and only then applies the block's writes.
  /// - Returns: the block with its receipts complete.
  /// - Throws: `BlockError` on a root mismatch; the state is then unchanged.
  public mutating func commit(_ executed: ExecutedBlock) throws(BlockError) -> ExecutedBlock {
    let base = self
    let roots = executed.writesAfterTransaction.map { writes in
      var s = base
      s.apply(writes)
      return s.computeStateRoot()
    }
    let sealed = try executed.sealed(intermediateRoots: roots)
    var post = self
    let writes = executed.execution.writes
    post.apply(writes)
    // EIP-7610 collision checks read the accounts' storage roots: keep the changed ones current.
    var touched = Set(writes.storage.keys)
    touched.formUnion(writes.clearedStorage)
    touched.formUnion(writes.accounts.keys)
    for a in touched where post.accounts[a] != nil {
      post.accounts[a]!.storageRoot = post.storageRoot(of: a)
    }
    try executed.checkStateRoot(post.computeStateRoot())
    self = post
    return sealed
  }
}
