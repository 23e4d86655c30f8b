import EVM
import Execution
import Primitives
import State
import Testing

/// Prague's block-level system calls: EIP-2935's history update before the transactions, and
/// the EIP-7002/7251 request contracts after them, which must have code and succeed.
@Suite struct PragueSystemCallTests {
  /// Returns calldata-independent bytes: MSTORE8 0xab at 0, RETURN(0, 1).
  static let returnsOneByte: [UInt8] = [0x60, 0xab, 0x5f, 0x53, 0x60, 0x01, 0x5f, 0xf3]
  /// PUSH0 PUSH0 REVERT.
  static let reverts: [UInt8] = [0x5f, 0x5f, 0xfd]
  /// Stores CALLDATALOAD(0) at slot NUMBER: SSTORE(NUMBER, CALLDATALOAD(0)).
  static let storesInput: [UInt8] = [0x5f, 0x35, 0x43, 0x55, 0x00]

  static func state(withdrawals: [UInt8]?, consolidations: [UInt8]?, history: [UInt8]? = nil) -> InMemoryState {
    var s = InMemoryState()
    for (address, code) in [(SerialExecutor.withdrawalRequestAddress, withdrawals),
                            (SerialExecutor.consolidationRequestAddress, consolidations),
                            (SerialExecutor.historyStorageAddress, history)] {
      guard let code else { continue }
      s.accounts[address] = Account(nonce: 1, codeHash: s.setCode(code))
    }
    return s
  }

  static func context(_ fork: Fork = .prague) -> BlockContext {
    BlockContext(env: BlockEnv(fork: fork, number: 7), parentHash: Hash(U256(0x1234).bigEndianBytes))
  }

  @Test func requestContractsOutputsInTypeOrder() throws {
    let s = Self.state(withdrawals: Self.returnsOneByte, consolidations: [0x00])
    let execution = try SerialExecutor.execute([], context: Self.context(), state: s)
    #expect(execution.systemRequests == [ExecutionRequest(type: 1, data: [0xab]), ExecutionRequest(type: 2, data: [])])
  }

  @Test func noRequestCallsBeforePrague() throws {
    let execution = try SerialExecutor.execute([], context: Self.context(.cancun), state: InMemoryState())
    #expect(execution.systemRequests.isEmpty)
  }

  @Test func aRevertingRequestContractInvalidatesTheBlock() {
    let s = Self.state(withdrawals: Self.returnsOneByte, consolidations: Self.reverts)
    #expect(throws: ExecutionError.systemCall(.failed(SerialExecutor.consolidationRequestAddress, .revert))) {
      try SerialExecutor.execute([], context: Self.context(), state: s)
    }
    // Block-STM runs the same calls outside its parallel part.
    #expect(throws: ExecutionError.systemCall(.failed(SerialExecutor.consolidationRequestAddress, .revert))) {
      try BlockSTMExecutor.execute([], context: Self.context(), state: s, threads: 2, minTransactions: 0)
    }
  }

  @Test func aRequestContractWithoutCodeInvalidatesTheBlock() {
    let s = Self.state(withdrawals: nil, consolidations: Self.returnsOneByte)
    #expect(throws: ExecutionError.systemCall(.noCode(SerialExecutor.withdrawalRequestAddress))) {
      try SerialExecutor.execute([], context: Self.context(), state: s)
    }
  }

  @Test func historyContractReceivesTheParentHash() throws {
    let s = Self.state(withdrawals: [0x00], consolidations: [0x00], history: Self.storesInput)
    let execution = try SerialExecutor.execute([], context: Self.context(), state: s)
    #expect(execution.writes.storage[SerialExecutor.historyStorageAddress]?[U256(7)] == U256(0x1234))
    // Before Prague the history contract is not called.
    let cancun = try SerialExecutor.execute([], context: Self.context(.cancun), state: s)
    #expect(cancun.writes.storage[SerialExecutor.historyStorageAddress] == nil)
  }
}
