import Primitives
import Testing
import Trie
@testable import State

@Suite struct InMemoryStateTests {
  @Test func applyFollowsTheDocumentedOrder() throws {
    var state = InMemoryState()
    state.accounts[.test(1)] = Account(nonce: 1)
    state.setStorage(.test(1), U256(1), U256(10))
    state.setStorage(.test(1), U256(2), U256(20))
    state.accounts[.test(2)] = Account(nonce: 2)
    state.setStorage(.test(2), U256(1), U256(30))

    var changes = StateChanges()
    changes.clearStorage(of: .test(1))          // destroyed and re-created:
    changes.setStorage(.test(1), U256(3), U256(33))  // only the new slot survives
    changes.deleteAccount(.test(2))              // deletion takes the storage along
    let hash = changes.setCode([0x00])
    changes.setAccount(.test(3), Account(codeHash: hash))
    state.apply(changes)

    #expect(try state.storage(.test(1), U256(1)) == .zero)
    #expect(try state.storage(.test(1), U256(3)) == U256(33))
    #expect(try state.account(.test(2)) == nil)
    #expect(try state.storage(.test(2), U256(1)) == .zero)
    #expect(try state.code(hash) == [0x00])
    #expect(try state.code(.emptyKeccak) == [])
    #expect(throws: StateReadError.self) { _ = try state.code(.test(5)) }
  }

  @Test func zeroDeletesAndRootsIgnoreStaleStorageRoots() {
    var state = InMemoryState()
    state.accounts[.test(1)] = Account(nonce: 1, storageRoot: .test(1234))  // stale on purpose
    state.setStorage(.test(1), U256(7), U256(1))
    state.setStorage(.test(1), U256(7), .zero)
    #expect(state.storage[.test(1)] == nil)
    #expect(state.storageRoot(of: .test(1)) == .emptyTrieRoot)
    let expected = TrieRoot.stateRoot([(address: Address.test(1), nonce: UInt64(1), balance: U256.zero,
                                        storageRoot: Hash.emptyTrieRoot, codeHash: Hash.emptyKeccak)])
    #expect(state.computeStateRoot() == expected)
  }
}
