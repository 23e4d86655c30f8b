import Primitives
import State
import Testing
@testable import EVM

@Suite struct ArithmeticTests {
  @Test func addAndGas() throws {
    let r = try exec(Asm().push(1).push(2).op(.add).returnTop())
    #expect(r.status == .success)
    #expect(r.word == U256(3))
    // 3 pushes of the operands/add + MSTORE at 0 (3 + 3 memory) + 2 pushes + RETURN.
    #expect(r.gasUsed == 21000 + 3 + 3 + 3 + 3 + 3 + 3 + 3 + 3 + 0)
  }

  @Test(arguments: [
    (Opcode.sub, U256(10), U256(3), U256(7)),
    (.div, U256(10), U256(3), U256(3)),
    (.div, U256(10), U256(0), U256(0)),
    (.mod, U256(10), U256(3), U256(1)),
    (.mul, U256(6), U256(7), U256(42)),
    (.lt, U256(1), U256(2), U256(1)),
    (.gt, U256(1), U256(2), U256(0)),
    (.sdiv, U256.max, U256(1), U256.max),
    (.slt, U256.max, U256(0), U256(1)),
    (.shl, U256(1), U256(4), U256(16)),
    (.shr, U256(16), U256(4), U256(1)),
    (.sar, U256.max, U256(4), U256.max),
    (.byte, U256(0xff), U256(31), U256(0xff)),
    (.signextend, U256(0xff), U256(0), U256.max),
    (.exp, U256(2), U256(10), U256(1024)),
  ])
  func binary(op: Opcode, a: U256, b: U256, expected: U256) throws {
    // a OP b: a is pushed last (top of stack); shifts take the shift on top; BYTE/SIGNEXTEND the index.
    let code: Asm
    switch op {
    case .shl, .shr, .sar, .byte, .signextend: code = Asm().push(a).push(b).op(op)
    default: code = Asm().push(b).push(a).op(op)
    }
    let r = try exec(code.returnTop())
    #expect(r.word == expected, "\(op)")
  }

  @Test func expGas() throws {
    // EXP: 10 + 50 per exponent byte.
    let (used, _, _, _) = try frameGas(Asm().push(0x100).push(3).op(.exp))
    #expect(used == 3 + 3 + 10 + 50 * 2)
    let (used0, _, _, _) = try frameGas(Asm().push(0).push(3).op(.exp))
    #expect(used0 == 3 + 3 + 10)
  }

  @Test func stackUnderflowAndInvalid() throws {
    #expect(try exec(Asm().op(.add)).status == .halt(.stackUnderflow))
    #expect(try exec(Asm().raw([0xfe])).status == .halt(.invalidOpcode))
    #expect(try exec(Asm().raw([0x0c])).status == .halt(.invalidOpcode))
    let r = try exec(Asm().raw([0xfe]), gas: 50_000)
    #expect(r.gasUsed == 50_000)
  }

  @Test func stackOverflow() throws {
    var a = Asm()
    for _ in 0..<1024 { a = a.op(.pc) }
    #expect(try exec(a).status == .success)
    #expect(try exec(a.op(.pc)).status == .halt(.stackOverflow))
  }

  @Test func jumps() throws {
    // PUSH1 4 JUMP INVALID JUMPDEST PUSH1 1 ...
    let ok = Asm().push(4).op(.jump).op(.invalid).op(.jumpdest).push(1).returnTop()
    #expect(try exec(ok).word == U256(1))
    // Jumping into push data fails.
    let bad = Asm().push(3).op(.jump).raw([0x60, 0x5b]).op(.stop)
    #expect(try exec(bad).status == .halt(.invalidJump))
    // JUMPI not taken.
    let notTaken = Asm().push(0).push(100).op(.jumpi).push(2).returnTop()
    #expect(try exec(notTaken).word == U256(2))
  }
}

@Suite struct ShanghaiCancunOpcodeTests {
  @Test func push0() throws {
    let (used, _, r, _) = try frameGas(Asm().op(.push0))
    #expect(r.status == .success)
    #expect(used == 2)
    let r2 = try exec(Asm().op(.push0).returnTop())
    #expect(r2.word == .zero)
    #expect(try exec(Asm().op(.push0), fork: .paris).status == .halt(.invalidOpcode))
  }

