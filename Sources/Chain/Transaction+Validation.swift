import Cryptography
import EVM
import Primitives

extension Transaction {
  /// EIP-3860: the largest initcode a creation may carry (2 × the EIP-170 code limit).
  public static let maxInitcodeSize = 49_152
  /// EIP-7825 (Osaka): the largest gas limit a transaction may carry, 2²⁴.
  public static let maxGasLimit: UInt64 = 1 << 24
  /// EIP-7594 (Osaka): the most blobs one transaction may carry.
  public static let maxBlobsPerTransaction = 6

  /// The gas charged before execution starts.
  ///
  /// 21,000; +32,000 for a creation from Homestead; 4 per zero byte and 68 (16 from Istanbul,
  /// EIP-2028) per non-zero byte of data; 2,400 per access-list address and 1,900 per storage
  /// key (EIP-2930); 2 per initcode word from Shanghai (EIP-3860); 25,000 per authorization
  /// (EIP-7702).
  /// - Complexity: O(data.count + access-list size).
  public func intrinsicGas(fork: Fork) -> UInt64 {
    var gas: UInt64 = 21_000
    if isCreate && fork >= .homestead { gas += 32_000 }
    let zeros = UInt64(data.count { $0 == 0 })
    let nonZeros = UInt64(data.count) - zeros
    gas += zeros * 4 + nonZeros * (fork >= .istanbul ? 16 : 68)
    for entry in accessList {
      gas += 2_400 + 1_900 * UInt64(entry.storageKeys.count)
    }
    if isCreate && fork >= .shanghai {
      gas += 2 * UInt64((data.count + 31) / 32)
    }
    gas += 25_000 * UInt64(authorizationList.count)
    return gas
  }

  /// EIP-7623 (Prague): the least gas a transaction pays, 21,000 + 10 per calldata token (a zero
  /// byte is one token, a non-zero byte four).
  public func floorDataGas() -> UInt64 {
    let zeros = UInt64(data.count { $0 == 0 })
    let tokens = zeros + 4 * (UInt64(data.count) - zeros)
    return 21_000 + 10 * tokens
  }

  /// The checks that need neither state nor the block: `validateSignature` then `validateFields`.
  /// The public-key recovery itself is `sender(fork:)`; clients order the three as
  /// `validateSignature`, `sender`, `validateFields`.
  /// - Throws: `TransactionError` naming the first rule broken.
  public func validate(fork: Fork, chainID expectedChainID: U256) throws(TransactionError) {
    try validateSignature(fork: fork, chainID: expectedChainID)
    try validateFields(fork: fork)
  }

  /// The type is enabled in `fork`, the signature's chain id is `chainID` (EIP-155 for legacy
  /// from Spurious Dragon on), and v, r and s are in range (low s from Homestead on, EIP-2).
  /// - Throws: `TransactionError` naming the first rule broken.
  public func validateSignature(fork: Fork, chainID expectedChainID: U256) throws(TransactionError) {
    switch type {
    case .legacy: break
    case .accessList: if fork < .berlin { throw .typeNotActive(type) }
    case .dynamicFee: if fork < .london { throw .typeNotActive(type) }
    case .blob: if fork < .cancun { throw .typeNotActive(type) }
    case .setCode: if fork < .prague { throw .typeNotActive(type) }
    }
    if type == .legacy {
      if let chainID {
        // EIP-155 signatures are valid from Spurious Dragon on.
        if fork < .spuriousDragon { throw .replayProtectionNotActive }
        if chainID != expectedChainID { throw .wrongChainID(expected: expectedChainID, got: chainID) }
      }
    } else {
      let got = chainID ?? .zero
      if got != expectedChainID { throw .wrongChainID(expected: expectedChainID, got: got) }
    }
    // Before any gas rule, as clients report them.
    try checkSignatureValues(lowS: fork >= .homestead)
  }

  /// The nonce is below 2⁶⁴ − 1, the initcode within the EIP-3860 limit, the gas limit within the
  /// EIP-7825 cap (Osaka) and covering the intrinsic gas (and the EIP-7623 floor from Prague), fees are consistent and their product with
  /// the gas limit fits in 256 bits, and blob and set-code lists are well formed.
  /// - Throws: `TransactionError` naming the first rule broken.
  public func validateFields(fork: Fork) throws(TransactionError) {
    // EIP-2681: the nonce stays below 2⁶⁴ − 1.
    if nonce == UInt64.max { throw .nonceTooHigh }
    // EIP-3860: initcode size limit from Shanghai.
    if isCreate && fork >= .shanghai && data.count > Transaction.maxInitcodeSize {
      throw .initcodeTooLarge(size: data.count, limit: Transaction.maxInitcodeSize)
    }
    if fork >= .osaka && gasLimit > Transaction.maxGasLimit {
      throw .gasLimitAboveCap(gasLimit: gasLimit, cap: Transaction.maxGasLimit)
    }
    let intrinsic = intrinsicGas(fork: fork)
    if gasLimit < intrinsic { throw .intrinsicGasTooLow(gasLimit: gasLimit, required: intrinsic) }
    if fork >= .prague {
      let floor = floorDataGas()
      if gasLimit < floor { throw .intrinsicGasTooLow(gasLimit: gasLimit, required: floor) }
    }
    if type != .legacy && type != .accessList && maxFeePerGas < maxPriorityFeePerGas {
      throw .priorityFeeAboveFeeCap(priority: maxPriorityFeePerGas, feeCap: maxFeePerGas)
    }
    if feeCap.multipliedReportingOverflow(by: U256(gasLimit)).overflow { throw .gasCostOverflow }
    if type == .blob {
      if blobVersionedHashes.isEmpty { throw .noBlobs }
      if fork >= .osaka && blobVersionedHashes.count > Transaction.maxBlobsPerTransaction {
        throw .tooManyBlobs(count: blobVersionedHashes.count, max: Transaction.maxBlobsPerTransaction)
      }
      for (i, h) in blobVersionedHashes.enumerated() where h.withUnsafeBytes({ $0[0] }) != 0x01 {
        throw .invalidBlobHashVersion(index: i)
      }
    }
    if type == .setCode && authorizationList.isEmpty { throw .emptyAuthorizationList }
  }
}
