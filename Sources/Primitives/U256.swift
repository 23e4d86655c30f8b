/// A 256-bit unsigned integer: the EVM word.
///
/// Four 64-bit limbs, least significant first. Arithmetic wraps modulo 2²⁵⁶ as the EVM's does;
/// signed operations read the word as two's complement. A value type with no heap storage.
@frozen public struct U256: Hashable, Sendable {
  public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

  @inlinable @inline(__always)
  public init(_ w0: UInt64, _ w1: UInt64, _ w2: UInt64, _ w3: UInt64) {
    self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
  }

  @inlinable public static func == (a: U256, b: U256) -> Bool {
    a.w0 == b.w0 && a.w1 == b.w1 && a.w2 == b.w2 && a.w3 == b.w3
  }
  @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(_rawHashValue(seed: 0)) }
  /// Storage maps are keyed by slot values, on every state access: the seed, then each word,
  /// through the multiply-xorshift mixer (as `Address` and `SlotKey`), not SipHash. The seed
  /// goes first so that keys a contract chooses cannot collide under every seed.
  @inlinable public func _rawHashValue(seed: Int) -> Int {
    var h = fastHash(w0, seed: seed)
    h = fastHash(h ^ w1, seed: 0)
    h = fastHash(h ^ w2, seed: 0)
    h = fastHash(h ^ w3, seed: 0)
    return Int(truncatingIfNeeded: h)
  }

  @inlinable @inline(__always)
  public init(_ value: UInt64) { self.init(value, 0, 0, 0) }

  @inlinable @inline(__always)
  public init(_ value: Int) {
    precondition(value >= 0, "U256 from a negative Int")
    self.init(UInt64(value), 0, 0, 0)
  }

  public static let zero = U256(0, 0, 0, 0)
  public static let one = U256(1, 0, 0, 0)
  public static let max = U256(.max, .max, .max, .max)

  @inlinable public var isZero: Bool { (w0 | w1 | w2 | w3) == 0 }

  /// True when the value fits in 64 bits.
  @inlinable public var fitsUInt64: Bool { (w1 | w2 | w3) == 0 }

  /// The value as an `Int` when it is below 2⁶³; nil otherwise.
  @inlinable public var intValue: Int? {
    (w1 | w2 | w3) == 0 && w0 <= UInt64(Int.max) ? Int(w0) : nil
  }

  /// The value clamped to `UInt64.max`.
  @inlinable public var clampedUInt64: UInt64 { (w1 | w2 | w3) == 0 ? w0 : .max }

  /// Limb `i` (0 least significant).
  @inlinable public subscript(limb i: Int) -> UInt64 {
    get {
      switch i { case 0: return w0; case 1: return w1; case 2: return w2; default: return w3 }
    }
    set {
      switch i { case 0: w0 = newValue; case 1: w1 = newValue; case 2: w2 = newValue; default: w3 = newValue }
    }
  }

  /// True when the sign bit (bit 255) is set.
  @inlinable public var isNegative: Bool { w3 >> 63 == 1 }

  /// Number of leading zero bits (256 for zero).
  @inlinable public var leadingZeroBitCount: Int {
    if w3 != 0 { return w3.leadingZeroBitCount }
    if w2 != 0 { return 64 + w2.leadingZeroBitCount }
    if w1 != 0 { return 128 + w1.leadingZeroBitCount }
    return 192 + w0.leadingZeroBitCount
  }

  /// Number of significant bits (0 for zero).
  @inlinable public var bitWidth: Int { 256 - leadingZeroBitCount }

  /// Number of significant bytes (0 for zero).
  @inlinable public var byteWidth: Int { (bitWidth + 7) / 8 }
}

// MARK: - Bytes

extension U256 {
  /// The big-endian integer in `bytes` (at most 32 bytes; fewer are zero-extended on the left).
  @inlinable public init(bigEndian bytes: some Collection<UInt8>) {
    precondition(bytes.count <= 32, "U256 from \(bytes.count) bytes")
    var v = U256.zero
    var shift = 0
    for b in bytes.reversed() {
      v[limb: shift >> 6] |= UInt64(b) << UInt64(shift & 63)
      shift += 8
    }
    self = v
  }

