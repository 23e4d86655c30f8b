import Primitives

// The `totalDifficulty` table: each stored block's total difficulty (the sum of the difficulties
// from genesis to it), which selects Paris by the terminal total difficulty.

extension ReadView {
  /// The total difficulty of block `hash`, or nil when not recorded.
  public func totalDifficulty(_ hash: Hash) throws(StoreError) -> U256? {
    guard let v = try withBytes(of: hash, { k throws(StoreError) in try get(.totalDifficulty, k) }) else { return nil }
    guard v.count == 32 else { throw .corrupt(table: .totalDifficulty, key: hash.bytes, reason: "value of \(v.count) bytes") }
    return U256(bigEndian: v)
  }
}

extension WriteBatch {
  /// Records the total difficulty of block `hash`.
  public mutating func putTotalDifficulty(_ hash: Hash, _ td: U256) throws(StoreError) {
    try txn.perform(.put(.totalDifficulty, hash.bytes, td.bigEndianBytes, noOverwrite: false))
  }
}
