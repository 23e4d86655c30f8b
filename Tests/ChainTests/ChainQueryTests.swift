import Chain
import Foundation
import Primitives
import State
import Testing
import TestSupport

/// The typed query API over a store holding the devnet chain (4 blocks: transfers, two
/// creations, token transfers with logs, counter calls, withdrawals).
@Suite struct ChainQueryTests {
  let root = Fixtures.packageRoot

  /// A fresh store with the devnet chain imported; removed by the caller.
  func devnetStore() throws -> (dir: String, chain: ChainStore) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-query-\(UUID().uuidString)").path
    try ChainStore.initialise(path: dir, genesisPath: root.appendingPathComponent("genesis/devnet.json").path)
    let chain = try ChainStore(path: dir)
    _ = try chain.importFile(root.appendingPathComponent("data/devnet.rlp").path, threads: 1)
    return (dir, chain)
  }

  /// A field of data/devnet.json (strata-devnet's summary).
  func devnetAddress(_ key: String) throws -> Address {
    let data = try Data(contentsOf: root.appendingPathComponent("data/devnet.json"))
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    return try Address(hex: try #require(object[key] as? String))
  }

  @Test func blockIDParsing() throws {
    #expect(try BlockID(parsing: "head") == .latest)
    #expect(try BlockID(parsing: "latest") == .latest)
    #expect(try BlockID(parsing: "earliest") == .earliest)
    #expect(try BlockID(parsing: "12") == .number(12))
    #expect(try BlockID(parsing: "0x1b") == .number(27))
    let hash = "0x" + String(repeating: "ab", count: 32)
    #expect(try BlockID(parsing: hash) == .hash(try Hash(hex: hash)))
    for bad in ["", "0x", "abc", "-1", "0xzz", "18446744073709551616", "0x" + String(repeating: "g", count: 64)] {
      #expect(throws: QueryError.invalidBlockID(bad)) { try BlockID(parsing: bad) }
    }
  }

  @Test func blocksAndReceipts() throws {
    let (dir, chain) = try devnetStore()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let q = chain.query
    let head = try q.head()
    #expect(head.number == 4)
    #expect(try q.block(id: .latest).hash == head.hash)
    #expect(try q.block(id: .hash(head.hash)).block.number == 4)
    #expect(try q.block(id: .earliest).block.number == 0)
    #expect(throws: QueryError.blockNotFound(.number(99))) { try q.block(id: .number(99)) }
    #expect(throws: QueryError.blockNotFound(.hash(.zero))) { try q.block(id: .hash(.zero)) }

    let token = try devnetAddress("token")
    for n in UInt64(1)...4 {
      let found = try q.block(id: .number(n))
      let gas = try #require(found.transactionGasUsed)
      #expect(gas.count == found.block.transactions.count)
      #expect(gas.reduce(0, +) == found.block.header.gasUsed)
      let all = try q.receipts(id: .number(n))
      #expect(all.count == found.block.transactions.count)
      var nextLog = 0
      for (i, tx) in found.block.transactions.enumerated() {
        let r = try q.receipt(txHash: tx.hash)
        #expect(r == all[i])
        #expect(r.blockHash == found.hash && r.blockNumber == n && r.transactionIndex == i)
        #expect(r.gasUsed == gas[i])
        #expect(r.from != nil)
        #expect(r.to == tx.to)
        #expect(r.effectiveGasPrice >= (found.block.header.baseFeePerGas ?? .zero))
        #expect(r.logs.map(\.logIndex) == Array(nextLog..<(nextLog + r.logs.count)))
        nextLog += r.logs.count
      }
      if n == 2 { #expect(all[0].contractAddress == token) }
      if n == 3 { #expect(nextLog == 8) }  // one Transfer event per token transfer
    }
    #expect(throws: QueryError.transactionNotFound(.zero)) { try q.receipt(txHash: .zero) }
  }

  @Test func stateAtPastBlocks() throws {
    let (dir, chain) = try devnetStore()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let q = chain.query
    let holder = try devnetAddress("holder"), token = try devnetAddress("token"), counter = try devnetAddress("counter")
    let account = try #require(try q.account(holder))
    #expect(account.nonce > 0)
    #expect(try q.account(holder, at: .number(4)) == account)
    #expect(try q.account(holder, at: .hash(try q.head().hash)) == account)
    #expect(try q.account(Address(low: 0xdead)) == nil)
    // History: the counter counts 8 in block 3 and 4 more in block 4; the token appears in block 2.
    #expect(try q.storage(counter, slot: .zero, at: .number(3)) == U256(8))
    #expect(try q.storage(counter, slot: .zero, at: .number(2)) == .zero)
    #expect(try q.account(token, at: .number(1)) == nil)
    #expect(try q.code(token, at: .number(1)).isEmpty)
    #expect(try !q.code(token, at: .number(2)).isEmpty)
    #expect(try q.storage(token, slot: .zero, at: .earliest) == .zero)
    let past = try #require(try q.account(holder, at: .number(3)))
    #expect(past.nonce < account.nonce)
    #expect(try q.account(holder, at: .hash(try q.block(id: .number(3)).hash)) == past)
    #expect(throws: QueryError.blockNotFound(.number(5))) { try q.code(token, at: .number(5)) }
    // Several queries on one snapshot, and the StateReader at a past block.
    let (block, current, slot, hashAt3, hashAt4, h3, n3, nZero) = try q.snapshot { s throws(QueryError) in
      let state = try s.state(at: .number(3))
      let h3 = try s.blockHash(number: 3)
      return (state.block, state.isCurrent, try? state.storage(counter, .zero), try? state.blockHash(3),
              try? state.blockHash(4), h3, try h3.map { h throws(QueryError) in try s.blockNumber(hash: h) }, try s.blockNumber(hash: .zero))
    }
    #expect(block == 3 && !current && slot == U256(8))
    #expect(h3 != nil && hashAt3 == h3 && hashAt4 == .zero)
    #expect(n3 == .some(3) && nZero == nil)

    #expect(try q.storage(counter, slot: .zero) == U256(12))  // 8 increments in block 3, 4 in block 4
    #expect(try q.storage(token, slot: try U256(parsing: holder.description)) > .zero)
    let code = try q.code(token)
    #expect(!code.isEmpty)
    let tokenAccount = try q.account(token)
    #expect(Keccak256.hash(code) == tokenAccount?.codeHash)
    #expect(try q.code(holder).isEmpty)
  }

  @Test func exportAndVerify() throws {
    let (dir, chain) = try devnetStore()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let q = chain.query
    let file = dir + "/export.rlp"
    #expect(try q.export(range: BlockRange(first: 1), to: file) == 4)
    let original = try Data(contentsOf: root.appendingPathComponent("data/devnet.rlp"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == original)
    #expect(try q.export(range: BlockRange(first: 5), to: file) == 0)
    #expect(try q.export(range: BlockRange(first: 2, last: 3), to: file) == 2)
    #expect(throws: QueryError.blockNotFound(.number(5))) { try q.export(range: BlockRange(first: 4, last: 5), to: file) }
    #expect(throws: QueryError.self) { try q.export(range: BlockRange(first: 1), to: dir + "/no/such/dir/x.rlp") }

    let v = try q.verify()
    let headRoot = try q.head().stateRoot
    #expect(v.ok && v.headNumber == 4 && v.computedRoot == headRoot)
    let wrong = try q.verify(root: .zero)
    #expect(!wrong.ok && wrong.expectedRoot == .zero)
  }

  /// What the index or the receipts say contradicts the block: a typed error, never a trap.
  @Test func inconsistentStoreIsATypedError() throws {
    let (dir, chain) = try devnetStore()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let q = chain.query
    let block3 = try q.block(id: .number(3))
    let txHash = block3.block.transactions[5].hash
    let receipts = try q.receipts(id: .number(3)).map(\.receipt)

    func expectInconsistent(_ what: String, _ body: () throws -> Void) {
      do {
        try body()
        Issue.record("\(what): no error")
      } catch let error as QueryError {
        guard case .storeInconsistent = error else { Issue.record("\(what): \(error)"); return }
      } catch {
        Issue.record("\(what): untyped \(error)")
      }
    }
    func storeReceipts(_ rs: [Receipt]) throws {
      var e = RLPEncoder()
      e.list { l in for r in rs { l.append(bytes: r.consensusBytes) } }
      let bytes = e.bytes
      try chain.store.write { batch in try batch.putReceipts(block3.hash, bytes) }
    }

    // The transaction index names a position past the block's transactions.
    let ghost = Keccak256.hash(Array("ghost".utf8))
    try chain.store.write { batch in try batch.putTransactionLocation(ghost, block: block3.hash, index: 99) }
    expectInconsistent("index past the end") { _ = try q.receipt(txHash: ghost) }
    // … or at a transaction with another hash.
    try chain.store.write { batch in try batch.putTransactionLocation(ghost, block: block3.hash, index: 2) }
    expectInconsistent("index at another transaction") { _ = try q.receipt(txHash: ghost) }

    // Cumulative gas that decreases.
    var swapped = receipts
    swapped.swapAt(4, 5)
    try storeReceipts(swapped)
    expectInconsistent("decreasing cumulative gas") { _ = try q.receipt(txHash: txHash) }
    expectInconsistent("decreasing cumulative gas (block)") { _ = try q.block(id: .number(3)) }

    // Fewer receipts than transactions.
    try storeReceipts(Array(receipts.dropLast()))
    expectInconsistent("missing receipt") { _ = try q.receipt(txHash: block3.block.transactions.last!.hash) }
    expectInconsistent("missing receipt (block)") { _ = try q.receipts(id: .number(3)) }

    // Receipts that do not decode.
    try chain.store.write { batch in try batch.putReceipts(block3.hash, [0xc1, 0x05]) }
    expectInconsistent("undecodable receipts") { _ = try q.receipt(txHash: txHash) }

    // The index names a block the store does not hold.
    try chain.store.write { batch in try batch.putTransactionLocation(ghost, block: .zero, index: 0) }
    expectInconsistent("missing block") { _ = try q.receipt(txHash: ghost) }

    // Restored, it answers again.
    try storeReceipts(receipts)
    #expect(try q.receipt(txHash: txHash).transactionIndex == 5)
  }
}
