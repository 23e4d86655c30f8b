/// A 32-byte value: a Keccak-256 digest, a block or transaction hash, a trie root.
///
/// Stored as four words in memory order (the bytes in order), so equality and hashing are four
/// word comparisons and `withUnsafeBytes` sees the bytes as written.
@frozen public struct Hash: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

  @inlinable public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
    self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
  }

  public static let zero = Hash(w0: 0, w1: 0, w2: 0, w3: 0)

  /// The 32 bytes in `bytes`, which must hold exactly 32.
  @inlinable public init(_ bytes: some Collection<UInt8>) {
    precondition(bytes.count == 32, "Hash needs 32 bytes, got \(bytes.count)")
    self = .zero
    Swift.withUnsafeMutableBytes(of: &self) { dst in
      for (i, b) in bytes.enumerated() { dst[i] = b }
    }
  }

  /// Reads 32 bytes at `pointer`.
  @inlinable public init(loadingFrom pointer: UnsafeRawPointer) {
    self.init(
      w0: pointer.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
      w1: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
      w2: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
      w3: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
  }

  /// Parses 64 hex digits, with or without `0x`.
  public init(hex: some StringProtocol) throws(HexError) {
    let bytes = try Hex.decode(hex)
    guard bytes.count == 32 else { throw .wrongLength(expected: 32, got: bytes.count) }
    self.init(bytes)
  }

  @inlinable public var bytes: [UInt8] {
    Swift.withUnsafeBytes(of: self) { Array($0) }
  }

  @inlinable public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try Swift.withUnsafeBytes(of: self, body)
  }

  public var description: String { Hex.encode(bytes) }

  @inlinable public static func == (a: Hash, b: Hash) -> Bool {
    a.w0 == b.w0 && a.w1 == b.w1 && a.w2 == b.w2 && a.w3 == b.w3
  }
  @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(_rawHashValue(seed: 0)) }
  /// The multiply-xorshift of `Address`, over the words folded: hashes here are Keccak
  /// outputs (code hashes, trie nodes, block hashes), uniform without SipHash's cost.
  @inlinable public func _rawHashValue(seed: Int) -> Int {
    Int(truncatingIfNeeded: fastHash(w0 ^ (w1 &* 0x9E37_79B9_7F4A_7C15) ^ (w2 &* 0xC2B2_AE3D_27D4_EB4F) ^ (w3 &* 0x1656_67B1_9E37_79F9), seed: seed))
  }

  /// Byte-wise order (the order of the hashes as big-endian numbers).
  @inlinable public static func < (a: Hash, b: Hash) -> Bool {
    if a.w0 != b.w0 { return a.w0.byteSwapped < b.w0.byteSwapped }
    if a.w1 != b.w1 { return a.w1.byteSwapped < b.w1.byteSwapped }
    if a.w2 != b.w2 { return a.w2.byteSwapped < b.w2.byteSwapped }
    return a.w3.byteSwapped < b.w3.byteSwapped
  }
}

/// The 160 bits of an address folded to 64.
@inlinable @inline(__always) public func addressBits(_ a: Address) -> UInt64 {
  a.w0 ^ (a.w1 &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(a.w2) &* 0xC2B2_AE3D_27D4_EB4F)
}

/// Murmur3's 64-bit finaliser over `x` and the dictionary's seed.
@inlinable @inline(__always) public func fastHash(_ x: UInt64, seed: Int) -> UInt64 {
  var h = x ^ UInt64(bitPattern: Int64(seed)) &* 0xFF51_AFD7_ED55_8CCD
  h ^= h >> 33
  h &*= 0xFF51_AFD7_ED55_8CCD
  h ^= h >> 33
  h &*= 0xC4CE_B9FE_1A85_EC53
  h ^= h >> 33
  return h
}

/// A 20-byte account address.
///
/// Hashes with a multiply-xorshift over its folded words and the dictionary's seed rather than
/// SipHash: state keyed by address (the executors' change sets, the in-memory state, the trie
/// committer) hashes addresses on every access, and SipHash's setup and finalisation were
/// about a tenth of a transfer block's serial execution. Addresses are Keccak outputs, which
/// a sender cannot choose freely enough to flood one bucket.
@frozen public struct Address: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var w0: UInt64, w1: UInt64, w2: UInt32

  @inlinable public init(w0: UInt64, w1: UInt64, w2: UInt32) {
    self.w0 = w0; self.w1 = w1; self.w2 = w2
  }

  public static let zero = Address(w0: 0, w1: 0, w2: 0)

  /// The 20 bytes in `bytes`, which must hold exactly 20.
  @inlinable public init(_ bytes: some Collection<UInt8>) {
    precondition(bytes.count == 20, "Address needs 20 bytes, got \(bytes.count)")
    self = .zero
    Swift.withUnsafeMutableBytes(of: &self) { dst in
      for (i, b) in bytes.enumerated() { dst[i] = b }
    }
  }

  /// Reads 20 bytes at `pointer`.
  @inlinable public init(loadingFrom pointer: UnsafeRawPointer) {
    self.init(
      w0: pointer.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
      w1: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
      w2: pointer.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
  }

  /// Parses 40 hex digits, with or without `0x`.
  public init(hex: some StringProtocol) throws(HexError) {
    let bytes = try Hex.decode(hex)
    guard bytes.count == 20 else { throw .wrongLength(expected: 20, got: bytes.count) }
    self.init(bytes)
  }

  /// The low 160 bits of a word (as ADDRESS-typed stack operands are read).
  @inlinable public init(_ word: U256) {
    let be = word.bigEndianBytes
    self.init(be[12..<32])
  }

  /// A small address such as a precompile's (`Address(low: 1)` is 0x00…01).
  @inlinable public init(low: UInt32) {
    self.init(w0: 0, w1: 0, w2: low.bigEndian)
  }

  @inlinable public var bytes: [UInt8] {
    Swift.withUnsafeBytes(of: self) { Array($0) }
  }

  @inlinable public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try Swift.withUnsafeBytes(of: self, body)
  }

  /// The address as a 256-bit word, zero-extended.
  @inlinable public var word: U256 { U256(bigEndian: bytes) }

  public var description: String { Hex.encode(bytes) }

  @inlinable public static func == (a: Address, b: Address) -> Bool { a.w0 == b.w0 && a.w1 == b.w1 && a.w2 == b.w2 }
  @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(_rawHashValue(seed: 0)) }
  @inlinable public func _rawHashValue(seed: Int) -> Int { Int(truncatingIfNeeded: fastHash(addressBits(self), seed: seed)) }

  @inlinable public static func < (a: Address, b: Address) -> Bool {
    if a.w0 != b.w0 { return a.w0.byteSwapped < b.w0.byteSwapped }
    if a.w1 != b.w1 { return a.w1.byteSwapped < b.w1.byteSwapped }
    return a.w2.byteSwapped < b.w2.byteSwapped
  }
}
