import Chain
import EVM
import Primitives

/// The chain configurations that fixture `network` names stand for.
///
/// ethereum/tests names the forks and the transition networks of its BlockchainTests; the
/// execution-spec-tests fixtures use the same names for the forks they share, so their runner
/// extends this table rather than copying it.
public enum FixtureNetworks {
  /// Networks that are one fork active from genesis.
  static let forks: [String: Fork] = [
    "Frontier": .frontier, "Homestead": .homestead, "EIP150": .tangerineWhistle,
    "EIP158": .spuriousDragon, "Byzantium": .byzantium, "Constantinople": .constantinople,
    "ConstantinopleFix": .petersburg, "Istanbul": .istanbul, "Berlin": .berlin, "London": .london,
    "Paris": .paris, "Merge": .paris, "Shanghai": .shanghai, "Cancun": .cancun, "Prague": .prague,
    "Osaka": .osaka,
  ]

  /// The configuration `name` stands for, or nil when Strata has none for it: the runner then
  /// skips the case if its skip list names it, and fails it otherwise.
  public static func config(named name: String) -> ChainConfig? {
    if let fork = forks[name] { return .allActive(upTo: fork) }
    switch name {
    case "FrontierToHomesteadAt5":
      var c = ChainConfig.allActive(upTo: .frontier); c.homesteadBlock = 5; return c
    case "HomesteadToEIP150At5":
      var c = ChainConfig.allActive(upTo: .homestead); c.eip150Block = 5; return c
    case "HomesteadToDaoAt5":
      var c = ChainConfig.allActive(upTo: .homestead); c.daoForkBlock = 5; c.daoForkSupport = true; return c
    case "EIP158ToByzantiumAt5":
      var c = ChainConfig.allActive(upTo: .spuriousDragon); c.byzantiumBlock = 5; return c
    case "ByzantiumToConstantinopleFixAt5":
      var c = ChainConfig.allActive(upTo: .byzantium); c.constantinopleBlock = 5; c.petersburgBlock = 5; return c
    case "BerlinToLondonAt5":
      var c = ChainConfig.allActive(upTo: .berlin); c.londonBlock = 5; return c
    case "ArrowGlacierToParisAtDiffC0000":
      var c = ChainConfig.allActive(upTo: .london); c.terminalTotalDifficulty = U256(0xC0000); return c
    case "ParisToShanghaiAtTime15k":
      var c = ChainConfig.allActive(upTo: .paris); c.shanghaiTime = 15_000; return c
    case "ShanghaiToCancunAtTime15k":
      var c = ChainConfig.allActive(upTo: .shanghai); c.cancunTime = 15_000; c.blobSchedule["cancun"] = .cancun; return c
    case "CancunToPragueAtTime15k":
      var c = ChainConfig.allActive(upTo: .cancun); c.pragueTime = 15_000; c.blobSchedule["prague"] = .prague; return c
    case "PragueToOsakaAtTime15k":
      var c = ChainConfig.allActive(upTo: .prague); c.osakaTime = 15_000; c.blobSchedule["osaka"] = .prague; return c
    case "OsakaToBPO1AtTime15k", "BPO1ToBPO2AtTime15k", "BPO2ToBPO3AtTime15k", "BPO3ToBPO4AtTime15k",
      "BPO4ToBPO5AtTime15k":
      // BPO n-1 from genesis, BPO n at 15,000; the blob parameters come from the fixture's
      // `config.blobSchedule` (the runner merges it in), as EIP-7892 leaves them to each chain.
      guard let r = name.range(of: "ToBPO"), let to = name[r.upperBound...].first?.wholeNumberValue else { return nil }
      var c = ChainConfig.allActive(upTo: .osaka)
      for n in 1..<to { c.bpoTimes[n - 1] = 0 }
      c.bpoTimes[to - 1] = 15_000
      return c
    default:
      return nil
    }
  }

  /// execution-spec-tests fixtures carry their chain's EIP-7840 blob schedule in
  /// `config.blobSchedule` (fork name → target, max, baseFeeUpdateFraction as hex quantities);
  /// the entries named there replace the table's.
  static func mergeBlobSchedule(_ fixtureConfig: Any?, into config: inout ChainConfig) throws {
    guard let schedule = (fixtureConfig as? [String: Any])?["blobSchedule"] as? [String: Any] else { return }
    for (fork, value) in schedule {
      guard let entry = value as? [String: Any],
        let target = quantity(entry["target"]), let max = quantity(entry["max"]),
        let fraction = quantity(entry["baseFeeUpdateFraction"]), fraction > 0
      else { throw BlobScheduleError(fork: fork) }
      config.blobSchedule[fork.lowercased()] = .init(target: target, max: max, baseFeeUpdateFraction: fraction)
    }
  }

  struct BlobScheduleError: Error, CustomStringConvertible {
    var fork: String
    var description: String { "fixture config.blobSchedule.\(fork) is not three hex quantities" }
  }

  private static func quantity(_ v: Any?) -> UInt64? {
    guard let s = v as? String, s.hasPrefix("0x") else { return nil }
    return UInt64(s.dropFirst(2), radix: 16)
  }
}
