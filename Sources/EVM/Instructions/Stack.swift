import Primitives

/// The interpreter's stack pointer: the next free slot of a frame's 1024-word buffer (the top is
/// `sp[-1]`). Heights are checked from the opcode table before each body.
typealias StackPointer = UnsafeMutablePointer<U256>

/// Pushes `value` (the height was checked against the table's maximum).
@inline(__always) func push(_ sp: inout StackPointer, _ value: U256) {
  sp.pointee = value
  sp += 1
}

/// Reads an `n`-byte big-endian immediate at `p` (n ≤ 32; the code is padded so it is readable).
@inline(__always)
func readImmediate(_ p: UnsafePointer<UInt8>, _ n: Int) -> U256 {
  var r = U256(0, 0, 0, 0)
  var end = n
  var limb = 0
  while end >= 8 {
    r[limb: limb] = UInt64(bigEndian: UnsafeRawPointer(p + end - 8).loadUnaligned(as: UInt64.self))
    end -= 8
    limb += 1
  }
  if end > 0 {
    var v: UInt64 = 0
    for j in 0..<end { v = v << 8 | UInt64(p[j]) }
    r[limb: limb] = v
  }
  return r
}

// POP, PUSH0 (EIP-3855), PUSH1–PUSH32, DUP1–DUP16, SWAP1–SWAP16.

extension VirtualMachine {
  @inline(__always) func opPop(_ sp: inout StackPointer) { sp -= 1 }
  @inline(__always) func opPush0(_ sp: inout StackPointer) { push(&sp, U256(0, 0, 0, 0)) }

  /// PUSH`n`: the `n` bytes after the opcode, big-endian; `pc` moves past them and the opcode.
  @inline(__always) func opPush(_ n: Int, _ sp: inout StackPointer, _ code: UnsafePointer<UInt8>, _ pc: inout Int) {
    // PUSH1 is the most frequent instruction: one byte, no loop.
    // SAFETY: pc < size + 1 and the code is padded with 33 bytes; no overflow checks needed.
    push(&sp, n == 1 ? U256(UInt64(code[pc &+ 1])) : readImmediate(code + (pc &+ 1), n))
    pc &+= n &+ 1
  }

  /// DUP`n`: copies the `n`th item to the top.
  @inline(__always) func opDup(_ n: Int, _ sp: inout StackPointer) { sp.pointee = sp[-n]; sp += 1 }

  /// SWAP`n`: exchanges the top with the item `n` below it.
  @inline(__always) func opSwap(_ n: Int, _ sp: inout StackPointer) {
    let t = sp[-1]; sp[-1] = sp[-1 - n]; sp[-1 - n] = t
  }
}
