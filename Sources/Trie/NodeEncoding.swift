import Primitives

// Node encoding of the Merkle-Patricia trie (Yellow Paper, appendix D):
//   leaf      = RLP[HP(path, leaf: true),  value]
//   extension = RLP[HP(path, leaf: false), ref(child)]
//   branch    = RLP[ref(child 0), …, ref(child 15), value or ""]
// where ref(node) is the node's RLP itself when it is shorter than 32 bytes (embedded in its
// parent) and the 32-byte string Keccak-256(RLP(node)) otherwise. The root is always hashed.
//
// Every encoder appends to one caller-owned buffer: a node's payload is written first and its
// list header inserted in front afterwards, so encoding a path allocates nothing once the buffer
// has grown.

/// Low-level writers shared by the one-pass builder and the incremental trie.
@usableFromInline enum NodeCodec {
  /// Appends an RLP length header for `length` payload bytes (`base` 0x80 strings, 0xc0 lists).
  @inline(__always) @usableFromInline
  static func appendHeader(length: Int, base: UInt8, to out: inout [UInt8]) {
    if length < 56 {
      out.append(base &+ UInt8(truncatingIfNeeded: length))
    } else {
      let n = (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
      out.append(base &+ 55 &+ UInt8(truncatingIfNeeded: n))
      var i = n - 1
      while i >= 0 { out.append(UInt8(truncatingIfNeeded: length >> (8 * i))); i -= 1 }
    }
  }

  /// Appends `bytes` as an RLP string.
  @inline(__always) @usableFromInline
  static func appendString<C: Collection<UInt8>>(_ bytes: C, to out: inout [UInt8]) {
    let n = bytes.count
    if n == 1, let b = bytes.first, b < 0x80 { out.append(b); return }
    appendHeader(length: n, base: 0x80, to: &out)
    out.append(contentsOf: bytes)
  }

  /// Turns `out[start...]`, a list payload, into the list by inserting its header at `start`.
  @inline(__always) @usableFromInline
  static func wrapList(from start: Int, in out: inout [UInt8]) {
    let length = out.count - start
    if length < 56 {
      out.insert(0xc0 &+ UInt8(truncatingIfNeeded: length), at: start)
    } else {
      var header: (UInt64, UInt8) = (0, 0)  // at most 9 bytes
      let n = (Int.bitWidth - length.leadingZeroBitCount + 7) / 8
      withUnsafeMutableBytes(of: &header) { h in
        h[0] = 0xf7 &+ UInt8(truncatingIfNeeded: n)
        for i in 0..<n { h[1 + i] = UInt8(truncatingIfNeeded: length >> (8 * (n - 1 - i))) }
        out.insert(contentsOf: UnsafeRawBufferPointer(rebasing: h[0..<(n + 1)]), at: start)
      }
    }
  }

  /// Appends the hex-prefix encoding (Yellow Paper appendix C) of `nibbles` as an RLP string.
  /// - Parameters:
  ///   - nibbles: one nibble (0…15) per element.
  ///   - leaf: the terminator flag: true for a leaf's path, false for an extension's.
  @inline(__always) @usableFromInline
  static func appendHexPrefix(_ nibbles: ArraySlice<UInt8>, leaf: Bool, to out: inout [UInt8]) {
    let n = nibbles.count
    let odd = n & 1 == 1
    let flag: UInt8 = (leaf ? 2 : 0) | (odd ? 1 : 0)
    let byteCount = n / 2 + 1
    var i = nibbles.startIndex
    let first: UInt8
    if odd { first = flag << 4 | nibbles[i]; i += 1 } else { first = flag << 4 }
    if byteCount == 1 {
      out.append(first)  // 0x00…0x3f: a single byte below 0x80 is its own RLP string
      return
    }
    appendHeader(length: byteCount, base: 0x80, to: &out)
    out.append(first)
    while i < nibbles.endIndex {
      out.append(nibbles[i] << 4 | nibbles[i + 1])
      i += 2
    }
  }

  /// Appends the reference to a 32-byte hash: the RLP string 0xa0 ‖ hash.
  @inline(__always) @usableFromInline
  static func appendHashRef(_ hash: Hash, to out: inout [UInt8]) {
    out.append(0xa0)
    withUnsafeBytes(of: hash) { out.append(contentsOf: $0) }
  }

  /// Keccak-256 of `out[start...]`.
  @inline(__always) @usableFromInline
  static func hash(_ out: [UInt8], from start: Int) -> Hash {
    out.withUnsafeBytes { Keccak256.hash(UnsafeRawBufferPointer(rebasing: $0[start...])) }
  }

  /// Splits bytes into nibbles, high nibble first.
  @inline(__always) @usableFromInline
  static func appendNibbles<C: Collection<UInt8>>(of bytes: C, to out: inout [UInt8]) {
    for b in bytes { out.append(b >> 4); out.append(b & 0x0f) }
  }

  /// The nibbles of `bytes`.
  @usableFromInline static func nibbles<C: Collection<UInt8>>(_ bytes: C) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    appendNibbles(of: bytes, to: &out)
    return out
  }

  /// Decodes a hex-prefix path: its nibbles and whether it is a leaf's.
  static func decodeHexPrefix(_ bytes: ArraySlice<UInt8>, offset: Int) throws(RLPError) -> (nibbles: [UInt8], leaf: Bool) {
    guard let first = bytes.first else {
      throw .invalidValue(offset: offset, reason: "empty hex-prefix path")
    }
    let flag = first >> 4
    guard flag <= 3 else { throw .invalidValue(offset: offset, reason: "hex-prefix flag \(flag)") }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    if flag & 1 == 1 {
      out.append(first & 0x0f)
    } else if first & 0x0f != 0 {
      throw .invalidValue(offset: offset, reason: "hex-prefix padding nibble is not zero")
    }
    appendNibbles(of: bytes.dropFirst(), to: &out)
    return (out, flag & 2 == 2)
  }
}

/// Length of the common prefix of `a[ai...]` and `b[bi...]`.
@inline(__always) @usableFromInline
func commonPrefixLength(_ a: [UInt8], _ ai: Int, _ b: [UInt8], _ bi: Int) -> Int {
  let n = Swift.min(a.count - ai, b.count - bi)
  var i = 0
  while i < n && a[ai + i] == b[bi + i] { i += 1 }
  return i
}
