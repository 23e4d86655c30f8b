#if canImport(Primitives)
import Primitives  // absent only when the fuzz harness compiles these files into one module
#endif

/// The envelope type of a transaction (EIP-2718); legacy transactions have no type byte.
public enum TransactionType: UInt8, Sendable, Hashable, CustomStringConvertible {
  case legacy = 0
  /// EIP-2930: access lists.
  case accessList = 1
  /// EIP-1559: priority fee and fee cap.
  case dynamicFee = 2
  /// EIP-4844: blob-carrying transactions (block form: versioned hashes only).
  case blob = 3
  /// EIP-7702: set-code authorizations.
  case setCode = 4

  public var description: String {
    switch self {
    case .legacy: return "legacy"
    case .accessList: return "EIP-2930"
    case .dynamicFee: return "EIP-1559"
    case .blob: return "EIP-4844"
    case .setCode: return "EIP-7702"
    }
  }
}

/// One entry of an EIP-2930 access list: an address and the storage keys warmed with it.
public struct AccessListEntry: Hashable, Sendable {
  public var address: Address
  public var storageKeys: [Hash]

  public init(address: Address, storageKeys: [Hash]) {
    self.address = address; self.storageKeys = storageKeys
  }
}

/// One EIP-7702 authorization tuple: `[chain_id, address, nonce, y_parity, r, s]`.
///
/// Decoded and hashed with its transaction; an invalid tuple (bad signature, wrong chain) does
/// not make the transaction invalid: EIP-7702 skips it at execution.
public struct Authorization: Hashable, Sendable {
  public var chainID: U256
  public var address: Address
  public var nonce: UInt64
  /// EIP-7702 allows any value below 2⁸ in the encoding; only 0 and 1 recover.
  public var yParity: UInt8
  public var r: U256
  public var s: U256

  public init(chainID: U256, address: Address, nonce: UInt64, yParity: UInt8, r: U256, s: U256) {
    self.chainID = chainID; self.address = address; self.nonce = nonce
    self.yParity = yParity; self.r = r; self.s = s
  }
}

/// A signed transaction of any type.
///
/// One struct for every type, with the fields a validator needs; fields a type does not have are
/// zero or empty. For legacy and EIP-2930 transactions the fee is `gasPrice`; for later types
/// `maxFeePerGas` and `maxPriorityFeePerGas` (use `feeCap` and `tipCap` for either).
public struct Transaction: Hashable, Sendable {
  public var type: TransactionType
  /// The chain id the signature commits to; nil for a legacy transaction without EIP-155
  /// replay protection (v = 27 or 28). For legacy transactions it is derived from v.
  public var chainID: U256?
  public var nonce: UInt64
  /// Legacy and EIP-2930 only.
  public var gasPrice: U256
  /// EIP-1559 and later.
  public var maxPriorityFeePerGas: U256
  /// EIP-1559 and later.
  public var maxFeePerGas: U256
  public var gasLimit: UInt64
  /// The recipient; nil creates a contract (not allowed for blob and set-code transactions).
  public var to: Address?
  public var value: U256
  public var data: [UInt8]
  /// EIP-2930 and later.
  public var accessList: [AccessListEntry]
  /// EIP-4844 only.
  public var maxFeePerBlobGas: U256
  /// EIP-4844 only.
  public var blobVersionedHashes: [Hash]
  /// EIP-7702 only.
  public var authorizationList: [Authorization]
  /// Legacy: v as encoded (27/28, or chainID·2 + 35/36); typed: the y parity (0 or 1).
  public var v: U256
  public var r: U256
  public var s: U256

  /// A transaction with every field zero or empty except those given; sign it before use.
  public init(
    type: TransactionType, chainID: U256? = nil, nonce: UInt64 = 0, gasPrice: U256 = .zero,
    maxPriorityFeePerGas: U256 = .zero, maxFeePerGas: U256 = .zero, gasLimit: UInt64 = 0,
    to: Address? = nil, value: U256 = .zero, data: [UInt8] = [], accessList: [AccessListEntry] = [],
    maxFeePerBlobGas: U256 = .zero, blobVersionedHashes: [Hash] = [],
    authorizationList: [Authorization] = [], v: U256 = .zero, r: U256 = .zero, s: U256 = .zero
  ) {
    self.type = type; self.chainID = chainID; self.nonce = nonce; self.gasPrice = gasPrice
    self.maxPriorityFeePerGas = maxPriorityFeePerGas; self.maxFeePerGas = maxFeePerGas
    self.gasLimit = gasLimit; self.to = to; self.value = value; self.data = data
    self.accessList = accessList; self.maxFeePerBlobGas = maxFeePerBlobGas
    self.blobVersionedHashes = blobVersionedHashes; self.authorizationList = authorizationList
    self.v = v; self.r = r; self.s = s
  }

  /// The most the sender pays per gas: `gasPrice` (legacy, EIP-2930) or `maxFeePerGas`.
  @inlinable public var feeCap: U256 {
    type == .legacy || type == .accessList ? gasPrice : maxFeePerGas
  }

  /// The most the block producer gets per gas: `gasPrice` (legacy, EIP-2930) or
  /// `maxPriorityFeePerGas`.
  @inlinable public var tipCap: U256 {
    type == .legacy || type == .accessList ? gasPrice : maxPriorityFeePerGas
  }

  /// True when the transaction creates a contract.
  @inlinable public var isCreate: Bool { to == nil }
}
