import Primitives

// Control flow (0x00 STOP, 0x56–0x5b, 0xf3 RETURN, 0xfd REVERT). Bodies that move `pc`
// themselves are followed by `continue` in the dispatch; the others fall through to `pc += 1`.

extension VirtualMachine {
  @inline(__always) func opStop(_ gas: Int) -> FrameResult { FrameResult(status: .success, gasLeft: gas, output: []) }

  /// The JUMPDEST check of JUMP and JUMPI: a destination inside the code on a JUMPDEST that is
  /// not push data (the analysis' bitmap).
  @inline(__always) func validJump(_ d: U256, _ code: CodeAnalysis) -> Bool {
    d.fits64 && d.w0 < UInt64(code.size) && code.isJumpdest(Int(d.w0))
  }

  @inline(__always) func opJump(_ sp: inout StackPointer, _ pc: inout Int, _ code: CodeAnalysis) -> HaltReason? {
    let d = sp[-1]
    sp -= 1
    guard validJump(d, code) else { return .invalidJump }
    pc = Int(d.w0)
    return nil
  }

  /// JUMPI: a jump not taken enters the block after it (a taken one lands on a JUMPDEST, which
  /// enters its own).
  @inline(__always) func opJumpi(_ sp: inout StackPointer, _ pc: inout Int, _ gas: inout Int, _ base: StackPointer,
                                 _ code: CodeAnalysis) -> HaltReason? {
    let d = sp[-1], c = sp[-2]
    sp -= 2
    if c.isZeroWord {
      let h = enterBlockAfter(code, pc, sp, base, &gas)
      pc &+= 1
      return h
    }
    guard validJump(d, code) else { return .invalidJump }
    pc = Int(d.w0)
    return nil
  }

  @inline(__always) func opPc(_ sp: inout StackPointer, _ pc: Int) { push(&sp, U256(UInt64(pc))) }
  @inline(__always) func opGas(_ sp: inout StackPointer, _ gas: Int) { push(&sp, U256(UInt64(gas))) }

  /// RETURN and REVERT (Byzantium, EIP-140): the frame ends with `status` and the memory range
  /// as output.
  @inline(__always) func opReturn(_ status: ExecutionStatus, _ sp: StackPointer, _ mem: inout Memory, _ gas: Int) -> FrameResult {
    guard let r = memoryRange(sp[-1], sp[-2]) else { return .halt(.outOfGas) }
    var g = gas
    if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &g) { return .halt(.outOfGas) }
    return FrameResult(status: status, gasLeft: g, output: mem.bytes(r.offset, r.size))
  }
}
