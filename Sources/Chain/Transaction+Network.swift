#if canImport(Primitives)
import Primitives  // absent only when the fuzz harness compiles these files into one module
#endif

// The network (pooled) form of a blob transaction, as eth_sendRawTransaction and the eth wire
// protocol carry it; blocks hold only the canonical form.
//   EIP-4844 (version 0): 0x03 ‖ rlp([tx_fields, blobs, commitments, proofs])
//   EIP-7594 (version 1): 0x03 ‖ rlp([tx_fields, 1, blobs, commitments, cell_proofs])
// tx_fields is the canonical transaction's field list; version 1 carries 128 cell proofs per blob.

/// The blobs, commitments and KZG proofs a network-form blob transaction carries.
public struct BlobSidecar: Equatable, Sendable {
  /// 0 for EIP-4844's one proof per blob, 1 for EIP-7594's cell proofs (the form the network
  /// expects from Osaka on).
  public var wrapperVersion: Int
  public var blobs: [[UInt8]]
  public var commitments: [[UInt8]]
  public var proofs: [[UInt8]]

  public init(wrapperVersion: Int, blobs: [[UInt8]], commitments: [[UInt8]], proofs: [[UInt8]]) {
    self.wrapperVersion = wrapperVersion; self.blobs = blobs; self.commitments = commitments; self.proofs = proofs
  }

  /// The bytes of one blob (4096 field elements of 32 bytes).
  public static let blobSize = 131_072
  /// The bytes of a commitment or a proof (a compressed BLS12-381 G1 point).
  public static let commitmentSize = 48
  /// EIP-7594: cell proofs per blob (CELLS_PER_EXT_BLOB).
  public static let cellsPerBlob = 128
}

/// A transaction as the network carries it: the transaction, and a blob transaction's sidecar.
public struct NetworkTransaction: Equatable, Sendable {
  public var transaction: Transaction
  /// Present for a blob transaction sent in its network form.
  public var sidecar: BlobSidecar?

  public init(transaction: Transaction, sidecar: BlobSidecar? = nil) {
    self.transaction = transaction; self.sidecar = sidecar
  }

  /// Decodes the network form of a transaction: a blob transaction with its sidecar (either
  /// wrapper version), or any transaction's canonical encoding (then with no sidecar).
  ///
  /// Checks the sidecar's shape: as many blobs and commitments as versioned hashes, each blob
  /// 131,072 bytes, each commitment and proof 48, one proof per blob (version 0) or 128 (version
  /// 1). The KZG proofs themselves are not verified here.
  /// - Throws: `TransactionError` naming the envelope, field or sidecar problem.
  public init(networkBytes bytes: [UInt8]) throws(TransactionError) {
    sidecar = nil
    guard bytes.first == TransactionType.blob.rawValue else {
      transaction = try Transaction(canonicalBytes: bytes)
      return
    }
    let item: RLPItem
    do throws(RLPError) { item = try RLPItem(decoding: bytes.dropFirst()) } catch { throw .rlp(error) }
    guard item.isList else { throw .invalidEnvelope("typed transaction payload is not a list") }
    guard let version = Transaction.networkWrapperVersion(item) else {
      transaction = try Transaction(type: .blob, list: item)
      return
    }
    var r = RLPListReader(item.payload)
    var sidecar = BlobSidecar(wrapperVersion: version, blobs: [], commitments: [], proofs: [])
    let fields: RLPItem
    do throws(RLPError) {
      fields = try r.required("transaction")
      if version == 1 { _ = try r.required("wrapper version") }
      sidecar.blobs = try Transaction.byteStrings(try r.required("blobs"))
      sidecar.commitments = try Transaction.byteStrings(try r.required("commitments"))
      sidecar.proofs = try Transaction.byteStrings(try r.required("proofs"))
      try r.finish()
    } catch {
      throw .invalidBlobSidecar("\(error)")
    }
    let tx = try Transaction(type: .blob, list: fields)
    let n = tx.blobVersionedHashes.count
    guard sidecar.blobs.count == n, sidecar.commitments.count == n else {
      throw .invalidBlobSidecar("\(sidecar.blobs.count) blobs and \(sidecar.commitments.count) commitments for \(n) versioned hashes")
    }
    let proofsPerBlob = version == 1 ? BlobSidecar.cellsPerBlob : 1
    guard sidecar.proofs.count == n * proofsPerBlob else {
      throw .invalidBlobSidecar("\(sidecar.proofs.count) proofs for \(n) blobs, expected \(n * proofsPerBlob)")
    }
    if let i = sidecar.blobs.firstIndex(where: { $0.count != BlobSidecar.blobSize }) {
      throw .invalidBlobSidecar("blob \(i) is \(sidecar.blobs[i].count) bytes, expected \(BlobSidecar.blobSize)")
    }
    if let i = sidecar.commitments.firstIndex(where: { $0.count != BlobSidecar.commitmentSize }) {
      throw .invalidBlobSidecar("commitment \(i) is \(sidecar.commitments[i].count) bytes, expected 48")
    }
    if let i = sidecar.proofs.firstIndex(where: { $0.count != BlobSidecar.commitmentSize }) {
      throw .invalidBlobSidecar("proof \(i) is \(sidecar.proofs[i].count) bytes, expected 48")
    }
    transaction = tx
    self.sidecar = sidecar
  }

  /// The network form: the canonical encoding without a sidecar, else 0x03 ‖ the wrapper list.
  public var networkBytes: [UInt8] {
    guard let sidecar, transaction.type == .blob else { return transaction.canonicalBytes }
    let canonical = transaction.canonicalBytes
    var e = RLPEncoder(reservingCapacity: canonical.count + sidecar.blobs.count * (BlobSidecar.blobSize + 8) + 64)
    e.appendRaw(CollectionOfOne(TransactionType.blob.rawValue))
    e.list { l in
      l.appendRaw(canonical.dropFirst())
      if sidecar.wrapperVersion == 1 { l.append(UInt64(1)) }
      l.list { x in for b in sidecar.blobs { x.append(bytes: b) } }
      l.list { x in for c in sidecar.commitments { x.append(bytes: c) } }
      l.list { x in for p in sidecar.proofs { x.append(bytes: p) } }
    }
    return e.bytes
  }
}

extension Transaction {
  /// The wrapper version when `item` (a blob transaction's outer list) is the network form: its
  /// first element is the field list, not the chain id. Version 1 when the second element is the
  /// byte 1 (EIP-7594), else 0 (EIP-4844: the blobs list follows). Nil for the canonical form.
  static func networkWrapperVersion(_ item: RLPItem) -> Int? {
    var r = RLPListReader(item.payload)
    guard let first = try? r.next(), first.isList else { return nil }
    guard let second = try? r.next(), !second.isList else { return 0 }
    return second.payload.elementsEqual(CollectionOfOne(1)) ? 1 : 0
  }

  /// The byte strings of an RLP list.
  static func byteStrings(_ item: RLPItem) throws(RLPError) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var r = try item.listReader()
    while let x = try r.next() { out.append(Array(try x.bytes())) }
    return out
  }
}
