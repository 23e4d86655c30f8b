#if canImport(Primitives)
import Primitives  // absent only when the fuzz harness compiles these files into one module
#endif

/// Why a transaction was rejected: malformed encoding, a bad signature, or a rule of the fork.
public enum TransactionError: Error, Equatable, Sendable, CustomStringConvertible {
  // MARK: Encoding
  /// No bytes at all.
  case empty
  /// The envelope is not RLP, or not a list, or has trailing bytes.
  case rlp(RLPError)
  /// A first byte that is neither a known type (0x01–0x04) nor the start of an RLP list.
  case unsupportedType(UInt8)
  /// A legacy transaction wrapped in an RLP string, or a typed one given as a bare list.
  case invalidEnvelope(String)
  /// The transaction's list has the wrong number of fields.
  case wrongFieldCount(TransactionType, expected: Int, got: Int)
  /// A field whose encoding is malformed, non-canonical or of the wrong size.
  case invalidField(String, RLPError)
  /// A blob or set-code transaction without a recipient (they cannot create contracts).
  case missingRecipient(TransactionType)
  /// A blob transaction in its network form (with blobs, commitments and proofs; wrapper
  /// version 0 is EIP-4844's, 1 EIP-7594's cell proofs) where the canonical form belongs.
  case blobNetworkForm(wrapperVersion: Int)
  /// A network-form blob transaction whose blobs, commitments or proofs are malformed.
  case invalidBlobSidecar(String)

  // MARK: Signature
  /// A legacy v that is neither 27/28 nor chainID·2 + 35/36.
  case invalidV(U256)
  /// A typed transaction's y parity that is not 0 or 1.
  case invalidYParity(U256)
  /// r is zero or ≥ the secp256k1 order.
  case rOutOfRange
  /// s is zero or ≥ the secp256k1 order.
  case sOutOfRange
  /// s > n/2 from Homestead on (EIP-2).
  case highS
  /// The signature is in range but no public key recovers from it.
  case recoveryFailed
  /// Signing was asked with an invalid private key.
  case invalidPrivateKey

  // MARK: Rules of the fork and chain
  /// A transaction type the fork does not have yet.
  case typeNotActive(TransactionType)
  /// A replay-protected legacy signature (EIP-155) before Spurious Dragon.
  case replayProtectionNotActive
  /// The signature commits to another chain.
  case wrongChainID(expected: U256, got: U256)
  /// The nonce is 2⁶⁴ − 1 (EIP-2681 caps it below).
  case nonceTooHigh
  /// The gas limit does not cover the intrinsic gas (or, from Prague, the EIP-7623 floor).
  case intrinsicGasTooLow(gasLimit: UInt64, required: UInt64)
  /// Contract-creation code above the EIP-3860 limit.
  case initcodeTooLarge(size: Int, limit: Int)
  /// maxPriorityFeePerGas above maxFeePerGas (EIP-1559).
  case priorityFeeAboveFeeCap(priority: U256, feeCap: U256)
  /// gasLimit × fee cap does not fit in 256 bits.
  case gasCostOverflow
  /// A blob transaction without blobs (EIP-4844).
  case noBlobs
  /// A blob versioned hash whose first byte is not 0x01 (EIP-4844).
  case invalidBlobHashVersion(index: Int)
  /// A set-code transaction with an empty authorization list (EIP-7702).
  case emptyAuthorizationList
  /// A gas limit above the EIP-7825 cap (2²⁴, from Osaka).
  case gasLimitAboveCap(gasLimit: UInt64, cap: UInt64)
  /// More blobs than one transaction may carry (EIP-7594, from Osaka: six).
  case tooManyBlobs(count: Int, max: Int)

  public var description: String {
    switch self {
    case .empty: return "transaction: no bytes"
    case .rlp(let e): return "transaction: \(e)"
    case .unsupportedType(let t): return "transaction: unsupported type byte 0x\(String(t, radix: 16))"
    case .invalidEnvelope(let why): return "transaction: invalid envelope: \(why)"
    case .wrongFieldCount(let t, let e, let g): return "\(t) transaction: \(g) fields, expected \(e)"
    case .invalidField(let name, let e): return "transaction field \(name): \(e)"
    case .missingRecipient(let t): return "\(t) transaction: no recipient (cannot create a contract)"
    case .blobNetworkForm(let v):
      return "blob transaction in its network form (wrapper version \(v), with blobs and proofs) where a block body's canonical form was expected"
    case .invalidBlobSidecar(let why): return "blob transaction network form: \(why)"
    case .invalidV(let v): return "transaction: invalid v \(v)"
    case .invalidYParity(let y): return "transaction: y parity \(y) is not 0 or 1"
    case .rOutOfRange: return "transaction: signature r is zero or ≥ the secp256k1 order"
    case .sOutOfRange: return "transaction: signature s is zero or ≥ the secp256k1 order"
    case .highS: return "transaction: signature s > n/2 (EIP-2)"
    case .recoveryFailed: return "transaction: no sender recovers from the signature"
    case .invalidPrivateKey: return "transaction: invalid private key"
    case .typeNotActive(let t): return "\(t) transactions are not enabled in this fork"
    case .replayProtectionNotActive: return "transaction: EIP-155 signature before Spurious Dragon"
    case .wrongChainID(let e, let g): return "transaction: chain id \(g), expected \(e)"
    case .nonceTooHigh: return "transaction: nonce 2^64-1 (EIP-2681)"
    case .intrinsicGasTooLow(let limit, let req):
      return "transaction: gas limit \(limit) below intrinsic gas \(req)"
    case .initcodeTooLarge(let size, let limit): return "transaction: initcode of \(size) bytes, limit \(limit)"
    case .priorityFeeAboveFeeCap(let p, let f):
      return "transaction: maxPriorityFeePerGas \(p) above maxFeePerGas \(f)"
    case .gasCostOverflow: return "transaction: gasLimit × fee cap overflows 256 bits"
    case .noBlobs: return "blob transaction without blob hashes"
    case .invalidBlobHashVersion(let i): return "blob versioned hash \(i) has a version other than 0x01"
    case .emptyAuthorizationList: return "set-code transaction with an empty authorization list"
    case .gasLimitAboveCap(let limit, let cap): return "transaction: gas limit \(limit) above the cap \(cap) (EIP-7825)"
    case .tooManyBlobs(let count, let max): return "blob transaction with \(count) blobs, at most \(max) (EIP-7594)"
    }
  }
}
