import EVM
import Foundation
import LMDBStore
import Primitives
import State

// The typed read API over a store: what `strata`'s query commands and the JSON-RPC server ask.
// Every call reads one LMDB snapshot, so its answer is consistent even while an import commits
// beside it. No JSON and no printing here: callers format the values.

/// A block named by number, by hash, or by position.
public enum BlockID: Hashable, Sendable, CustomStringConvertible {
  case number(UInt64)
  case hash(Hash)
  /// The head (`head`, `latest`).
  case latest
  /// The genesis block (`earliest`).
  case earliest

  /// Parses `head`/`latest`, `earliest`, a decimal number, a `0x` hex number (JSON-RPC's
  /// quantity), or a `0x`-prefixed 32-byte hash.
  /// - Throws: `QueryError.invalidBlockID` for anything else.
  public init(parsing text: String) throws(QueryError) {
    switch text {
    case "head", "latest": self = .latest
    case "earliest": self = .earliest
    default:
      if text.hasPrefix("0x") && text.count == 66 {
        guard let hash = try? Hash(hex: text) else { throw .invalidBlockID(text) }
        self = .hash(hash)
      } else if text.hasPrefix("0x"), text.count > 2, let n = UInt64(text.dropFirst(2), radix: 16) {
        self = .number(n)
      } else if let n = UInt64(text) {
        self = .number(n)
      } else {
        throw .invalidBlockID(text)
      }
    }
  }

  public var description: String {
    switch self {
    case .number(let n): return "\(n)"
    case .hash(let h): return h.description
    case .latest: return "latest"
    case .earliest: return "earliest"
    }
  }
}

/// Why a query has no answer. Each prints as one line.
public enum QueryError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Text that names no block (not a number, hash or tag).
  case invalidBlockID(String)
  /// No such block in the store (by number: not in the canonical chain).
  case blockNotFound(BlockID)
  /// No transaction with this hash in the canonical chain.
  case transactionNotFound(Hash)
  /// The store holds no head (it was never initialised with a genesis).
  case noHead
  /// State at `requested` was asked for, but the store keeps state at the head only.
  case historyNotAvailable(requested: UInt64, head: UInt64)
  /// The store contradicts itself: an index names data that is missing, receipts and
  /// transactions disagree, stored bytes do not decode. A bug or damage, never bad input.
  case storeInconsistent(String)
  /// The storage backend failed (LMDB error, I/O).
  case backend(StoreError)
  /// An output file could not be written.
  case output(path: String, reason: String)

  public var description: String {
    switch self {
    case .invalidBlockID(let t): return "not a block number, hash or tag: \(t)"
    case .blockNotFound(let id): return "block \(id) not found"
    case .transactionNotFound(let h): return "transaction \(h) not found"
    case .noHead: return "store has no head"
    case .historyNotAvailable(let n, let head):
      return "history not available: state is kept at the head (\(head)) only, block \(n) requested"
    case .storeInconsistent(let r): return "store inconsistent: \(r)"
    case .backend(let e): return e.description
    case .output(let path, let reason): return "cannot write \(path): \(reason)"
    }
  }
}

/// A block as the store holds it, with the gas each transaction used.
public struct QueriedBlock: Sendable {
  public var block: Block
  public var hash: Hash
  /// Gas used by each transaction, in order, from the stored receipts; nil when the store holds
  /// no receipts for the block (the genesis block).
  public var transactionGasUsed: [UInt64]?
}

/// A log with its position in its block.
public struct IndexedLog: Equatable, Sendable {
  public var log: Log
  /// Position among all logs of the block.
  public var logIndex: Int
}

/// A transaction's receipt with where it sits in the chain.
public struct TransactionReceipt: Equatable, Sendable {
  /// The consensus receipt (type, status, cumulative gas, bloom, logs).
  public var receipt: Receipt
  public var transactionHash: Hash
  public var blockHash: Hash
  public var blockNumber: UInt64
  public var transactionIndex: Int
  /// Gas this transaction used: its cumulative gas less the previous transaction's.
  public var gasUsed: UInt64
  public var logs: [IndexedLog]
  /// The sender, when its signature recovers (it did at import).
  public var from: Address?
  /// The recipient; nil for a creation.
  public var to: Address?
  /// The created contract's address, for a creation whose sender recovered.
  public var contractAddress: Address?
  /// The price per gas paid: `gasPrice`, or min(maxFeePerGas, baseFee + maxPriorityFeePerGas).
  public var effectiveGasPrice: U256
}

