import Foundation
import Primitives
import Testing
@testable import Chain

/// Extreme genesis values reach the header rules as ordinary numbers: they are rejected or
/// saturated, never an arithmetic trap.
@Suite struct HeaderValidatorLimitsTests {
  /// Berlin at genesis, London from block 1: the first London block doubles the parent's limit.
  func londonAtOne() -> ChainConfig {
    var c = ChainConfig.allActive(upTo: .berlin)
    c.londonBlock = 1
    return c
  }

  func child(of parent: Header, gasLimit: UInt64, baseFee: U256?) -> Header {
    Header(parentHash: parent.hash, difficulty: parent.difficulty, number: parent.number + 1, gasLimit: gasLimit,
           timestamp: parent.timestamp + 12, baseFeePerGas: baseFee)
  }

  @Test(arguments: [UInt64(1) << 63, (UInt64(1) << 63) + 12_345, UInt64.max])
  func londonTransitionFromHugeGenesisGasLimit(genesisLimit: UInt64) {
    let parent = Header(difficulty: U256(1), number: 0, gasLimit: genesisLimit, timestamp: 1)
    for limit in [HeaderValidator.maxGasLimit, HeaderValidator.maxGasLimit / 2, 30_000_000] {
      let header = child(of: parent, gasLimit: limit, baseFee: U256(HeaderValidator.initialBaseFee))
      // The doubled parent limit is at least 2^64: no child limit is within 1/1024 of it.
      #expect(throws: BlockError.invalidHeader(.gasLimitTooFarFromDoubledParent(gasLimit: limit, parentLimit: genesisLimit))) {
        try HeaderValidator.validate(header, parent: parent, config: londonAtOne())
      }
    }
  }

  @Test func hugeGenesisGasLimitAfterLondon() {
    let config = ChainConfig.allActive(upTo: .london)
    let parent = Header(difficulty: U256(1), number: 0, gasLimit: .max, timestamp: 1, baseFeePerGas: U256(7))
    let header = child(of: parent, gasLimit: HeaderValidator.maxGasLimit,
                       baseFee: HeaderValidator.expectedBaseFee(parent: parent, parentIsLondon: true))
    #expect(throws: BlockError.invalidHeader(.gasLimitTooFarFromParent(gasLimit: HeaderValidator.maxGasLimit, parentLimit: .max))) {
      try HeaderValidator.validate(header, parent: parent, config: config)
    }
    // A child's own limit above 2^63-1 is named as such.
    let over = child(of: parent, gasLimit: .max, baseFee: header.baseFeePerGas)
    #expect(throws: BlockError.invalidHeader(.gasLimitAboveMaximum(.max))) {
      try HeaderValidator.validate(over, parent: parent, config: config)
    }
    #expect(HeaderRule.gasLimitAboveMaximum(.max).description == "gasLimit 18446744073709551615 above 2^63-1")
  }

  /// A schedule whose blob gas overflows 64 bits, built in code (a genesis file is rejected
  /// earlier): the limits saturate, and a header with no blobs is judged as before.
  @Test(arguments: [UInt64.max, UInt64.max / HeaderValidator.gasPerBlob + 1, UInt64(1) << 50])
  func hugeBlobSchedule(blobs: UInt64) throws {
    var config = ChainConfig.allActive(upTo: .cancun)
    config.blobSchedule["cancun"] = .init(target: blobs, max: blobs, baseFeeUpdateFraction: 3_338_477)
    let parent = Header(number: 0, gasLimit: 30_000_000, timestamp: 1, baseFeePerGas: U256(7),
                        withdrawalsRoot: .emptyTrieRoot, blobGasUsed: .max - 5, excessBlobGas: 3,
                        parentBeaconBlockRoot: .zero)
    #expect(HeaderValidator.expectedExcessBlobGas(parent: parent, parentIsCancun: true, target: blobs) == 0)
    var header = child(of: parent, gasLimit: 30_000_000,
                       baseFee: HeaderValidator.expectedBaseFee(parent: parent, parentIsLondon: true))
    header.withdrawalsRoot = .emptyTrieRoot
    header.parentBeaconBlockRoot = .zero
    header.blobGasUsed = 0
    header.excessBlobGas = 0
    try HeaderValidator.validate(header, parent: parent, config: config)
    header.excessBlobGas = 1
    #expect(throws: BlockError.mismatch(.excessBlobGas, expected: .number(0), got: .number(1))) {
      try HeaderValidator.validate(header, parent: parent, config: config)
    }
  }

  @Test func blobGasSaturates() {
    #expect(HeaderValidator.blobGas(blobs: 6) == 786_432)
    #expect(HeaderValidator.blobGas(blobs: UInt64.max / HeaderValidator.gasPerBlob)
      == UInt64.max / HeaderValidator.gasPerBlob * HeaderValidator.gasPerBlob)
    #expect(HeaderValidator.blobGas(blobs: UInt64.max / HeaderValidator.gasPerBlob + 1) == .max)
  }

  /// The blob base fee saturates instead of wrapping, and ends quickly for any 64-bit excess.
  @Test func blobBaseFeeSaturates() {
    #expect(HeaderValidator.blobBaseFee(excessBlobGas: 0, updateFraction: 3_338_477) == .one)
    #expect(HeaderValidator.blobBaseFee(excessBlobGas: .max, updateFraction: 1) == .max)
    #expect(HeaderValidator.blobBaseFee(excessBlobGas: .max, updateFraction: 3_338_477) == .max)
    #expect(HeaderValidator.blobBaseFee(excessBlobGas: 1 << 40, updateFraction: 3_338_477) == .max)
    #expect(HeaderValidator.blobBaseFee(excessBlobGas: 12_345, updateFraction: 0) == .zero)
    // e^x stays exact while it fits: 2^126 < e^88 < 2^127, below the saturation bound.
    let fee = HeaderValidator.blobBaseFee(excessBlobGas: 88 * 3_338_477, updateFraction: 3_338_477)
    #expect(fee != .max && fee > U256(1) << 126 && fee < U256(1) << 127)
    // Monotone across the range where the series starts to overflow.
    var last = U256.zero
    for x in stride(from: UInt64(0), through: 400, by: 10) {
      let f = HeaderValidator.blobBaseFee(excessBlobGas: x * 3_338_477, updateFraction: 3_338_477)
      #expect(f >= last, "x = \(x)")
      last = f
    }
  }

  func genesis(blobSchedule: String, gasLimit: String = "0x1c9c380") -> Data {
    Data("""
      {"config": {"chainId": 1, "cancunTime": 0, "blobSchedule": {"cancun": \(blobSchedule)}},
       "gasLimit": "\(gasLimit)", "difficulty": "0x0", "alloc": {}}
      """.utf8)
  }

  @Test(arguments: [
    (#"{"target": 3, "max": 6, "baseFeeUpdateFraction": 0}"#, "baseFeeUpdateFraction"),
    (#"{"target": 3, "max": 18446744073709551615, "baseFeeUpdateFraction": 3338477}"#, "max"),
    (#"{"target": 140737488355328, "max": 6, "baseFeeUpdateFraction": 3338477}"#, "target"),
  ])
  func genesisRejectsUnusableBlobSchedule(schedule: String, field: String) {
    do {
      _ = try GenesisFile.decode(genesis(blobSchedule: schedule))
      Issue.record("accepted \(schedule)")
    } catch {
      #expect("\(error)".contains("blobSchedule") && "\(error)".contains(field), "\(error)")
    }
  }

  @Test func genesisAcceptsAnyGasLimitAndLargestBlobSchedule() throws {
    let limit = UInt64.max / HeaderValidator.gasPerBlob
    let g = try GenesisFile.decode(genesis(
      blobSchedule: #"{"target": \#(limit), "max": \#(limit), "baseFeeUpdateFraction": 1}"#, gasLimit: "0xffffffffffffffff"))
    #expect(g.gasLimit == .max)
    #expect(g.chainConfig.blobParameters(.cancun).max == limit)
  }
}
