import Foundation

/// Where fixtures live and which files a run takes: one implementation for `strata blocktest` and
/// the test suite.
public enum FixtureDiscovery {
  /// The package root, from this file's path (Sources/Conformance/FixtureDiscovery.swift).
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// The ethereum/tests checkout: `STRATA_FIXTURES` when set, else `../shared/ethereum-tests`
  /// beside the package root; nil when that folder does not exist.
  public static var ethereumTests: URL? {
    let env = ProcessInfo.processInfo.environment["STRATA_FIXTURES"] ?? ""
    let url = env.isEmpty
      ? packageRoot.appendingPathComponent("../shared/ethereum-tests").standardized
      : URL(fileURLWithPath: env)
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
  }

  /// ethereum/tests' BlockchainTests folder.
  /// - Throws: `ConformanceError.fixturesMissing` when the checkout or the folder is absent.
  public static func blockchainTests() throws(ConformanceError) -> URL {
    let folder = ethereumTests?.appendingPathComponent("BlockchainTests")
    guard let folder, FileManager.default.fileExists(atPath: folder.path) else {
      throw .fixturesMissing("ethereum/tests BlockchainTests")
    }
    return folder
  }

  /// The fixture files `paths` name: each file as given, each folder searched recursively for
  /// `.json` files; sorted by path, so results and FAIL lines come in the same order every run.
  /// - Throws: `ConformanceError.noSuchPath` for a path that does not exist.
  public static func jsonFiles(in paths: [String]) throws(ConformanceError) -> [URL] {
    var files: [URL] = []
    for path in paths {
      var isFolder: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw .noSuchPath(path) }
      let url = URL(fileURLWithPath: path)
      files += isFolder.boolValue ? jsonFiles(under: url) : [url]
    }
    return files.sorted { $0.path < $1.path }
  }

  /// Every `.json` file below `folder`, sorted by path (none when it cannot be read).
  public static func jsonFiles(under folder: URL) -> [URL] {
    let walk = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
    let found = (walk?.allObjects ?? []).compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }
    return found.sorted { $0.path < $1.path }
  }

  /// One loud line on stderr for fixtures that are absent, so a run that skips them is seen.
  public static func warnMissing(_ what: String) {
    FileHandle.standardError.write(Data("*** MISSING FIXTURES: \(what); SKIPPED ***\n".utf8))
  }
}
