import Foundation

/// Where the shared test data lives.
///
/// `STRATA_FIXTURES` points at an ethereum/tests checkout; otherwise `../shared/ethereum-tests`
/// beside the package root. `STRATA_SHARED` points at the shared folder (corpus, mainnet, kzg);
/// otherwise `../shared`. Tests that need data which is absent say so loudly and record an issue.
public enum Fixtures {
  /// The package root, derived from this file's path (Tests/TestSupport/Fixtures.swift).
  public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The ethereum/tests fixtures folder, or nil when absent.
  public static var ethereumTests: URL? {
    if let env = ProcessInfo.processInfo.environment["STRATA_FIXTURES"], !env.isEmpty {
      return existing(URL(fileURLWithPath: env))
    }
    return existing(packageRoot.appendingPathComponent("../shared/ethereum-tests").standardized)
  }

  /// The shared folder (corpus, mainnet, kzg), or nil when absent.
  public static var shared: URL? {
    if let env = ProcessInfo.processInfo.environment["STRATA_SHARED"], !env.isEmpty {
      return existing(URL(fileURLWithPath: env))
    }
    return existing(packageRoot.appendingPathComponent("../shared").standardized)
  }

  static func existing(_ url: URL) -> URL? {
    FileManager.default.fileExists(atPath: url.path) ? url : nil
  }

  /// Every `.json` file under `folder`, sorted by path.
  public static func jsonFiles(under folder: URL) -> [URL] {
    guard let e = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
    var out: [URL] = []
    for case let url as URL in e where url.pathExtension == "json" { out.append(url) }
    return out.sorted { $0.path < $1.path }
  }

  /// A loud line on stderr for missing data.
  public static func warnMissing(_ what: String) {
    FileHandle.standardError.write(Data("""
      *** MISSING TEST DATA: \(what) not found. Set STRATA_FIXTURES (ethereum/tests) or STRATA_SHARED, \
      or run tools/fetch-fixtures.sh. ***\n
      """.utf8))
  }
}

/// The test suites' one seeded generator (SplitMix64): property tests and random blocks repeat
/// exactly, and a failure names the seed that reproduces it.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  var state: UInt64
  public init(seed: UInt64) { state = seed }
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
