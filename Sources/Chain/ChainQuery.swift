import EVM
import Foundation
import LMDBStore
import Primitives
import State
import Trie

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
  /// A log filter matched more than `limit` logs.
  case tooManyLogs(limit: Int)
  /// A block range whose first block is past its last.
  case invalidRange(from: UInt64, to: UInt64)

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
    case .tooManyLogs(let limit): return "query returned more than \(limit) results"
    case .invalidRange(let from, let to): return "invalid block range: from \(from) is after to \(to)"
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

/// A transaction with where it sits in the canonical chain.
public struct LocatedTransaction: Sendable {
  public var transaction: Transaction
  public var blockHash: Hash
  public var blockNumber: UInt64
  public var index: Int
  /// The block's header (its base fee prices the transaction).
  public var header: Header
}

/// An `eth_getLogs` filter: a block range, addresses (any of them; empty: any address) and
/// topics by position (each position any of its set; an empty set, or a position past the
/// list: any topic).
public struct LogFilter: Sendable, Equatable {
  public var fromBlock: UInt64
  public var toBlock: UInt64
  public var addresses: [Address]
  public var topics: [[Hash]]

  public init(fromBlock: UInt64, toBlock: UInt64, addresses: [Address] = [], topics: [[Hash]] = []) {
    self.fromBlock = fromBlock; self.toBlock = toBlock; self.addresses = addresses; self.topics = topics
  }

  /// Whether `log` passes the address and topic conditions.
  public func matches(_ log: Log) -> Bool {
    if !addresses.isEmpty && !addresses.contains(log.address) { return false }
    for (p, set) in topics.enumerated() where !set.isEmpty {
      guard p < log.topics.count, set.contains(log.topics[p]) else { return false }
    }
    return true
  }
}

/// A log that matched a filter, with its place in the chain.
public struct MatchedLog: Equatable, Sendable {
  public var log: Log
  public var blockNumber: UInt64
  public var blockHash: Hash
  public var transactionHash: Hash
  public var transactionIndex: Int
  /// Position among all logs of the block.
  public var logIndex: Int
}

/// One slot's EIP-1186 proof.
public struct StorageProof: Equatable, Sendable {
  public var slot: U256
  public var value: U256
  /// The storage trie's nodes on the slot's path, root first.
  public var proof: [[UInt8]]
}

/// An account's EIP-1186 proof (`eth_getProof`) at one block's state root.
public struct AccountProof: Equatable, Sendable {
  public var address: Address
  /// The account at the block; nil when it does not exist (the proof shows its absence).
  public var account: Account?
  /// The state trie's nodes on the account's path, root first.
  public var accountProof: [[UInt8]]
  public var storage: [StorageProof]
  public var stateRoot: Hash
  public var blockNumber: UInt64
}

/// Typed queries over a store, shared by the command line and the JSON-RPC server. Each call
/// reads one snapshot; `snapshot(_:)` runs several on one.
public struct ChainQuery: Sendable {
  public let store: Store

  public init(store: Store) { self.store = store }

  /// Runs `body` on one read snapshot (one LMDB read transaction): every query on the
  /// `ChainSnapshot` sees the same committed state, whatever an import commits meanwhile. The
  /// snapshot must not escape `body`.
  public func snapshot<R>(_ body: (ChainSnapshot) throws(QueryError) -> R) throws(QueryError) -> R {
    do {
      return try store.read { view in try body(ChainSnapshot(view: view)) }
    } catch let e as QueryError {
      throw e
    } catch let e as StoreError {
      throw QueryError(e)
    } catch {
      throw .storeInconsistent("\(error)")
    }
  }

  /// Runs `body` with the state after block `id` (a `StateReader` for the EVM, valid only
  /// inside `body`) and that block's header, on one snapshot.
  public func withState<R>(at id: BlockID, _ body: (HistoricalState, Header) throws(QueryError) -> R) throws(QueryError) -> R {
    try snapshot { s throws(QueryError) in
      let state = try s.state(at: id)
      return try body(state, try s.header(.number(state.block)))
    }
  }

  /// The head block's header.
  public func head() throws(QueryError) -> Header { try snapshot { s throws(QueryError) in try s.head() } }

