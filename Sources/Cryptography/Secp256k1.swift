import CSecp256k1
import Primitives

/// Why a secp256k1 signature or key was rejected.
public enum SignatureError: Error, Equatable, Sendable, CustomStringConvertible {
  /// r is zero or not below the group order n.
  case rOutOfRange
  /// s is zero or not below the group order n.
  case sOutOfRange
  /// s is above n/2 where the EIP-2 low-s rule applies (the transaction layer checks this).
  case highS
  /// A recovery id outside 0...3 (Ethereum's v/y-parity maps onto 0 or 1).
  case invalidRecoveryID(Int)
  /// The signature is in range but no public key recovers from it.
  case recoveryFailed
  /// A private key that is zero, not below n, or not 32 bytes.
  case invalidPrivateKey
  /// libsecp256k1 refused to sign (only with an invalid key or nonce failure).
  case signingFailed

  public var description: String {
    switch self {
    case .rOutOfRange: return "signature: r is zero or ≥ the secp256k1 order"
    case .sOutOfRange: return "signature: s is zero or ≥ the secp256k1 order"
    case .highS: return "signature: s > n/2 (EIP-2 low-s rule)"
    case .invalidRecoveryID(let id): return "signature: recovery id \(id) is not in 0...3"
    case .recoveryFailed: return "signature: no public key recovers from it"
    case .invalidPrivateKey: return "secp256k1: invalid private key"
    case .signingFailed: return "secp256k1: signing failed"
    }
  }
}

/// The shared libsecp256k1 context.
///
/// SAFETY (`@unchecked Sendable`): the context is created and randomized once, in the
/// initializer, before it is published; afterwards it is only passed as `const` to recover,
/// sign and key functions, which libsecp256k1 documents as safe to call concurrently.
/// It is never destroyed (it lives as long as the process).
final class Secp256k1Context: @unchecked Sendable {
  let pointer: OpaquePointer

  static let shared = Secp256k1Context()

  private init() {
    guard let ctx = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
      fatalError("secp256k1_context_create failed")
    }
    // Randomize once at creation (side-channel blinding for signing); no locking needed later.
    var seed = [UInt8](repeating: 0, count: 32)
    var rng = SystemRandomNumberGenerator()
    for i in 0..<32 { seed[i] = UInt8.random(in: 0...255, using: &rng) }
    _ = secp256k1_context_randomize(ctx, seed)
    pointer = ctx
  }
}

/// ECDSA over secp256k1 as Ethereum uses it: recoverable signatures, addresses from public keys.
public enum Secp256k1 {
  /// The group order n.
  public static let order = U256(
    0xBFD2_5E8C_D036_4141, 0xBAAE_DCE6_AF48_A03B, 0xFFFF_FFFF_FFFF_FFFE, 0xFFFF_FFFF_FFFF_FFFF)
  /// n / 2: the largest s the EIP-2 low-s rule allows.
  public static let halfOrder = U256(
    0xDFE9_2F46_681B_20A0, 0x5D57_6E73_57A4_501D, 0xFFFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF)

  /// Checks r and s against the order: both must be in 1..<n. No low-s rule here.
  /// - Throws: `.rOutOfRange` or `.sOutOfRange`.
  @inlinable public static func checkRange(r: U256, s: U256) throws(SignatureError) {
    if r.isZero || !(r < order) { throw .rOutOfRange }
    if s.isZero || !(s < order) { throw .sOutOfRange }
  }

  /// Recovers the 64-byte uncompressed public key (x ‖ y, no 0x04 prefix) that signed `messageHash`.
  /// - Parameters:
  ///   - messageHash: the 32-byte digest that was signed.
  ///   - r, s: the signature, each in 1..<n.
  ///   - recoveryID: 0...3 (Ethereum uses 0 and 1: the parity of the nonce point's y).
  /// - Throws: `SignatureError` for out-of-range values or when nothing recovers.
  public static func recoverPublicKey(messageHash: Hash, r: U256, s: U256, recoveryID: Int)
    throws(SignatureError) -> [UInt8]
  {
    var out = [UInt8](repeating: 0, count: 64)
    let failure = out.withUnsafeMutableBytes { buf in
      recoverRaw(messageHash: messageHash, r: r, s: s, recoveryID: recoveryID, into: buf.baseAddress!)
    }
    if let failure { throw failure }
    return out
  }

  /// Recovers the signer's address: the last 20 bytes of keccak256(x ‖ y).
  ///
  /// Applies no low-s rule (ECRECOVER accepts high s; transactions check it themselves).
  /// - Throws: `SignatureError` for out-of-range values or when nothing recovers.
  /// - Complexity: one public-key recovery (tens of microseconds); no heap allocation.
  public static func recoverAddress(messageHash: Hash, r: U256, s: U256, recoveryID: Int)
    throws(SignatureError) -> Address
  {
    var key: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    let result: Result<Address, SignatureError> = withUnsafeMutableBytes(of: &key) { buf in
      // SAFETY: `key` is 64 bytes, the size recoverRaw writes.
      if let failure = recoverRaw(
        messageHash: messageHash, r: r, s: s, recoveryID: recoveryID, into: buf.baseAddress!)
      {
        return .failure(failure)
      }
      return .success(addressOfPublicKey(UnsafeRawBufferPointer(buf)))
    }
    return try result.get()
  }

