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

  /// Checks `header` against `parent` under `config`; `parentTotalDifficulty`, when known,
  /// selects Paris by the terminal total difficulty (a PoW block after it is rejected).
  /// - Throws: `BlockError.invalidHeader` with the `HeaderRule` broken and its values, or
  ///   `BlockError.mismatch` for a wrong base fee or excess blob gas.
  public static func validate(_ header: Header, parent: Header, config: ChainConfig,
                              parentTotalDifficulty: U256? = nil) throws(BlockError) {
    let fork = config.fork(number: header.number, timestamp: header.timestamp, parentTotalDifficulty: parentTotalDifficulty)
    let parentFork = config.fork(number: parent.number, timestamp: parent.timestamp)
    guard header.number == parent.number &+ 1 else {
      throw .invalidHeader(.numberNotFollowingParent(number: header.number, parent: parent.number))
    }
    guard header.timestamp > parent.timestamp else {
      throw .invalidHeader(.timestampNotAfterParent(timestamp: header.timestamp, parent: parent.timestamp))
    }
    guard header.extraData.count <= 32 else {
      throw .invalidHeader(.extraDataTooLong(size: header.extraData.count))
    }
    try checkDAOExtraData(header, config: config)
    guard header.gasUsed <= header.gasLimit else {
      throw .invalidHeader(.gasUsedAboveGasLimit(gasUsed: header.gasUsed, gasLimit: header.gasLimit))
    }
    guard header.gasLimit <= maxGasLimit else { throw .invalidHeader(.gasLimitAboveMaximum(header.gasLimit)) }

    // Gas limit may move by less than 1/1024 of the parent's (the first London block doubles
    // the parent's limit to keep the same target).
    // A genesis may carry any 64-bit gasLimit: doubling one of 2^63 or more overflows. geth's
    // uint64 multiply wraps there; the exact product is at least 2^64, so no child limit (at most
    // 2^63-1, checked above) is within 1/1024 of it: reject, as exact arithmetic does.
    var parentLimit = parent.gasLimit
    if fork >= .london && parentFork < .london {
      let (doubled, overflow) = parentLimit.multipliedReportingOverflow(by: elasticityMultiplier)
      guard !overflow else {
        throw .invalidHeader(.gasLimitTooFarFromDoubledParent(gasLimit: header.gasLimit, parentLimit: parent.gasLimit))
      }
      parentLimit = doubled
    }
    let bound = parentLimit / gasLimitBoundDivisor
    let diff = header.gasLimit > parentLimit ? header.gasLimit - parentLimit : parentLimit - header.gasLimit
    guard diff < bound, header.gasLimit >= minGasLimit else {
      throw .invalidHeader(.gasLimitTooFarFromParent(gasLimit: header.gasLimit, parentLimit: parentLimit))
    }

    if fork >= .london {
      guard let baseFee = header.baseFeePerGas else { throw .invalidHeader(.baseFeeMissing) }
      let expected = expectedBaseFee(parent: parent, parentIsLondon: parentFork >= .london)
      guard baseFee == expected else {
        throw .mismatch(.baseFeePerGas, expected: .quantity(expected), got: .quantity(baseFee))
      }
    } else if header.baseFeePerGas != nil {
      throw .invalidHeader(.baseFeeBeforeLondon)
    }

    // The Merge by total difficulty: until the parent reaches it, blocks are proof of work.
    if fork < .paris, let terminal = config.terminalTotalDifficulty, let td = parentTotalDifficulty,
       header.difficulty.isZero {
      throw .invalidHeader(.proofOfStakeBeforeTerminalDifficulty(parentTotalDifficulty: td, terminal: terminal))
    }
    if fork >= .paris {
      guard header.difficulty.isZero else { throw .invalidHeader(.difficultyAfterMerge(header.difficulty)) }
      guard header.nonce == 0 else { throw .invalidHeader(.nonceAfterMerge(header.nonce)) }
      guard header.ommersHash == Header.emptyOmmersHash else { throw .invalidHeader(.ommersHashAfterMerge(header.ommersHash)) }
    }

    if fork >= .shanghai {
      guard header.withdrawalsRoot != nil else { throw .invalidHeader(.withdrawalsRootMissing) }
    } else if header.withdrawalsRoot != nil {
      throw .invalidHeader(.withdrawalsRootBeforeShanghai)
    }

    if fork >= .cancun {
      guard let blobGasUsed = header.blobGasUsed, let excess = header.excessBlobGas else {
        throw .invalidHeader(.blobGasFieldsMissing)
      }
      guard header.parentBeaconBlockRoot != nil else { throw .invalidHeader(.parentBeaconBlockRootMissing) }
      let params = config.blobParameters(fork, timestamp: header.timestamp)
      let maxBlobGas = blobGas(blobs: params.max)
      guard blobGasUsed <= maxBlobGas else {
        throw .invalidHeader(.blobGasUsedAboveMaximum(used: blobGasUsed, max: maxBlobGas))
      }
      guard blobGasUsed % gasPerBlob == 0 else { throw .invalidHeader(.blobGasUsedNotMultipleOfBlob(blobGasUsed)) }
      let expected = expectedExcessBlobGas(parent: parent, parentIsCancun: parentFork >= .cancun, target: params.target)
      guard excess == expected else {
        throw .mismatch(.excessBlobGas, expected: .number(expected), got: .number(excess))
      }
    } else if header.blobGasUsed != nil || header.excessBlobGas != nil || header.parentBeaconBlockRoot != nil {
      throw .invalidHeader(.cancunFieldsBeforeCancun)
    }
    if fork >= .prague {
      guard header.requestsHash != nil else { throw .invalidHeader(.requestsHashMissing) }
    } else if header.requestsHash != nil {
      throw .invalidHeader(.requestsHashBeforePrague)
    }
  }

  /// The DAO fork's extra-data rule (geth's `VerifyDAOHeaderExtraData`): blocks in
  /// [daoForkBlock, daoForkBlock + 10) carry "dao-hard-fork" on a supporting chain and must
  /// not on an opposing one.
  public static func checkDAOExtraData(_ header: Header, config: ChainConfig) throws(BlockError) {
    guard let fork = config.daoForkBlock, header.number >= fork,
          header.number - fork < DAOFork.extraDataRange else { return }
    let marked = header.extraData.elementsEqual(DAOFork.extraData)
    guard marked == config.daoForkSupport else {
      throw .invalidHeader(.daoForkExtraData(supporting: config.daoForkSupport))
    }
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
    // The sum wraps as geth's uint64 addition does (both come from validated headers, or from
    // the genesis).
    let sum = (parent.excessBlobGas ?? 0) &+ (parent.blobGasUsed ?? 0)
    let targetGas = blobGas(blobs: target)
    return sum < targetGas ? 0 : sum - targetGas
  }

  /// The blob gas of `blobs` blobs, saturated at `UInt64.max`: a schedule's `target` or `max` is
  /// any 64-bit number in a genesis file, and the saturated value compares with any 64-bit gas
  /// amount exactly as the true product would (except equality at the maximum, where both
  /// `blobGasUsed ≤ max` and `excess − target = 0` still give the exact result).
  public static func blobGas(blobs: UInt64) -> UInt64 {
    let (product, overflow) = blobs.multipliedReportingOverflow(by: gasPerBlob)
    return overflow ? .max : product
  }

  /// EIP-4844: the blob base fee for a block with `excessBlobGas`.
  public static func blobBaseFee(excessBlobGas: UInt64, updateFraction: UInt64) -> U256 {
    fakeExponential(factor: U256(minBlobBaseFee), numerator: U256(excessBlobGas), denominator: U256(updateFraction))
  }

  /// factor × e^(numerator/denominator), by the Taylor series EIP-4844 specifies, saturated at
  /// `U256.max`.
  ///
  /// The specification computes with unbounded integers; this one with 256 bits, and returns
  /// `U256.max` where an intermediate would overflow. For the 64-bit numerator and denominator
  /// a header and a chain config carry (excess blob gas, update fraction) every intermediate is
  /// below 2^64 × 2^64 × result, so any result below 2^128 (wei per blob gas) is exact; above it
  /// the fee is saturated, not wrapped. Saturating also bounds the loop: a huge exponent (a
  /// genesis with an enormous `excessBlobGas`) overflows within a few hundred terms instead of
  /// climbing for numerator/denominator of them. A zero denominator (`baseFeeUpdateFraction` 0,
  /// which `GenesisFile` rejects) gives zero.
  public static func fakeExponential(factor: U256, numerator: U256, denominator: U256) -> U256 {
    guard !denominator.isZero else { return .zero }
    var i = U256.one
    var output = U256.zero
    var (accum, overflow) = factor.multipliedReportingOverflow(by: denominator)
    guard !overflow else { return .max }
    while !accum.isZero {
      (output, overflow) = output.addingReportingOverflow(accum)
      guard !overflow else { return .max }
      let (product, productOverflow) = accum.multipliedReportingOverflow(by: numerator)
      guard !productOverflow else { return .max }
      // A divisor past 2^256 exceeds the product: the term, and all after it, are zero.
      let (divisor, divisorOverflow) = denominator.multipliedReportingOverflow(by: i)
      accum = divisorOverflow ? .zero : product / divisor
      i = i &+ .one
    }
    return output / denominator
  }
}
