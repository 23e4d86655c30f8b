import Primitives

// Arithmetic (0x01–0x0b). Stack height and static gas are checked before each body; the
// bodies read their operands unchecked: `sp[-1]` is the top, and `sp` points past it.

extension VirtualMachine {
  @inline(__always) func opAdd(_ sp: inout StackPointer) { sp[-2] = sp[-1] &+ sp[-2]; sp -= 1 }
  @inline(__always) func opMul(_ sp: inout StackPointer) { sp[-2] = sp[-1] &* sp[-2]; sp -= 1 }
  @inline(__always) func opSub(_ sp: inout StackPointer) { sp[-2] = sp[-1] &- sp[-2]; sp -= 1 }
  @inline(__always) func opDiv(_ sp: inout StackPointer) { sp[-2] = sp[-1] / sp[-2]; sp -= 1 }
  @inline(__always) func opSdiv(_ sp: inout StackPointer) { sp[-2] = sp[-1].signedDivided(by: sp[-2]); sp -= 1 }
  @inline(__always) func opMod(_ sp: inout StackPointer) { sp[-2] = sp[-1] % sp[-2]; sp -= 1 }
  @inline(__always) func opSmod(_ sp: inout StackPointer) { sp[-2] = sp[-1].signedRemainder(dividingBy: sp[-2]); sp -= 1 }
  @inline(__always) func opAddmod(_ sp: inout StackPointer) { sp[-3] = sp[-1].addMod(sp[-2], sp[-3]); sp -= 2 }
  @inline(__always) func opMulmod(_ sp: inout StackPointer) { sp[-3] = sp[-1].mulMod(sp[-2], sp[-3]); sp -= 2 }

  /// EXP: 10 static gas, plus `expByte` per byte of the exponent (EIP-160).
  @inline(__always) func opExp(_ sp: inout StackPointer, _ gas: inout Int) -> HaltReason? {
    let e = sp[-2]
    gas &-= schedule.expByte &* e.byteWidth
    if gas < 0 { return .outOfGas }
    sp[-2] = sp[-1].power(e); sp -= 1
    return nil
  }

  @inline(__always) func opSignextend(_ sp: inout StackPointer) { sp[-2] = sp[-2].signExtended(fromByte: sp[-1]); sp -= 1 }
}