  /// The block `id` names, with the gas each of its transactions used.
  public func block(id: BlockID) throws(QueryError) -> QueriedBlock { try snapshot { s throws(QueryError) in try s.block(id: id) } }

  /// Every receipt of the block `id` names.
  public func receipts(id: BlockID) throws(QueryError) -> [TransactionReceipt] {
    try snapshot { s throws(QueryError) in try s.receipts(id: id) }
  }

  /// The receipt of transaction `txHash`.
  public func receipt(txHash: Hash) throws(QueryError) -> TransactionReceipt {
    try snapshot { s throws(QueryError) in try s.receipt(txHash: txHash) }
  }

  /// Transaction `hash` with its block and index; nil when not in the canonical chain.
  public func transaction(hash: Hash) throws(QueryError) -> LocatedTransaction? {
    try snapshot { s throws(QueryError) in try s.transaction(hash: hash) }
  }

  /// The account at `address` in the state after block `at`; nil when it does not exist.
  public func account(_ address: Address, at: BlockID = .latest) throws(QueryError) -> Account? {
    try snapshot { s throws(QueryError) in try s.account(address, at: at) }
  }

  /// The value of `slot` in `address`'s storage after block `at` (zero when unset).
  public func storage(_ address: Address, slot: U256, at: BlockID = .latest) throws(QueryError) -> U256 {
    try snapshot { s throws(QueryError) in try s.storage(address, slot: slot, at: at) }
  }

  /// The code of `address` after block `at` (empty for none).
  public func code(_ address: Address, at: BlockID = .latest) throws(QueryError) -> [UInt8] {
    try snapshot { s throws(QueryError) in try s.code(address, at: at) }
  }

  /// The logs `filter` matches, in chain order.
  public func logs(_ filter: LogFilter, limit: Int = .max) throws(QueryError) -> [MatchedLog] {
    try snapshot { s throws(QueryError) in try s.logs(filter, limit: limit) }
  }

  /// The EIP-1186 proof of `address` and `slots` at block `at`.
  public func proof(_ address: Address, slots: [U256], at: BlockID = .latest) throws(QueryError) -> AccountProof {
    try snapshot { s throws(QueryError) in try s.proof(address, slots: slots, at: at) }
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
    return try snapshot { s throws(QueryError) in
      let view = s.view
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
    try snapshot { s throws(QueryError) in
      let header = try s.head()
      let walk: StateRootWalk
      do { walk = try s.view.recomputeStateRoot() } catch let e as StoreError {
        throw QueryError(e)
      } catch {
        throw .storeInconsistent("state walk: \(error)")
      }
      return StateVerification(
        headNumber: header.number, computedRoot: walk.root, headerRoot: header.stateRoot, expectedRoot: expected,
        accounts: walk.accounts, slots: walk.slots, storageRootMismatches: walk.storageRootMismatches)
    }
  }
}

/// Queries on one read snapshot (see `ChainQuery.snapshot`). Valid only inside that closure,
/// one thread at a time.
public struct ChainSnapshot: Sendable {
  /// The snapshot's raw view.
  public let view: ReadView

  public init(view: ReadView) { self.view = view }

  /// The head's number and hash.
  public func headLocation() throws(QueryError) -> ChainHead { try view.headLocation() }

  /// The head block's header.
  /// - Throws: `.noHead`, `.storeInconsistent`, `.backend`.
  public func head() throws(QueryError) -> Header { try view.headHeader() }

  /// The number and hash of the block `id` names (by hash: any stored block).
  /// - Throws: `.blockNotFound`, `.noHead`, `.backend`.
  public func resolve(_ id: BlockID) throws(QueryError) -> (number: UInt64, hash: Hash) {
    switch id {
    case .latest:
      let h = try headLocation()
      return (h.number, h.hash)
    case .earliest: return (0, try view.resolve(id))
    case .number(let n): return (n, try view.resolve(id))
    case .hash(let h): return (try header(id).number, h)
    }
  }

  /// The header of the block `id` names.
  public func header(_ id: BlockID) throws(QueryError) -> Header {
    let hash = try view.resolve(id)
    return try view.storedHeader(hash, what: "block")
  }

  /// The canonical hash of block `number`; nil past the head.
  public func blockHash(number: UInt64) throws(QueryError) -> Hash? {
    try backend { () throws(StoreError) in try view.canonicalHash(number) }
  }

