import Primitives
import State
import Testing
@testable import EVM

/// Message-call and creation edges: precompiles called from code, failed creations, and the
/// EIP-161 rules for empty accounts a call touches.
@Suite struct CallCreateEdgeTests {
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
}
