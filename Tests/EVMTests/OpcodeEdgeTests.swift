import Primitives
import State
import Testing
@testable import EVM

/// Operand edges of single opcodes: out-of-range indexes and shifts, signed division at the
/// minimum, and the values GAS, PC and CODESIZE push.
@Suite struct OpcodeEdgeTests {
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

  @Test func gasAndPcAndCodesize() throws {
    // GAS after PUSH0? Use: GAS returns limit - 21000 - 2.
    let r = try exec(Asm().op(.gas).returnTop(), gas: 100_000)
    #expect(r.word == U256(100_000 - 21000 - 2))
    #expect(try exec(Asm().push(1).op(.pop).op(.pc).returnTop()).word == U256(3))
    let code = Asm().op(.codesize).returnTop()
    #expect(try exec(code).word == U256(code.bytes.count))
  }
}