  @Test func transientStorage() throws {
    // TSTORE(1, 42); TLOAD(1) → 42, 100 gas each; nothing persists.
    let code = Asm().push(42).push(1).op(.tstore).push(1).op(.tload).returnTop()
    let state = TestState()
    let r = try exec(code, state: state)
    #expect(r.word == U256(42))
    #expect(r.writeSet.storage.isEmpty)
    let (used, _, _, _) = try frameGas(Asm().push(42).push(1).op(.tstore).push(1).op(.tload))
    #expect(used == 3 + 3 + 100 + 3 + 100)
    #expect(try exec(Asm().push(1).push(1).op(.tstore), fork: .shanghai).status == .halt(.invalidOpcode))
  }

  @Test func transientStorageAcrossFramesAndRevert() throws {
    let state = TestState()
    let inner = Asm().push(9).push(0).op(.tstore).push(0).push(0).op(.revert)
    let innerAddr = Address(low: 0x1111)
    state.set(innerAddr, code: inner.bytes)
    // The contract: TSTORE(0,5); DELEGATECALL inner (writes 9 to our slot 0 then reverts); TLOAD(0).
    let code = Asm().push(5).push(0).op(.tstore).call(.delegatecall, to: innerAddr).op(.pop)
      .push(0).op(.tload).returnTop()
    let r = try exec(code, state: state)
    #expect(r.word == U256(5))
    // TSTORE in a static frame halts.
    let (_, _, sr, _) = try frameGas(Asm().push(1).push(1).op(.tstore), isStatic: true)
    #expect(sr.status == .halt(.staticWrite))
  }

  @Test func mcopy() throws {
    // Memory [0..32) = 0x00..01..., MCOPY(dst 32, src 0, 32); MLOAD 32.
    let v = U256(0x1234_5678)
    let code = Asm().push(v).push(0).op(.mstore).push(32).push(0).push(32).op(.mcopy).push(32).op(.mload).returnTop()
    #expect(try exec(code).word == v)
    // EIP-5656 gas: MCOPY(0, 32, 32) on empty memory: 3 + 3·1 + expansion to 2 words (6) = 12.
    let (used, _, _, _) = try frameGas(Asm().push(32).push(32).push(0).op(.mcopy))
    #expect(used == 9 + 3 + 3 + 6)
    // Overlapping copy (memmove semantics).
    let overlap = Asm().push(U256(0x0102)).push(0).op(.mstore).push(31).push(0).push(1).op(.mcopy).push(0).op(.mload).returnTop()
    #expect(try exec(overlap).word == U256(0x0102) >> 8)
    // Zero size with a huge offset costs only the base.
    let (used0, _, r0, _) = try frameGas(Asm().push(0).push(U256.max).push(U256.max).op(.mcopy))
    #expect(r0.status == .success)
    #expect(used0 == 9 + 3)
  }

  @Test func blobhashAndBlobBaseFee() throws {
    let h0 = U256(0xabc).hash, h1 = U256(0xdef).hash
    let state = TestState()
    #expect(try exec(Asm().push(1).op(.blobhash).returnTop(), state: state, blobHashes: [h0, h1]).word == U256(h1))
    let s2 = TestState()
    #expect(try exec(Asm().push(2).op(.blobhash).returnTop(), state: s2, blobHashes: [h0, h1]).word == .zero)
    let s3 = TestState()
    #expect(try exec(Asm().push(U256.max).op(.blobhash).returnTop(), state: s3, blobHashes: [h0]).word == .zero)
    #expect(try exec(Asm().op(.blobbasefee).returnTop()).word == U256(3))
    let (used, _, _, _) = try frameGas(Asm().push(0).op(.blobhash).op(.blobbasefee))
    #expect(used == 3 + 3 + 2)
    #expect(try exec(Asm().op(.blobbasefee), fork: .shanghai).status == .halt(.invalidOpcode))
  }

  @Test func environment() throws {
    #expect(try exec(Asm().op(.chainid).returnTop()).word == U256(1337))
    #expect(try exec(Asm().op(.basefee).returnTop()).word == U256(7))
    #expect(try exec(Asm().op(.number).returnTop()).word == U256(100))
    #expect(try exec(Asm().op(.coinbase).returnTop()).word == coinbase.evmWord)
    #expect(try exec(Asm().op(.origin).returnTop()).word == sender.evmWord)
    #expect(try exec(Asm().op(.caller).returnTop()).word == sender.evmWord)
    #expect(try exec(Asm().op(.address).returnTop()).word == contract.evmWord)
    #expect(try exec(Asm().op(.gasprice).returnTop()).word == U256(10))
    #expect(try exec(Asm().push(99).op(.blockhash).returnTop()).word == U256(99 * 1000 + 7))
    #expect(try exec(Asm().push(100).op(.blockhash).returnTop()).word == .zero)
    #expect(try exec(Asm().push(43).op(.blockhash).returnTop()).word == U256(43 * 1000 + 7))
    #expect(try exec(Asm().push(43).op(.blockhash).returnTop()).word == U256(43 * 1000 + 7))
    #expect(try exec(Asm().op(.selfbalance).returnTop(), value: U256(5)).word == U256(5))
    #expect(try exec(Asm().op(.callvalue).returnTop(), value: U256(5)).word == U256(5))
  }

