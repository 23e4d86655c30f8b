import Dispatch
import Execution
import Foundation
import LMDBStore
import Primitives
import State
import Synchronization

// A block imported with several threads writes beside its own computation: its write
// transaction lives on a thread of its own (an LMDB write transaction serves the thread that
// began it), which takes each part of the block's writes as soon as it is known — header, body
// and transaction index once the transactions are valid (during execution); receipts, log
// index, storage, code and the accounts whose storage root stays, with their history, after
// execution (during the trie update); the other accounts and the trie nodes once the state
// root is computed and checked — and commits last. Execution and the trie update read
// snapshots of the parent state (the write transaction commits nothing until the end), so they
// see what they would without it. Measured on the 30M-gas corpus's 1,429-transfer block: its
// writes (about 10k LMDB puts, 13 ms) were a tenth of its import, all on the critical path;
// now about 4 ms of them (the trie nodes) and the commit's sync follow the state root.

extension ChainStore {
  /// `importBlock` with more than one thread: execution and the trie update as before, with the
  /// block's writes on another thread beside them. A block that fails writes nothing.
  func importBlockOverlapped(_ block: Block, processor: BlockProcessor, prepared: BackgroundMap<PreparedTransaction>?,
                             parentTotalDifficulty: U256? = nil, stats: inout ImportStats) throws(ChainError) {
    let t0 = Date()
    let writer = BlockWriter(store: store)
    var finished = false
    // Any failure below: the writer's transaction is aborted, nothing is written.
    defer { if !finished { writer.abort() } }
    let number = block.header.number
    let hash = block.hash
    let parentHash = block.header.parentHash
    let onValidated = { [self] (prepared: [PreparedTransaction]) in
      let encodings = prepared.map(\.encoding)
      let txHashes = prepared.map(\.hash)
      writer.send { [self] (batch: inout WriteBatch) throws(ChainError) in
        try requireHead(parentHash, in: batch.view, number: number, hash: hash)
        try stored { () throws(StoreError) in
          try batch.putHeader(hash, block.header.rlpEncoded)
          try batch.putBody(hash, block.bodyRLP(transactionEncodings: encodings))
          for (i, txHash) in txHashes.enumerated() {
            try batch.putTransactionLocation(txHash, block: hash, index: UInt64(i))
          }
          try batch.putCanonical(number, hash)
          if let parentTD = try batch.view.totalDifficulty(parentHash) {
            try batch.putTotalDifficulty(hash, parentTD &+ block.header.difficulty)
          }
          try batch.setHead(hash, number: number)
        }
      }
    }
    let views = min(16, processor.threads)
    let found = try store.read(views: views, throwing: ChainError.self) { (views) throws(ChainError) -> ExecutedBlock? in
      try execute(block, processor: processor, prepared: prepared, parentTotalDifficulty: parentTotalDifficulty,
                  in: views[0], workerViews: views, onValidated: onValidated)
    }
    guard let executed = found else {
      stats.skipped += 1
      return
    }
    // Receipts are final here from Byzantium on; before it they wait for the intermediate roots.
    if !executed.needsIntermediateRoots { writer.send(receiptsWrite(executed)) }
    // The state the tries do not decide (storage, code, accounts whose storage root stays),
    // with its history, while the tries update. Shared with the last part, which writes the rest.
    let late = LateAccounts()
    let writes = executed.execution.writes
    writer.send { (batch: inout WriteBatch) throws(ChainError) in
      try stored { () throws(StoreError) in
        let (early, lateSet) = try StateCommitter.earlyChanges(writes, view: batch.view)
        late.set(lateSet)
        // History first: it reads the values the state write replaces.
        try batch.recordStateHistory(block: number, changes: early)
        try batch.apply(early)
      }
    }
    let t1 = Date()
    let (sealed, update) = try store.read(views: views, throwing: ChainError.self) {
      (views) throws(ChainError) -> (ExecutedBlock, StateCommitter.Prepared) in
      try seal(executed, views: views, threads: processor.threads)
    }
    if sealed.needsIntermediateRoots { writer.send(receiptsWrite(sealed)) }
    let t2 = Date()
    writer.send { (batch: inout WriteBatch) throws(ChainError) in
      try stored { () throws(StoreError) in
        let rest = StateCommitter.lateChanges(update, late: late.get())
        try batch.recordStateHistory(block: number, changes: rest)
        try batch.apply(rest)
        try batch.putTrieNodes(update.nodes)
      }
    }
    finished = true
    try writer.commit()
    stats.record(executed, executionSeconds: t1.timeIntervalSince(t0),
                 times: CommitTimes(trie: t2.timeIntervalSince(t1), write: Date().timeIntervalSince(t2)))
  }

