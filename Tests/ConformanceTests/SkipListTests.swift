import Conformance
import Foundation
import Testing

/// The skip list, the unknown-network rule, discovery and the summary's lines, on small fixture
/// files written for the test (no ethereum/tests checkout needed).
struct SkipListTests {
  /// A folder with `a.json` (one case on a network Strata has no configuration for, one Cancun
  /// case without a pre-state), `b.json` (one Cancun case) and a file that is not JSON.
  static func fixtureFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-skiplist-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
    try Data(#"{"unknownNet": {"network": "Atlantis"}, "noPre": {"network": "Cancun"}}"#.utf8)
      .write(to: folder.appendingPathComponent("a.json"))
    try Data(#"{"other": {"network": "Cancun"}}"#.utf8).write(to: folder.appendingPathComponent("sub/b.json"))
    try Data("not a fixture".utf8).write(to: folder.appendingPathComponent("notes.txt"))
    return folder
  }

  @Test func casePatterns() {
    func covers(_ pattern: String, _ name: String) -> Bool {
      SkipRule(.testCase(pattern), reason: "-").matches(file: "f.json", testCase: name, network: "Cancun")
    }
    #expect(covers("abc", "abc"))
    #expect(!covers("abc", "abcd"))
    #expect(covers("bc*", "bcExploitTest"))
    #expect(covers("*Test*_d0*", "stTest_loop_d0g0v0"))
    #expect(!covers("*_d1*", "stTest_loop_d0g0v0"))
    #expect(covers("*", ""))
    #expect(!covers("a*b", "acbc"))
  }

  @Test func discoveryFindsJSONSortedAndRejectsMissingPaths() throws {
    let folder = try Self.fixtureFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let files = try FixtureDiscovery.jsonFiles(in: [folder.path])
    #expect(files.map(\.lastPathComponent) == ["a.json", "b.json"])
    #expect(throws: ConformanceError.noSuchPath(folder.path + "/none")) {
      try FixtureDiscovery.jsonFiles(in: [folder.path + "/none"])
    }
  }

  @Test func unknownNetworkFailsUnlessListed() throws {
    let folder = try Self.fixtureFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let files = try FixtureDiscovery.jsonFiles(in: [folder.path])

    let plain = BlockchainTestRunner(skipList: SkipList())
    let unlisted = plain.run(files: files, jobs: 1).results
    #expect(unlisted.map(\.name) == ["noPre", "unknownNet", "other"])
    #expect(unlisted.allSatisfy { $0.failure != nil })

    let atlantis = SkipRule(.network("Atlantis"), reason: "no such fork")
    let byCase = SkipRule(.testCase("oth*"), reason: "covered elsewhere")
    let unused = SkipRule(.file("z*.json"), reason: "never matches")
    let skipList = SkipList([atlantis, byCase, unused])
    let runner = BlockchainTestRunner(skipList: skipList)
    let summary = runner.run(files: files, jobs: 2)
    #expect(summary.results.map(\.outcome.isSkipped) == [false, true, true])
    #expect(summary.results[1].skipRule == atlantis)
    #expect(summary.total == .init(passed: 0, failed: 1, skipped: 2))
    #expect(summary.perNetwork["Atlantis"] == .init(skipped: 1))
    #expect(summary.perNetwork["Cancun"] == .init(failed: 1, skipped: 1))
    #expect(summary.skipHits.map(\.cases) == [1, 1, 0])

    let lines = summary.report().split(separator: "\n").map(String.init)
    #expect(lines.first?.hasPrefix("FAIL a.json noPre: ") == true)
    #expect(lines.contains("-- skip list: 2 of 3 entries hit"))
    #expect(lines.contains("  skipped 1: network Atlantis: no such fork"))
    // tools/test.sh reads the pass count from the last line's `N passed, ` prefix.
    #expect(lines.last == "0 passed, 1 failed, 2 skipped")
  }

  @Test func fileRuleSkipsEveryCaseOfTheFile() throws {
    let folder = try Self.fixtureFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let skipList = SkipList([SkipRule(.file("a.json"), reason: "whole file")])
    let results = BlockchainTestRunner(skipList: skipList).run(file: folder.appendingPathComponent("a.json"))
    #expect(results.count == 2 && results.allSatisfy(\.outcome.isSkipped))
  }

  @Test func jsonSummaryKeepsItsKeys() throws {
    let rule = SkipRule(.network("Atlantis"), reason: "no such fork")
    let summary = ConformanceSummary(results: [
      CaseResult(file: "a.json", name: "x", network: "Cancun", outcome: .passed),
      CaseResult(file: "a.json", name: "y", network: "Cancun", outcome: .failed("state root")),
      CaseResult(file: "b.json", name: "z", network: "Atlantis", outcome: .skipped(rule)),
    ], skipList: SkipList([rule]))
    #expect(summary.countLine == "1 passed, 1 failed, 1 skipped")
    let object = try #require(try JSONSerialization.jsonObject(with: summary.json()) as? [String: Any])
    #expect(Set(object.keys) == ["passed", "failed", "skipped", "forks", "failures", "skips"])
    #expect(object["passed"] as? Int == 1)
    let failures = try #require(object["failures"] as? [[String: String]])
    #expect(failures == [["file": "a.json", "case": "y", "reason": "state root"]])
  }
}

extension CaseResult.Outcome {
  var isSkipped: Bool { if case .skipped = self { true } else { false } }
}
