import Primitives

/// The state trie's leaf encoding of an account: RLP[nonce, balance, storageRoot, codeHash].
///
/// The `Account` type lives in `State`, above this module; the encoding is a function of the
/// four fields so both sides agree on one definition.
public enum AccountRLP {
  /// RLP[nonce, balance, storageRoot, codeHash].
  public static func encode(nonce: UInt64, balance: U256, storageRoot: Hash, codeHash: Hash) -> [UInt8] {
    var e = RLPEncoder(reservingCapacity: 112)
    e.list { e in
      e.append(nonce)
      e.append(balance)
      e.append(storageRoot)
      e.append(codeHash)
    }
    return e.bytes
  }

  /// The fields of an encoded account.
  /// - Throws: `RLPError` when `bytes` is not a canonical four-item account list.
  public static func decode(_ bytes: [UInt8]) throws(RLPError)
    -> (nonce: UInt64, balance: U256, storageRoot: Hash, codeHash: Hash)
  {
    let item = try RLPItem(decoding: bytes)
    var r = try item.listReader()
    let nonce = try r.required("nonce").uint64()
    let balance = try r.required("balance").u256()
    let storageRoot = try r.required("storageRoot").hash()
    let codeHash = try r.required("codeHash").hash()
    try r.finish()
    return (nonce, balance, storageRoot, codeHash)
  }
}

/// Keys and values of the secure tries.
public enum SecureKey {
  /// The state trie key of an account: Keccak-256 of its 20 bytes.
  @inlinable public static func account(_ address: Address) -> Hash {
    address.withUnsafeBytes { Keccak256.hash($0) }
  }

  /// The storage trie key of a slot: Keccak-256 of its 32 big-endian bytes.
  @inlinable public static func storage(_ slot: U256) -> Hash {
    var be = Hash.zero
    withUnsafeMutableBytes(of: &be) { slot.storeBigEndian(to: $0.baseAddress!) }
    return be.withUnsafeBytes { Keccak256.hash($0) }
  }

  /// The storage trie value of a non-zero slot: RLP of its minimal big-endian bytes.
  public static func storageValue(_ value: U256) -> [UInt8] {
    var e = RLPEncoder(reservingCapacity: 33)
    e.append(value)
    return e.bytes
  }
}

extension TrieRoot {
  /// The root of a storage trie over `slots`; zero values are skipped (a zero slot is absent).
  /// Slots must be distinct.
  public static func storageRoot(_ slots: some Sequence<(slot: U256, value: U256)>) -> Hash {
    var pairs: [(Hash, [UInt8])] = []
    for (slot, value) in slots where !value.isZero {
      pairs.append((SecureKey.storage(slot), SecureKey.storageValue(value)))
    }
    pairs.sort { $0.0 < $1.0 }
    var builder = TrieRootBuilder()
    for (k, v) in pairs { builder.add(key: k, value: v) }
    return builder.finish()
  }

  /// The state root over `accounts` (addresses distinct), each given by its four fields.
  public static func stateRoot(
    _ accounts: some Sequence<(address: Address, nonce: UInt64, balance: U256, storageRoot: Hash, codeHash: Hash)>,
    onNode: ((Hash, ArraySlice<UInt8>) -> Void)? = nil
  ) -> Hash {
    var pairs: [(Hash, [UInt8])] = []
    for a in accounts {
      pairs.append((SecureKey.account(a.address),
                    AccountRLP.encode(nonce: a.nonce, balance: a.balance, storageRoot: a.storageRoot, codeHash: a.codeHash)))
    }
    pairs.sort { $0.0 < $1.0 }
    var builder = TrieRootBuilder(onNode: onNode)
    for (k, v) in pairs { builder.add(key: k, value: v) }
    return builder.finish()
  }
}

// MARK: - Accounts and storage on the incremental trie

extension MerkleTrie {
  /// The account at `address` in a state trie, or nil.
  /// - Throws: `TrieError` for a missing or malformed node, or a malformed account leaf.
  public func account(_ address: Address) throws(TrieError)
    -> (nonce: UInt64, balance: U256, storageRoot: Hash, codeHash: Hash)?
  {
    let key = SecureKey.account(address)
    guard let bytes = try get(key.bytes) else { return nil }
    do {
      return try AccountRLP.decode(bytes)
    } catch {
      throw .malformedNode(key, reason: "account leaf: \(error)")
    }
  }

  /// Writes an account into a state trie.
  public mutating func setAccount(
    _ address: Address, nonce: UInt64, balance: U256, storageRoot: Hash, codeHash: Hash
  ) throws(TrieError) {
    let value = AccountRLP.encode(nonce: nonce, balance: balance, storageRoot: storageRoot, codeHash: codeHash)
    try update(SecureKey.account(address).bytes, value)
  }

  /// Deletes an account from a state trie (its storage trie is the caller's to drop).
  public mutating func removeAccount(_ address: Address) throws(TrieError) {
    try remove(SecureKey.account(address).bytes)
  }

  /// The value of `slot` in a storage trie (zero when absent).
  public func storage(_ slot: U256) throws(TrieError) -> U256 {
    let key = SecureKey.storage(slot)
    guard let bytes = try get(key.bytes) else { return .zero }
    do {
      return try RLPItem(decoding: bytes).u256()
    } catch {
      throw .malformedNode(key, reason: "storage leaf: \(error)")
    }
  }

  /// Sets `slot` in a storage trie; zero deletes it.
  public mutating func setStorage(_ slot: U256, _ value: U256) throws(TrieError) {
    let key = SecureKey.storage(slot).bytes
    if value.isZero {
      try remove(key)
    } else {
      try update(key, SecureKey.storageValue(value))
    }
  }
}
