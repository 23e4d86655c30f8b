/// Why an RLP input was rejected. Offsets are indices into the input buffer.
public enum RLPError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The input ended before the item did.
  case unexpectedEnd(offset: Int)
  /// A length written in a longer form than needed, or with leading zero bytes.
  case nonCanonicalLength(offset: Int)
  /// A single byte below 0x80 wrapped in a one-byte string header.
  case nonCanonicalSingleByte(offset: Int)
  /// Bytes left over after the item.
  case trailingBytes(offset: Int)
  /// An integer with leading zero bytes.
  case leadingZeros(offset: Int)
  /// An integer too large for its type.
  case integerOverflow(offset: Int)
  /// A list where a string was expected, or the other way round.
  case unexpectedList(offset: Int)
  case unexpectedString(offset: Int)
  /// A string of the wrong size for a fixed-size value (address, hash, …).
  case wrongSize(offset: Int, expected: Int, got: Int)
  /// A list with more or fewer items than the type has fields.
  case wrongItemCount(offset: Int, expected: String, got: Int)
  /// A value that RLP allowed but the type does not.
  case invalidValue(offset: Int, reason: String)

  public var description: String {
    switch self {
    case .unexpectedEnd(let o): return "RLP: input ends inside the item at byte \(o)"
    case .nonCanonicalLength(let o): return "RLP: non-canonical length at byte \(o)"
    case .nonCanonicalSingleByte(let o): return "RLP: single byte below 0x80 encoded as a string at byte \(o)"
    case .trailingBytes(let o): return "RLP: trailing bytes after the item, from byte \(o)"
    case .leadingZeros(let o): return "RLP: integer with leading zero bytes at byte \(o)"
    case .integerOverflow(let o): return "RLP: integer too large at byte \(o)"
    case .unexpectedList(let o): return "RLP: expected a string, found a list at byte \(o)"
    case .unexpectedString(let o): return "RLP: expected a list, found a string at byte \(o)"
    case .wrongSize(let o, let e, let g): return "RLP: string of \(g) bytes at byte \(o), expected \(e)"
    case .wrongItemCount(let o, let e, let g): return "RLP: list at byte \(o) has \(g) items, expected \(e)"
    case .invalidValue(let o, let r): return "RLP: invalid value at byte \(o): \(r)"
    }
  }
}
