import Foundation

/// The counts of a run, overall and per network, its failures and the skip list's hits; prints
/// the report `strata blocktest` shows and writes its JSON form.
///
/// The report's last line is `N passed, M failed` (and `, K skipped` when any were):
/// tools/test.sh reads the pass count from the line that starts `N passed, `.
public struct ConformanceSummary: Sendable {
  public struct Counts: Sendable, Equatable {
    public var passed = 0
    public var failed = 0
    public var skipped = 0
    public init(passed: Int = 0, failed: Int = 0, skipped: Int = 0) {
      self.passed = passed
      self.failed = failed
      self.skipped = skipped
    }
  }

  /// One skip rule and how many cases it covered in this run.
  public struct SkipHit: Sendable, Equatable {
    public var rule: SkipRule
    public var cases: Int
  }

  /// Every case, in the order run (files by path, cases by name).
  public let results: [CaseResult]
  public let total: Counts
  public let perNetwork: [String: Counts]
  /// The rules of the skip list in its order, with the cases each covered (zero for a rule that
  /// matched nothing).
  public let skipHits: [SkipHit]

  public init(results: [CaseResult], skipList: SkipList) {
    self.results = results
    var total = Counts(), perNetwork: [String: Counts] = [:], hits: [SkipRule: Int] = [:]
    for r in results {
      var n = perNetwork[r.network] ?? Counts()
      switch r.outcome {
      case .passed: n.passed += 1; total.passed += 1
      case .failed: n.failed += 1; total.failed += 1
      case .skipped(let rule): n.skipped += 1; total.skipped += 1; hits[rule, default: 0] += 1
      }
      perNetwork[r.network] = n
    }
    self.total = total
    self.perNetwork = perNetwork
    skipHits = skipList.rules.map { SkipHit(rule: $0, cases: hits[$0] ?? 0) }
  }

  /// `N passed, M failed`, with `, K skipped` when any case was skipped.
  public var countLine: String {
    "\(total.passed) passed, \(total.failed) failed" + (total.skipped > 0 ? ", \(total.skipped) skipped" : "")
  }

  /// The FAIL lines (and with `verbose` an `ok` line per passing case), the counts per network,
  /// the skip list's hits, and the count line last; one line each, ending in a newline.
  public func report(verbose: Bool = false) -> String {
    var lines: [String] = []
    for r in results {
      switch r.outcome {
      case .failed(let reason): lines.append("FAIL \(r.file) \(r.name): \(reason)")
      case .passed where verbose: lines.append("ok   \(r.file) \(r.name)")
      case .skipped(let rule) where verbose: lines.append("skip \(r.file) \(r.name): \(rule)")
      default: break
      }
    }
    lines.append("-- per network")
    for (network, c) in perNetwork.sorted(by: { $0.key < $1.key }) {
      lines.append("  \(network): \(c.passed) passed, \(c.failed) failed" + (c.skipped > 0 ? ", \(c.skipped) skipped" : ""))
    }
    let hit = skipHits.filter { $0.cases > 0 }
    lines.append("-- skip list: \(hit.count) of \(skipHits.count) entries hit")
    for h in hit { lines.append("  skipped \(h.cases): \(h.rule): \(h.rule.reason)") }
    lines.append(countLine)
    return lines.map { $0 + "\n" }.joined()
  }

  /// The summary as JSON: `passed`, `failed`, `skipped`, `forks` (counts per network),
  /// `failures` (file, case, reason) and `skips` (each rule, its reason and its hits).
  /// - Throws: `ConformanceError.cannotWrite` when encoding fails.
  public func json(path: String = "-") throws(ConformanceError) -> Data {
    let object: [String: Any] = [
      "passed": total.passed, "failed": total.failed, "skipped": total.skipped,
      "forks": perNetwork.mapValues { ["passed": $0.passed, "failed": $0.failed, "skipped": $0.skipped] },
      "failures": results.compactMap { r in r.failure.map { ["file": r.file, "case": r.name, "reason": $0] } },
      "skips": skipHits.map { ["rule": "\($0.rule)", "reason": $0.rule.reason, "cases": $0.cases] as [String: Any] },
    ]
    do {
      return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    } catch {
      throw .cannotWrite(path: path, reason: "\(error)")
    }
  }

  /// Writes `json()` to the file at `path`.
  /// - Throws: `ConformanceError.cannotWrite`.
  public func writeJSON(to path: String) throws(ConformanceError) {
    let data = try json(path: path)
    do {
      try data.write(to: URL(fileURLWithPath: path))
    } catch {
      throw .cannotWrite(path: path, reason: "\(error.localizedDescription)")
    }
  }
}
