import Execution
import Primitives
import State

/// A header field a block's contents or execution must match.
public enum HeaderField: String, Equatable, Sendable, CaseIterable {
  case parentHash, ommersHash, stateRoot, transactionsRoot, receiptsRoot, logsBloom
  case gasUsed, blobGasUsed, withdrawalsRoot, baseFeePerGas, excessBlobGas, requestsHash
}

/// One side of a header mismatch.
public enum HeaderValue: Equatable, Sendable, CustomStringConvertible {
  case hash(Hash)
  case bloom(Bloom)
  case number(UInt64)
  case quantity(U256)
  /// The header lacks the field.
  case absent

  public var description: String {
    switch self {
    case .hash(let h): return h.description
    case .bloom(let b): return b.description
    case .number(let n): return "\(n)"
    case .quantity(let q): return q.description
    case .absent: return "none"
    }
  }
}

/// Why a transaction makes its block invalid.
public enum TransactionFault: Equatable, Sendable, CustomStringConvertible {
  /// The block body's transaction does not decode.
  case decoding(TransactionError)
  /// A stateless rule of the fork or chain (signature range, type, intrinsic gas, …).
  case invalid(TransactionError)
  /// No sender recovers from the signature.
  case sender(TransactionError)
  /// EIP-1559: the fee cap is below the block's base fee.
  case feeCapBelowBaseFee(feeCap: U256, baseFee: U256)
  /// EIP-4844: the blob fee cap is below the block's blob base fee.
  case blobFeeCapBelowBlobBaseFee(maxFeePerBlobGas: U256, blobBaseFee: U256)
  /// The executor refused it: a block-level rule (block gas, blob gas) or the EVM's against the
  /// state (nonce, balance, …), as `ExecutionError.invalidTransaction` reports it.
  case execution(TransactionRejection)

  public var description: String {
    switch self {
    case .decoding(let e), .invalid(let e): return e.description
    case .sender(let e): return "sender recovery: \(e)"
    case .feeCapBelowBaseFee(let cap, let base): return "max fee per gas \(cap) below the base fee \(base)"
    case .blobFeeCapBelowBlobBaseFee(let cap, let base):
      return "max fee per blob gas \(cap) below the blob base fee \(base)"
    case .execution(let rejection): return rejection.description
    }
  }
}

/// A body that breaks a rule of its fork.
public enum BodyFault: Equatable, Sendable, CustomStringConvertible {
  case ommersAfterMerge
  case tooManyOmmers(Int)
  case withdrawalsMissing
  case withdrawalsBeforeShanghai

  public var description: String {
    switch self {
    case .ommersAfterMerge: return "ommers after the merge"
    case .tooManyOmmers(let n): return "\(n) ommers, at most two allowed"
    case .withdrawalsMissing: return "withdrawals missing"
    case .withdrawalsBeforeShanghai: return "withdrawals before Shanghai"
    }
  }
}

/// A header rule checked against the parent (`HeaderValidator`), with the values involved.
/// A wrong base fee or excess blob gas is a `BlockError.mismatch` instead.
public enum HeaderRule: Equatable, Sendable, CustomStringConvertible {
  case numberNotFollowingParent(number: UInt64, parent: UInt64)
  case timestampNotAfterParent(timestamp: UInt64, parent: UInt64)
  /// More than 32 bytes of extraData.
  case extraDataTooLong(size: Int)
  case gasUsedAboveGasLimit(gasUsed: UInt64, gasLimit: UInt64)
  /// Above 2^63−1 (`HeaderValidator.maxGasLimit`).
  case gasLimitAboveMaximum(UInt64)
  /// Not within 1/1024 of the parent's limit (doubled at the first London block), or below
  /// `HeaderValidator.minGasLimit`.
  case gasLimitTooFarFromParent(gasLimit: UInt64, parentLimit: UInt64)
  /// The first London block under a parent whose doubled limit exceeds 64 bits: no limit is
  /// within 1/1024 of it.
  case gasLimitTooFarFromDoubledParent(gasLimit: UInt64, parentLimit: UInt64)
  case baseFeeMissing
  case baseFeeBeforeLondon
  case difficultyAfterMerge(U256)
  case nonceAfterMerge(UInt64)
  case ommersHashAfterMerge(Hash)
  case withdrawalsRootMissing
  case withdrawalsRootBeforeShanghai
  /// Cancun: blobGasUsed or excessBlobGas is absent.
  case blobGasFieldsMissing
  case parentBeaconBlockRootMissing
  case blobGasUsedAboveMaximum(used: UInt64, max: UInt64)
  /// Not a multiple of `HeaderValidator.gasPerBlob`.
  case blobGasUsedNotMultipleOfBlob(UInt64)
  /// blobGasUsed, excessBlobGas or parentBeaconBlockRoot before Cancun.
  case cancunFieldsBeforeCancun
  case requestsHashBeforePrague
  /// Prague: requestsHash is absent.
  case requestsHashMissing
  /// In the ten blocks from the DAO fork block: extraData is not "dao-hard-fork" on a chain
  /// that supports the fork (`supporting`), or is on one that does not.
  case daoForkExtraData(supporting: Bool)
  /// A proof-of-stake block (difficulty 0) whose parent's total difficulty is still below the
  /// terminal total difficulty.
  case proofOfStakeBeforeTerminalDifficulty(parentTotalDifficulty: U256, terminal: U256)

