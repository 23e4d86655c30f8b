/// One entry of a skip list: which cases it covers, and why they are not run.
public struct SkipRule: Sendable, Hashable, CustomStringConvertible {
  /// What a rule matches. Names are matched whole; `*` in a pattern matches any run of
  /// characters (`"bcExploitTest*"`).
  public enum Pattern: Sendable, Hashable {
    /// Every case whose fixture `network` matches.
    case network(String)
    /// Every case of a fixture file whose name (the last path component) matches.
    case file(String)
    /// Every case whose name matches.
    case testCase(String)
  }

  public var pattern: Pattern
  /// Why the matched cases are not run: printed in the summary beside the number of hits.
  public var reason: String

  public init(_ pattern: Pattern, reason: String) {
    self.pattern = pattern
    self.reason = reason
  }

  /// Whether the rule covers the case `testCase` of file `file` on `network`.
  public func matches(file: String, testCase: String, network: String) -> Bool {
    switch pattern {
    case .network(let p): Self.glob(p, matches: network)
    case .file(let p): Self.glob(p, matches: file)
    case .testCase(let p): Self.glob(p, matches: testCase)
    }
  }

  public var description: String {
    switch pattern {
    case .network(let p): "network \(p)"
    case .file(let p): "file \(p)"
    case .testCase(let p): "case \(p)"
    }
  }

  /// Whole-string match where `*` stands for any run of characters (greedy with backtracking to
  /// the last star, so linear in practice for the short names fixtures use).
  static func glob(_ pattern: String, matches text: String) -> Bool {
    let p = Array(pattern.unicodeScalars), t = Array(text.unicodeScalars)
    var pi = 0, ti = 0
    var star: Int? = nil, resume = 0
    while ti < t.count {
      if pi < p.count, p[pi] == "*" {
        star = pi; resume = ti; pi += 1
      } else if pi < p.count, p[pi] == t[ti] {
        pi += 1; ti += 1
      } else if let s = star {
        pi = s + 1; resume += 1; ti = resume
      } else {
        return false
      }
    }
    while pi < p.count, p[pi] == "*" { pi += 1 }
    return pi == p.count
  }
}

/// The cases a fixture suite does not run, each with its reason. A case on no rule is run; a case
/// whose network Strata has no configuration for and that no rule covers fails (a fixture
/// release with a new network must be looked at, not silently dropped).
public struct SkipList: Sendable {
  public var rules: [SkipRule]

  public init(_ rules: [SkipRule] = []) { self.rules = rules }

  /// The first rule that covers the case, or nil when it is to be run.
  public func rule(file: String, testCase: String, network: String) -> SkipRule? {
    rules.first { $0.matches(file: file, testCase: testCase, network: network) }
  }

  /// ethereum/tests BlockchainTests (the checkout in `../shared/ethereum-tests`): nothing is
  /// skipped. Every network in it has a configuration in `FixtureNetworks`, and the 13 pre-Paris
  /// cases Strata fails stay failures, counted and printed on every run, rather than hidden here.
  public static let ethereumTests = SkipList([])
}
