/// One decoded RLP item: a view into the input, never a copy.
///
/// `payload` is a slice of the input (its indices are offsets into the whole input), so errors
/// can name the byte where something went wrong.
public struct RLPItem: Sendable {
  /// True for a list, false for a byte string.
  public let isList: Bool
  /// The string's bytes, or the list's encoded items.
  public let payload: ArraySlice<UInt8>
  /// Offset of the item's first header byte in the input.
  public let offset: Int
  /// The whole item, header included.
  public let encoded: ArraySlice<UInt8>

  /// Decodes `input`, which must hold exactly one item.
  /// - Throws: `RLPError` for malformed or non-canonical input, or trailing bytes.
  public init(decoding input: ArraySlice<UInt8>) throws(RLPError) {
    let (item, end) = try RLPItem.read(input, at: input.startIndex)
    if end != input.endIndex { throw .trailingBytes(offset: end) }
    self = item
  }

  /// Decodes a whole array, which must hold exactly one item.
  public init(decoding input: [UInt8]) throws(RLPError) {
    try self.init(decoding: input[...])
  }

  init(isList: Bool, payload: ArraySlice<UInt8>, offset: Int, encoded: ArraySlice<UInt8>) {
    self.isList = isList; self.payload = payload; self.offset = offset; self.encoded = encoded
  }

  /// Reads the item starting at `start`; returns it and the index just past it.
  public static func read(_ input: ArraySlice<UInt8>, at start: Int) throws(RLPError) -> (RLPItem, Int) {
    let end = input.endIndex
    guard start < end else { throw .unexpectedEnd(offset: start) }
    let b = input[start]
    switch b {
    case 0x00...0x7f:
      return (RLPItem(isList: false, payload: input[start..<start + 1], offset: start,
                      encoded: input[start..<start + 1]), start + 1)
    case 0x80...0xb7:
      let len = Int(b - 0x80)
      guard end - (start + 1) >= len else { throw .unexpectedEnd(offset: start) }
      if len == 1 && input[start + 1] < 0x80 { throw .nonCanonicalSingleByte(offset: start) }
      let itemEnd = start + 1 + len
      return (RLPItem(isList: false, payload: input[(start + 1)..<itemEnd], offset: start,
                      encoded: input[start..<itemEnd]), itemEnd)
    case 0xb8...0xbf:
      let (len, headerEnd) = try readLongLength(input, at: start, lengthOfLength: Int(b - 0xb7))
      guard end - headerEnd >= len else { throw .unexpectedEnd(offset: start) }
      return (RLPItem(isList: false, payload: input[headerEnd..<headerEnd + len], offset: start,
                      encoded: input[start..<headerEnd + len]), headerEnd + len)
    case 0xc0...0xf7:
      let len = Int(b - 0xc0)
      guard end - (start + 1) >= len else { throw .unexpectedEnd(offset: start) }
      let itemEnd = start + 1 + len
      return (RLPItem(isList: true, payload: input[(start + 1)..<itemEnd], offset: start,
                      encoded: input[start..<itemEnd]), itemEnd)
    default:
      let (len, headerEnd) = try readLongLength(input, at: start, lengthOfLength: Int(b - 0xf7))
      guard end - headerEnd >= len else { throw .unexpectedEnd(offset: start) }
      return (RLPItem(isList: true, payload: input[headerEnd..<headerEnd + len], offset: start,
                      encoded: input[start..<headerEnd + len]), headerEnd + len)
    }
  }

  /// Reads the big-endian length after a long-form header byte at `start`.
  static func readLongLength(_ input: ArraySlice<UInt8>, at start: Int, lengthOfLength: Int)
    throws(RLPError) -> (Int, Int)
  {
    let first = start + 1
    guard input.endIndex - first >= lengthOfLength else { throw .unexpectedEnd(offset: start) }
    if input[first] == 0 { throw .nonCanonicalLength(offset: start) }
    // Lengths beyond 2⁵⁶ cannot be satisfied by any input held in memory.
    if lengthOfLength > 7 { throw .unexpectedEnd(offset: start) }
    var len = 0
    for i in first..<(first + lengthOfLength) { len = len << 8 | Int(input[i]) }
    if len < 56 { throw .nonCanonicalLength(offset: start) }
    return (len, first + lengthOfLength)
  }
}

