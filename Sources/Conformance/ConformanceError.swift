/// What stops a conformance run before or after its cases (a failing case is a result, not an
/// error).
public enum ConformanceError: Error, CustomStringConvertible, Equatable {
  /// A path given to the run is neither a file nor a folder.
  case noSuchPath(String)
  /// No fixtures where they were looked for (`STRATA_FIXTURES`, then `../shared/ethereum-tests`).
  case fixturesMissing(String)
  /// The JSON summary could not be encoded or written.
  case cannotWrite(path: String, reason: String)

  public var description: String {
    switch self {
    case .noSuchPath(let p): "no such file or folder: \(p)"
    case .fixturesMissing(let what):
      "\(what) not found: set STRATA_FIXTURES to an ethereum/tests checkout or run tools/fetch-fixtures.sh"
    case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
    }
  }
}