  /// The address of a 64-byte public key x ‖ y.
  public static func address(ofPublicKey key: [UInt8]) -> Address {
    precondition(key.count == 64, "public key must be 64 bytes (x ‖ y)")
    return key.withUnsafeBytes { addressOfPublicKey($0) }
  }

  static func addressOfPublicKey(_ key: UnsafeRawBufferPointer) -> Address {
    let digest = Keccak256.hash(key)
    return digest.withUnsafeBytes { Address(loadingFrom: $0.baseAddress! + 12) }
  }

  /// Writes the 64-byte key to `out`; returns why it failed, or nil.
  static func recoverRaw(messageHash: Hash, r: U256, s: U256, recoveryID: Int, into out: UnsafeMutableRawPointer)
    -> SignatureError?
  {
    if r.isZero || !(r < order) { return .rOutOfRange }
    if s.isZero || !(s < order) { return .sOutOfRange }
    guard (0...3).contains(recoveryID) else { return .invalidRecoveryID(recoveryID) }
    let ctx = Secp256k1Context.shared.pointer
    var compact: (U256, U256) = (.zero, .zero)
    var sig = secp256k1_ecdsa_recoverable_signature()
    var pubkey = secp256k1_pubkey()
    var serialized: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt8) =
      (0, 0, 0, 0, 0, 0, 0, 0, 0)
    let ok: Bool = withUnsafeMutableBytes(of: &compact) { c in
      // SAFETY: `compact` is 64 bytes: r then s, big-endian.
      r.storeBigEndian(to: c.baseAddress!)
      s.storeBigEndian(to: c.baseAddress! + 32)
      let p = c.baseAddress!.assumingMemoryBound(to: UInt8.self)
      guard secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, p, Int32(recoveryID)) == 1 else {
        return false
      }
      return messageHash.withUnsafeBytes { m in
        secp256k1_ecdsa_recover(ctx, &pubkey, &sig, m.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 1
      }
    }
    guard ok else { return .recoveryFailed }
    withUnsafeMutableBytes(of: &serialized) { buf in
      // SAFETY: `serialized` holds 65 bytes (8 words + 1), the size of an uncompressed key.
      var len = 65
      let p = buf.baseAddress!.assumingMemoryBound(to: UInt8.self)
      let written = secp256k1_ec_pubkey_serialize(ctx, p, &len, &pubkey, UInt32(SECP256K1_EC_UNCOMPRESSED))
      precondition(written == 1 && len == 65, "secp256k1_ec_pubkey_serialize failed")
      out.copyMemory(from: buf.baseAddress! + 1, byteCount: 64)
    }
    return nil
  }

  /// Signs `messageHash` deterministically (RFC 6979) with a low-s signature.
  /// - Returns: r, s and the recovery id (0 or 1).
  /// - Throws: `.invalidPrivateKey` for a key that is not 32 bytes in 1..<n.
  public static func sign(messageHash: Hash, privateKey: [UInt8])
    throws(SignatureError) -> (r: U256, s: U256, recoveryID: Int)
  {
    guard privateKey.count == 32 else { throw .invalidPrivateKey }
    let ctx = Secp256k1Context.shared.pointer
    guard secp256k1_ec_seckey_verify(ctx, privateKey) == 1 else { throw .invalidPrivateKey }
    var sig = secp256k1_ecdsa_recoverable_signature()
    let signed = messageHash.withUnsafeBytes { m in
      secp256k1_ecdsa_sign_recoverable(
        ctx, &sig, m.baseAddress!.assumingMemoryBound(to: UInt8.self), privateKey, nil, nil)
    }
    guard signed == 1 else { throw .signingFailed }
    var compact = [UInt8](repeating: 0, count: 64)
    var recid: Int32 = 0
    _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, &compact, &recid, &sig)
    return (U256(bigEndian: compact[0..<32]), U256(bigEndian: compact[32..<64]), Int(recid))
  }

  /// The 64-byte public key x ‖ y of a private key.
  /// - Throws: `.invalidPrivateKey`.
  public static func publicKey(ofPrivateKey privateKey: [UInt8]) throws(SignatureError) -> [UInt8] {
    guard privateKey.count == 32 else { throw .invalidPrivateKey }
    let ctx = Secp256k1Context.shared.pointer
    var pubkey = secp256k1_pubkey()
    guard secp256k1_ec_pubkey_create(ctx, &pubkey, privateKey) == 1 else { throw .invalidPrivateKey }
    var out = [UInt8](repeating: 0, count: 65)
    var len = 65
    _ = secp256k1_ec_pubkey_serialize(ctx, &out, &len, &pubkey, UInt32(SECP256K1_EC_UNCOMPRESSED))
    return Array(out[1..<65])
  }

  /// The address of a private key's public key.
  /// - Throws: `.invalidPrivateKey`.
  public static func address(ofPrivateKey privateKey: [UInt8]) throws(SignatureError) -> Address {
    address(ofPublicKey: try publicKey(ofPrivateKey: privateKey))
  }
}