  /// Reads exactly 32 big-endian bytes at `pointer`.
  @inlinable @inline(__always)
  public init(loadingBigEndianFrom p: UnsafeRawPointer) {
    self.init(
      UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)),
      UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
      UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
      UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 0, as: UInt64.self)))
  }

  /// Writes the 32 big-endian bytes at `pointer`.
  @inlinable @inline(__always)
  public func storeBigEndian(to p: UnsafeMutableRawPointer) {
    p.storeBytes(of: w3.bigEndian, toByteOffset: 0, as: UInt64.self)
    p.storeBytes(of: w2.bigEndian, toByteOffset: 8, as: UInt64.self)
    p.storeBytes(of: w1.bigEndian, toByteOffset: 16, as: UInt64.self)
    p.storeBytes(of: w0.bigEndian, toByteOffset: 24, as: UInt64.self)
  }

  /// The 32 big-endian bytes.
  @inlinable public var bigEndianBytes: [UInt8] {
    [UInt8](unsafeUninitializedCapacity: 32) { buf, n in
      storeBigEndian(to: UnsafeMutableRawPointer(buf.baseAddress!))
      n = 32
    }
  }

  /// The big-endian bytes without leading zeros (empty for zero): the RLP form of an integer.
  @inlinable public var minimalBigEndianBytes: [UInt8] {
    Array(bigEndianBytes.dropFirst(32 - byteWidth))
  }

  /// The word as a hash (same 32 bytes).
  @inlinable public var hash: Hash {
    var h = Hash.zero
    withUnsafeMutableBytes(of: &h) { storeBigEndian(to: $0.baseAddress!) }
    return h
  }

  /// The 32 bytes of `hash` read as a big-endian integer.
  @inlinable public init(_ hash: Hash) {
    self = Swift.withUnsafeBytes(of: hash) { U256(loadingBigEndianFrom: $0.baseAddress!) }
  }
}

// MARK: - Text

/// Errors from parsing a decimal or hexadecimal integer.
public enum U256ParseError: Error, Equatable, CustomStringConvertible, Sendable {
  case empty
  case invalidCharacter(offset: Int)
  case overflow

  public var description: String {
    switch self {
    case .empty: return "empty number"
    case .invalidCharacter(let offset): return "invalid digit at offset \(offset)"
    case .overflow: return "number does not fit in 256 bits"
    }
  }
}

extension U256: CustomStringConvertible {
  /// Parses a `0x`-prefixed hex number (any number of digits, leading zeros allowed) or a
  /// decimal number.
  public init(parsing text: some StringProtocol) throws(U256ParseError) {
    let utf8 = Array(text.utf8)
    if utf8.count >= 2, utf8[0] == 0x30, utf8[1] == 0x78 || utf8[1] == 0x58 {
      try self.init(hexDigits: utf8[2...])
    } else {
      try self.init(decimalDigits: utf8[...])
    }
  }

  /// Parses hex digits without a prefix, e.g. `ff` or `0001`; an empty string is zero.
  public init(hexDigits digits: ArraySlice<UInt8>) throws(U256ParseError) {
    var v = U256.zero
    var significant = 0
    for (i, c) in digits.enumerated() {
      guard let d = hexValue(c) else { throw .invalidCharacter(offset: i) }
      if significant > 0 || d != 0 { significant += 1 }
      if significant > 64 { throw .overflow }
      v = (v << 4) | U256(UInt64(d))
    }
    self = v
  }

  /// Parses decimal digits.
  public init(decimalDigits digits: ArraySlice<UInt8>) throws(U256ParseError) {
    if digits.isEmpty { throw .empty }
    var v = U256.zero
    for (i, c) in digits.enumerated() {
      guard c >= 0x30, c <= 0x39 else { throw .invalidCharacter(offset: i) }
      let (m, o1) = v.multipliedReportingOverflow(by: U256(10))
      let (s, o2) = m.addingReportingOverflow(U256(UInt64(c - 0x30)))
      if o1 || o2 { throw .overflow }
      v = s
    }
    self = v
  }

  /// Decimal text.
  public var description: String {
    if fitsUInt64 { return String(w0) }
    var parts: [UInt64] = []
    var v = self
    let chunk = U256(10_000_000_000_000_000_000)
    while !v.isZero {
      let (q, r) = v.quotientAndRemainder(dividingBy: chunk)
      parts.append(r.w0)
      v = q
    }
    var s = String(parts.last!)
    for p in parts.dropLast().reversed() {
      let d = String(p)
      s += String(repeating: "0", count: 19 - d.count) + d
    }
    return s
  }

  /// `0x`-prefixed hex without leading zeros (`0x0` for zero), as JSON-RPC quantities are written.
  public var hexString: String {
    if isZero { return "0x0" }
    let full = Hex.encode(bigEndianBytes, prefix: false)
    return "0x" + full.drop(while: { $0 == "0" })
  }
}

extension U256: ExpressibleByIntegerLiteral {
  @inlinable public init(integerLiteral value: UInt64) { self.init(value) }
}
