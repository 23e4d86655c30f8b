/// The outcome of one fixture case.
public struct CaseResult: Sendable, Equatable {
  public enum Outcome: Sendable, Equatable {
    case passed
    /// Run and wrong: what differed, or why it could not be run.
    case failed(String)
    /// Not run: the skip list's rule that covers it.
    case skipped(SkipRule)
  }

  /// The fixture file's name (its last path component).
  public var file: String
  public var name: String
  public var network: String
  public var outcome: Outcome

  public init(file: String, name: String, network: String, outcome: Outcome) {
    self.file = file
    self.name = name
    self.network = network
    self.outcome = outcome
  }

  public var passed: Bool { outcome == .passed }
  /// What went wrong, nil unless the case failed.
  public var failure: String? {
    if case .failed(let reason) = outcome { reason } else { nil }
  }
  /// The rule the case was skipped by, nil unless it was skipped.
  public var skipRule: SkipRule? {
    if case .skipped(let rule) = outcome { rule } else { nil }
  }
}
