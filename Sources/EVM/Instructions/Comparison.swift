import Primitives

// Comparison (0x10–0x15): results are the words 1 and 0.

extension VirtualMachine {
  @inline(__always) func opLt(_ sp: inout StackPointer) { sp[-2] = word(sp[-1] < sp[-2]); sp -= 1 }
  @inline(__always) func opGt(_ sp: inout StackPointer) { sp[-2] = word(sp[-2] < sp[-1]); sp -= 1 }
  @inline(__always) func opSlt(_ sp: inout StackPointer) { sp[-2] = word(sp[-1].signedLess(than: sp[-2])); sp -= 1 }
  @inline(__always) func opSgt(_ sp: inout StackPointer) { sp[-2] = word(sp[-2].signedLess(than: sp[-1])); sp -= 1 }
  @inline(__always) func opEq(_ sp: inout StackPointer) { sp[-2] = word(sp[-1] == sp[-2]); sp -= 1 }
  @inline(__always) func opIszero(_ sp: inout StackPointer) { sp[-1] = word(sp[-1].isZeroWord) }
}

/// 1 or 0 as a word. Literal words: `U256.zero`/`.one` are globals whose every use from another
/// module goes through a lazy-initialisation check.
@inline(__always) func word(_ b: Bool) -> U256 { b ? U256(1, 0, 0, 0) : U256(0, 0, 0, 0) }
