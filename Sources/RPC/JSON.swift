// A small JSON value with its own parser and writer: the request decoder is what a client (or
// an attacker) controls, so it is ours to bound (depth, size) and to fuzz; numbers keep their
// text so that ids round-trip exactly.

/// A JSON value. Objects keep their members in order (the writer emits them as given).
public indirect enum JSON: Sendable {
  case null
  case bool(Bool)
  /// A number as it was written (or as the writer should write it).
  case number(String)
  case string(String)
  case array([JSON])
  case object([(String, JSON)])

  /// The member `key` of an object, or nil (also for a non-object).
  public subscript(key: String) -> JSON? {
    guard case .object(let members) = self else { return nil }
    for (k, v) in members where k == key { return v }
    return nil
  }

  public var isNull: Bool { if case .null = self { return true } else { return false } }

  public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }

  /// A JSON integer written without fraction or exponent.
  public static func int(_ n: Int) -> JSON { .number(String(n)) }
}

extension JSON: Equatable {
  /// Semantic equality (hive's rule): objects compare as unordered member sets, numbers by value.
  public static func == (a: JSON, b: JSON) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case (.bool(let x), .bool(let y)): return x == y
    case (.number(let x), .number(let y)): return x == y || (Double(x) != nil && Double(x) == Double(y))
    case (.string(let x), .string(let y)): return x == y
    case (.array(let x), .array(let y)): return x == y
    case (.object(let x), .object(let y)):
      guard x.count == y.count else { return false }
      // Same member order (duplicate names included): pairwise.
      if x.map(\.0) == y.map(\.0) { return zip(x, y).allSatisfy { $0.1 == $1.1 } }
      for (k, v) in x {
        guard let w = b[k], w == v else { return false }
      }
      return true
    default: return false
    }
  }
}

/// Why a text is not JSON; the offset is in bytes.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
  public var offset: Int
  public var reason: String
  public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// A recursive-descent JSON parser (RFC 8259) over bytes, with a nesting limit.
public struct JSONParser {
  /// Deepest nesting accepted (arrays and objects).
  public static let maxDepth = 64

  private let bytes: [UInt8]
  private var i = 0
  private var depth = 0

  /// Parses one JSON text; whitespace around it is allowed, anything else after it is not.
  public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSON {
    var p = JSONParser(bytes: bytes)
    p.skipSpace()
    let v = try p.value()
    p.skipSpace()
    guard p.i == bytes.count else { throw p.fail("trailing characters") }
    return v
  }

  public static func parse(_ text: String) throws(JSONParseError) -> JSON { try parse(Array(text.utf8)) }

  private init(bytes: [UInt8]) { self.bytes = bytes }

  private func fail(_ reason: String) -> JSONParseError { JSONParseError(offset: i, reason: reason) }

  private mutating func skipSpace() {
    while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0a || bytes[i] == 0x0d || bytes[i] == 0x09 { i += 1 }
  }

  private mutating func value() throws(JSONParseError) -> JSON {
    guard i < bytes.count else { throw fail("unexpected end") }
    switch bytes[i] {
    case UInt8(ascii: "{"): return try object()
    case UInt8(ascii: "["): return try array()
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t"): try literal("true"); return .bool(true)
    case UInt8(ascii: "f"): try literal("false"); return .bool(false)
    case UInt8(ascii: "n"): try literal("null"); return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
    default: throw fail("unexpected character")
    }
  }

  private mutating func literal(_ word: StaticString) throws(JSONParseError) {
    let n = word.utf8CodeUnitCount
    guard i + n <= bytes.count else { throw fail("unexpected end") }
    let p = word.utf8Start
    for k in 0..<n where bytes[i + k] != p[k] { throw fail("invalid literal") }
    i += n
  }

  private mutating func enter() throws(JSONParseError) {
    depth += 1
    if depth > JSONParser.maxDepth { throw fail("nesting deeper than \(JSONParser.maxDepth)") }
  }

  private mutating func array() throws(JSONParseError) -> JSON {
    try enter()
    defer { depth -= 1 }
    i += 1
    var items: [JSON] = []
    skipSpace()
    if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
    while true {
      skipSpace()
      items.append(try value())
      skipSpace()
      guard i < bytes.count else { throw fail("unexpected end in array") }
      if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
      if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
      throw fail("expected , or ]")
    }
  }

  private mutating func object() throws(JSONParseError) -> JSON {
    try enter()
    defer { depth -= 1 }
    i += 1
    var members: [(String, JSON)] = []
    skipSpace()
    if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
    while true {
      skipSpace()
      guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
      let key = try string()
      skipSpace()
      guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected :") }
      i += 1
      skipSpace()
      members.append((key, try value()))
      skipSpace()
      guard i < bytes.count else { throw fail("unexpected end in object") }
      if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
      if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
      throw fail("expected , or }")
    }
  }

