import EVM
import Primitives

/// The fork schedule of a chain, as geth's genesis `config` writes it: block-numbered forks up to
/// London (and Paris by terminal total difficulty or the merge netsplit block), then
/// timestamp-activated Shanghai, Cancun, Prague, Osaka and the blob-parameter-only forks BPO1–5.
public struct ChainConfig: Hashable, Sendable {
  public var chainID: UInt64
  public var homesteadBlock: UInt64?
  public var daoForkBlock: UInt64?
  /// Whether this chain took the DAO fork's irregular state change (mainnet did; Ethereum
  /// Classic did not). Only read when `daoForkBlock` is set.
  public var daoForkSupport: Bool = false
  public var eip150Block: UInt64?
  public var eip155Block: UInt64?
  public var eip158Block: UInt64?
  public var byzantiumBlock: UInt64?
  public var constantinopleBlock: UInt64?
  public var petersburgBlock: UInt64?
  public var istanbulBlock: UInt64?
  public var berlinBlock: UInt64?
  public var londonBlock: UInt64?
  /// Paris by block number (tests and devnets; mainnet uses total difficulty).
  public var mergeNetsplitBlock: UInt64?
  public var terminalTotalDifficulty: U256?
  public var shanghaiTime: UInt64?
  public var cancunTime: UInt64?
  public var pragueTime: UInt64?
  public var osakaTime: UInt64?
  /// EIP-7892 blob-parameter-only forks: `bpoTimes[0]` is `bpo1Time`, … `bpoTimes[4]` is
  /// `bpo5Time`; nil where not scheduled. Their blocks run Osaka's rules with the blob
  /// parameters of `blobSchedule["bpoN"]`.
  public var bpoTimes: [UInt64?] = Array(repeating: nil, count: 5)
  /// EIP-7840 blob schedule: (target, max, baseFeeUpdateFraction) per lower-case fork name
  /// (`cancun`, `prague`, `osaka`, `bpo1`, …).
  public var blobSchedule: [String: BlobParameters]
  /// EIP-6110: the contract whose deposit logs become deposit requests (nil: mainnet's,
  /// `Requests.mainnetDepositContract`).
  public var depositContractAddress: Address?

  public struct BlobParameters: Hashable, Sendable {
    public var target: UInt64
    public var max: UInt64
    public var baseFeeUpdateFraction: UInt64
    public init(target: UInt64, max: UInt64, baseFeeUpdateFraction: UInt64) {
      self.target = target; self.max = max; self.baseFeeUpdateFraction = baseFeeUpdateFraction
    }
    /// Cancun's values (EIP-4844).
    public static let cancun = BlobParameters(target: 3, max: 6, baseFeeUpdateFraction: 3_338_477)
    /// Prague's values (EIP-7691), which Osaka keeps.
    public static let prague = BlobParameters(target: 6, max: 9, baseFeeUpdateFraction: 5_007_716)
  }

  public init(chainID: UInt64) {
    self.chainID = chainID
    self.blobSchedule = [:]
  }

  /// A chain with every fork up to and including `fork` active from genesis (how the
  /// BlockchainTests `network` names are meant).
  public static func allActive(upTo fork: Fork, chainID: UInt64 = 1) -> ChainConfig {
    var c = ChainConfig(chainID: chainID)
    if fork >= .homestead { c.homesteadBlock = 0 }
    if fork >= .tangerineWhistle { c.eip150Block = 0 }
    if fork >= .spuriousDragon { c.eip155Block = 0; c.eip158Block = 0 }
    if fork >= .byzantium { c.byzantiumBlock = 0 }
    if fork >= .constantinople { c.constantinopleBlock = 0 }
    if fork >= .petersburg { c.petersburgBlock = 0 }
    if fork >= .istanbul { c.istanbulBlock = 0 }
    if fork >= .berlin { c.berlinBlock = 0 }
    if fork >= .london { c.londonBlock = 0 }
    if fork >= .paris { c.mergeNetsplitBlock = 0; c.terminalTotalDifficulty = .zero }
    if fork >= .shanghai { c.shanghaiTime = 0 }
    if fork >= .cancun { c.cancunTime = 0; c.blobSchedule["cancun"] = .cancun }
    if fork >= .prague { c.pragueTime = 0; c.blobSchedule["prague"] = .prague }
    if fork >= .osaka { c.osakaTime = 0; c.blobSchedule["osaka"] = .prague }
    return c
  }

  /// The fork whose rules apply to a block with this number and timestamp. Paris is taken as
  /// active from `mergeNetsplitBlock`, or from genesis when the terminal total difficulty is 0.
  /// Without the parent's total difficulty a terminal total difficulty above 0 is not consulted.
  public func fork(number: UInt64, timestamp: UInt64) -> Fork {
    fork(number: number, timestamp: timestamp, parentTotalDifficulty: nil)
  }