  /// The number of canonical block `hash`; nil when `hash` is not in the canonical chain.
  public func blockNumber(hash: Hash) throws(QueryError) -> UInt64? {
    guard let bytes = try backend({ () throws(StoreError) in try view.header(hash) }) else { return nil }
    let number: UInt64
    do { number = try Header(rlpEncoded: bytes).number } catch {
      throw .storeInconsistent("header \(hash) does not decode: \(error)")
    }
    return try blockHash(number: number) == hash ? number : nil
  }

  /// The block `id` names, with the gas each of its transactions used.
  /// - Throws: `.blockNotFound`, `.noHead`, `.storeInconsistent` (missing body, undecodable bytes,
  ///   receipts that do not match the transactions), `.backend`.
  public func block(id: BlockID) throws(QueryError) -> QueriedBlock {
    let hash = try view.resolve(id)
    let block = try view.storedBlock(hash)
    let receipts = try view.storedReceipts(hash, transactionCount: block.transactions.count)
    return QueriedBlock(block: block, hash: hash, transactionGasUsed: receipts.map { gasUsed($0) })
  }

  /// The consensus receipts of the block `id` names, one per transaction (empty for a block
  /// without receipts: the genesis block).
  public func consensusReceipts(id: BlockID) throws(QueryError) -> [Receipt] {
    let hash = try view.resolve(id)
    let block = try view.storedBlock(hash)
    return try view.storedReceipts(hash, transactionCount: block.transactions.count) ?? []
  }