/// The outcome of recomputing the head's state root from the stored accounts and storage.
public struct StateVerification: Equatable, Sendable {
  public var headNumber: UInt64
  public var computedRoot: Hash
  public var headerRoot: Hash
  public var expectedRoot: Hash?
  public var accounts: Int
  public var slots: Int
  /// Accounts whose stored storage root differs from the one recomputed from their slots.
  public var storageRootMismatches: [Address]
  /// The computed root equals the header's (and `expectedRoot`, if given) and no storage root
  /// differs.
  public var ok: Bool {
    computedRoot == headerRoot && storageRootMismatches.isEmpty && (expectedRoot.map { $0 == computedRoot } ?? true)
  }
}

/// Blocks `first` through `last` (the head when nil), for `export`.
public struct BlockRange: Sendable {
  public var first: UInt64
  public var last: UInt64?
  public init(first: UInt64, last: UInt64? = nil) { self.first = first; self.last = last }
}

/// Typed queries over a store, shared by the command line and the JSON-RPC server.
public struct ChainQuery: Sendable {
  public let store: Store

  public init(store: Store) { self.store = store }

  /// The head block's header.
  /// - Throws: `.noHead`, `.storeInconsistent`, `.backend`.
  public func head() throws(QueryError) -> Header {
    try reading { view throws(QueryError) in try view.headHeader() }
  }

  /// The block `id` names, with the gas each of its transactions used.
  /// - Throws: `.blockNotFound`, `.noHead`, `.storeInconsistent` (missing body, undecodable bytes,
  ///   receipts that do not match the transactions), `.backend`.
  public func block(id: BlockID) throws(QueryError) -> QueriedBlock {
    try reading { view throws(QueryError) in
      let hash = try view.resolve(id)
      let block = try view.storedBlock(hash)
      let receipts = try view.storedReceipts(hash, transactionCount: block.transactions.count)
      return QueriedBlock(block: block, hash: hash, transactionGasUsed: receipts.map { gasUsed($0) })
    }
  }

  /// Every receipt of the block `id` names (JSON-RPC's `eth_getBlockReceipts`).
  /// - Complexity: one signature recovery per transaction (for `from` and `contractAddress`).
  public func receipts(id: BlockID) throws(QueryError) -> [TransactionReceipt] {
    try reading { view throws(QueryError) in
      let hash = try view.resolve(id)
      let block = try view.storedBlock(hash)
      guard let receipts = try view.storedReceipts(hash, transactionCount: block.transactions.count) else {
        return []
      }
      var firstLog = 0
      return block.transactions.indices.map { i in
        defer { firstLog += receipts[i].logs.count }
        return transactionReceipt(block, hash: hash, receipts: receipts, index: i, firstLog: firstLog)
      }
    }
  }

  /// The receipt of transaction `txHash`, with its block, index, gas and logs.
  /// - Throws: `.transactionNotFound`; `.storeInconsistent` when the index names a block or a
  ///   position the store does not hold, or the receipts contradict each other; `.backend`.
  public func receipt(txHash: Hash) throws(QueryError) -> TransactionReceipt {
    try reading { view throws(QueryError) in
      guard let (hash, position) = try backend({ () throws(StoreError) in try view.transactionLocation(txHash) }) else {
        throw .transactionNotFound(txHash)
      }
      let block = try view.storedBlock(hash)
      guard let receipts = try view.storedReceipts(hash, transactionCount: block.transactions.count) else {
        throw .storeInconsistent("transaction \(txHash) is indexed in block \(hash), which has no receipts")
      }
      guard position < UInt64(block.transactions.count) else {
        throw .storeInconsistent(
          "transaction \(txHash) is indexed at position \(position) of block \(hash), which has \(block.transactions.count)")
      }
      let index = Int(position)
      guard block.transactions[index].hash == txHash else {
        throw .storeInconsistent("transaction \(index) of block \(hash) is not \(txHash)")
      }
      let firstLog = receipts[..<index].reduce(0) { $0 + $1.logs.count }
      return transactionReceipt(block, hash: hash, receipts: receipts, index: index, firstLog: firstLog)
    }
  }

  /// The account at `address` in the state after block `at`; nil when it does not exist.
  /// - Throws: `.historyNotAvailable` for any block but the head, `.blockNotFound`, `.backend`.
  public func account(_ address: Address, at: BlockID = .latest) throws(QueryError) -> Account? {
    try reading { view throws(QueryError) in
      try view.requireHeadState(at)
      return try backend { () throws(StoreError) in try view.loadAccount(address) }
    }
  }

  /// The value of `slot` in `address`'s storage after block `at` (zero when unset).
  /// - Throws: as `account(_:at:)`.
  public func storage(_ address: Address, slot: U256, at: BlockID = .latest) throws(QueryError) -> U256 {
    try reading { view throws(QueryError) in
      try view.requireHeadState(at)
      return try backend { () throws(StoreError) in try view.loadStorage(address, slot) }
    }
  }