  public var description: String {
    switch self {
    case .proofOfStakeBeforeTerminalDifficulty(let td, let terminal):
      return "difficulty 0 before the merge: parent's total difficulty \(td) below the terminal \(terminal)"
    case .daoForkExtraData(let supporting):
      return supporting ? "extraData is not \"dao-hard-fork\" within ten blocks of the DAO fork"
        : "extraData \"dao-hard-fork\" on a chain that rejected the DAO fork"
    case .numberNotFollowingParent(let n, let p): return "number \(n) does not follow parent \(p)"
    case .timestampNotAfterParent(let t, let p): return "timestamp \(t) not after parent's \(p)"
    case .extraDataTooLong(let size): return "extraData of \(size) bytes exceeds 32"
    case .gasUsedAboveGasLimit(let used, let limit): return "gasUsed \(used) exceeds gasLimit \(limit)"
    case .gasLimitAboveMaximum(let limit): return "gasLimit \(limit) above 2^63-1"
    case .gasLimitTooFarFromParent(let limit, let parent): return "gasLimit \(limit) too far from parent's \(parent)"
    case .gasLimitTooFarFromDoubledParent(let limit, let parent):
      return "gasLimit \(limit) too far from parent's \(parent) × \(HeaderValidator.elasticityMultiplier)"
    case .baseFeeMissing: return "baseFeePerGas missing"
    case .baseFeeBeforeLondon: return "baseFeePerGas before London"
    case .difficultyAfterMerge(let d): return "difficulty \(d) after the merge"
    case .nonceAfterMerge(let n): return "nonce \(n) after the merge"
    case .ommersHashAfterMerge: return "ommers hash not empty after the merge"
    case .withdrawalsRootMissing: return "withdrawalsRoot missing"
    case .withdrawalsRootBeforeShanghai: return "withdrawalsRoot before Shanghai"
    case .blobGasFieldsMissing: return "blobGasUsed or excessBlobGas missing"
    case .parentBeaconBlockRootMissing: return "parentBeaconBlockRoot missing"
    case .blobGasUsedAboveMaximum(let used, let max): return "blobGasUsed \(used) above the maximum \(max)"
    case .blobGasUsedNotMultipleOfBlob(let used):
      return "blobGasUsed \(used) not a multiple of \(HeaderValidator.gasPerBlob)"
    case .cancunFieldsBeforeCancun: return "blob gas fields or beacon root before Cancun"
    case .requestsHashBeforePrague: return "requestsHash before Prague"
    case .requestsHashMissing: return "requestsHash missing"
    }
  }
}

/// Why a block (or its header) was rejected: always the block's fault, never the store's.
/// Mismatches carry both sides.
public enum BlockError: Error, Equatable, Sendable, CustomStringConvertible {
  case rlp(RLPError)
  case transaction(index: Int, TransactionFault)
  case mismatch(HeaderField, expected: HeaderValue, got: HeaderValue)
  case invalidHeader(HeaderRule)
  case invalidBody(BodyFault)
  case unknownParent(Hash)
  /// EIP-7002/7251: a request contract has no code or its system call failed.
  case systemCall(SystemCallFault)
  /// EIP-6110: the requests cannot be read from the block's logs.
  case requests(RequestFault)

  public var description: String {
    switch self {
    case .rlp(let e): return e.description
    case .transaction(let i, let fault): return "transaction \(i): \(fault)"
    case .mismatch(let f, let e, let g): return "\(f.rawValue): got \(g), expected \(e)"
    case .invalidHeader(let r): return "invalid header: \(r)"
    case .invalidBody(let fault): return "invalid block: \(fault)"
    case .unknownParent(let h): return "unknown parent \(h)"
    case .systemCall(let f): return "invalid block: \(f)"
    case .requests(let f): return "invalid block: \(f)"
    }
  }
}

/// Why executing or committing a block failed: the block is invalid, or the state it runs
/// against could not be read. A backend failure is never reported as a bad block.
public enum BlockExecutionError: Error, Equatable, Sendable, CustomStringConvertible {
  case invalid(BlockError)
  /// The state backend failed (I/O, corruption, a bug such as a Block-STM estimate leaking out).
  case backend(StateReadError)

  /// The executor's error as the block's: an invalid transaction makes the block invalid, a
  /// state read failure is the backend's.
  public init(_ error: ExecutionError) {
    switch error {
    case .invalidTransaction(let i, let reason): self = .invalid(.transaction(index: i, .execution(reason)))
    case .state(let e): self = .backend(e)
    case .systemCall(let f): self = .invalid(.systemCall(f))
    }
  }

  /// The invalid block's or the backend's own line.
  public var description: String { "\(underlying)" }

  private var underlying: any Error {
    switch self {
    case .invalid(let e): e
    case .backend(let e): e
    }
  }
}
