import Chain
import EVM
import Foundation
import LMDBStore
import Primitives
import State
import Testing
import TestSupport
import Trie

/// State history, the log index and rewind, checked against stores imported only up to a block
/// (what re-executing gives) and against a full receipt scan.
@Suite struct HistoryTests {
  /// Chains with a genesis.json and blocks.rlp: the devnet chain always, the shared ones when
  /// present (transfers, ERC-20 logs, storage wipes, a Frontier → Cancun chain).
  static func chains() -> [String] {
    var out = ["devnet"]
    guard let shared = Fixtures.shared else { return out }
    for c in ["corpus/mixed-c0.1-200tx-5b-wd", "corpus/mixed-c0.05-30Mgas-10b-wd", "corpus/erc20_transfers-200tx-1b",
              "chains/hivechain-homestead-to-cancun-44"]
    where FileManager.default.fileExists(atPath: shared.appendingPathComponent(c + "/blocks.rlp").path) {
      out.append(c)
    }
    return out
  }

  /// `chains()` and the 3,000-block Cancun chain (transactions with logs over many blocks).
  static func logChains() -> [String] {
    let extra = "chains/hive-sync-cancun-3000"
    guard let shared = Fixtures.shared,
      FileManager.default.fileExists(atPath: shared.appendingPathComponent(extra + "/blocks.rlp").path)
    else { return chains() }
    return chains() + [extra]
  }

  static func paths(_ chain: String) -> (genesis: String, blocks: String) {
    if chain == "devnet" {
      return (Fixtures.packageRoot.appendingPathComponent("genesis/devnet.json").path,
              Fixtures.packageRoot.appendingPathComponent("data/devnet.rlp").path)
    }
    let dir = Fixtures.shared!.appendingPathComponent(chain)
    return (dir.appendingPathComponent("genesis.json").path, dir.appendingPathComponent("blocks.rlp").path)
  }

