import Primitives

/// Why a block (or its header) was rejected. Mismatches carry both sides.
public enum BlockError: Error, Equatable, Sendable, CustomStringConvertible {
  case rlp(RLPError)
  case transaction(index: Int, reason: String)
  case mismatch(field: String, expected: String, got: String)
  case invalidHeader(String)
  case invalidBlock(String)
  case unknownParent(Hash)

  public var description: String {
    switch self {
    case .rlp(let e): return e.description
    case .transaction(let i, let r): return "transaction \(i): \(r)"
    case .mismatch(let f, let e, let g): return "\(f): got \(g), expected \(e)"
    case .invalidHeader(let r): return "invalid header: \(r)"
    case .invalidBlock(let r): return "invalid block: \(r)"
    case .unknownParent(let h): return "unknown parent \(h)"
    }
  }
}
