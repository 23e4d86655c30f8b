import Primitives
import Testing
@testable import EVM

/// The per-block static gas and stack checks of `CodeAnalysis` give what opcode-by-opcode
/// charging gives: gas readers see exact gas, and a shortfall anywhere in a block is an
/// exceptional halt consuming the frame's gas.
@Suite struct BlockAnalysisTests {
  @Test func blocksOfStraightLineCode() {
    // PUSH1 1 PUSH1 2 ADD | JUMPDEST POP STOP
    let a = CodeAnalysis(Asm().push(1).push(2).op(.add).op(.jumpdest).op(.pop).op(.stop).bytes)
    let first = a.block(at: 0)
    #expect(first.gas == 9)
    #expect(first.minStackBytes == 0)
    #expect(first.maxStackBytes == (1024 - 2) * 32)
    let second = a.block(at: 5)
    #expect(second.gas == 1 + 2)
    #expect(second.minStackBytes == 32)  // POP needs one item at entry
    #expect(second.maxStackBytes == 1024 * 32)
  }

  @Test func gasReadersSeeExactGas() throws {
    // GAS after three instructions, then more work in the same straight line: GAS must not
    // see the static gas of what follows it.
    let (_, _, r, _) = try frameGas(Asm().push(1).push(2).op(.add).op(.gas).push(1).op(.pop).returnTop(), gas: 100_000)
    #expect(r.status == .success)
    #expect(U256(bigEndian: r.output.prefix(32)) == U256(100_000 - 3 - 3 - 3 - 2))
  }

  @Test func jumpiNotTakenAndJumpdestAtZero() throws {
    // JUMPDEST at pc 0 (entered once, not twice), a JUMPI not taken, then GAS.
    let code = Asm().op(.jumpdest).push(0).push(0).op(.jumpi).op(.gas).returnTop()
    let (_, _, r, _) = try frameGas(code, gas: 100_000)
    #expect(U256(bigEndian: r.output.prefix(32)) == U256(100_000 - 1 - 3 - 3 - 10 - 2))
  }

  @Test func outOfGasInsideABlock() throws {
    // 7 PUSH1 + MSTORE-free straight line: 21 gas; with 20 the frame halts and uses it all,
    // whichever instruction it stops at.
    var a = Asm()
    for _ in 0..<7 { a = a.push(1) }
    let (used, _, r, _) = try frameGas(a.op(.stop), gas: 20)
    #expect(r.status == .halt(.outOfGas))
    #expect(used == 20)
    let (used21, _, r21, _) = try frameGas(a.op(.stop), gas: 21)
    #expect(r21.status == .success)
    #expect(used21 == 21)
  }

  @Test func undefinedByteEndsItsBlock() throws {
    // TSTORE is undefined before Cancun: the block before it is charged, then it halts as an
    // invalid opcode.
    #expect(try exec(Asm().push(1).push(1).op(.tstore), fork: .shanghai).status == .halt(.invalidOpcode))
    #expect(try exec(Asm().push(1).push(1).op(.tstore).op(.stop), fork: .cancun).status == .success)
  }
}
