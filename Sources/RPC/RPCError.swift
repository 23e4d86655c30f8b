import Primitives

/// A JSON-RPC error object: code, message and optional data. Messages follow geth's, which the
/// rpc-compat fixtures and client libraries were written against.
public struct RPCError: Error, Equatable, Sendable, CustomStringConvertible {
  public var code: Int
  public var message: String
  public var data: JSON?

  public init(code: Int, message: String, data: JSON? = nil) {
    self.code = code; self.message = message; self.data = data
  }

  public var description: String { "\(code): \(message)" }

  public static func == (a: RPCError, b: RPCError) -> Bool {
    a.code == b.code && a.message == b.message && a.data == b.data
  }

  /// -32700: the body is not JSON.
  public static func parse(_ reason: String) -> RPCError { RPCError(code: -32700, message: "parse error: \(reason)") }
  /// -32600: JSON, but not a request object.
  public static func invalidRequest(_ reason: String) -> RPCError { RPCError(code: -32600, message: reason) }
  /// -32601
  public static func methodNotFound(_ method: String) -> RPCError {
    RPCError(code: -32601, message: "the method \(method) does not exist/is not available")
  }
  /// -32602: a parameter of the wrong type or form (geth: "invalid argument N: ...").
  public static func invalidArgument(_ index: Int, _ reason: String) -> RPCError {
    RPCError(code: -32602, message: "invalid argument \(index): \(reason)")
  }
  public static func invalidParams(_ reason: String) -> RPCError { RPCError(code: -32602, message: reason) }
  /// -32603
  public static func internalError(_ reason: String) -> RPCError { RPCError(code: -32603, message: reason) }
  /// -32000: the request was understood but cannot be served (geth's generic server error).
  public static func server(_ message: String) -> RPCError { RPCError(code: -32000, message: message) }
  /// -32005: a limit was hit (batch size, response size, log range).
  public static func limitExceeded(_ message: String) -> RPCError { RPCError(code: -32005, message: message) }
}

// MARK: - Hex quantities and data, geth's hexutil rules

/// geth's hexutil errors, by their texts.
enum HexText {
  static let empty = "empty hex string"
  static let missingPrefix = "hex string without 0x prefix"
  static let syntax = "invalid hex string"
  static let oddLength = "hex string of odd length"
  static let emptyNumber = "hex string \"0x\""
  static let leadingZero = "hex number with leading zero digits"
  static let uint64Range = "hex number > 64 bits"
  static let big256Range = "hex number > 256 bits"
}

/// Parsing of JSON-RPC parameter values. Each throws the bare reason; callers add the
/// argument's index.
enum Param {
  /// A QUANTITY: 0x-prefixed hex without leading zeros, at most 64 bits.
  static func uint64(_ v: JSON) throws(RPCError) -> UInt64 {
    let digits = try quantityDigits(v)
    guard digits.count <= 16, let n = UInt64(digits, radix: 16) else { throw reason(HexText.uint64Range) }
    return n
  }

  /// A QUANTITY of at most 256 bits.
  static func u256(_ v: JSON) throws(RPCError) -> U256 {
    let digits = try quantityDigits(v)
    guard digits.count <= 64 else { throw reason(HexText.big256Range) }
    do { return try U256(hexDigits: ArraySlice(digits.utf8)) } catch { throw reason(HexText.syntax) }
  }

  private static func quantityDigits(_ v: JSON) throws(RPCError) -> Substring {
    guard case .string(let s) = v else { throw reason("json: cannot unmarshal non-string into Go value of type hexutil.Uint64") }
    if s.isEmpty { throw reason(HexText.empty) }
    guard s.hasPrefix("0x") || s.hasPrefix("0X") else { throw reason(HexText.missingPrefix) }
    let digits = s.dropFirst(2)
    if digits.isEmpty { throw reason(HexText.emptyNumber) }
    if digits.count > 1 && digits.first == "0" { throw reason(HexText.leadingZero) }
    for c in digits.utf8 where !isHexDigit(c) { throw reason(HexText.syntax) }
    return digits
  }

