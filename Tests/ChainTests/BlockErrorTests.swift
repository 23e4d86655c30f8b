import EVM
import Execution
import Primitives
import State
import Testing
@testable import Chain

/// Representative bad inputs produce the typed case naming the rule, and each case prints the
/// one line the CLI and `strata blocktest` print.
@Suite struct BlockErrorTests {
  let config = ChainConfig.allActive(upTo: .cancun)

  /// A valid Cancun child of a Cancun parent, for each test to break one rule of.
  func parentAndChild() -> (Header, Header) {
    let parent = Header(number: 7, gasLimit: 30_000_000, timestamp: 100, baseFeePerGas: U256(7),
                        withdrawalsRoot: .emptyTrieRoot, blobGasUsed: 0, excessBlobGas: 0,
                        parentBeaconBlockRoot: .zero)
    var child = Header(parentHash: parent.hash, number: 8, gasLimit: 30_000_000, timestamp: 112,
                       baseFeePerGas: HeaderValidator.expectedBaseFee(parent: parent, parentIsLondon: true))
    child.withdrawalsRoot = .emptyTrieRoot
    child.blobGasUsed = 0
    child.excessBlobGas = 0
    child.parentBeaconBlockRoot = .zero
    return (parent, child)
  }

  @Test func validChildPasses() throws {
    let (parent, child) = parentAndChild()
    try HeaderValidator.validate(child, parent: parent, config: config)
  }

  @Test func timestampNotAfterParent() {
    let (parent, base) = parentAndChild()
    var child = base
    child.timestamp = parent.timestamp
    #expect(throws: BlockError.invalidHeader(.timestampNotAfterParent(timestamp: 100, parent: 100))) {
      try HeaderValidator.validate(child, parent: parent, config: config)
    }
    #expect(BlockError.invalidHeader(.timestampNotAfterParent(timestamp: 100, parent: 100)).description
      == "invalid header: timestamp 100 not after parent's 100")
  }

  @Test func otherHeaderRules() {
    let (parent, base) = parentAndChild()
    func rule(_ change: (inout Header) -> Void) -> BlockError? {
      var child = base
      change(&child)
      do {
        try HeaderValidator.validate(child, parent: parent, config: config)
        return nil
      } catch {
        return error
      }
    }
    #expect(rule { $0.number = 9 } == .invalidHeader(.numberNotFollowingParent(number: 9, parent: 7)))
    #expect(rule { $0.extraData = Array(repeating: 1, count: 33) } == .invalidHeader(.extraDataTooLong(size: 33)))
    #expect(rule { $0.gasUsed = 30_000_001 } == .invalidHeader(.gasUsedAboveGasLimit(gasUsed: 30_000_001, gasLimit: 30_000_000)))
    #expect(rule { $0.gasLimit = 31_000_000 }
      == .invalidHeader(.gasLimitTooFarFromParent(gasLimit: 31_000_000, parentLimit: 30_000_000)))
    #expect(rule { $0.baseFeePerGas = nil } == .invalidHeader(.baseFeeMissing))
    #expect(rule { $0.nonce = 5 } == .invalidHeader(.nonceAfterMerge(5)))
    #expect(rule { $0.difficulty = U256(2) } == .invalidHeader(.difficultyAfterMerge(U256(2))))
    #expect(rule { $0.withdrawalsRoot = nil } == .invalidHeader(.withdrawalsRootMissing))
    #expect(rule { $0.excessBlobGas = nil } == .invalidHeader(.blobGasFieldsMissing))
    #expect(rule { $0.parentBeaconBlockRoot = nil } == .invalidHeader(.parentBeaconBlockRootMissing))
    #expect(rule { $0.blobGasUsed = 1 } == .invalidHeader(.blobGasUsedNotMultipleOfBlob(1)))
    #expect(rule { $0.requestsHash = .zero } == .invalidHeader(.requestsHashBeforePrague))
    #expect(HeaderRule.blobGasUsedNotMultipleOfBlob(1).description == "blobGasUsed 1 not a multiple of 131072")
    #expect(HeaderRule.gasLimitTooFarFromDoubledParent(gasLimit: 5, parentLimit: 9).description
      == "gasLimit 5 too far from parent's 9 × 2")
  }

  /// The executor's rejection reaches the block as `.transaction(index:, .execution(…))`, and a
  /// state failure as the backend's, never as an invalid block.
  @Test func executionErrorsBecomeTheBlocks() {
    let rejection = TransactionRejection.blockGasExceeded(needed: 60_000, available: 50_000)
    let invalid = BlockExecutionError(ExecutionError.invalidTransaction(index: 2, reason: rejection))
    #expect(invalid == .invalid(.transaction(index: 2, .execution(rejection))))
    #expect(invalid.description == "transaction 2: gas limit 60000 exceeds the block's remaining gas 50000")
    let failure = StateReadError.backend("disk on fire")
    #expect(BlockExecutionError(ExecutionError.state(failure)) == .backend(failure))
  }

  /// A block item that ends after its header is an RLP error with its offset (no catch-all
  /// "invalid block" any more).
  @Test func blockWithoutTransactionListIsAnRLPError() throws {
    let (_, header) = parentAndChild()
    var e = RLPEncoder()
    e.list { l in header.encode(to: &l) }
    do {
      _ = try Block(rlpEncoded: e.bytes)
      Issue.record("a block without a transaction list decoded")
    } catch {
      guard case .rlp(.unexpectedEnd) = error else {
        Issue.record("expected an RLP unexpected end, got \(error)")
        return
      }
    }
  }

  /// A stored body that does not decode is reported as such, not reassembled into an empty block.
  @Test func undecodableStoredBodyIsReported() {
    let (_, header) = parentAndChild()
    #expect(throws: BlockError.self) { try Block(header: header, bodyRLP: [0xc5, 0x01]) }
  }
}
