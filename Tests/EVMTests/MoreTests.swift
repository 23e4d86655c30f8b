import Primitives
import State
import Testing
@testable import EVM

/// Records which accounts were read (Block-STM's versioned view records reads like this).
final class RecordingState: StateReader, @unchecked Sendable {
  let base: TestState
  var accountReads: Set<Address> = []
  init(_ base: TestState) { self.base = base }
  func account(_ address: Address) throws(StateReadError) -> Account? {
    accountReads.insert(address)
    return try base.account(address)
  }
  func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] { try base.code(codeHash) }
  func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 { try base.storage(address, slot) }
  func blockHash(_ number: UInt64) throws(StateReadError) -> Hash { try base.blockHash(number) }
}

@Suite struct BlockSTMFacingTests {
  @Test func deferredCoinbaseCreditNeverReadsCoinbase() throws {
    let state = TestState()
    state.set(sender, balance: U256(1) << 80)
    state.set(contract, code: Asm().push(1).push(0).op(.sstore).bytes)
    let recorder = RecordingState(state)
    let evm = VirtualMachine(block: BlockEnv(coinbase: coinbase, baseFee: U256(7)))
    let r = try evm.transact(TxEnv(caller: sender, to: contract, gasLimit: 100_000, gasPrice: U256(10)), state: recorder)
    #expect(r.status == .success)
    #expect(!recorder.accountReads.contains(coinbase))
    #expect(r.writeSet.credits == [BalanceCredit(address: coinbase, value: U256(r.gasUsed * 3))])
  }

  @Test func coinbaseReadOnlyWhenCodeReadsIt() throws {
    let state = TestState()
    state.set(sender, balance: U256(1) << 80)
    state.set(contract, code: Asm().op(.coinbase).op(.balance).bytes)
    let recorder = RecordingState(state)
    let evm = VirtualMachine(block: BlockEnv(coinbase: coinbase, baseFee: U256(7)))
    let r = try evm.transact(TxEnv(caller: sender, to: contract, gasLimit: 100_000, gasPrice: U256(10)), state: recorder)
    #expect(recorder.accountReads.contains(coinbase))
    #expect(r.writeSet.credits.isEmpty)  // read, so its fee is written in place
  }

  @Test func evmIsReusableAcrossTransactions() throws {
    let state = TestState()
    state.set(sender, balance: U256(1) << 80)
    state.set(contract, code: Asm().push(0).op(.sload).push(1).op(.add).push(0).op(.sstore).bytes)
    let evm = VirtualMachine(block: BlockEnv(coinbase: coinbase, baseFee: U256(7)))
    for i in 1...3 {
      let r = try evm.transact(TxEnv(caller: sender, to: contract, gasLimit: 100_000, gasPrice: U256(10), nonce: UInt64(i - 1)),
                               state: state)
      state.apply(r.writeSet)
      #expect(state.slot(contract, 0) == U256(i))
    }
  }
}

@Suite struct EdgeTests {
  @Test func signextendAndByteEdges() throws {
    #expect(try exec(Asm().push(0x80).push(31).op(.signextend).returnTop()).word == U256(0x80))
    #expect(try exec(Asm().push(0x80).push(U256.max).op(.signextend).returnTop()).word == U256(0x80))
    #expect(try exec(Asm().push(0x7f).push(0).op(.signextend).returnTop()).word == U256(0x7f))
    #expect(try exec(Asm().push(U256.max).push(32).op(.byte).returnTop()).word == .zero)
    #expect(try exec(Asm().push(U256(0xab) << 248).push(0).op(.byte).returnTop()).word == U256(0xab))
    #expect(try exec(Asm().push(U256.max).push(256).op(.shl).returnTop()).word == .zero)
    #expect(try exec(Asm().push(U256(1) << 255).push(300).op(.sar).returnTop()).word == U256.max)
    #expect(try exec(Asm().push(0).push(U256(1) << 255).op(.sub).push(U256.max).op(.swap1).op(.sdiv).returnTop()).word
      == U256(1) << 255)
  }

  @Test func callPrecompileFromCode() throws {
    // MSTORE 0x2a at 0; CALL identity with 32 bytes in, 32 out at 32; return word at 32.
    let code = Asm().push(0x2a).push(0).op(.mstore)
      .push(32).push(32).push(32).push(0).push(0).push(Address(low: 4)).push(100_000).op(.call).op(.pop)
      .push(32).op(.mload).returnTop()
    #expect(try exec(code).word == U256(0x2a))
  }

  @Test func createWithInsufficientBalancePushesZero() throws {
    let state = TestState()
    state.set(contract, nonce: 1, code: Asm().push(0).push(0).push(1).op(.create).returnTop().bytes)
    let r = try exec(Asm(), state: state)
    #expect(r.word == .zero)
    #expect(state.accounts[contract]?.nonce == 1)  // no nonce increment on this failure
    // Gas: 3 pushes + 32000; the child's gas came back.
    let (used, _, _, _) = try frameGas(Asm(), state: state)
    #expect(used == 9 + 32000 + 15)
  }

  @Test func revertingInitcodeReturnsData() throws {
    // Initcode: REVERT with one byte 0x77; the creator sees RETURNDATASIZE 1 and gets 0.
    let initcode = Asm().push(0x77).push(0).op(.mstore8).push(1).push(0).op(.revert).bytes
    let state = TestState()
    state.set(contract, nonce: 1, code: CreateTests.factory(create2: false).bytes)
    let r = try exec(Asm(), state: state, data: initcode)
    #expect(r.word == .zero)
    let s2 = TestState()
    s2.set(contract, nonce: 1, code: (Asm().op(.calldatasize).push(0).push(0).op(.calldatacopy)
      .op(.calldatasize).push(0).push(0).op(.create).op(.pop).op(.returndatasize).returnTop()).bytes)
    #expect(try exec(Asm(), state: s2, data: initcode).word == .one)
  }

  @Test func zeroValueCallToMissingAccountCreatesNothing() throws {
    let ghost = Address(low: 0x6057)
    let r = try exec(Asm().call(to: ghost))
    #expect(r.status == .success)
    #expect(!r.writeSet.accounts.contains { $0.address == ghost })
  }

  @Test func touchedEmptyAccountIsDeleted() throws {
    // EIP-161: an existing empty account touched by a zero-value call is removed.
    let empty = Address(low: 0xe4)
    let state = TestState()
    state.set(empty)
    state.set(contract, code: Asm().call(to: empty).bytes)
    let r = try exec(Asm(), state: state)
    #expect(r.writeSet.accounts.contains { $0.address == empty && $0.account == nil })
    #expect(state.accounts[empty] == nil)
  }

  @Test func gasAndPcAndCodesize() throws {
    // GAS after PUSH0? Use: GAS returns limit - 21000 - 2.
    let r = try exec(Asm().op(.gas).returnTop(), gas: 100_000)
    #expect(r.word == U256(100_000 - 21000 - 2))
    #expect(try exec(Asm().push(1).op(.pop).op(.pc).returnTop()).word == U256(3))
    let code = Asm().op(.codesize).returnTop()
    #expect(try exec(code).word == U256(code.bytes.count))
  }
}
