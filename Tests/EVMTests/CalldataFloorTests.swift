import Primitives
import State
import Testing
@testable import EVM

/// EIP-7623 (Prague): a data-heavy transaction is charged at least 21,000 + 10 per calldata
/// token, and its gas limit must cover that floor.
@Suite struct CalldataFloorTests {
  /// 100 non-zero bytes: 400 tokens, a floor of 25,000 against an intrinsic 22,600.
  let data = [UInt8](repeating: 0xff, count: 100)

  @Test func floorIsChargedFromPrague() throws {
    #expect(VirtualMachine.floorDataGas(data: data) == 25_000)
    #expect(VirtualMachine.floorDataGas(data: [0, 0, 1]) == 21_000 + 10 * (2 + 4))
    let prague = try run(TestState(), to: other, data: data, gas: 100_000, fork: .prague)
    #expect(prague.status == .success)
    #expect(prague.gasUsed == 25_000)
    // Cancun charges the intrinsic gas only.
    let cancun = try run(TestState(), to: other, data: data, gas: 100_000, fork: .cancun)
    #expect(cancun.gasUsed == 21_000 + 100 * 16)
  }

  @Test func gasLimitMustCoverTheFloor() {
    #expect(throws: TransactError.invalid(.intrinsicGasTooLow(limit: 24_999, intrinsic: 25_000))) {
      try run(TestState(), to: other, data: data, gas: 24_999, fork: .prague)
    }
    #expect(throws: Never.self) { try run(TestState(), to: other, data: data, gas: 24_999, fork: .cancun) }
  }

  @Test func executionAboveTheFloorIsChargedAsBefore() throws {
    // A contract that burns gas: the execution cost exceeds the floor.
    let state = TestState()
    let burner = Address(low: 0xb0)
    state.set(burner, code: Asm().push(1).push(0).op(.sstore).op(.stop).bytes)
    let r = try run(state, to: burner, data: data, gas: 100_000, fork: .prague)
    #expect(r.gasUsed == 21_000 + 1_600 + 3 + 3 + 22_100)
  }
}
