import Primitives

/// An EIP-4895 withdrawal: `amount` in gwei credited to `address` after the transactions.
public struct Withdrawal: Hashable, Sendable {
  public var index: UInt64
  public var validatorIndex: UInt64
  public var address: Address
  public var amountGwei: UInt64

  public init(index: UInt64, validatorIndex: UInt64, address: Address, amountGwei: UInt64) {
    self.index = index; self.validatorIndex = validatorIndex; self.address = address; self.amountGwei = amountGwei
  }

  /// The amount in wei.
  public var amountWei: U256 { U256(amountGwei) &* U256(1_000_000_000) }
}

extension Withdrawal: RLPEncodable, RLPDecodable {
  public func encode(to e: inout RLPEncoder) {
    e.list { l in l.append(index); l.append(validatorIndex); l.append(address); l.append(amountGwei) }
  }

  public init(rlp item: RLPItem) throws(RLPError) {
    var r = try item.listReader()
    index = try r.required().uint64()
    validatorIndex = try r.required().uint64()
    address = try r.required().address()
    amountGwei = try r.required().uint64()
    try r.finish()
  }
}