// MARK: - Reading values

extension RLPItem {
  /// The items of a list.
  public func listItems() throws(RLPError) -> [RLPItem] {
    guard isList else { throw .unexpectedString(offset: offset) }
    var items: [RLPItem] = []
    var reader = RLPListReader(payload)
    while let item = try reader.next() { items.append(item) }
    return items
  }

  /// Checks every nested item (decoding is otherwise lazy: a list's items are read when asked
  /// for). Used where a whole tree must be known to be well formed up front.
  public func validateTree() throws(RLPError) {
    guard isList else { return }
    var reader = RLPListReader(payload)
    while let item = try reader.next() { try item.validateTree() }
  }

  /// A reader over a list's items, allocation-free.
  public func listReader() throws(RLPError) -> RLPListReader {
    guard isList else { throw .unexpectedString(offset: offset) }
    return RLPListReader(payload)
  }

  /// The string's bytes (a view).
  public func bytes() throws(RLPError) -> ArraySlice<UInt8> {
    guard !isList else { throw .unexpectedList(offset: offset) }
    return payload
  }

  /// An unsigned integer in canonical form (no leading zeros; zero is the empty string).
  public func uint64() throws(RLPError) -> UInt64 {
    let b = try integerBytes(maxBytes: 8)
    var v: UInt64 = 0
    for x in b { v = v << 8 | UInt64(x) }
    return v
  }

  /// A non-negative integer that must fit in an `Int`.
  public func int() throws(RLPError) -> Int {
    let v = try uint64()
    guard v <= UInt64(Int.max) else { throw .integerOverflow(offset: offset) }
    return Int(v)
  }

  /// A 256-bit unsigned integer in canonical form.
  public func u256() throws(RLPError) -> U256 {
    U256(bigEndian: try integerBytes(maxBytes: 32))
  }

  /// The bytes of a canonical integer of at most `maxBytes` bytes.
  public func integerBytes(maxBytes: Int) throws(RLPError) -> ArraySlice<UInt8> {
    guard !isList else { throw .unexpectedList(offset: offset) }
    if payload.count > maxBytes { throw .integerOverflow(offset: offset) }
    if let first = payload.first, first == 0 { throw .leadingZeros(offset: offset) }
    return payload
  }

  /// A 20-byte address.
  public func address() throws(RLPError) -> Address {
    guard !isList else { throw .unexpectedList(offset: offset) }
    guard payload.count == 20 else { throw .wrongSize(offset: offset, expected: 20, got: payload.count) }
    return Address(payload)
  }

  /// A 32-byte hash.
  public func hash() throws(RLPError) -> Hash {
    guard !isList else { throw .unexpectedList(offset: offset) }
    guard payload.count == 32 else { throw .wrongSize(offset: offset, expected: 32, got: payload.count) }
    return Hash(payload)
  }
}

/// Iterates the items of a list payload without allocating.
public struct RLPListReader: Sendable {
  @usableFromInline let payload: ArraySlice<UInt8>
  @usableFromInline var position: Int

  public init(_ payload: ArraySlice<UInt8>) {
    self.payload = payload
    self.position = payload.startIndex
  }

  /// The next item, or nil at the end of the list.
  public mutating func next() throws(RLPError) -> RLPItem? {
    if position == payload.endIndex { return nil }
    let (item, end) = try RLPItem.read(payload, at: position)
    position = end
    return item
  }

  /// The next item; throws if the list has ended.
  public mutating func required(_ what: String = "item") throws(RLPError) -> RLPItem {
    guard let item = try next() else { throw .unexpectedEnd(offset: position) }
    return item
  }

  /// True when every item has been read.
  public var isAtEnd: Bool { position == payload.endIndex }

  /// Throws if items remain.
  public func finish() throws(RLPError) {
    if position != payload.endIndex { throw .trailingBytes(offset: position) }
  }
}
