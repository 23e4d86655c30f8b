import Primitives

/// Memory above this many bytes is refused as out of gas: its expansion alone would cost more
/// than 2⁴⁵ gas, beyond any block's limit.
@usableFromInline let maxMemoryBytes = 0x1_0000_0000

/// The quadratic memory cost of `words` 32-byte words: 3·w + w²/512.
@inline(__always) func memoryCost(words: Int) -> Int { 3 &* words &+ (words &* words) >> 9 }

/// The gas for copying `size` bytes: 3 per word (CALLDATACOPY, CODECOPY, MCOPY, …).
@inline(__always) func copyCost(_ size: Int) -> Int { 3 &* ((size &+ 31) >> 5) }

/// A frame's memory: a buffer taken from the EVM's per-depth pool and grown on demand.
struct Memory {
  var base: UnsafeMutableRawPointer
  var capacity: Int
  /// Active size in bytes, a multiple of 32.
  var size: Int = 0

  init(base: UnsafeMutableRawPointer, capacity: Int) {
    self.base = base; self.capacity = capacity
  }

  /// Charges for and performs expansion so that `[0, end)` is addressable. False when out of gas.
  @inline(__always)
  mutating func expand(to end: Int, gas: inout Int) -> Bool {
    if end <= size { return true }
    // The gas goes in and out by value: an `inout` into the out-of-line call would make the
    // interpreter keep its `gas` in memory for the whole loop.
    let left = grow(to: end, gasLeft: gas)
    if left < 0 { return false }
    gas = left
    return true
  }

  /// Charges `gasLeft` for growing to `end` and grows; the gas left after, or -1 when out of gas.
  @inline(never)
  mutating func grow(to end: Int, gasLeft: Int) -> Int {
    let newWords = (end &+ 31) >> 5
    let cost = memoryCost(words: newWords) &- memoryCost(words: size >> 5)
    if cost > gasLeft { return -1 }
    let newSize = newWords << 5
    if newSize > capacity {
      let newCapacity = Swift.max(newSize, capacity &* 2)
      let fresh = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 32)
      // SAFETY: size ≤ capacity bytes are initialised in the old buffer.
      fresh.copyMemory(from: base, byteCount: size)
      base.deallocate()
      base = fresh
      capacity = newCapacity
    }
    (base + size).initializeMemory(as: UInt8.self, repeating: 0, count: newSize &- size)
    size = newSize
    return gasLeft &- cost
  }

  @inline(__always) func load(_ offset: Int) -> U256 {
    U256(loadingBigEndianFrom: base + offset)
  }

  @inline(__always) func store(_ offset: Int, _ value: U256) {
    value.storeBigEndian(to: base + offset)
  }

  func bytes(_ offset: Int, _ count: Int) -> [UInt8] {
    if count == 0 { return [] }
    return Array(UnsafeRawBufferPointer(start: base + offset, count: count))
  }
}

/// A memory operand pair as Ints; nil when it cannot be paid for (out of gas). A zero size
/// gives (0, 0) whatever the offset, as the EVM ignores the offset of an empty range.
@inline(__always)
func memoryRange(_ offset: U256, _ size: U256) -> (offset: Int, size: Int)? {
  if size.isZeroWord { return (0, 0) }
  if (offset.w1 | offset.w2 | offset.w3 | size.w1 | size.w2 | size.w3) != 0
    || offset.w0 > UInt64(maxMemoryBytes) || size.w0 > UInt64(maxMemoryBytes) { return nil }
  return (Int(offset.w0), Int(size.w0))
}

/// Copies `size` bytes of `source` starting at `offset` to `dest`, zero-filling past its end.
@inline(__always)
func copyPadded(to dest: UnsafeMutableRawPointer, from source: UnsafeRawBufferPointer, offset: U256, size: Int) {
  var n = 0
  if offset.fits64 && offset.w0 < UInt64(source.count) {
    let o = Int(offset.w0)
    n = Swift.min(size, source.count - o)
    if n > 0 { dest.copyMemory(from: source.baseAddress! + o, byteCount: n) }
  }
  if size > n { (dest + n).initializeMemory(as: UInt8.self, repeating: 0, count: size - n) }
}

extension Address {
  /// The address as a stack word (zero-extended), without allocating.
  @inline(__always) var evmWord: U256 {
    var buf: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    return Swift.withUnsafeMutableBytes(of: &buf) { raw in
      Swift.withUnsafeBytes(of: self) { raw.baseAddress!.advanced(by: 12).copyMemory(from: $0.baseAddress!, byteCount: 20) }
      return U256(loadingBigEndianFrom: raw.baseAddress!)
    }
  }

  /// The low 160 bits of a stack word, without allocating.
  @inline(__always) init(evmWord w: U256) {
    var buf: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    self = Swift.withUnsafeMutableBytes(of: &buf) { raw in
      w.storeBigEndian(to: raw.baseAddress!)
      return Address(loadingFrom: raw.baseAddress! + 12)
    }
  }
}

extension U256 {
  /// `isZero`, always inlined (the hot loop is too large for the optimiser to inline it itself).
  @inline(__always) var isZeroWord: Bool { (w0 | w1 | w2 | w3) == 0 }
  /// `fitsUInt64`, always inlined.
  @inline(__always) var fits64: Bool { (w1 | w2 | w3) == 0 }
}