  /// Every receipt of the block `id` names (JSON-RPC's `eth_getBlockReceipts`).
  /// - Complexity: one signature recovery per transaction (for `from` and `contractAddress`).
  public func receipts(id: BlockID) throws(QueryError) -> [TransactionReceipt] {
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

  /// Transaction `txHash` with its block and index; nil when unknown.
  /// - Throws: `.storeInconsistent` when the index names a block or position the store lacks.
  public func transaction(hash txHash: Hash) throws(QueryError) -> LocatedTransaction? {
    guard let (hash, position) = try backend({ () throws(StoreError) in try view.transactionLocation(txHash) }) else {
      return nil
    }
    let block = try view.storedBlock(hash)
    guard position < UInt64(block.transactions.count), block.transactions[Int(position)].hash == txHash else {
      throw .storeInconsistent("transaction \(txHash) is indexed at position \(position) of block \(hash), which does not hold it")
    }
    return LocatedTransaction(transaction: block.transactions[Int(position)], blockHash: hash,
                              blockNumber: block.number, index: Int(position), header: block.header)
  }

  /// The receipt of transaction `txHash`, with its block, index, gas and logs.
  /// - Throws: `.transactionNotFound`; `.storeInconsistent` when the index names a block or a
  ///   position the store does not hold, or the receipts contradict each other; `.backend`.
  public func receipt(txHash: Hash) throws(QueryError) -> TransactionReceipt {
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

  // MARK: State at a block

  /// The canonical number of the block `id` names, for a state read: by hash, a block off the
  /// canonical chain has no state here (`.blockNotFound`).
  public func stateNumber(_ id: BlockID) throws(QueryError) -> UInt64 {
    let (number, hash) = try resolve(id)
    if case .hash = id {
      guard try blockHash(number: number) == hash else { throw .blockNotFound(id) }
    }
    return number
  }

  /// The state after the block `id` names: a `StateReader` (for the EVM: `eth_call` at a past
  /// block) on this snapshot, over the history tables.
  /// - Throws: `.blockNotFound`, `.noHead`, `.backend`.
  public func state(at id: BlockID) throws(QueryError) -> HistoricalState {
    let number = try stateNumber(id)
    return try backend { () throws(StoreError) in try view.state(afterBlock: number) }
  }

  /// The account at `address` in the state after block `at`; nil when it does not exist.
  /// - Throws: `.blockNotFound`, `.noHead`, `.storeInconsistent`, `.backend`.
  public func account(_ address: Address, at: BlockID = .latest) throws(QueryError) -> Account? {
    let state = try state(at: at)
    return try backend { () throws(StoreError) in
      state.isCurrent ? try view.loadAccount(address) : try view.account(address, afterBlock: state.block)
    }
  }

  /// The value of `slot` in `address`'s storage after block `at` (zero when unset).
  /// - Throws: as `account(_:at:)`.
  public func storage(_ address: Address, slot: U256, at: BlockID = .latest) throws(QueryError) -> U256 {
    let state = try state(at: at)
    return try backend { () throws(StoreError) in
      state.isCurrent ? try view.loadStorage(address, slot) : try view.storage(address, slot, afterBlock: state.block)
    }
  }

  /// The code of `address` after block `at` (empty for an account without code or none at all).
  /// - Throws: as `account(_:at:)`; `.storeInconsistent` when the account names code the store
  ///   does not hold.
  public func code(_ address: Address, at: BlockID = .latest) throws(QueryError) -> [UInt8] {
    guard let account = try account(address, at: at), account.codeHash != .emptyKeccak else { return [] }
    let code = try backend { () throws(StoreError) in try view.loadCode(account.codeHash) }
    guard Keccak256.hash(code) == account.codeHash else {
      throw .storeInconsistent("code \(account.codeHash) of \(address) is missing or damaged")
    }
    return code
  }

  /// The EIP-1186 proof of `address` and `slots` in the state after block `at`, from the stored
  /// trie (its nodes are kept by hash and never pruned, so every stored block's root is whole).
  /// The account and slot values come from the history tables and are checked against the
  /// trie's leaves.
  /// - Throws: `.blockNotFound`, `.storeInconsistent` (a missing trie node, or a leaf that
  ///   disagrees with the history), `.backend`.
  public func proof(_ address: Address, slots: [U256], at: BlockID = .latest) throws(QueryError) -> AccountProof {
    let number = try stateNumber(at)
    let header = try self.header(.number(number))
    let account = try self.account(address, at: .number(number))
    let (nodes, leaf) = try trieRead { () throws(TrieError) in
      try TrieProof.collect(root: header.stateRoot, key: SecureKey.account(address).bytes, store: view)
    }
    let expectedLeaf = account.map {
      AccountRLP.encode(nonce: $0.nonce, balance: $0.balance, storageRoot: $0.storageRoot, codeHash: $0.codeHash)
    }
    guard leaf == expectedLeaf else {
      throw .storeInconsistent("state trie at block \(number) disagrees with the history about \(address)")
    }
    var storage: [StorageProof] = []
    for slot in slots {
      let value = try self.storage(address, slot: slot, at: .number(number))
      let root = account?.storageRoot ?? .emptyTrieRoot
      let (proof, leaf) = try trieRead { () throws(TrieError) in
        try TrieProof.collect(root: root, key: SecureKey.storage(slot).bytes, store: view)
      }
      guard leaf == (value.isZero ? nil : SecureKey.storageValue(value)) else {
        throw .storeInconsistent("storage trie of \(address) at block \(number) disagrees with the history about slot \(slot)")
      }
      storage.append(StorageProof(slot: slot, value: value, proof: proof))
    }
    return AccountProof(address: address, account: account, accountProof: nodes, storage: storage,
                        stateRoot: header.stateRoot, blockNumber: number)
  }

  // MARK: Logs

  /// The logs `filter` matches, in chain order. `toBlock` past the head reads to the head. The
  /// log index names the blocks that hold a log with one of the addresses and, at each
  /// constrained position, one of the topics; only those blocks' receipts are read (an
  /// unconstrained filter reads every block whose header bloom is not empty).
  /// - Throws: `.tooManyLogs` past `limit` matches, `.invalidRange`, `.storeInconsistent`, `.backend`.
  public func logs(_ filter: LogFilter, limit: Int = .max) throws(QueryError) -> [MatchedLog] {
    guard filter.fromBlock <= filter.toBlock else { throw .invalidRange(from: filter.fromBlock, to: filter.toBlock) }
    let head = try headLocation().number
    let from = filter.fromBlock
    let to = min(filter.toBlock, head)
    if from > to { return [] }
    // Each constrained dimension gives the blocks that can match it; a block must match all.
    var candidates: [UInt64]? = nil
    func constrain(_ keys: [LogKey]) throws(QueryError) {
      var blocks = Set<UInt64>()
      for k in keys {
        for b in try backend({ () throws(StoreError) in try view.logBlocks(k, from: from, through: to) }) { blocks.insert(b) }
      }
      candidates = candidates.map { $0.filter { blocks.contains($0) } } ?? blocks.sorted()
    }
    if !filter.addresses.isEmpty { try constrain(filter.addresses.map { .address($0) }) }
    for (p, set) in filter.topics.prefix(4).enumerated() where !set.isEmpty {
      try constrain(set.map { .topic(position: p, $0) })
    }
    var out: [MatchedLog] = []
    func scanBlock(_ number: UInt64, checkBloom: Bool) throws(QueryError) {
      guard let hash = try blockHash(number: number) else {
        throw .storeInconsistent("canonical block \(number) missing below the head \(head)")
      }
      if checkBloom {
        let header = try view.storedHeader(hash, what: "block \(number)")
        if header.logsBloom.bytes.allSatisfy({ $0 == 0 }) { return }
      }
      let block = try view.storedBlock(hash)
      guard let receipts = try view.storedReceipts(hash, transactionCount: block.transactions.count) else { return }
      var logIndex = 0
      for (i, r) in receipts.enumerated() {
        for log in r.logs {
          defer { logIndex += 1 }
          guard filter.matches(log) else { continue }
          guard out.count < limit else { throw .tooManyLogs(limit: limit) }
          out.append(MatchedLog(log: log, blockNumber: number, blockHash: hash, transactionHash: block.transactions[i].hash,
                                transactionIndex: i, logIndex: logIndex))
        }
      }
    }
    if let candidates {
      for n in candidates { try scanBlock(n, checkBloom: false) }
    } else {
      var n = from
      while true {
        try scanBlock(n, checkBloom: true)
        if n == to { break }
        n += 1
      }
    }
    return out
  }

  /// Every log of blocks `from` through `to`, matched by reading every receipt (the reference
  /// the index is tested against).
  public func logsByScanning(_ filter: LogFilter) throws(QueryError) -> [MatchedLog] {
    let head = try headLocation().number
    let to = min(filter.toBlock, head)
    var out: [MatchedLog] = []
    var n = filter.fromBlock
    while n <= to {
      let (_, hash) = try resolve(.number(n))
      let block = try view.storedBlock(hash)
      let receipts = try view.storedReceipts(hash, transactionCount: block.transactions.count) ?? []
      var logIndex = 0
      for (i, r) in receipts.enumerated() {
        for log in r.logs {
          if filter.matches(log) {
            out.append(MatchedLog(log: log, blockNumber: n, blockHash: hash, transactionHash: block.transactions[i].hash,
                                  transactionIndex: i, logIndex: logIndex))
          }
          logIndex += 1
        }
      }
      if n == .max { break }
      n += 1
    }
    return out
  }

  // MARK: Helpers

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

/// A trie read, its failure as a `QueryError` (a missing node is a damaged store).
private func trieRead<R>(_ body: () throws(TrieError) -> R) throws(QueryError) -> R {
  do { return try body() } catch { throw .storeInconsistent("trie: \(error)") }
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
func backend<R>(_ body: () throws(StoreError) -> R) throws(QueryError) -> R {
  do { return try body() } catch { throw QueryError(error) }
}

// Helpers on the read view, for the queries above only.
extension ReadView {
  /// The head's number and hash.
  func headLocation() throws(QueryError) -> ChainHead {
    guard let head = try backend({ () throws(StoreError) in try self.head() }) else { throw .noHead }
    return head
  }

  /// The head's header.
  func headHeader() throws(QueryError) -> Header {
    let head = try headLocation()
    return try storedHeader(head.hash, what: "head \(head.number)")
  }

  /// The decoded header `hash`; `what` names it in the error when the store lacks it.
  func storedHeader(_ hash: Hash, what: String) throws(QueryError) -> Header {
    guard let bytes = try backend({ () throws(StoreError) in try self.header(hash) }) else {
      throw .storeInconsistent("header of \(what) (\(hash)) missing")
    }
    do { return try Header(rlpEncoded: bytes) } catch {
      throw .storeInconsistent("header \(hash) does not decode: \(error)")
    }
  }

  /// The hash of the block `id` names.
  func resolve(_ id: BlockID) throws(QueryError) -> Hash {
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
  func storedBlock(_ hash: Hash) throws(QueryError) -> Block {
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
  func storedReceipts(_ hash: Hash, transactionCount: Int) throws(QueryError) -> [Receipt]? {
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
}