  /// The code of `address` after block `at` (empty for an account without code or none at all).
  /// - Throws: as `account(_:at:)`; `.storeInconsistent` when the account names code the store
  ///   does not hold.
  public func code(_ address: Address, at: BlockID = .latest) throws(QueryError) -> [UInt8] {
    try reading { view throws(QueryError) in
      try view.requireHeadState(at)
      guard let account = try backend({ () throws(StoreError) in try view.loadAccount(address) }),
        account.codeHash != .emptyKeccak
      else { return [] }
      let code = try backend { () throws(StoreError) in try view.loadCode(account.codeHash) }
      guard Keccak256.hash(code) == account.codeHash else {
        throw .storeInconsistent("code \(account.codeHash) of \(address) is missing or damaged")
      }
      return code
    }
  }

  /// Writes the canonical blocks of `range` to `path` as concatenated RLP (what `import` reads),
  /// from one snapshot.
  /// - Returns: how many blocks were written (zero when `range.first` is past its end).
  /// - Throws: `.output` when the file cannot be written, `.storeInconsistent` for a canonical
  ///   block the store does not hold (a number past the head: `.blockNotFound`), `.backend`.
  public func export(range: BlockRange, to path: String) throws(QueryError) -> Int {
    guard FileManager.default.createFile(atPath: path, contents: nil),
      let out = FileHandle(forWritingAtPath: path)
    else { throw .output(path: path, reason: "cannot create the file") }
    defer { try? out.close() }
    return try reading { view throws(QueryError) in
      let last: UInt64
      if let l = range.last { last = l } else { last = try view.headLocation().number }
      var count = 0
      var n = range.first
      while n <= last {
        guard let hash = try backend({ () throws(StoreError) in try view.canonicalHash(n) }) else {
          throw .blockNotFound(.number(n))
        }
        let block = try view.storedBlock(hash)
        do { try out.write(contentsOf: Data(block.rlpEncoded)) } catch {
          throw .output(path: path, reason: "\(error)")
        }
        count += 1
        if n == .max { break }
        n += 1
      }
      return count
    }
  }

  /// Recomputes the head's state root from the stored accounts and storage alone and compares
  /// it with the header's and, when given, with `root`.
  /// - Complexity: O(accounts + slots): it reads the whole state.
  public func verify(root expected: Hash? = nil) throws(QueryError) -> StateVerification {
    try reading { view throws(QueryError) in
      let header = try view.headHeader()
      let walk: StateRootWalk
      do { walk = try view.recomputeStateRoot() } catch let e as StoreError {
        throw QueryError(e)
      } catch {
        throw .storeInconsistent("state walk: \(error)")
      }
      return StateVerification(
        headNumber: header.number, computedRoot: walk.root, headerRoot: header.stateRoot, expectedRoot: expected,
        accounts: walk.accounts, slots: walk.slots, storageRootMismatches: walk.storageRootMismatches)
    }
  }

  /// Runs `body` on one read snapshot, turning the store's errors into `QueryError`s.
  private func reading<R>(_ body: (ReadView) throws(QueryError) -> R) throws(QueryError) -> R {
    do {
      return try store.read { view in try body(view) }
    } catch let e as QueryError {
      throw e
    } catch let e as StoreError {
      throw QueryError(e)
    } catch {
      throw .storeInconsistent("\(error)")
    }
  }

  /// Gas per transaction from cumulative gas (already checked non-decreasing).
  private func gasUsed(_ receipts: [Receipt]) -> [UInt64] {
    var previous: UInt64 = 0
    return receipts.map { r in
      defer { previous = r.cumulativeGasUsed }
      return r.cumulativeGasUsed - previous
    }
  }

  /// The receipt of transaction `index` of `block`; `receipts` are the block's, one per
  /// transaction, checked by `storedReceipts`; `firstLog` is the block-wide index of its first log.
  private func transactionReceipt(
    _ block: Block, hash: Hash, receipts: [Receipt], index: Int, firstLog: Int
  ) -> TransactionReceipt {
    let tx = block.transactions[index]
    let receipt = receipts[index]
    let previous = index > 0 ? receipts[index - 1].cumulativeGasUsed : 0
    // The signature passed the fork's rules at import; recovery without the EIP-2 low-s
    // check accepts every signature the strict one does and gives the same address.
    let from = try? tx.recoverSender(lowS: false)
    let baseFee = block.header.baseFeePerGas ?? .zero
    let price: U256
    switch tx.type {
    case .legacy, .accessList: price = tx.gasPrice
    default:
      let (tipped, overflow) = baseFee.addingReportingOverflow(tx.maxPriorityFeePerGas)
      price = overflow || tx.maxFeePerGas < tipped ? tx.maxFeePerGas : tipped
    }
    return TransactionReceipt(
      receipt: receipt, transactionHash: tx.hash, blockHash: hash, blockNumber: block.number,
      transactionIndex: index, gasUsed: receipt.cumulativeGasUsed - previous,
      logs: receipt.logs.enumerated().map { IndexedLog(log: $0.element, logIndex: firstLog + $0.offset) },
      from: from, to: tx.to,
      contractAddress: tx.to == nil ? from.map { createAddress(sender: $0, nonce: tx.nonce) } : nil,
      effectiveGasPrice: price)
  }
}

