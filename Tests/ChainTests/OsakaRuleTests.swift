import Cryptography
import EVM
import Primitives
import Testing
import Trie
@testable import Chain

private let key = [UInt8](repeating: 0, count: 31) + [7]

/// Osaka's block and transaction rules: the EIP-7825 gas cap, EIP-7594's per-transaction blob
/// limit and network wrapper, EIP-7918's excess blob gas and EIP-7934's block size limit.
@Suite struct OsakaRuleTests {
  static func blobHashes(_ n: Int) -> [Hash] {
    (0..<n).map { i in
      var b = [UInt8](repeating: UInt8(i), count: 32)
      b[0] = 0x01
      return Hash(b)
    }
  }

  static func blobTx(blobs: Int, gasLimit: UInt64 = 100_000) throws -> Transaction {
    try Transaction(type: .blob, chainID: U256(1), nonce: 0, maxPriorityFeePerGas: U256(1), maxFeePerGas: U256(100),
                    gasLimit: gasLimit, to: Address(low: 0xbeef), maxFeePerBlobGas: U256(10),
                    blobVersionedHashes: blobHashes(blobs)).signed(privateKey: key)
  }

  // MARK: EIP-7825

  @Test func gasLimitCap() throws {
    let cap = Transaction.maxGasLimit
    #expect(cap == 16_777_216)
    let at = try Transaction(type: .dynamicFee, chainID: U256(1), maxFeePerGas: U256(10), gasLimit: cap,
                             to: Address(low: 1)).signed(privateKey: key)
    try at.validate(fork: .osaka, chainID: U256(1))
    var over = at
    over.gasLimit = cap + 1
    over = try over.signed(privateKey: key)
    #expect(throws: TransactionError.gasLimitAboveCap(gasLimit: cap + 1, cap: cap)) {
      try over.validate(fork: .osaka, chainID: U256(1))
    }
    // Prague has no cap.
    try over.validate(fork: .prague, chainID: U256(1))
    #expect(TransactionError.gasLimitAboveCap(gasLimit: cap + 1, cap: cap).description.contains("16777217"))
  }

  // MARK: EIP-7594

  @Test func blobsPerTransaction() throws {
    try Self.blobTx(blobs: 6).validate(fork: .osaka, chainID: U256(1))
    let seven = try Self.blobTx(blobs: 7)
    #expect(throws: TransactionError.tooManyBlobs(count: 7, max: 6)) { try seven.validate(fork: .osaka, chainID: U256(1)) }
    try seven.validate(fork: .prague, chainID: U256(1))  // the block's blob gas limit is Prague's only bound
  }

  static func sidecar(blobs: Int, version: Int) -> BlobSidecar {
    BlobSidecar(
      wrapperVersion: version,
      blobs: (0..<blobs).map { [UInt8](repeating: UInt8($0 + 1), count: BlobSidecar.blobSize) },
      commitments: (0..<blobs).map { [UInt8](repeating: 0xc0 | UInt8($0), count: 48) },
      proofs: (0..<(version == 1 ? 128 * blobs : blobs)).map { [UInt8](repeating: UInt8($0 % 251), count: 48) })
  }

  @Test(arguments: [0, 1])
  func networkWrapperRoundTrip(version: Int) throws {
    let tx = try Self.blobTx(blobs: 2)
    let wrapped = NetworkTransaction(transaction: tx, sidecar: Self.sidecar(blobs: 2, version: version))
    let bytes = wrapped.networkBytes
    let decoded = try NetworkTransaction(networkBytes: bytes)
    #expect(decoded == wrapped)
    #expect(decoded.sidecar?.wrapperVersion == version)
    #expect(decoded.transaction.hash == tx.hash)
    // Where a block body's canonical form belongs, the wrapper is refused by name.
    #expect(throws: TransactionError.blobNetworkForm(wrapperVersion: version)) { try Transaction(canonicalBytes: bytes) }
    var body = RLPEncoder()
    body.append(bytes: bytes)
    #expect(throws: TransactionError.blobNetworkForm(wrapperVersion: version)) {
      try Transaction(blockBodyItem: try RLPItem(decoding: body.bytes))
    }
    #expect(TransactionError.blobNetworkForm(wrapperVersion: version).description.contains("network form"))
    // The canonical form decodes through the network decoder too, without a sidecar.
    let plain = try NetworkTransaction(networkBytes: tx.canonicalBytes)
    #expect(plain.transaction == tx && plain.sidecar == nil)
  }

  @Test func networkWrapperShapeChecks() throws {
    let tx = try Self.blobTx(blobs: 2)
    // Version 1 needs 128 proofs per blob.
    var fewProofs = Self.sidecar(blobs: 2, version: 1)
    fewProofs.proofs.removeLast()
    #expect(throws: TransactionError.invalidBlobSidecar("255 proofs for 2 blobs, expected 256")) {
      try NetworkTransaction(networkBytes: NetworkTransaction(transaction: tx, sidecar: fewProofs).networkBytes)
    }
    var oneBlob = Self.sidecar(blobs: 2, version: 0)
    oneBlob.blobs.removeLast()
    #expect(throws: (any Error).self) {
      try NetworkTransaction(networkBytes: NetworkTransaction(transaction: tx, sidecar: oneBlob).networkBytes)
    }
    var shortBlob = Self.sidecar(blobs: 2, version: 0)
    shortBlob.blobs[1].removeLast()
    #expect(throws: TransactionError.invalidBlobSidecar("blob 1 is 131071 bytes, expected 131072")) {
      try NetworkTransaction(networkBytes: NetworkTransaction(transaction: tx, sidecar: shortBlob).networkBytes)
    }
  }

  // MARK: EIP-7918

  static func parent(baseFee: U256, excess: UInt64, used: UInt64) -> Header {
    Header(number: 10, gasLimit: 30_000_000, timestamp: 100, baseFeePerGas: baseFee, withdrawalsRoot: .emptyTrieRoot,
           blobGasUsed: used, excessBlobGas: excess, parentBeaconBlockRoot: .zero)
  }

  @Test func reservePriceKeepsExcessFromFalling() {
    let params = ChainConfig.BlobParameters.prague  // target 6, max 9
    let blob = HeaderValidator.gasPerBlob
    // Blob base fee 1 (excess 0): 131072 × 1 is below 8192 × 17, so the reserve price binds and
    // the excess grows by used × (9 − 6) / 9 instead of used − target.
    let cheap = Self.parent(baseFee: U256(17), excess: 7 * blob, used: 6 * blob)
    let fee = HeaderValidator.blobBaseFee(excessBlobGas: 7 * blob, updateFraction: params.baseFeeUpdateFraction)
    #expect(U256(HeaderValidator.blobBaseCost) &* U256(17) > U256(blob) &* fee)
    #expect(HeaderValidator.expectedExcessBlobGas(parent: cheap, parentIsCancun: true, fork: .osaka, params: params)
              == 7 * blob + 6 * blob * 3 / 9)
    // Prague keeps EIP-4844's rule.
    #expect(HeaderValidator.expectedExcessBlobGas(parent: cheap, parentIsCancun: true, fork: .prague, params: params)
              == 7 * blob)
    // A base fee whose reserve is at or below the blob price: the EIP-4844 rule.
    let atPrice = Self.parent(baseFee: U256(16), excess: 7 * blob, used: 6 * blob)  // 8192 × 16 = 131072 × 1
    #expect(HeaderValidator.expectedExcessBlobGas(parent: atPrice, parentIsCancun: true, fork: .osaka, params: params)
              == 7 * blob)
    // Below the target the excess is zero either way.
    let low = Self.parent(baseFee: U256(1_000_000), excess: 0, used: blob)
    #expect(HeaderValidator.expectedExcessBlobGas(parent: low, parentIsCancun: true, fork: .osaka, params: params) == 0)
  }

  @Test func reservePriceInHeaderValidation() throws {
    let config = ChainConfig.allActive(upTo: .osaka)
    let blob = HeaderValidator.gasPerBlob
    let parent = Self.parent(baseFee: U256(1_000_000_000), excess: 10 * blob, used: 6 * blob)
    var header = Header(parentHash: parent.hash, number: 11, gasLimit: 30_000_000, timestamp: 112,
                        baseFeePerGas: HeaderValidator.expectedBaseFee(parent: parent, parentIsLondon: true),
                        withdrawalsRoot: .emptyTrieRoot, blobGasUsed: 0, excessBlobGas: 10 * blob + 2 * blob,
                        parentBeaconBlockRoot: .zero)
    header.requestsHash = Hash.zero
    try HeaderValidator.validate(header, parent: parent, config: config)
    header.excessBlobGas = 10 * blob  // what EIP-4844 alone gives
    #expect(throws: BlockError.mismatch(.excessBlobGas, expected: .number(12 * blob), got: .number(10 * blob))) {
      try HeaderValidator.validate(header, parent: parent, config: config)
    }
  }

  // MARK: EIP-7934

  @Test func blockSizeMatchesEncoding() throws {
    let legacy = try Transaction(type: .legacy, chainID: U256(1), gasPrice: U256(10), gasLimit: 90_000, to: Address(low: 2),
                                 data: [UInt8](repeating: 0xab, count: 70)).signed(privateKey: key)
    let typed = try Self.blobTx(blobs: 1)
    let ommer = Header(number: 3, gasLimit: 1, timestamp: 4)
    let withdrawals = [Withdrawal(index: 1, validatorIndex: 2, address: Address(low: 3), amountGwei: 4)]
    for block in [
      Block(header: Header(number: 1)),
      Block(header: Header(number: 1), transactions: [legacy, typed], ommers: [ommer], withdrawals: withdrawals),
      Block(header: Header(number: 1), transactions: Array(repeating: legacy, count: 300), withdrawals: []),
    ] {
      #expect(block.rlpSize(transactionEncodings: block.transactions.map(\.canonicalBytes)) == block.rlpEncoded.count)
    }
  }

  @Test func blockSizeLimit() throws {
    #expect(Block.maxRLPSize == 8_388_608)
    // One legacy transaction whose data brings the block to the limit, and one byte over it.
    let processor = BlockProcessor(config: ChainConfig.allActive(upTo: .osaka))
    func block(dataSize: Int) throws -> Block {
      let tx = try Transaction(type: .legacy, chainID: U256(1), gasPrice: U256(10), gasLimit: 90_000,
                               to: Address(low: 2), data: [UInt8](repeating: 1, count: dataSize)).signed(privateKey: key)
      let header = Header(transactionsRoot: TrieRoot.orderedRoot([tx.canonicalBytes]), number: 1, timestamp: 1,
                          withdrawalsRoot: .emptyTrieRoot)
      return Block(header: header, transactions: [tx], withdrawals: [])
    }
    let overhead = try block(dataSize: 1000).rlpEncoded.count - 1000
    // Past 2^16 bytes four length prefixes (data, transaction, list, block) grow by one byte each.
    let atLimit = try block(dataSize: Block.maxRLPSize - overhead - 4)
    #expect(atLimit.rlpEncoded.count == Block.maxRLPSize)
    let over = try block(dataSize: Block.maxRLPSize - overhead - 3)
    #expect(over.rlpEncoded.count == Block.maxRLPSize + 1)
    #expect(throws: BlockError.invalidBody(.blockTooLarge(size: Block.maxRLPSize + 1, max: Block.maxRLPSize))) {
      try processor.validateBody(over, fork: .osaka, transactionEncodings: over.transactions.map(\.canonicalBytes))
    }
    // Prague has no size limit; at the limit Osaka accepts.
    try processor.validateBody(over, fork: .prague, transactionEncodings: over.transactions.map(\.canonicalBytes))
    try processor.validateBody(atLimit, fork: .osaka, transactionEncodings: atLimit.transactions.map(\.canonicalBytes))
  }
}
