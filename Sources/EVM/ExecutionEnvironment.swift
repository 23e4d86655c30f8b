import Primitives

/// What the block gives every transaction in it.
public struct BlockEnv: Sendable {
  public var fork: Fork
  public var coinbase: Address
  public var number: UInt64
  public var timestamp: UInt64
  public var gasLimit: UInt64
  /// PREVRANDAO (the header's mix hash since Paris; DIFFICULTY reads it before).
  public var prevRandao: Hash
  /// DIFFICULTY before Paris.
  public var difficulty: U256
  public var baseFee: U256
  public var chainID: U256
  /// EIP-7516 / EIP-4844: the blob base fee derived from the header's excess blob gas.
  public var blobBaseFee: U256

  public init(fork: Fork = .cancun, coinbase: Address = .zero, number: UInt64 = 0, timestamp: UInt64 = 0,
              gasLimit: UInt64 = 30_000_000, prevRandao: Hash = .zero, difficulty: U256 = .zero,
              baseFee: U256 = .zero, chainID: U256 = 1, blobBaseFee: U256 = 1) {
    self.fork = fork; self.coinbase = coinbase; self.number = number; self.timestamp = timestamp
    self.gasLimit = gasLimit; self.prevRandao = prevRandao; self.difficulty = difficulty
    self.baseFee = baseFee; self.chainID = chainID; self.blobBaseFee = blobBaseFee
  }
}

/// One entry of an EIP-2930 access list.
public struct AccessListEntry: Sendable, Hashable {
  public var address: Address
  public var storageKeys: [U256]
  public init(address: Address, storageKeys: [U256] = []) {
    self.address = address; self.storageKeys = storageKeys
  }
}

/// One EIP-7702 authorization as the EVM applies it, its signer recovered beforehand.
public struct AuthorizationEnv: Sendable, Equatable {
  public var chainID: U256
  /// The address whose code the authority delegates to (zero: clear the delegation).
  public var address: Address
  public var nonce: UInt64
  /// The signer; nil when the signature does not recover (the tuple is skipped).
  public var authority: Address?
  public init(chainID: U256, address: Address, nonce: UInt64, authority: Address?) {
    self.chainID = chainID; self.address = address; self.nonce = nonce; self.authority = authority
  }
}

/// What one transaction asks of the EVM, after signature recovery.
public struct TxEnv: Sendable {
  /// The sender (ORIGIN, and CALLER of the outermost frame).
  public var caller: Address
  /// nil for a contract creation.
  public var to: Address?
  public var value: U256
  public var data: [UInt8]
  public var gasLimit: UInt64
  /// The effective gas price: what the sender pays per gas (legacy gasPrice, or
  /// min(maxFeePerGas, baseFee + maxPriorityFeePerGas)). GASPRICE reads it.
  public var gasPrice: U256
  /// The fee cap used for the upfront balance check (EIP-1559); defaults to `gasPrice`.
  public var maxFeePerGas: U256?
  /// EIP-4844 blob fee cap used for the upfront balance check; the blob fee paid uses the block's
  /// blob base fee.
  public var maxFeePerBlobGas: U256
  public var blobHashes: [Hash]
  public var accessList: [AccessListEntry]
  /// When set, checked against the sender's nonce (a mismatch is `.invalid(.nonce…)`); when nil
  /// the nonce is not checked (Block-STM checks it itself), but still incremented.
  public var nonce: UInt64?
  /// EIP-7702: a set-code transaction's authorizations, in order.
  public var authorizations: [AuthorizationEnv]

  public init(caller: Address, to: Address?, value: U256 = .zero, data: [UInt8] = [],
              gasLimit: UInt64, gasPrice: U256 = .zero, maxFeePerGas: U256? = nil,
              maxFeePerBlobGas: U256 = .zero, blobHashes: [Hash] = [],
              accessList: [AccessListEntry] = [], nonce: UInt64? = nil, authorizations: [AuthorizationEnv] = []) {
    self.caller = caller; self.to = to; self.value = value; self.data = data
    self.gasLimit = gasLimit; self.gasPrice = gasPrice; self.maxFeePerGas = maxFeePerGas
    self.maxFeePerBlobGas = maxFeePerBlobGas; self.blobHashes = blobHashes
    self.accessList = accessList; self.nonce = nonce; self.authorizations = authorizations
  }
}
