import Primitives
import State

/// EIP-7702 delegation designators: an account whose code is `0xef0100 ‖ address` (23 bytes)
/// runs `address`'s code when called, while EXTCODESIZE, EXTCODECOPY and EXTCODEHASH see the
/// 23 bytes themselves.
public enum Delegation {
  /// The designator's first three bytes (0xef, banned as a code prefix by EIP-3541, then 0x0100).
  public static let prefix: [UInt8] = [0xef, 0x01, 0x00]
  /// A designator's length.
  public static let designatorSize = 23
  /// Gas charged per authorization in the intrinsic gas (PER_EMPTY_ACCOUNT_COST).
  public static let perEmptyAccountCost = 25_000
  /// What an authorization costs when its authority already exists (PER_AUTH_BASE_COST): the
  /// difference from `perEmptyAccountCost` is refunded.
  public static let perAuthBaseCost = 12_500

  /// The designator that delegates to `address`.
  public static func designator(_ address: Address) -> [UInt8] { prefix + address.bytes }

  /// The address `code` delegates to, when it is a designator.
  public static func target(of code: [UInt8]) -> Address? {
    guard code.count == designatorSize, code[0] == 0xef, code[1] == 0x01, code[2] == 0x00 else { return nil }
    return Address(code[3..<designatorSize])
  }
}

extension CodeAnalysis {
  /// EIP-7702: the address this code delegates to, when it is a designator.
  var delegationTarget: Address? {
    guard size == Delegation.designatorSize, code[0] == 0xef, code[1] == 0x01, code[2] == 0x00 else { return nil }
    // SAFETY: `code` holds `size` (23) bytes plus padding; bytes 3..<23 are the address.
    return Address(UnsafeBufferPointer(start: code + 3, count: 20))
  }
}

extension VirtualMachine {
  /// EIP-7702: applies a set-code transaction's authorizations in order, after the sender's
  /// nonce increment and before the call. A tuple is skipped when its chain id is neither 0 nor
  /// the chain's, its nonce is 2⁶⁴ − 1, its signature did not recover, its authority has code
  /// other than a designator, or the authority's nonce differs; otherwise the authority is
  /// warmed, gets the designator of `address` (or no code for the zero address) and its nonce
  /// incremented. Nothing here is undone when the call fails.
  /// - Returns: the refund for authorities that already existed (25,000 − 12,500 each).
  func applyAuthorizations(_ list: [AuthorizationEnv]) throws(StateReadError) -> Int {
    var refund = 0
    for auth in list {
      guard auth.chainID.isZero || auth.chainID == block.chainID else { continue }
      guard auth.nonce < UInt64.max, let authority = auth.authority else { continue }
      host.warmAccounts.insert(authority)
      let account = try host.account(authority)
      if account.codeHash != .emptyKeccak, try host.code(authority).delegationTarget == nil { continue }
      if account.nonce != auth.nonce { continue }
      if account.exists { refund += Delegation.perEmptyAccountCost - Delegation.perAuthBaseCost }
      try host.setCode(authority, auth.address == .zero ? [] : Delegation.designator(auth.address))
      try host.setNonce(authority, account.nonce + 1)
    }
    return refund
  }
}
