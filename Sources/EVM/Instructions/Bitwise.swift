import Primitives

// Bitwise logic and shifts (0x16–0x1e; SHL, SHR, SAR from Constantinople, EIP-145; CLZ from
// Osaka, EIP-7939).

extension VirtualMachine {
  @inline(__always) func opAnd(_ sp: inout StackPointer) { sp[-2] = sp[-1] & sp[-2]; sp -= 1 }
  @inline(__always) func opOr(_ sp: inout StackPointer) { sp[-2] = sp[-1] | sp[-2]; sp -= 1 }
  @inline(__always) func opXor(_ sp: inout StackPointer) { sp[-2] = sp[-1] ^ sp[-2]; sp -= 1 }
  @inline(__always) func opNot(_ sp: inout StackPointer) { sp[-1] = ~sp[-1] }
  @inline(__always) func opByte(_ sp: inout StackPointer) { sp[-2] = sp[-2].byte(at: sp[-1]); sp -= 1 }
  @inline(__always) func opShl(_ sp: inout StackPointer) { sp[-2] = sp[-2].shiftedLeft(by: sp[-1]); sp -= 1 }
  @inline(__always) func opShr(_ sp: inout StackPointer) { sp[-2] = sp[-2].shiftedRight(by: sp[-1]); sp -= 1 }
  /// CLZ: the number of leading zero bits, 256 for zero.
  @inline(__always) func opClz(_ sp: inout StackPointer) { sp[-1] = U256(UInt64(sp[-1].leadingZeroBitCount)) }
  @inline(__always) func opSar(_ sp: inout StackPointer) { sp[-2] = sp[-2].arithmeticShiftedRight(by: sp[-1]); sp -= 1 }
}
