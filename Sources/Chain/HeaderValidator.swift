import EVM
import Primitives

/// Header rules checked against the parent header before any transaction runs.
public enum HeaderValidator {
  public static let gasLimitBoundDivisor: UInt64 = 1024
  public static let minGasLimit: UInt64 = 5000
  public static let maxGasLimit: UInt64 = 0x7fff_ffff_ffff_ffff
  public static let elasticityMultiplier: UInt64 = 2
  public static let baseFeeChangeDenominator: UInt64 = 8
  public static let initialBaseFee: UInt64 = 1_000_000_000
  /// EIP-4844.
  public static let gasPerBlob: UInt64 = 131_072
  public static let minBlobBaseFee: UInt64 = 1

  /// Checks `header` against `parent` under `config`.
  /// - Throws: `BlockError.invalidHeader` naming the rule, with both values where there are two.
  public static func validate(_ header: Header, parent: Header, config: ChainConfig) throws(BlockError) {
    let fork = config.fork(number: header.number, timestamp: header.timestamp)
    let parentFork = config.fork(number: parent.number, timestamp: parent.timestamp)
    guard header.number == parent.number &+ 1 else {
      throw .invalidHeader("number \(header.number) does not follow parent \(parent.number)")
    }
    guard header.timestamp > parent.timestamp else {
      throw .invalidHeader("timestamp \(header.timestamp) not after parent's \(parent.timestamp)")
    }
    guard header.extraData.count <= 32 else {
      throw .invalidHeader("extraData of \(header.extraData.count) bytes exceeds 32")
    }
    guard header.gasUsed <= header.gasLimit else {
      throw .invalidHeader("gasUsed \(header.gasUsed) exceeds gasLimit \(header.gasLimit)")
    }
    guard header.gasLimit <= maxGasLimit else { throw .invalidHeader("gasLimit \(header.gasLimit) above 2^63-1") }

    // Gas limit may move by less than 1/1024 of the parent's (the first London block doubles
    // the parent's limit to keep the same target).
    var parentLimit = parent.gasLimit
    if fork >= .london && parentFork < .london { parentLimit *= elasticityMultiplier }
    let bound = parentLimit / gasLimitBoundDivisor
    let diff = header.gasLimit > parentLimit ? header.gasLimit - parentLimit : parentLimit - header.gasLimit
    guard diff < bound, header.gasLimit >= minGasLimit else {
      throw .invalidHeader("gasLimit \(header.gasLimit) too far from parent's \(parentLimit)")
    }

    if fork >= .london {
      guard let baseFee = header.baseFeePerGas else { throw .invalidHeader("baseFeePerGas missing") }
      let expected = expectedBaseFee(parent: parent, parentIsLondon: parentFork >= .london)
      guard baseFee == expected else {
        throw .mismatch(.baseFeePerGas, expected: .quantity(expected), got: .quantity(baseFee))
      }
    } else if header.baseFeePerGas != nil {
      throw .invalidHeader("baseFeePerGas before London")
    }

    if fork >= .paris {
      guard header.difficulty.isZero else { throw .invalidHeader("difficulty \(header.difficulty) after the merge") }
      guard header.nonce == 0 else { throw .invalidHeader("nonce \(header.nonce) after the merge") }
      guard header.ommersHash == Header.emptyOmmersHash else { throw .invalidHeader("ommers hash not empty after the merge") }
    }

    if fork >= .shanghai {
      guard header.withdrawalsRoot != nil else { throw .invalidHeader("withdrawalsRoot missing") }
    } else if header.withdrawalsRoot != nil {
      throw .invalidHeader("withdrawalsRoot before Shanghai")
    }

    if fork >= .cancun {
      guard let blobGasUsed = header.blobGasUsed, let excess = header.excessBlobGas else {
        throw .invalidHeader("blobGasUsed or excessBlobGas missing")
      }
      guard header.parentBeaconBlockRoot != nil else { throw .invalidHeader("parentBeaconBlockRoot missing") }
      let params = config.blobParameters(fork)
      guard blobGasUsed <= params.max * gasPerBlob else {
        throw .invalidHeader("blobGasUsed \(blobGasUsed) above the maximum \(params.max * gasPerBlob)")
      }
      guard blobGasUsed % gasPerBlob == 0 else { throw .invalidHeader("blobGasUsed \(blobGasUsed) not a multiple of \(gasPerBlob)") }
      let expected = expectedExcessBlobGas(parent: parent, parentIsCancun: parentFork >= .cancun, target: params.target)
      guard excess == expected else {
        throw .mismatch(.excessBlobGas, expected: .number(expected), got: .number(excess))
      }
    } else if header.blobGasUsed != nil || header.excessBlobGas != nil || header.parentBeaconBlockRoot != nil {
      throw .invalidHeader("blob gas fields or beacon root before Cancun")
    }
    if fork < .prague && header.requestsHash != nil { throw .invalidHeader("requestsHash before Prague") }
  }

  /// EIP-1559: the base fee a child of `parent` must carry.
  public static func expectedBaseFee(parent: Header, parentIsLondon: Bool) -> U256 {
    guard parentIsLondon, let parentBaseFee = parent.baseFeePerGas else { return U256(initialBaseFee) }
    let target = parent.gasLimit / elasticityMultiplier
    if parent.gasUsed == target || target == 0 { return parentBaseFee }
    if parent.gasUsed > target {
      let delta = parentBaseFee &* U256(parent.gasUsed - target) / U256(target) / U256(baseFeeChangeDenominator)
      return parentBaseFee &+ (delta < .one ? .one : delta)
    }
    let delta = parentBaseFee &* U256(target - parent.gasUsed) / U256(target) / U256(baseFeeChangeDenominator)
    return delta > parentBaseFee ? .zero : parentBaseFee &- delta
  }

  /// EIP-4844: the excess blob gas a child of `parent` must carry.
  public static func expectedExcessBlobGas(parent: Header, parentIsCancun: Bool, target: UInt64) -> UInt64 {
    guard parentIsCancun else { return 0 }
    let sum = (parent.excessBlobGas ?? 0) &+ (parent.blobGasUsed ?? 0)
    let targetGas = target * gasPerBlob
    return sum < targetGas ? 0 : sum - targetGas
  }

  /// EIP-4844: the blob base fee for a block with `excessBlobGas`.
  public static func blobBaseFee(excessBlobGas: UInt64, updateFraction: UInt64) -> U256 {
    fakeExponential(factor: U256(minBlobBaseFee), numerator: U256(excessBlobGas), denominator: U256(updateFraction))
  }

  /// factor × e^(numerator/denominator), by the Taylor series EIP-4844 specifies.
  public static func fakeExponential(factor: U256, numerator: U256, denominator: U256) -> U256 {
    var i = U256.one
    var output = U256.zero
    var accum = factor &* denominator
    while !accum.isZero {
      output = output &+ accum
      accum = accum &* numerator / (denominator &* i)
      i = i &+ .one
    }
    return output / denominator
  }
}
