import Primitives

/// A block header, every field through Cancun, plus Prague's requests hash.
///
/// The optional fields are present from the fork that introduced them on: baseFeePerGas
/// (London), withdrawalsRoot (Shanghai), blobGasUsed, excessBlobGas and parentBeaconBlockRoot
/// (Cancun), requestsHash (Prague). Each may only be present when all earlier ones are.
public struct Header: Hashable, Sendable {
  public var parentHash: Hash
  public var ommersHash: Hash
  public var coinbase: Address
  public var stateRoot: Hash
  public var transactionsRoot: Hash
  public var receiptsRoot: Hash
  public var logsBloom: Bloom
  public var difficulty: U256
  public var number: UInt64
  public var gasLimit: UInt64
  public var gasUsed: UInt64
  public var timestamp: UInt64
  public var extraData: [UInt8]
  /// prevRandao after the merge.
  public var mixHash: Hash
  public var nonce: UInt64
  public var baseFeePerGas: U256?
  public var withdrawalsRoot: Hash?
  public var blobGasUsed: UInt64?
  public var excessBlobGas: UInt64?
  public var parentBeaconBlockRoot: Hash?
  public var requestsHash: Hash?

  public init(
    parentHash: Hash = .zero, ommersHash: Hash = Header.emptyOmmersHash, coinbase: Address = .zero,
    stateRoot: Hash = .emptyTrieRoot, transactionsRoot: Hash = .emptyTrieRoot,
    receiptsRoot: Hash = .emptyTrieRoot, logsBloom: Bloom = Bloom(), difficulty: U256 = .zero,
    number: UInt64 = 0, gasLimit: UInt64 = 0, gasUsed: UInt64 = 0, timestamp: UInt64 = 0,
    extraData: [UInt8] = [], mixHash: Hash = .zero, nonce: UInt64 = 0,
    baseFeePerGas: U256? = nil, withdrawalsRoot: Hash? = nil, blobGasUsed: UInt64? = nil,
    excessBlobGas: UInt64? = nil, parentBeaconBlockRoot: Hash? = nil, requestsHash: Hash? = nil
  ) {
    self.parentHash = parentHash; self.ommersHash = ommersHash; self.coinbase = coinbase
    self.stateRoot = stateRoot; self.transactionsRoot = transactionsRoot; self.receiptsRoot = receiptsRoot
    self.logsBloom = logsBloom; self.difficulty = difficulty; self.number = number
    self.gasLimit = gasLimit; self.gasUsed = gasUsed; self.timestamp = timestamp
    self.extraData = extraData; self.mixHash = mixHash; self.nonce = nonce
    self.baseFeePerGas = baseFeePerGas; self.withdrawalsRoot = withdrawalsRoot
    self.blobGasUsed = blobGasUsed; self.excessBlobGas = excessBlobGas
    self.parentBeaconBlockRoot = parentBeaconBlockRoot; self.requestsHash = requestsHash
  }

  /// Keccak-256 of RLP([]): the ommers hash of a block without uncles.
  public static let emptyOmmersHash = Keccak256.hash([UInt8(0xc0)])

  /// The block hash: Keccak-256 of the header's RLP.
  public var hash: Hash { Keccak256.hash(rlpEncoded) }

  /// prevRandao (EIP-4399) is carried in the mixHash field.
  public var prevRandao: Hash { mixHash }
}

extension Header: RLPEncodable, RLPDecodable {
  public func encode(to e: inout RLPEncoder) {
    e.list { l in
      l.append(parentHash); l.append(ommersHash); l.append(coinbase); l.append(stateRoot)
      l.append(transactionsRoot); l.append(receiptsRoot); l.append(bytes: logsBloom.bytes)
      l.append(difficulty); l.append(number); l.append(gasLimit); l.append(gasUsed)
      l.append(timestamp); l.append(bytes: extraData); l.append(mixHash)
      // The nonce is a fixed 8-byte string, not an integer.
      withUnsafeBytes(of: nonce.bigEndian) { l.append(bytes: $0) }
      if let baseFeePerGas { l.append(baseFeePerGas) } else { return }
      if let withdrawalsRoot { l.append(withdrawalsRoot) } else { return }
      if let blobGasUsed { l.append(blobGasUsed) } else { return }
      if let excessBlobGas { l.append(excessBlobGas) } else { return }
      if let parentBeaconBlockRoot { l.append(parentBeaconBlockRoot) } else { return }
      if let requestsHash { l.append(requestsHash) }
    }
  }

  public init(rlp item: RLPItem) throws(RLPError) {
    var r = try item.listReader()
    parentHash = try r.required().hash()
    ommersHash = try r.required().hash()
    coinbase = try r.required().address()
    stateRoot = try r.required().hash()
    transactionsRoot = try r.required().hash()
    receiptsRoot = try r.required().hash()
    let bloomItem = try r.required()
    let bloom = try bloomItem.bytes()
    guard bloom.count == 256 else { throw .wrongSize(offset: bloomItem.offset, expected: 256, got: bloom.count) }
    logsBloom = Bloom(bloom)
    difficulty = try r.required().u256()
    number = try r.required().uint64()
    gasLimit = try r.required().uint64()
    gasUsed = try r.required().uint64()
    timestamp = try r.required().uint64()
    extraData = Array(try r.required().bytes())
    mixHash = try r.required().hash()
    let nonceItem = try r.required()
    let nonceBytes = try nonceItem.bytes()
    guard nonceBytes.count == 8 else { throw .wrongSize(offset: nonceItem.offset, expected: 8, got: nonceBytes.count) }
    nonce = nonceBytes.reduce(0) { $0 << 8 | UInt64($1) }
    baseFeePerGas = try r.next()?.u256()
    withdrawalsRoot = try r.next()?.hash()
    blobGasUsed = try r.next()?.uint64()
    excessBlobGas = try r.next()?.uint64()
    parentBeaconBlockRoot = try r.next()?.hash()
    requestsHash = try r.next()?.hash()
    try r.finish()
  }
}
