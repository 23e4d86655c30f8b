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
    default:
      return nil
    }
  }
}