  /// The receipts and the log index of a sealed block.
  private func receiptsWrite(_ sealed: ExecutedBlock) -> BlockWriter.Work {
    { (batch: inout WriteBatch) throws(ChainError) in
      var e = RLPEncoder()
      e.list { l in for r in sealed.receiptEncodings { l.append(bytes: r) } }
      let receipts = e.bytes
      try stored { () throws(StoreError) in
        try batch.putReceipts(sealed.hash, receipts)
        try batch.indexLogs(block: sealed.block.header.number, Self.logKeys(sealed.receipts))
      }
    }
  }
}

/// The accounts one part of a block's writes leaves to a later part (both on the writer thread;
/// the mutex only makes that visible to the compiler).
private final class LateAccounts: Sendable {
  private let value = Mutex<Set<Address>>([])
  func set(_ v: Set<Address>) { value.withLock { $0 = v } }
  func get() -> Set<Address> { value.withLock { $0 } }
}

/// One write transaction on a thread of its own, fed parts of the writes in order (`send`),
/// committed (`commit`) or aborted (`abort`) by the thread that made it.
final class BlockWriter: Sendable {
  typealias Work = @Sendable (inout WriteBatch) throws(ChainError) -> Void

  private enum Message: Sendable {
    case work(Work)
    case commit
    case abort
  }

  /// Why the writer's transaction did not commit.
  private enum Outcome: Error, StoreErrorCarrying {
    case failed(ChainError)
    case aborted
    static func store(_ error: StoreError) -> Outcome { .failed(.store(error)) }
  }

  /// The messages, in order: the writer sleeps on the count (the kernel's wait, not a spin: it
  /// waits out most of a block's execution). Behind a pthread lock (`Locked`), which
  /// ThreadSanitizer sees, rather than `Mutex`, whose futex it does not: it reported the
  /// queue's accesses from the two threads as a race.
  private final class Mailbox: Sendable {
    let queue = Locked<[Message]>([])
    let ready = DispatchSemaphore(value: 0)

    func post(_ message: Message) {
      queue.withLock { $0.append(message) }
      ready.signal()
    }

    func receive() -> Message {
      ready.wait()
      return queue.withLock { $0.removeFirst() }
    }
  }

  private let mailbox = Mailbox()
  private let result: BackgroundMap<Result<Void, ChainError>?>

  /// Starts the writer: a pool worker begins the write transaction and takes messages. Should
  /// the worker not have started by `commit` or `abort`, the caller runs it (every message is
  /// queued by then).
  init(store: Store) {
    let mailbox = self.mailbox
    result = BackgroundMap(count: 1, chunk: 1, helpers: 1) { _ in
      do throws(Outcome) {
        try store.write(throwing: Outcome.self) { (batch: inout WriteBatch) throws(Outcome) in
          while true {
            switch mailbox.receive() {
            case .work(let body):
              do throws(ChainError) { try body(&batch) } catch { throw .failed(error) }
            case .commit: return
            case .abort: throw .aborted
            }
          }
        }
        return .success(())
      } catch {
        switch error {
        case .failed(let e): return .failure(e)
        case .aborted: return nil
        }
      }
    }
  }

  private func post(_ message: Message) { mailbox.post(message) }

  /// Queues the next part of the writes; after a part failed, the rest are dropped.
  func send(_ work: @escaping Work) { post(.work(work)) }

  /// Commits what was sent; rethrows the first failure of a part or of the commit.
  func commit() throws(ChainError) {
    post(.commit)
    if case .failure(let e)? = result.finish(threads: 1)[0] { throw e }
  }

  /// Aborts the transaction: nothing sent is written.
  func abort() {
    post(.abort)
    _ = result.finish(threads: 1)
  }
}
