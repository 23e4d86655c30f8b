import Dispatch
import Foundation
import Primitives
import Testing
import TestSupport
import Trie
@testable import LMDBStore
import State

@Suite struct StoreTests {
  // MARK: Round trips

  @Test func everyTableRoundTrips() throws {
    try withTemporaryDirectory { dir throws in
      let store = try Store(path: dir)
      let eoa = Account(nonce: 7, balance: U256(1_000_000))
      let code: [UInt8] = [0x60, 0x00, 0x60, 0x00, 0xf3]
      let codeHash = Keccak256.hash(code)
      let contract = Account(nonce: 1, balance: .zero, codeHash: codeHash, storageRoot: .test(99))
      let block = Hash.test(0xb10c)
      try store.write { b throws in
        try b.putAccount(.test(1), eoa)
        try b.putAccount(.test(2), contract)
        try b.putStorage(.test(2), U256(5), U256(0xdead_beef))
        try b.putStorage(.test(2), .max, .max)
        #expect(try b.putCode(code) == codeHash)
        try b.putTrieNode(.test(3), [0xc2, 0x01, 0x02])
        try b.putHeader(block, [0xc1, 0x80])
        try b.putBody(block, [0xc2, 0xc0, 0xc0])
        try b.putReceipts(block, [0xc0])
        try b.putCanonical(0, .test(0x9e))
        try b.putCanonical(12, block)
        try b.putTransactionLocation(.test(0x7), block: block, index: 3)
        try b.setHead(block, number: 12)
        try b.setChainID(1337)
        try b.setGenesisHash(.test(0x9e))
        try b.setMeta("importer.note", [1, 2, 3])
      }
      try store.read { v throws in
        #expect(try v.loadAccount(.test(1)) == eoa)
        #expect(try v.loadAccount(.test(2)) == contract)
        #expect(try v.loadAccount(.test(3)) == nil)
        #expect(try v.loadStorage(.test(2), U256(5)) == U256(0xdead_beef))
        #expect(try v.loadStorage(.test(2), .max) == .max)
        #expect(try v.loadStorage(.test(2), U256(6)) == .zero)
        #expect(try v.loadCode(codeHash) == code)
        #expect(try v.loadCode(.emptyKeccak) == [])
        #expect(try v.trieNode(.test(3)) == [0xc2, 0x01, 0x02])
        #expect(try v.trieNode(.test(4)) == nil)
        #expect(try v.header(block) == [0xc1, 0x80])
        #expect(try v.body(block) == [0xc2, 0xc0, 0xc0])
        #expect(try v.receipts(block) == [0xc0])
        #expect(try v.header(.test(1)) == nil)
        #expect(try v.canonicalHash(12) == block)
        #expect(try v.canonicalHash(11) == nil)
        #expect(try v.lastCanonical() == ChainHead(hash: block, number: 12))
        let loc = try v.transactionLocation(.test(0x7))
        #expect(loc?.block == block && loc?.index == 3)
        #expect(try v.head() == ChainHead(hash: block, number: 12))
        #expect(try v.chainID() == 1337)
        #expect(try v.genesisHash() == .test(0x9e))
        #expect(try v.schemaVersion() == storeSchemaVersion)
        #expect(try v.meta("importer.note") == [1, 2, 3])
        #expect(try v.count(.accounts) == 2)
      }
      // The store survives a close and a read-only reopen.
      _ = store
    }
  }