  /// DATA: 0x-prefixed hex of whole bytes.
  static func bytes(_ v: JSON) throws(RPCError) -> [UInt8] {
    guard case .string(let s) = v else { throw reason("json: cannot unmarshal non-string into Go value of type hexutil.Bytes") }
    guard s.hasPrefix("0x") || s.hasPrefix("0X") else {
      throw reason(s.isEmpty ? HexText.empty : HexText.missingPrefix)
    }
    let digits = s.utf8.dropFirst(2)
    if digits.count % 2 != 0 { throw reason(HexText.oddLength) }
    for c in digits where !isHexDigit(c) { throw reason(HexText.syntax) }
    do { return try Hex.decode(s) } catch { throw reason(HexText.syntax) }
  }

  static func address(_ v: JSON) throws(RPCError) -> Address {
    let b = try bytes(v)
    guard b.count == 20 else { throw reason("hex string has length \(b.count * 2), want 40 for common.Address") }
    return Address(b)
  }

  static func hash(_ v: JSON) throws(RPCError) -> Hash {
    let b = try bytes(v)
    guard b.count == 32 else { throw reason("hex string has length \(b.count * 2), want 64 for common.Hash") }
    return Hash(b)
  }

  static func bool(_ v: JSON) throws(RPCError) -> Bool {
    guard case .bool(let b) = v else { throw reason("json: cannot unmarshal non-bool into Go value of type bool") }
    return b
  }

  static func isHexDigit(_ c: UInt8) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
  }

  /// A bare reason, to be prefixed with the argument index by `arg`.
  static func reason(_ text: String) -> RPCError { RPCError(code: -32602, message: text) }
}

/// The positional parameters of one call.
struct Params {
  let items: [JSON]

  init(_ params: JSON?) throws(RPCError) {
    switch params {
    case nil, .null?: items = []
    case .array(let a)?: items = a
    default: throw .invalidParams("non-array args")
    }
  }

  var count: Int { items.count }

  /// Argument `i`, required.
  func required(_ i: Int) throws(RPCError) -> JSON {
    guard i < items.count, !items[i].isNull else { throw .invalidParams("missing value for required argument \(i)") }
    return items[i]
  }

  /// Argument `i`, or nil when absent or null.
  func optional(_ i: Int) -> JSON? {
    guard i < items.count, !items[i].isNull else { return nil }
    return items[i]
  }

  /// At most `n` arguments.
  func atMost(_ n: Int) throws(RPCError) {
    if items.count > n { throw .invalidParams("too many arguments, want at most \(n)") }
  }

  /// Parses argument `i` with `parse`, prefixing its errors with the index as geth does.
  func arg<T>(_ i: Int, _ parse: (JSON) throws(RPCError) -> T) throws(RPCError) -> T {
    let v = try required(i)
    do { return try parse(v) } catch {
      if error.code == -32602 && !error.message.hasPrefix("invalid argument") { throw .invalidArgument(i, error.message) }
      throw error
    }
  }

  func optionalArg<T>(_ i: Int, _ parse: (JSON) throws(RPCError) -> T) throws(RPCError) -> T? {
    guard optional(i) != nil else { return nil }
    return try arg(i, parse)
  }
}

// MARK: - Output

enum Out {
  static func quantity(_ n: UInt64) -> JSON { .string("0x" + String(n, radix: 16)) }
  static func quantity(_ n: Int) -> JSON { quantity(UInt64(n)) }
  static func quantity(_ n: U256) -> JSON { .string(n.hexString) }
  static func data(_ b: [UInt8]) -> JSON { .string(Hex.encode(b)) }
  static func hash(_ h: Hash) -> JSON { .string(h.description) }
  static func address(_ a: Address) -> JSON { .string(a.description) }
  static func address(_ a: Address?) -> JSON { a.map { .string($0.description) } ?? .null }
}
