import Primitives

// Bitwise logic and shifts (0x16–0x1d; SHL, SHR, SAR from Constantinople, EIP-145).

extension VirtualMachine {
  @inline(__always) func opAnd(_ sp: inout StackPointer) { sp[-2] = sp[-1] & sp[-2]; sp -= 1 }
  @inline(__always) func opOr(_ sp: inout StackPointer) { sp[-2] = sp[-1] | sp[-2]; sp -= 1 }
  @inline(__always) func opXor(_ sp: inout StackPointer) { sp[-2] = sp[-1] ^ sp[-2]; sp -= 1 }
  @inline(__always) func opNot(_ sp: inout StackPointer) { sp[-1] = ~sp[-1] }
  @inline(__always) func opByte(_ sp: inout StackPointer) { sp[-2] = sp[-2].byte(at: sp[-1]); sp -= 1 }
  @inline(__always) func opShl(_ sp: inout StackPointer) { sp[-2] = sp[-2].shiftedLeft(by: sp[-1]); sp -= 1 }
  @inline(__always) func opShr(_ sp: inout StackPointer) { sp[-2] = sp[-2].shiftedRight(by: sp[-1]); sp -= 1 }
  @inline(__always) func opSar(_ sp: inout StackPointer) { sp[-2] = sp[-2].arithmeticShiftedRight(by: sp[-1]); sp -= 1 }
}