  @Test func reopenReadOnly() throws {
    try withTemporaryDirectory { dir throws in
      do {
        let store = try Store(path: dir)
        try store.write { b in try b.putAccount(.test(1), Account(nonce: 1)) }
      }
      let ro = try Store(path: dir, readOnly: true)
      #expect(try ro.read { try $0.loadAccount(.test(1)) } == Account(nonce: 1))
      #expect(throws: StoreError.readOnly(path: dir)) {
        try ro.write { b in try b.putAccount(.test(2), Account()) }
      }
    }
  }

  @Test func readOnlyOpenOfMissingStore() throws {
    try withTemporaryDirectory { dir throws in
      #expect(throws: StoreError.notFound(path: dir + "/none")) {
        _ = try Store(path: dir + "/none", readOnly: true)
      }
    }
  }

  @Test func compactAccountEncoding() throws {
    let eoa = Account(nonce: 1, balance: U256(10))
    let bytes = AccountCodec.encode(eoa)
    #expect(bytes.count < 10)
    #expect(try AccountCodec.decode(bytes) == eoa)
    let full = Account(nonce: .max, balance: .max, codeHash: .test(1), storageRoot: .test(2))
    #expect(try AccountCodec.decode(AccountCodec.encode(full)) == full)
    #expect(throws: RLPError.self) { _ = try AccountCodec.decode([0xc1, 0x01]) }
  }

  // MARK: Atomicity

  struct Boom: Error {}

  @Test func throwingWriteLeavesStoreUnchanged() throws {
    try withTemporaryDirectory { dir throws in
      let store = try Store(path: dir)
      try store.write { b throws in
        try b.putAccount(.test(1), Account(nonce: 1))
        try b.putStorage(.test(1), U256(1), U256(1))
        try b.setHead(.test(1), number: 1)
      }
      #expect(throws: Boom.self) {
        try store.write { b throws in
          try b.putAccount(.test(1), Account(nonce: 2))
          try b.deleteAccount(.test(1))
          try b.putAccount(.test(2), Account(nonce: 2))
          try b.putStorage(.test(1), U256(2), U256(2))
          try b.putCode([1, 2, 3])
          try b.setHead(.test(2), number: 2)
          // The batch sees its own writes before it fails.
          #expect(try b.view.loadAccount(.test(2)) == Account(nonce: 2))
          throw Boom()
        }
      }
      try store.read { v throws in
        #expect(try v.loadAccount(.test(1)) == Account(nonce: 1))
        #expect(try v.loadAccount(.test(2)) == nil)
        #expect(try v.loadStorage(.test(1), U256(1)) == U256(1))
        #expect(try v.loadStorage(.test(1), U256(2)) == .zero)
        #expect(try v.head() == ChainHead(hash: .test(1), number: 1))
        #expect(try v.count(.code) == 0)
      }
      // And the store still takes writes.
      try store.write { b in try b.putAccount(.test(3), Account(nonce: 3)) }
      #expect(try store.read { try $0.loadAccount(.test(3)) } == Account(nonce: 3))
    }
  }

  @Test func viewUsedAfterItsTransactionFails() throws {
    try withTemporaryDirectory { dir throws in
      let store = try Store(path: dir)
      let escaped = try store.read { $0 }
      #expect(throws: StoreError.transactionEnded) { _ = try escaped.loadAccount(.test(1)) }
      #expect(throws: StateReadError.self) { _ = try escaped.account(.test(1)) }
    }
  }

  // MARK: Schema and locking

  @Test func schemaVersionMismatchIsATypedError() throws {
    try withTemporaryDirectory { dir throws in
      do {
        let store = try Store(path: dir)
        try store.write { b throws in
          try b.put(.meta, key: Array(MetaKey.schemaVersion.rawValue.utf8), value: [0, 0, 0, 0, 0, 0, 0, 99])
        }
      }
      #expect(throws: StoreError.incompatibleSchema(path: dir, found: 99, expected: storeSchemaVersion)) {
        _ = try Store(path: dir)
      }
      #expect(throws: StoreError.incompatibleSchema(path: dir, found: 99, expected: storeSchemaVersion)) {
        _ = try Store(path: dir, readOnly: true)
      }
      let message = StoreError.incompatibleSchema(path: dir, found: 99, expected: storeSchemaVersion).description
      #expect(message.contains("schema version 99"))
    }
  }

  @Test func secondWriterGetsAClearError() throws {
    try withTemporaryDirectory { dir throws in
      var first: Store? = try Store(path: dir)
      // flock belongs to the open file description: a second open in this process conflicts
      // as another process would.
      do {
        _ = try Store(path: dir)
        Issue.record("a second writer opened the store")
      } catch let error as StoreError {
        #expect(error == .inUse(path: dir, pid: getpid()))
        #expect(error.description.contains("in use by another process (pid \(getpid()))"))
      }
      _ = first
      first = nil
      // Released with the first store.
      let second = try Store(path: dir)
      try second.write { b in try b.putAccount(.test(1), Account()) }
    }
  }

  @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock")))
  func writerLockHeldByAnotherProcess() throws {
    try withTemporaryDirectory { dir throws in
      let lockPath = dir + "/LOCK"
      try "4242\n".write(toFile: lockPath, atomically: false, encoding: .utf8)
      // A child process that holds the lock itself (exec: no grandchild inherits it).
      let child = Process()
      child.executableURL = URL(fileURLWithPath: "/bin/sh")
      child.arguments = ["-c", "exec 9<>\"$0\"; flock -n 9 || exit 1; exec sleep 60", lockPath]
      try child.run()
      var killed = false
      defer { if !killed { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() } }
      // Wait until the child holds the lock.
      var held = false
      for _ in 0..<500 {
        let fd = open(lockPath, O_RDWR)
        if flock(fd, LOCK_EX | LOCK_NB) != 0 { held = true } else { flock(fd, LOCK_UN) }
        close(fd)
        if held { break }
        usleep(10_000)
      }
      try #require(held)
      #expect(throws: StoreError.inUse(path: dir, pid: 4242)) { _ = try Store(path: dir) }
      // The holder dies without cleaning up: the lock goes with it.
      kill(child.processIdentifier, SIGKILL)
      child.waitUntilExit()
      killed = true
      let store = try Store(path: dir)
      try store.write { b throws in try b.putAccount(.test(1), Account()) }
    }
  }

  @Test func garbageDataFileIsAClearError() throws {
    try withTemporaryDirectory { dir throws in
      try Data(repeating: 0x5a, count: 16384).write(to: URL(fileURLWithPath: dir + "/data.mdb"))
      do {
        _ = try Store(path: dir)
        Issue.record("opened a garbage data file")
      } catch let error as StoreError {
        guard case .lmdb(let e) = error else { Issue.record("unexpected \(error)"); return }
        #expect(e.operation.hasPrefix("mdb_env_open"))
        #expect(error.description.contains("not an LMDB file") || error.description.contains("Invalid"))
      }
    }
  }

  // MARK: Map growth

  @Test func mapGrowsPastATinyInitialSize() throws {
    try withTemporaryDirectory { dir throws in
      let initial = 1 << 20
      let store = try Store(path: dir, initialMapSize: initial)
      #expect(store.mapSize == initial)
      var rng = SeededGenerator(seed: 7)
      var codes: [[UInt8]] = []
      for _ in 0..<600 {
        codes.append((0..<4000).map { _ in UInt8.random(in: 0...255, using: &rng) })
      }
      // One batch of ~2.4 MB into a 1 MiB map: grows inside the batch.
      try store.write { b throws in
        for (i, c) in codes.enumerated() {
          try b.putCode(c)
          try b.putStorage(.test(1), U256(i), U256(i + 1))
        }
      }
      #expect(store.mapSize > initial)
      // A second large batch grows it again.
      let before = store.mapSize
      try store.write { b throws in
        for (i, c) in codes.enumerated() { try b.putTrieNode(Keccak256.hash(c + [1]), c + [1]); _ = i }
        try b.deleteAccount(.test(1))
      }
      #expect(store.mapSize > before)
      try store.read { v throws in
        for c in codes {
          #expect(try v.loadCode(Keccak256.hash(c)) == c)
          #expect(try v.trieNode(Keccak256.hash(c + [1])) == c + [1])
        }
        #expect(try v.loadStorage(.test(1), U256(3)) == .zero)
        #expect(try v.count(.storage) == 0)
      }
    }
  }

  @Test func growthWaitsForReadersOfThisProcess() throws {
    try withTemporaryDirectory { dir throws in
      let store = try Store(path: dir, initialMapSize: 1 << 20)
      try store.write { b throws in try b.putAccount(.test(1), Account(nonce: 1)) }
      let reading = DispatchSemaphore(value: 0)
      let done = DispatchSemaphore(value: 0)
      let reader = Thread {
        _ = try? store.read { v throws in
          reading.signal()
          usleep(300_000)  // hold the snapshot while the writer fills the map
          #expect(try v.loadAccount(.test(1)) == Account(nonce: 1))
        }
        done.signal()
      }
      reader.start()
      reading.wait()
      let blob = [UInt8](repeating: 0xab, count: 3000)
      let written = try store.write { b throws -> Int in
        for i in 0..<800 { try b.putTrieNode(.test(UInt64(i)), blob + [UInt8(i & 0xff)]) }
        return 800
      }
      done.wait()
      #expect(written == 800)
      #expect(store.mapSize > 1 << 20)
      #expect(try store.read { try $0.count(.trie) } == 800)
    }
  }

  // MARK: Concurrency

  @Test func readersAreNotBlockedByAnOpenWriter() throws {
    try withTemporaryDirectory { dir throws in
      let store = try Store(path: dir)
      try store.write { b in try b.putAccount(.test(1), Account(nonce: 1)) }
      let inside = DispatchSemaphore(value: 0)
      let proceed = DispatchSemaphore(value: 0)
      let done = DispatchSemaphore(value: 0)
      let writer = Thread {
        try? store.write { b throws in
          try b.putAccount(.test(1), Account(nonce: 2))
          inside.signal()
          proceed.wait()
        }
        done.signal()
      }
      writer.start()
      inside.wait()
      // The write transaction is open: a read neither waits nor sees it.
      #expect(try store.read { try $0.loadAccount(.test(1)) } == Account(nonce: 1))
      try store.read(views: 4) { views throws in
        for v in views { #expect(try v.loadAccount(.test(1)) == Account(nonce: 1)) }
      }
      proceed.signal()
      done.wait()
      #expect(try store.read { try $0.loadAccount(.test(1)) } == Account(nonce: 2))
    }
  }

  @Test func snapshotViewsServeThreadsInParallel() throws {
    try withTemporaryDirectory { dir throws in
      let store = try Store(path: dir)
      try store.write { b throws in
        for i in 0..<200 { try b.putStorage(.test(1), U256(i), U256(i * 3 + 1)) }
      }
      try store.read(views: 4) { views throws in
        let ok = UnsafeMutableBufferPointer<Bool>.allocate(capacity: views.count)
        defer { ok.deallocate() }
        ok.initialize(repeating: false)
        let results = SendableBox(ok)
        DispatchQueue.concurrentPerform(iterations: views.count) { t in
          var good = true
          for i in 0..<200 where (try? views[t].loadStorage(.test(1), U256(i))) != U256(i * 3 + 1) { good = false }
          results.value[t] = good
        }
        #expect(ok.allSatisfy { $0 })
      }
    }
  }

  // MARK: Storage prefix deletion

  @Test func deletingAnAccountDeletesOnlyItsStorage() throws {
    try withTemporaryDirectory { dir throws in
      let store = try Store(path: dir)
      // Neighbours in key order: 0x…01 and 0x…02, and an address sharing 19 bytes.
      let a = Address.test(1), b = Address.test(2), c = Address.test(0x100)
      try store.write { w throws in
        for addr in [a, b, c] {
          try w.putAccount(addr, Account(nonce: 1))
          for s in 0..<50 { try w.putStorage(addr, U256(s), U256(s + 1)) }
        }
        try w.putStorage(a, .max, U256(9))
      }
      try store.write { w throws in
        try w.deleteAccount(a)
        #expect(try w.clearStorage(of: c) == 50)
        try w.putStorage(b, U256(0), .zero)  // zero deletes
      }
      try store.read { v throws in
        #expect(try v.loadAccount(a) == nil)
        #expect(try v.loadStorage(a, .max) == .zero)
        #expect(try v.loadAccount(c) == Account(nonce: 1))
        var slots: [U256] = []
        try v.forEachStorage(of: b) { slot, _ in slots.append(slot) }
        #expect(slots == (1..<50).map { U256($0) })
        var none = 0
        try v.forEachStorage(of: a) { _, _ in none += 1 }
        try v.forEachStorage(of: c) { _, _ in none += 1 }
        #expect(none == 0)
        #expect(try v.count(.storage) == 49)
      }
    }
  }

  // MARK: The seams

  @Test func readViewIsAStateReader() throws {
    try withTemporaryDirectory { dir throws in
      let store = try Store(path: dir)
      var changes = StateChanges()
      let codeHash = changes.setCode([0x5f, 0x5f, 0xf3])
      changes.setAccount(.test(5), Account(nonce: 3, balance: U256(77), codeHash: codeHash))
      changes.setStorage(.test(5), U256(1), U256(42))
      var memory = InMemoryState(blockHashes: [10: .test(0xa)])
      memory.apply(changes)
      try store.write { b throws in
        try b.apply(changes)
        try b.putCanonical(10, .test(0xa))
      }
      try store.read { v throws in
        let fromStore = try readThrough(v, .test(5), slot: U256(1), block: 10)
        let fromMemory = try readThrough(memory, .test(5), slot: U256(1), block: 10)
        #expect(fromStore.account == fromMemory.account)
        #expect(fromStore.code == [0x5f, 0x5f, 0xf3] && fromStore.code == fromMemory.code)
        #expect(fromStore.value == U256(42) && fromStore.value == fromMemory.value)
        #expect(fromStore.blockHash == .test(0xa) && fromStore.blockHash == fromMemory.blockHash)
        #expect(try v.blockHash(11) == .zero)
        #expect(try v.account(.test(6)) == nil)
        #expect(throws: StateReadError.self) { _ = try v.code(.test(1)) }  // missing code
      }
    }
  }

  @Test func corruptRecordIsABackendError() throws {
    try withTemporaryDirectory { dir throws in
      let store = try Store(path: dir)
      try store.write { b in try b.put(.accounts, key: Address.test(1).bytes, value: [0xff]) }
      try store.read { v throws in
        #expect(throws: StateReadError.self) { _ = try v.account(.test(1)) }
        do {
          _ = try v.loadAccount(.test(1))
        } catch {
          #expect(String(describing: error).contains("corrupt record in accounts"))
        }
      }
    }
  }

  /// A state change set applied to the store and to memory gives the same state, and the
  /// root recomputed from the tables equals the in-memory one.
  @Test func writeSetsAgreeWithInMemoryState() throws {
    try withTemporaryDirectory { dir throws in
      let store = try Store(path: dir)
      var memory = InMemoryState()
      var rng = SeededGenerator(seed: 42)
      for round in 0..<6 {
        var changes = StateChanges()
        for _ in 0..<40 {
          let addr = Address.test(UInt32.random(in: 1...30, using: &rng))
          switch UInt8.random(in: 0..<10, using: &rng) {
          case 0: changes.deleteAccount(addr)
          case 1: changes.clearStorage(of: addr)
          case 2...5:
            changes.setStorage(addr, U256(UInt64.random(in: 0..<8, using: &rng)),
                               UInt8.random(in: 0..<3, using: &rng) == 0 ? .zero : U256(rng.next()))
          default:
            let code = changes.setCode([UInt8(round), UInt8.random(in: 0...255, using: &rng)])
            changes.setAccount(addr, Account(nonce: rng.next() % 100, balance: U256(rng.next()), codeHash: code))
          }
        }
        memory.apply(changes)
        try store.write { b in try b.apply(changes) }
      }
      // Memory's accounts carry the default storage root; compare what the tables hold.
      let walk = try store.read { try $0.recomputeStateRoot() }
      #expect(walk.root == memory.computeStateRoot())
      #expect(walk.accounts == memory.accounts.count)
      #expect(walk.slots == memory.storage.filter { memory.accounts[$0.key] != nil }.values.reduce(0) { $0 + $1.count })
      try store.read { v throws in
        var seen: [Address] = []
        try v.forEachAccount { addr, a in
          seen.append(addr)
          #expect(memory.accounts[addr] == a)
        }
        #expect(seen == memory.accounts.keys.sorted())
        for (addr, slots) in memory.storage {
          for (slot, value) in slots { #expect(try v.loadStorage(addr, slot) == value) }
        }
      }
    }
  }

  // MARK: The trie over LMDB

  @Test func incrementalTrieOverTheTrieTable() throws {
    try withTemporaryDirectory { dir throws in
      let store = try Store(path: dir)
      var memory = InMemoryState()
      for i in 1...300 {
        memory.accounts[.test(UInt32(i))] = Account(nonce: UInt64(i), balance: U256(i * 1000))
      }
      // Build the state trie inside the write transaction, persisting its nodes there.
      var root = Hash.emptyTrieRoot
      try store.write { b throws in
        var trie = MerkleTrie(store: b.view, root: .emptyTrieRoot)
        for (addr, a) in memory.accounts {
          try trie.setAccount(addr, nonce: a.nonce, balance: a.balance, storageRoot: a.storageRoot, codeHash: a.codeHash)
          try b.putAccount(addr, a)
        }
        let commit = trie.commit()
        try b.putTrieNodes(commit.nodes)
        try b.setMeta("stateRoot", commit.root.bytes)
        root = commit.root
      }
      #expect(root == memory.computeStateRoot())
      // A later block: load nodes through a snapshot, update a few accounts, persist the changes.
      try store.write { b throws in
        var trie = MerkleTrie(store: b.view, root: root)
        #expect(try trie.account(.test(17))?.nonce == 17)
        memory.accounts[.test(17)]!.nonce = 18
        memory.accounts[.test(400)] = Account(nonce: 1)
        memory.accounts[.test(3)] = nil
        try trie.setAccount(.test(17), nonce: 18, balance: U256(17_000), storageRoot: .emptyTrieRoot, codeHash: .emptyKeccak)
        try trie.setAccount(.test(400), nonce: 1, balance: .zero, storageRoot: .emptyTrieRoot, codeHash: .emptyKeccak)
        try trie.removeAccount(.test(3))
        let commit = trie.commit()
        try b.putTrieNodes(commit.nodes)
        root = commit.root
      }
      #expect(root == memory.computeStateRoot())
      // Read back from a read transaction.
      try store.read { v throws in
        let trie = MerkleTrie(store: v, root: root)
        #expect(try trie.account(.test(17))?.nonce == 18)
        #expect(try trie.account(.test(3)) == nil)
        #expect(try trie.account(.test(400))?.nonce == 1)
      }
    }
  }
}

/// Lets a test hand a buffer to `concurrentPerform` workers, each writing its own element.
final class SendableBox<T>: @unchecked Sendable {
  // SAFETY: each worker writes a distinct index; the reader waits for all of them.
  let value: T
  init(_ value: T) { self.value = value }
}
