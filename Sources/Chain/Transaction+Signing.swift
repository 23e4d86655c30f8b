import Cryptography
import EVM
import Primitives

extension Transaction {
  /// The secp256k1 recovery id the signature carries (0 or 1).
  /// - Throws: `.invalidV` (legacy v not 27/28 or ≥ 35) or `.invalidYParity` (typed, not 0/1).
  public func recoveryID() throws(TransactionError) -> Int {
    if type != .legacy {
      guard v.fitsUInt64, v.w0 <= 1 else { throw .invalidYParity(v) }
      return Int(v.w0)
    }
    if v == U256(27) || v == U256(28) { return Int(v.w0 - 27) }
    // EIP-155: v = chainID·2 + 35 + parity.
    if !v.fitsUInt64 || v.w0 >= 35 { return Int((v &- U256(35)).w0 & 1) }
    throw .invalidV(v)
  }

  /// Recovers the sender from the signature.
  /// - Parameter lowS: apply the EIP-2 rule (s ≤ n/2), as every fork from Homestead does.
  /// - Throws: `TransactionError` naming the signature problem.
  /// - Complexity: one signing-hash encoding and one secp256k1 recovery.
  public func recoverSender(lowS: Bool) throws(TransactionError) -> Address {
    let recid = try checkSignatureValues(lowS: lowS)
    do {
      return try Secp256k1.recoverAddress(messageHash: signingHash, r: r, s: s, recoveryID: recid)
    } catch {
      switch error {
      case .rOutOfRange: throw .rOutOfRange
      case .sOutOfRange: throw .sOutOfRange
      case .highS: throw .highS
      default: throw .recoveryFailed
      }
    }
  }

  /// Checks v (or the y parity), r and s without recovering: r and s in 1..<n and, with
  /// `lowS`, s ≤ n/2 (EIP-2).
  /// - Returns: the recovery id.
  /// - Throws: `TransactionError` naming the bad value.
  @discardableResult
  public func checkSignatureValues(lowS: Bool) throws(TransactionError) -> Int {
    let recid = try recoveryID()
    if r.isZero || !(r < Secp256k1.order) { throw .rOutOfRange }
    if s.isZero || !(s < Secp256k1.order) { throw .sOutOfRange }
    // EIP-2 (Homestead): reject s in the upper half of the order.
    if lowS && Secp256k1.halfOrder < s { throw .highS }
    return recid
  }

  /// The sender under `fork`'s signature rules (low s from Homestead on).
  public func sender(fork: Fork) throws(TransactionError) -> Address {
    try recoverSender(lowS: fork >= .homestead)
  }

  /// Signs the transaction with `privateKey`, setting v (or the y parity), r and s.
  ///
  /// A legacy transaction with a `chainID` gets an EIP-155 signature; without one, v = 27/28.
  /// - Throws: `.invalidPrivateKey`.
  public mutating func sign(privateKey: [UInt8]) throws(TransactionError) {
    let signature: (r: U256, s: U256, recoveryID: Int)
    do {
      signature = try Secp256k1.sign(messageHash: signingHash, privateKey: privateKey)
    } catch {
      throw .invalidPrivateKey
    }
    r = signature.r
    s = signature.s
    let parity = U256(UInt64(signature.recoveryID))
    if type != .legacy {
      v = parity
    } else if let chainID {
      v = (chainID << 1) &+ U256(35) &+ parity
    } else {
      v = U256(27) &+ parity
    }
  }

  /// A signed copy.
  public func signed(privateKey: [UInt8]) throws(TransactionError) -> Transaction {
    var tx = self
    try tx.sign(privateKey: privateKey)
    return tx
  }
}

extension Authorization {
  /// The account that signed the authorization (EIP-7702): y parity 0 or 1, s ≤ n/2.
  ///
  /// An authorization that fails here is skipped at execution; it does not invalidate the
  /// transaction.
  /// - Throws: `TransactionError` naming the signature problem.
  public func authority() throws(TransactionError) -> Address {
    guard yParity <= 1 else { throw .invalidYParity(U256(UInt64(yParity))) }
    if r.isZero || !(r < Secp256k1.order) { throw .rOutOfRange }
    if s.isZero || !(s < Secp256k1.order) { throw .sOutOfRange }
    if Secp256k1.halfOrder < s { throw .highS }
    do {
      return try Secp256k1.recoverAddress(messageHash: signingHash, r: r, s: s, recoveryID: Int(yParity))
    } catch {
      throw .recoveryFailed
    }
  }

  /// Signs the authorization with `privateKey`, setting y parity, r and s.
  public mutating func sign(privateKey: [UInt8]) throws(TransactionError) {
    let signature: (r: U256, s: U256, recoveryID: Int)
    do {
      signature = try Secp256k1.sign(messageHash: signingHash, privateKey: privateKey)
    } catch {
      throw .invalidPrivateKey
    }
    yParity = UInt8(signature.recoveryID)
    r = signature.r
    s = signature.s
  }
}