  /// A fresh store; removed by the caller.
  static func store(_ chain: String, _ tag: String) throws -> (dir: String, chain: ChainStore) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-history-\(tag)-\(UUID().uuidString)").path
    try ChainStore.initialise(path: dir, genesisPath: paths(chain).genesis)
    return (dir, try ChainStore(path: dir))
  }

  /// The blocks of `path`, each as its RLP bytes, with its number.
  static func blocks(_ path: String) throws -> [(number: UInt64, bytes: [UInt8])] {
    let file = try ChainFile(path: path)
    var out: [(UInt64, [UInt8])] = []
    while let (_, bytes) = try file.next() { out.append((try Block(rlpEncoded: bytes).number, bytes)) }
    return out
  }

  /// Writes the blocks up to `last` to a file in `dir`.
  static func prefixFile(_ blocks: [(number: UInt64, bytes: [UInt8])], through last: UInt64, in dir: String) throws -> String {
    let path = dir + "/prefix-\(last).rlp"
    var data = Data()
    for b in blocks where b.number <= last { data.append(contentsOf: b.bytes) }
    try data.write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Every entry of `table`, as hex key → hex value.
  static func dump(_ store: Store, _ table: Table) throws -> [String: String] {
    var out: [String: String] = [:]
    try store.read { view in
      try view.scan(table) { k, v in
        out[Hex.encode(Array(k))] = Hex.encode(Array(v))
        return true
      }
    }
    return out
  }

  static let historyTables: [Table] = [.accountChanges, .storageChanges, .accountHistory, .storageHistory, .logIndex]
  static let chainTables: [Table] = [.accounts, .storage, .canonical, .headers, .bodies, .receipts, .txLookup]

  /// Compares `full`'s state after block `n` with `partial`'s current state (imported up to
  /// `n`): every address and slot either holds, or `full` changed since, must agree.
  static func expectSameState(_ full: ChainStore, at n: UInt64, as partial: ChainStore, _ label: String) throws {
    var addresses = Set<Address>()
    var slots = Set<[UInt8]>()  // address ‖ slot
    for store in [full.store, partial.store] {
      try store.read { view in
        try view.forEachAccount { a, _ in addresses.insert(a) }
        try view.scan(.storage) { k, _ in slots.insert(Array(k)); return true }
      }
    }
    try full.store.read { view in
      try view.scan(.accountChanges) { k, _ in addresses.insert(Address(Array(k[8..<28]))); return true }
      try view.scan(.storageChanges) { k, _ in slots.insert(Array(k[8..<60])); return true }
    }
    var mismatches = 0
    try full.store.read { fullView in
      try partial.store.read { partialView in
        let state = try fullView.state(afterBlock: n)
        #expect(!state.isCurrent)
        for a in addresses {
          let expected = try partialView.loadAccount(a)
          let got = try state.account(a)
          if got != expected {
            mismatches += 1
            if mismatches < 5 { Issue.record("\(label) block \(n): account \(a) is \(String(describing: got)), re-execution gives \(String(describing: expected))") }
          }
        }
        for key in slots {
          let a = Address(Array(key[0..<20]))
          let s = U256(bigEndian: key[20..<52])
          let expected = try partialView.loadStorage(a, s)
          let got = try state.storage(a, s)
          if got != expected {
            mismatches += 1
            if mismatches < 5 { Issue.record("\(label) block \(n): slot \(s) of \(a) is \(got), re-execution gives \(expected)") }
          }
        }
      }
    }
    #expect(mismatches == 0, "\(label) block \(n): \(mismatches) mismatches over \(addresses.count) accounts, \(slots.count) slots")
  }

  /// History at past blocks equals what importing only up to that block gives; proofs at past
  /// roots verify; rewinding to the block gives the same store, and re-importing the rest the
  /// same head and history as the uninterrupted import.
  @Test(arguments: chains())
  func historyMatchesReExecutionAndRewind(chain: String) throws {
    let (dir, full) = try Self.store(chain, "full")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let blocksPath = Self.paths(chain).blocks
    _ = try full.importFile(blocksPath, threads: 1, group: .perBlock)
    let blocks = try Self.blocks(blocksPath)
    let head = try full.query.head()
    let fullTables = try (Self.historyTables + Self.chainTables).map { try Self.dump(full.store, $0) }

    // A few blocks spread over the chain (the genesis included).
    let count = blocks.count
    let picks = Set([0, UInt64(count / 3), UInt64(count / 2), UInt64(max(0, count - 1))]).sorted().filter { $0 < head.number }
    for n in picks {
      let (pdir, partial) = try Self.store(chain, "partial")
      defer { try? FileManager.default.removeItem(atPath: pdir) }
      if n > 0 { _ = try partial.importFile(try Self.prefixFile(blocks, through: n, in: pdir), threads: 1, group: .perBlock) }
      try Self.expectSameState(full, at: n, as: partial, chain)

      // The query API at block n agrees, and its proofs verify against block n's root.
      let header = try full.query.snapshot { s throws(QueryError) in try s.header(.number(n)) }
      var checked = 0
      try partial.store.read { view in
        try view.forEachAccount { a, account in
          guard checked < 20 else { return }
          checked += 1
          #expect(try full.query.account(a, at: .number(n)) == account)
          var slots: [U256] = [U256(7)]
          try view.forEachStorage(of: a) { s, _ in if slots.count < 4 { slots.append(s) } }
          let proof = try full.query.proof(a, slots: slots, at: .number(n))
          #expect(proof.stateRoot == header.stateRoot && proof.account == account)
          #expect(try Self.proven(proof.accountProof, root: header.stateRoot, key: SecureKey.account(a).bytes)
            == AccountRLP.encode(nonce: account.nonce, balance: account.balance, storageRoot: account.storageRoot, codeHash: account.codeHash))
          for sp in proof.storage {
            #expect(sp.value == (try view.loadStorage(a, sp.slot)))
            let leaf = try Self.proven(sp.proof, root: account.storageRoot, key: SecureKey.storage(sp.slot).bytes)
            #expect(leaf == (sp.value.isZero ? nil : SecureKey.storageValue(sp.value)))
          }
        }
      }
      #expect(checked > 0)
    }

    // Rewind to a middle block: the store equals one imported only that far.
    let target = UInt64(count / 2)
    let (pdir, partial) = try Self.store(chain, "rewound-ref")
    defer { try? FileManager.default.removeItem(atPath: pdir) }
    if target > 0 { _ = try partial.importFile(try Self.prefixFile(blocks, through: target, in: pdir), threads: 1, group: .perBlock) }
    let r = try full.rewind(to: target)
    #expect(r.blocks == Int(head.number - target) && r.to.number == target)
    #expect(try full.query.head() == (try partial.query.head()))
    let v = try full.query.verify()
    #expect(v.ok && v.headNumber == target)
    for table in Self.historyTables + Self.chainTables {
      #expect(try Self.dump(full.store, table) == (try Self.dump(partial.store, table)), "\(chain): \(table) after rewind to \(target)")
    }
    // Re-importing the rest reaches the same head, state and history.
    _ = try full.importFile(blocksPath, threads: 1, group: .perBlock)
    #expect(try full.query.head() == head)
    for (i, table) in (Self.historyTables + Self.chainTables).enumerated() {
      #expect(try Self.dump(full.store, table) == fullTables[i], "\(chain): \(table) after re-import")
    }
    // Rewinding past the head fails, and to the head does nothing.
    #expect(throws: ChainError.self) { try full.rewind(to: head.number + 1) }
    #expect(try full.rewind(to: head.number).blocks == 0)
  }

  /// The value a proof proves for `key` under `root`: the nodes alone, in a trie of their own.
  static func proven(_ nodes: [[UInt8]], root: Hash, key: [UInt8]) throws -> [UInt8]? {
    let store = InMemoryTrieNodeStore()
    for n in nodes { store.put(Keccak256.hash(n), n) }
    return try MerkleTrie(store: store, root: root).get(key)
  }

  /// Group commit (several blocks per write transaction) records exactly what per-block
  /// commits record.
  @Test(arguments: chains())
  func groupCommitRecordsTheSameHistory(chain: String) throws {
    let (d1, perBlock) = try Self.store(chain, "per-block")
    let (d2, grouped) = try Self.store(chain, "grouped")
    defer { try? FileManager.default.removeItem(atPath: d1); try? FileManager.default.removeItem(atPath: d2) }
    _ = try perBlock.importFile(Self.paths(chain).blocks, threads: 1, group: .perBlock)
    _ = try grouped.importFile(Self.paths(chain).blocks, threads: 1, group: ChainStore.GroupCommit(blocks: 1024))
    for table in Self.historyTables {
      let a = try Self.dump(perBlock.store, table)
      #expect(a == (try Self.dump(grouped.store, table)), "\(chain): \(table)")
      if table == .accountChanges { #expect(!a.isEmpty) }
    }
  }

  /// The indexed log filter returns what a scan of every receipt returns, for filters drawn
  /// from the chain's own logs (and some that match nothing).
  @Test(arguments: logChains())
  func logFilterMatchesAFullScan(chain: String) throws {
    let (dir, store) = try Self.store(chain, "logs")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = try store.importFile(Self.paths(chain).blocks, threads: 1)
    let q = store.query
    let head = try q.head().number
    let all = try q.snapshot { s throws(QueryError) in try s.logsByScanning(LogFilter(fromBlock: 0, toBlock: head)) }
    var rng = SeededGenerator(seed: 18)
    let addresses = Array(Set(all.map(\.log.address)))
    let topics = (0..<4).map { p in Array(Set(all.compactMap { p < $0.log.topics.count ? $0.log.topics[p] : nil })) }
    func pick<T>(_ xs: [T]) -> T? { xs.isEmpty ? nil : xs[Int(rng.next() % UInt64(xs.count))] }
    var filters = [LogFilter(fromBlock: 0, toBlock: head), LogFilter(fromBlock: 1, toBlock: .max),
                   LogFilter(fromBlock: 0, toBlock: head, addresses: [Address(low: 0xdead)]),
                   LogFilter(fromBlock: 0, toBlock: head, topics: [[], [Hash(Array(repeating: 7, count: 32))]])]
    for _ in 0..<40 {
      let from = rng.next() % (head + 1)
      let to = from + rng.next() % (head - from + 1)
      var f = LogFilter(fromBlock: from, toBlock: to)
      if rng.next() % 2 == 0, let a = pick(addresses) { f.addresses = [a] + (rng.next() % 2 == 0 ? [Address(low: 0xbeef)] : []) }
      let positions = Int(rng.next() % 4)
      for p in 0..<positions {
        if rng.next() % 3 == 0 { f.topics.append([]); continue }
        var set: [Hash] = []
        for _ in 0..<(1 + rng.next() % 2) { if let t = pick(topics[p]) { set.append(t) } }
        f.topics.append(set)
      }
      filters.append(f)
    }
    var matched = 0
    for f in filters {
      let indexed = try q.logs(f)
      let scanned = try q.snapshot { s throws(QueryError) in try s.logsByScanning(f) }
      #expect(indexed == scanned, "\(chain): \(f)")
      matched += indexed.count
    }
    if !all.isEmpty {
      #expect(matched > 0)
      #expect(throws: QueryError.tooManyLogs(limit: 0)) { try q.logs(LogFilter(fromBlock: 0, toBlock: head), limit: 0) }
    }
    #expect(throws: QueryError.invalidRange(from: 2, to: 1)) { try q.logs(LogFilter(fromBlock: 2, toBlock: 1)) }
  }

  @Test func blockListRoundTrips() {
    var rng = SeededGenerator(seed: 7)
    for _ in 0..<200 {
      var list: [UInt64] = []
      var b = rng.next() % 1_000_000_000
      for _ in 0..<Int(rng.next() % 300) {
        list.append(b)
        b += 1 + (rng.next() % 3 == 0 ? rng.next() % 100_000 : rng.next() % 4)
      }
      #expect(BlockList.decode(BlockList.encode(list)) == list)
    }
    #expect(BlockList.decode(BlockList.encode([.max])) == [.max])
    #expect(BlockList.decode([0x80]) == nil)  // a varint cut short
    #expect(BlockList.decode([0x05, 0x00]) == nil)  // a zero step
  }

  /// Shards close at `BlockList.capacity` entries; lookups and rewinds cross them.
  @Test func historyAcrossShards() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-shards-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = try Store(path: dir)
    let a = Address(low: 0xabc)
    let blocks = (1...UInt64(BlockList.capacity * 2 + 10)).map { $0 * 3 }
    var balance: [UInt64: U256] = [:]
    for b in blocks {
      try store.write { (batch: inout WriteBatch) throws in
        var c = StateChanges()
        c.setAccount(a, Account(nonce: b, balance: U256(b)))
        c.setStorage(a, U256(1), U256(b))
        try batch.recordStateHistory(block: b, changes: c)
        try batch.indexLogs(block: b, [(address: a, topics: [U256(b % 2).hash])])
        try batch.apply(c)
        try batch.setHead(.zero, number: b)
      }
      balance[b] = U256(b)
    }
    try store.read { (view: ReadView) throws in
      #expect(try view.count(.accountHistory) == 3)
      for n in [0, 1, 2, 3, 4, 300, 767, 768, 769, 1000, 1596] as [UInt64] {
        // After block n: the last write at or below n.
        let last = blocks.last { $0 <= n }
        #expect(try view.account(a, afterBlock: n)?.nonce == last, "after \(n)")
        #expect(try view.storage(a, U256(1), afterBlock: n) == (last.map { U256($0) } ?? .zero))
      }
      #expect(try view.logBlocks(.address(a), from: 700, through: 800) == blocks.filter { $0 >= 700 && $0 <= 800 })
      #expect(try view.logBlocks(.topic(position: 0, U256(1).hash), from: 0, through: .max) == blocks.filter { $0 % 2 == 1 })
    }
    // Unwind every block from the top: each lookup keeps answering, the indexes empty out.
    for b in blocks.reversed() {
      try store.write { (batch: inout WriteBatch) throws in
        try batch.unwindState(block: b)
        try batch.unindexLogs(block: b, [(address: a, topics: [U256(b % 2).hash])])
      }
      if b % 97 == 0 || b == blocks[0] {
        try store.read { (view: ReadView) throws in
          #expect(try view.loadAccount(a)?.nonce == blocks.last { $0 < b })
          #expect(try view.account(a, afterBlock: b / 2)?.nonce == blocks.last { $0 <= b / 2 })
        }
      }
    }
    try store.read { (view: ReadView) throws in
      for t in HistoryTests.historyTables { #expect(try view.count(t) == 0, "\(t)") }
      #expect(try view.loadAccount(a) == nil)
      #expect(try view.loadStorage(a, U256(1)) == .zero)
    }
  }
}