extension ChainStore {
  /// Typed queries over this store.
  public var query: ChainQuery { ChainQuery(store: store) }
}

extension QueryError {
  /// A store error: damage becomes `.storeInconsistent`, anything else `.backend`.
  init(_ e: StoreError) {
    if case .corrupt = e { self = .storeInconsistent(e.description) } else { self = .backend(e) }
  }
}

/// Runs a store read, converting its error.
@inline(__always)
private func backend<R>(_ body: () throws(StoreError) -> R) throws(QueryError) -> R {
  do { return try body() } catch { throw QueryError(error) }
}

// Helpers on the read view, for the queries above only.
extension ReadView {
  /// The head's number and hash.
  fileprivate func headLocation() throws(QueryError) -> ChainHead {
    guard let head = try backend({ () throws(StoreError) in try self.head() }) else { throw .noHead }
    return head
  }

  /// The head's header.
  fileprivate func headHeader() throws(QueryError) -> Header {
    let head = try headLocation()
    return try storedHeader(head.hash, what: "head \(head.number)")
  }

  /// The decoded header `hash`; `what` names it in the error when the store lacks it.
  fileprivate func storedHeader(_ hash: Hash, what: String) throws(QueryError) -> Header {
    guard let bytes = try backend({ () throws(StoreError) in try self.header(hash) }) else {
      throw .storeInconsistent("header of \(what) (\(hash)) missing")
    }
    do { return try Header(rlpEncoded: bytes) } catch {
      throw .storeInconsistent("header \(hash) does not decode: \(error)")
    }
  }

  /// The hash of the block `id` names.
  fileprivate func resolve(_ id: BlockID) throws(QueryError) -> Hash {
    switch id {
    case .latest: return try headLocation().hash
    case .earliest, .number:
      let n: UInt64
      if case .number(let x) = id { n = x } else { n = 0 }
      guard let hash = try backend({ () throws(StoreError) in try self.canonicalHash(n) }) else { throw .blockNotFound(id) }
      return hash
    case .hash(let h):
      guard try backend({ () throws(StoreError) in try self.header(h) }) != nil else { throw .blockNotFound(id) }
      return h
    }
  }

  /// The block `hash` (header and body).
  fileprivate func storedBlock(_ hash: Hash) throws(QueryError) -> Block {
    let header = try storedHeader(hash, what: "block")
    guard let body = try backend({ () throws(StoreError) in try self.body(hash) }) else {
      throw .storeInconsistent("body of block \(header.number) (\(hash)) missing")
    }
    do { return try Block(header: header, bodyRLP: body) } catch {
      throw .storeInconsistent("block \(header.number) (\(hash)) does not decode: \(error)")
    }
  }

  /// The receipts of block `hash`, checked against the block: one per transaction, cumulative
  /// gas never decreasing. Nil when the store holds none for the block.
  fileprivate func storedReceipts(_ hash: Hash, transactionCount: Int) throws(QueryError) -> [Receipt]? {
    guard let raw = try backend({ () throws(StoreError) in try self.receipts(hash) }) else { return nil }
    var receipts: [Receipt] = []
    do {
      for item in try RLPItem(decoding: raw).listItems() {
        receipts.append(try Receipt(consensusBytes: Array(try item.bytes())))
      }
    } catch {
      throw .storeInconsistent("receipts of block \(hash) do not decode: \(error)")
    }
    guard receipts.count == transactionCount else {
      throw .storeInconsistent("block \(hash) has \(transactionCount) transactions but \(receipts.count) receipts")
    }
    var previous: UInt64 = 0
    for (i, r) in receipts.enumerated() {
      guard r.cumulativeGasUsed >= previous else {
        throw .storeInconsistent(
          "receipt \(i) of block \(hash): cumulative gas \(r.cumulativeGasUsed) below the previous \(previous)")
      }
      previous = r.cumulativeGasUsed
    }
    return receipts
  }

  /// Checks that `id` names the head: the store keeps no older state (yet).
  fileprivate func requireHeadState(_ id: BlockID) throws(QueryError) {
    if case .latest = id { return }
    let head = try headLocation()
    let hash = try resolve(id)
    guard hash == head.hash else {
      let number: UInt64
      switch id {
      case .number(let n): number = n
      case .earliest: number = 0
      default: number = try storedHeader(hash, what: "block").number
      }
      throw .historyNotAvailable(requested: number, head: head.number)
    }
  }
}