  @Test func calldata() throws {
    let data: [UInt8] = Array(1...40)
    let r = try exec(Asm().push(20).op(.calldataload).returnTop(), data: data)
    #expect(r.output == Array(21...40) + [UInt8](repeating: 0, count: 12))
    let c = try exec(Asm().op(.calldatasize).returnTop(), data: data)
    #expect(c.word == U256(40))
    let copy = try exec(Asm().push(8).push(36).push(0).op(.calldatacopy).push(32).push(0).op(.return), data: data)
    #expect(copy.output == [37, 38, 39, 40, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 24))
  }

  @Test func returndata() throws {
    let state = TestState()
    state.set(other, code: Asm().push(0xaa).returnTop().bytes)
    let code = Asm().call(to: other).op(.pop).op(.returndatasize).returnTop()
    #expect(try exec(code, state: state).word == U256(32))
    // Reading past the end halts.
    let s2 = TestState()
    s2.set(other, code: Asm().push(0xaa).returnTop().bytes)
    let bad = Asm().call(to: other).op(.pop).push(1).push(32).push(0).op(.returndatacopy)
    #expect(try exec(bad, state: s2).status == .halt(.returnDataOutOfBounds))
  }

  @Test func logs() throws {
    let code = Asm().push(0xbeef).push(0).op(.mstore).push(2).push(1).push(32).push(0).op(.log2)
    let r = try exec(code)
    #expect(r.logs == [Log(address: contract, topics: [U256(1).hash, U256(2).hash], data: U256(0xbeef).bigEndianBytes)])
    let (used, _, _, _) = try frameGas(Asm().push(2).push(1).push(32).push(0).op(.log2))
    #expect(used == 12 + 375 * 3 + 8 * 32 + 3)
    let (_, _, sr, _) = try frameGas(Asm().push(0).push(0).op(.log0), isStatic: true)
    #expect(sr.status == .halt(.staticWrite))
  }

  @Test func keccak() throws {
    let r = try exec(Asm().push(0).push(0).op(.keccak256).returnTop())
    #expect(r.word == U256(Hash.emptyKeccak))
    // 30 + 6 per word + memory.
    let (used, _, _, _) = try frameGas(Asm().push(64).push(0).op(.keccak256))
    #expect(used == 6 + 30 + 12 + 6)
  }
}

@Suite struct MemoryGasTests {
  @Test func expansion() throws {
    // MSTORE at 0: 3 + 3 (one word).
    #expect(try frameGas(Asm().push(1).push(0).op(.mstore)).used == 6 + 3 + 3)
    // MLOAD at 1024·32 − 32: 1024 words: 3·1024 + 1024²/512 = 3072 + 2048.
    #expect(try frameGas(Asm().push(1024 * 32 - 32).op(.mload)).used == 3 + 3 + 3072 + 2048)
    // A second access inside paid memory costs nothing extra.
    #expect(try frameGas(Asm().push(64).op(.mload).push(0).op(.mload)).used == 3 + 3 + 9 + 3 + 3)
    // MSTORE8 at 31: one word.
    #expect(try frameGas(Asm().push(1).push(31).op(.mstore8)).used == 6 + 3 + 3)
    // MSIZE.
    #expect(try exec(Asm().push(33).op(.mload).op(.pop).op(.msize).returnTop()).word == U256(96))
  }

  @Test func hugeOffsetIsOutOfGas() throws {
    let r = try exec(Asm().push(U256.max).op(.mload))
    #expect(r.status == .halt(.outOfGas))
    let r2 = try exec(Asm().push(U256(1) << 40).op(.mload))
    #expect(r2.status == .halt(.outOfGas))
  }

  @Test func copyGas() throws {
    // CODECOPY 33 bytes: 3 + 3·2 words + memory 2 words (6).
    #expect(try frameGas(Asm().push(33).push(0).push(0).op(.codecopy)).used == 9 + 3 + 6 + 6)
  }
}
