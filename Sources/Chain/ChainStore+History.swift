import EVM
import Foundation
import LMDBStore
import Primitives
import State

// The history a block's write transaction records beside its state (change sets, history
// indexes, log index: LMDBStore/History.swift), and `rewind`, which reads it back.

extension ChainStore {
  /// Records block `sealed`'s change sets, history index entries and log index entries into
  /// `batch`, before `prepared` is applied (it reads the values the block replaces). A group
  /// commit calls it per block on the group's transaction, so it records what per-block
  /// commits would.
  func recordHistory(_ sealed: ExecutedBlock, prepared: StateCommitter.Prepared,
                     into batch: inout WriteBatch) throws(ChainError) {
    let number = sealed.block.header.number
    try stored { () throws(StoreError) in
      try batch.recordStateHistory(block: number, changes: prepared.changes)
      try batch.indexLogs(block: number, Self.logKeys(sealed.receipts))
    }
  }

  static func logKeys(_ receipts: [Receipt]) -> [(address: Address, topics: [Hash])] {
    receipts.flatMap { r in r.logs.map { (address: $0.address, topics: $0.topics) } }
  }

  /// What `rewind` did.
  public struct RewindResult: Sendable, Equatable {
    /// The head before and after.
    public var from: ChainHead
    public var to: ChainHead
    /// Blocks unwound, and the accounts and slots restored over them.
    public var blocks: Int
    public var accounts: Int
    public var slots: Int
  }

  /// Unwinds the canonical chain to block `target` in ONE write transaction: each block above
  /// it, from the head down, gets its state changes undone from its change sets (accounts,
  /// slots; the tries need nothing, as their nodes are kept by hash and block `target`'s root is
  /// whole), leaves the history and log indexes, and loses its header, body, receipts,
  /// transaction index entries and canonical entry; the head becomes `target`. Killed at any
  /// moment, the store is at the old head or at `target`.
  /// - Throws: `.other` for a target above the head, `.store` when the store fails or holds no
  ///   change set a block needs.
  @discardableResult
  public func rewind(to target: UInt64) throws(ChainError) -> RewindResult {
    try store.write(throwing: ChainError.self) { (batch: inout WriteBatch) throws(ChainError) -> RewindResult in
      let view = batch.view
      guard let head = try stored({ () throws(StoreError) in try view.head() }) else { throw .notInitialised(store.path) }
      guard target <= head.number else {
        throw .other("cannot rewind to block \(target): the head is block \(head.number)")
      }
      guard let targetHash = try stored({ () throws(StoreError) in try view.canonicalHash(target) }) else {
        throw .store(.corrupt(table: .canonical, key: [], reason: "no canonical block \(target) below the head"))
      }
      var result = RewindResult(from: head, to: ChainHead(hash: targetHash, number: target), blocks: 0, accounts: 0, slots: 0)
      var n = head.number
      while n > target {
        try unwindBlock(n, into: &batch, result: &result)
        n -= 1
      }
      try stored { () throws(StoreError) in try batch.setHead(targetHash, number: target) }
      return result
    }
  }

  /// Unwinds canonical block `number`, the head of what `batch` holds.
  private func unwindBlock(_ number: UInt64, into batch: inout WriteBatch, result: inout RewindResult) throws(ChainError) {
    let view = batch.view
    guard let hash = try stored({ () throws(StoreError) in try view.canonicalHash(number) }),
      let headerRLP = try stored({ () throws(StoreError) in try view.header(hash) }),
      let bodyRLP = try stored({ () throws(StoreError) in try view.body(hash) })
    else {
      throw .store(.corrupt(table: .canonical, key: [], reason: "canonical block \(number) is missing its header or body"))
    }
    let block: Block
    do { block = try Block(header: try Header(rlpEncoded: headerRLP), bodyRLP: bodyRLP) } catch {
      throw .store(.corrupt(table: .bodies, key: hash.bytes, reason: "block \(number) does not decode: \(error)"))
    }
    var receipts: [Receipt] = []
    if let raw = try stored({ () throws(StoreError) in try view.receipts(hash) }) {
      do {
        for item in try RLPItem(decoding: raw).listItems() {
          receipts.append(try Receipt(consensusBytes: Array(try item.bytes())))
        }
      } catch {
        throw .store(.corrupt(table: .receipts, key: hash.bytes, reason: "receipts of block \(number) do not decode: \(error)"))
      }
    }
    try stored { () throws(StoreError) in
      let counts = try batch.unwindState(block: number)
      result.accounts += counts.accounts
      result.slots += counts.slots
      try batch.unindexLogs(block: number, Self.logKeys(receipts))
      for tx in block.transactions {
        // Only this block's entry (a transaction replayed elsewhere keeps its own).
        if let (at, _) = try batch.view.transactionLocation(tx.hash), at == hash {
          try batch.delete(.txLookup, key: tx.hash.bytes)
        }
      }
      try batch.delete(.headers, key: hash.bytes)
      try batch.delete(.bodies, key: hash.bytes)
      try batch.delete(.receipts, key: hash.bytes)
      try batch.deleteCanonical(number)
    }
    result.blocks += 1
  }
}
