import Primitives
import State
import TestSupport
import Testing
import Trie
@testable import LMDBStore

/// The store's state commit against the in-memory state: the same write sets give the same root,
/// whether committed in one block or several, serially or on several views.
@Suite struct StateCommitterTests {
  /// A write set over `accounts` addresses: new accounts, slots set and cleared, some deletions;
  /// the first `large` accounts get hundreds of slots each.
  func randomChanges(_ rng: inout SeededGenerator, accounts: UInt32, large: UInt32, over state: InMemoryState) -> StateChanges {
    var changes = StateChanges()
    for n in 1...accounts {
      let address = Address.test(n)
      switch rng.next() % 8 {
      case 0 where state.accounts[address] != nil:
        changes.deleteAccount(address)
        continue
      case 1:
        changes.clearStorage(of: address)
      default:
        break
      }
      let code = rng.next() % 3 == 0 ? [UInt8(truncatingIfNeeded: n), 0x60, 0x00] : []
      let codeHash = changes.setCode(code)
      changes.setAccount(address, Account(nonce: rng.next() % 5, balance: U256(rng.next()), codeHash: codeHash))
      let count = n <= large ? 400 + Int(rng.next() % 200) : Int(rng.next() % 6)
      for _ in 0..<count {
        // Few slot numbers, so later blocks overwrite and zero earlier slots.
        let slot = U256(rng.next() % (n <= large ? 700 : 12))
        changes.setStorage(address, slot, rng.next() % 4 == 0 ? .zero : U256(rng.next()))
      }
    }
    return changes
  }

  @Test(arguments: [1, 4]) func rootsMatchTheInMemoryState(views: Int) throws {
    try withTemporaryDirectory { dir throws in
      let store = try Store(path: dir)
      var rng = SeededGenerator(seed: 0x5EED_0000 + UInt64(views))
      var memory = InMemoryState()
      var root = Hash.emptyTrieRoot
      for block in 0..<4 {
        // Enough accounts and slots in the later blocks for the parallel paths to run.
        let changes = randomChanges(&rng, accounts: block < 2 ? 12 : 70, large: block < 2 ? 0 : 2, over: memory)
        let prepared = try store.read(views: views) { v in
          try StateCommitter.prepare(changes, parentRoot: root, views: v, run: { n, body in
            for i in 0..<n { body(i) }
          })
        }
        memory.apply(changes)
        #expect(prepared.root == memory.computeStateRoot(), "block \(block)")
        try store.write { batch in try StateCommitter.store(prepared, into: &batch) }
        root = prepared.root
      }
      // The flat tables hold what the trie does.
      #expect(try store.read { try $0.recomputeStateRoot() }.root == root)
    }
  }

  /// A trie node missing from the store is a corrupt store: a typed store error, not a trap.
  @Test func missingTrieNodeIsAStoreError() throws {
    try withTemporaryDirectory { dir throws in
      let result = Self.commitOverMissingRoot(try Store(path: dir))
      guard case .failure(.trie(.missingNode)) = result else {
        Issue.record("expected a missing trie node, got \(result)")
        return
      }
    }
  }

  static func commitOverMissingRoot(_ store: Store) -> Result<Hash, StoreError> {
    var changes = StateChanges()
    changes.setAccount(.test(1), Account(balance: U256(1)))
    do throws(StoreError) {
      return .success(try store.read(throwing: StoreError.self) { (v) throws(StoreError) -> Hash in
        try StateCommitter.prepare(changes, parentRoot: .test(7), views: v, run: nil).root
      })
    } catch {
      return .failure(error)
    }
  }
}