  /// The fork whose rules apply to a block with this number and timestamp whose parent has
  /// total difficulty `parentTotalDifficulty`: as geth, Paris from the first block whose
  /// parent's total difficulty reached `terminalTotalDifficulty` (the terminal PoW block is the
  /// last under the earlier rules), or from `mergeNetsplitBlock`.
  public func fork(number: UInt64, timestamp: UInt64, parentTotalDifficulty: U256?) -> Fork {
    func at(_ b: UInt64?) -> Bool { b.map { number >= $0 } ?? false }
    func time(_ t: UInt64?) -> Bool { t.map { timestamp >= $0 } ?? false }
    if time(osakaTime) || bpoTimes.contains(where: time) { return .osaka }
    if time(pragueTime) { return .prague }
    if time(cancunTime) { return .cancun }
    if time(shanghaiTime) { return .shanghai }
    if at(mergeNetsplitBlock) || terminalTotalDifficulty == .zero { return .paris }
    if let ttd = terminalTotalDifficulty, let td = parentTotalDifficulty, td >= ttd { return .paris }
    if at(londonBlock) { return .london }
    if at(berlinBlock) { return .berlin }
    if at(istanbulBlock) { return .istanbul }
    if at(petersburgBlock) { return .petersburg }
    if at(constantinopleBlock) { return .constantinople }
    if at(byzantiumBlock) { return .byzantium }
    if at(eip158Block) { return .spuriousDragon }
    if at(eip150Block) { return .tangerineWhistle }
    if at(homesteadBlock) { return .homestead }
    return .frontier
  }

  /// The blob parameters in force for a block of `fork` at `timestamp`: the latest scheduled
  /// blob-parameter-only fork that has begun, else the fork's own entry of the schedule, else the
  /// nearest earlier fork's, else Cancun's (and Prague's for Prague and later, EIP-7691).
  public func blobParameters(_ fork: Fork, timestamp: UInt64) -> BlobParameters {
    if fork >= .osaka {
      for n in stride(from: bpoTimes.count, through: 1, by: -1) {
        if let t = bpoTimes[n - 1], timestamp >= t, let p = blobSchedule["bpo\(n)"] { return p }
      }
    }
    return blobParameters(fork)
  }

  /// The blob parameters of `fork` itself, without blob-parameter-only forks (Cancun's when the
  /// schedule does not say; Prague's EIP-7691 values from Prague).
  public func blobParameters(_ fork: Fork) -> BlobParameters {
    if fork >= .osaka, let p = blobSchedule["osaka"] { return p }
    if fork >= .prague { return blobSchedule["prague"] ?? .prague }
    return blobSchedule["cancun"] ?? .cancun
  }

  /// The name of the fork whose rules and blob parameters apply at this number and time, as the
  /// fixtures and geth's genesis spell it (`Cancun`, `Prague`, `Osaka`, `BPO1`, …): for display.
  public func forkName(number: UInt64, timestamp: UInt64, parentTotalDifficulty: U256? = nil) -> String {
    let fork = fork(number: number, timestamp: timestamp, parentTotalDifficulty: parentTotalDifficulty)
    if fork >= .osaka {
      for n in stride(from: bpoTimes.count, through: 1, by: -1) {
        if let t = bpoTimes[n - 1], timestamp >= t { return "BPO\(n)" }
      }
    }
    return "\(fork)".prefix(1).uppercased() + "\(fork)".dropFirst()
  }
}

extension ChainConfig {
  /// The schedule a genesis file's `config` describes.
  public init(_ g: GenesisConfig) {
    self.init(chainID: g.chainId ?? 1)
    homesteadBlock = g.block("homesteadBlock")
    daoForkBlock = g.block("daoForkBlock")
    daoForkSupport = g.daoForkSupport ?? false
    eip150Block = g.block("eip150Block")
    eip155Block = g.block("eip155Block")
    eip158Block = g.block("eip158Block")
    byzantiumBlock = g.block("byzantiumBlock")
    constantinopleBlock = g.block("constantinopleBlock")
    petersburgBlock = g.block("petersburgBlock")
    istanbulBlock = g.block("istanbulBlock")
    berlinBlock = g.block("berlinBlock")
    londonBlock = g.block("londonBlock")
    mergeNetsplitBlock = g.block("mergeNetsplitBlock")
    terminalTotalDifficulty = g.terminalTotalDifficulty
    shanghaiTime = g.time("shanghaiTime")
    cancunTime = g.time("cancunTime")
    pragueTime = g.time("pragueTime")
    osakaTime = g.time("osakaTime")
    for n in 1...5 { bpoTimes[n - 1] = g.time("bpo\(n)Time") }
    depositContractAddress = g.depositContractAddress
    for (name, p) in g.blobSchedule {
      blobSchedule[name.lowercased()] = BlobParameters(target: p.target, max: p.max, baseFeeUpdateFraction: p.baseFeeUpdateFraction)
    }
  }
}
