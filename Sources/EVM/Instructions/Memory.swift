import Primitives

// KECCAK256 and memory (0x20, 0x51–0x53, 0x59, 0x5e MCOPY from Cancun, EIP-5656). Expansion is
// charged by `Memory.expand`; an operand beyond 2^32 bytes is out of gas.

extension VirtualMachine {
  @inline(__always) func opKeccak256(_ sp: inout StackPointer, _ mem: inout Memory, _ gas: inout Int) -> HaltReason? {
    guard let r = memoryRange(sp[-1], sp[-2]) else { return .outOfGas }
    gas &-= 6 &* ((r.size &+ 31) >> 5)
    if gas < 0 { return .outOfGas }
    if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .outOfGas }
    let h = Keccak256.hash(UnsafeRawBufferPointer(start: mem.base + r.offset, count: r.size))
    sp[-2] = U256(h); sp -= 1
    return nil
  }

  @inline(__always) func opMload(_ sp: inout StackPointer, _ mem: inout Memory, _ gas: inout Int) -> HaltReason? {
    guard let r = memoryRange(sp[-1], 32) else { return .outOfGas }
    if !mem.expand(to: r.offset &+ 32, gas: &gas) { return .outOfGas }
    sp[-1] = mem.load(r.offset)
    return nil
  }

  @inline(__always) func opMstore(_ sp: inout StackPointer, _ mem: inout Memory, _ gas: inout Int) -> HaltReason? {
    guard let r = memoryRange(sp[-1], 32) else { return .outOfGas }
    if !mem.expand(to: r.offset &+ 32, gas: &gas) { return .outOfGas }
    mem.store(r.offset, sp[-2]); sp -= 2
    return nil
  }

  @inline(__always) func opMstore8(_ sp: inout StackPointer, _ mem: inout Memory, _ gas: inout Int) -> HaltReason? {
    guard let r = memoryRange(sp[-1], 1) else { return .outOfGas }
    if !mem.expand(to: r.offset &+ 1, gas: &gas) { return .outOfGas }
    mem.base.storeBytes(of: UInt8(truncatingIfNeeded: sp[-2].w0), toByteOffset: r.offset, as: UInt8.self)
    sp -= 2
    return nil
  }

  @inline(__always) func opMsize(_ sp: inout StackPointer, _ mem: Memory) { push(&sp, U256(UInt64(mem.size))) }

  @inline(__always) func opMcopy(_ sp: inout StackPointer, _ mem: inout Memory, _ gas: inout Int) -> HaltReason? {
    guard let dst = memoryRange(sp[-1], sp[-3]), let src = memoryRange(sp[-2], sp[-3]) else { return .outOfGas }
    sp -= 3
    gas &-= copyCost(dst.size)
    if gas < 0 { return .outOfGas }
    if dst.size == 0 { return nil }
    if !mem.expand(to: Swift.max(dst.offset, src.offset) &+ dst.size, gas: &gas) { return .outOfGas }
    (mem.base + dst.offset).copyMemory(from: mem.base + src.offset, byteCount: dst.size)
    return nil
  }

  /// The gas and expansion of the *COPY opcodes (3 gas a word, then the memory up to
  /// `r.offset + r.size`); the caller copies with `copyPadded`, a no-op for size 0.
  @inline(__always) func chargeCopy(_ r: (offset: Int, size: Int), _ mem: inout Memory, _ gas: inout Int) -> HaltReason? {
    gas &-= copyCost(r.size)
    if gas < 0 { return .outOfGas }
    if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .outOfGas }
    return nil
  }
}
