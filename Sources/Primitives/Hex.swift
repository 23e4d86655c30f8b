/// Errors from parsing hexadecimal text.
public enum HexError: Error, Equatable, CustomStringConvertible, Sendable {
  /// A character that is not a hex digit, at this offset in the text (after any `0x`).
  case invalidCharacter(offset: Int)
  /// An odd number of digits where whole bytes were expected.
  case oddLength
  /// The value needs more bytes than the type holds.
  case wrongLength(expected: Int, got: Int)

  public var description: String {
    switch self {
    case .invalidCharacter(let offset): return "invalid hex character at offset \(offset)"
    case .oddLength: return "hex string has an odd number of digits"
    case .wrongLength(let expected, let got): return "hex value has \(got) bytes, expected \(expected)"
    }
  }
}

@usableFromInline let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

@inline(__always) @usableFromInline func hexValue(_ c: UInt8) -> UInt8? {
  switch c {
  case 0x30...0x39: return c - 0x30
  case 0x61...0x66: return c - 0x61 + 10
  case 0x41...0x46: return c - 0x41 + 10
  default: return nil
  }
}

/// Hex encoding and decoding of byte strings, `0x`-prefixed on output.
public enum Hex {
  /// Decodes `text`, with or without a `0x` prefix. An empty string (or `0x`) is zero bytes.
  /// - Throws: `HexError` on a non-hex character or an odd number of digits.
  public static func decode(_ text: some StringProtocol) throws(HexError) -> [UInt8] {
    var utf8 = Array(text.utf8)
    if utf8.count >= 2, utf8[0] == 0x30, utf8[1] == 0x78 || utf8[1] == 0x58 { utf8.removeFirst(2) }
    if utf8.count % 2 != 0 { throw .oddLength }
    var out = [UInt8]()
    out.reserveCapacity(utf8.count / 2)
    var i = 0
    while i < utf8.count {
      guard let hi = hexValue(utf8[i]) else { throw .invalidCharacter(offset: i) }
      guard let lo = hexValue(utf8[i + 1]) else { throw .invalidCharacter(offset: i + 1) }
      out.append(hi << 4 | lo)
      i += 2
    }
    return out
  }

  /// Encodes `bytes` as lowercase hex with a `0x` prefix.
  public static func encode(_ bytes: some Sequence<UInt8>, prefix: Bool = true) -> String {
    var out = [UInt8]()
    if prefix { out.append(contentsOf: [0x30, 0x78]) }
    for b in bytes {
      out.append(hexDigits[Int(b >> 4)])
      out.append(hexDigits[Int(b & 0xf)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}

extension Array where Element == UInt8 {
  /// `0x`-prefixed lowercase hex.
  public var hexString: String { Hex.encode(self) }
}

extension ArraySlice where Element == UInt8 {
  /// `0x`-prefixed lowercase hex.
  public var hexString: String { Hex.encode(self) }
}