  private mutating func number() throws(JSONParseError) -> JSON {
    let start = i
    if bytes[i] == UInt8(ascii: "-") { i += 1 }
    func digits(_ p: inout JSONParser) -> Int {
      let s = p.i
      while p.i < p.bytes.count, p.bytes[p.i] >= 0x30, p.bytes[p.i] <= 0x39 { p.i += 1 }
      return p.i - s
    }
    guard i < bytes.count else { throw fail("unexpected end in number") }
    if bytes[i] == UInt8(ascii: "0") {
      i += 1
    } else if digits(&self) == 0 {
      throw fail("expected a digit")
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
      i += 1
      guard digits(&self) > 0 else { throw fail("expected a digit after .") }
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
      i += 1
      if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
      guard digits(&self) > 0 else { throw fail("expected an exponent") }
    }
    return .number(String(decoding: bytes[start..<i], as: UTF8.self))
  }

  private mutating func hex4() throws(JSONParseError) -> UInt32 {
    guard i + 4 <= bytes.count else { throw fail("unexpected end in \\u escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      let c = bytes[i]
      let d: UInt32
      switch c {
      case 0x30...0x39: d = UInt32(c - 0x30)
      case 0x61...0x66: d = UInt32(c - 0x61 + 10)
      case 0x41...0x46: d = UInt32(c - 0x41 + 10)
      default: throw fail("invalid \\u escape")
      }
      v = v << 4 | d
      i += 1
    }
    return v
  }

  private mutating func string() throws(JSONParseError) -> String {
    i += 1  // the opening quote
    let start = i
    // Fast path: no escapes.
    while i < bytes.count {
      let c = bytes[i]
      if c == UInt8(ascii: "\"") {
        let s = String(validating: bytes[start..<i], as: UTF8.self)
        i += 1
        guard let s else { throw fail("invalid UTF-8 in string") }
        return s
      }
      if c == UInt8(ascii: "\\") || c < 0x20 { break }
      i += 1
    }
    var out = Array(bytes[start..<i])
    while true {
      guard i < bytes.count else { throw fail("unterminated string") }
      let c = bytes[i]
      if c == UInt8(ascii: "\"") { i += 1; break }
      if c < 0x20 { throw fail("control character in string") }
      if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
      i += 1
      guard i < bytes.count else { throw fail("unterminated escape") }
      let e = bytes[i]
      i += 1
      switch e {
      case UInt8(ascii: "\""): out.append(0x22)
      case UInt8(ascii: "\\"): out.append(0x5c)
      case UInt8(ascii: "/"): out.append(0x2f)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0c)
      case UInt8(ascii: "n"): out.append(0x0a)
      case UInt8(ascii: "r"): out.append(0x0d)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try hex4()
        if scalar >= 0xD800 && scalar < 0xDC00 {
          guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
            throw fail("lone surrogate")
          }
          i += 2
          let low = try hex4()
          guard low >= 0xDC00 && low < 0xE000 else { throw fail("invalid surrogate pair") }
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if scalar >= 0xDC00 && scalar < 0xE000 {
          throw fail("lone surrogate")
        }
        guard let u = Unicode.Scalar(scalar) else { throw fail("invalid code point") }
        out.append(contentsOf: Array(String(Character(u)).utf8))
      default: throw fail("invalid escape")
      }
    }
    guard let s = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8 in string") }
    return s
  }
}

/// Writes JSON text into a byte buffer.
public struct JSONWriter {
  public private(set) var bytes: [UInt8] = []

  public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

  public static func encode(_ value: JSON) -> [UInt8] {
    var w = JSONWriter()
    w.write(value)
    return w.bytes
  }

  public static func string(_ value: JSON) -> String { String(decoding: encode(value), as: UTF8.self) }

  public mutating func write(_ value: JSON) {
    switch value {
    case .null: bytes.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c])
    case .bool(let b): bytes.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
    case .number(let n): bytes.append(contentsOf: n.utf8)
    case .string(let s): writeString(s)
    case .array(let items):
      bytes.append(UInt8(ascii: "["))
      for (k, item) in items.enumerated() {
        if k > 0 { bytes.append(UInt8(ascii: ",")) }
        write(item)
      }
      bytes.append(UInt8(ascii: "]"))
    case .object(let members):
      bytes.append(UInt8(ascii: "{"))
      for (k, (key, v)) in members.enumerated() {
        if k > 0 { bytes.append(UInt8(ascii: ",")) }
        writeString(key)
        bytes.append(UInt8(ascii: ":"))
        write(v)
      }
      bytes.append(UInt8(ascii: "}"))
    }
  }

  private mutating func writeString(_ s: String) {
    bytes.append(0x22)
    for c in s.utf8 {
      switch c {
      case 0x22: bytes.append(contentsOf: [0x5c, 0x22])
      case 0x5c: bytes.append(contentsOf: [0x5c, 0x5c])
      case 0x0a: bytes.append(contentsOf: [0x5c, 0x6e])
      case 0x0d: bytes.append(contentsOf: [0x5c, 0x72])
      case 0x09: bytes.append(contentsOf: [0x5c, 0x74])
      case 0..<0x20:
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(contentsOf: [0x5c, 0x75, 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xf)]])
      default: bytes.append(c)
      }
    }
    bytes.append(0x22)
  }
}
