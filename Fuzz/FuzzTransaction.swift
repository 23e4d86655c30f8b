// libFuzzer target for the transaction decoder. Built as one module with the Primitives sources
// and the secp256k1-free transaction files (Transaction.swift, TransactionError.swift,
// Transaction+RLP.swift, Transaction+Network.swift; Fuzz/transaction-sources.txt):
//
//   swiftc -sanitize=fuzzer,address -parse-as-library -O \
//     Sources/Primitives/*.swift Sources/Primitives/RLP/*.swift \
//     Sources/Chain/Transaction.swift Sources/Chain/TransactionError.swift \
//     Sources/Chain/Transaction+RLP.swift Sources/Chain/Transaction+Network.swift \
//     Fuzz/FuzzTransaction.swift -o /tmp/fuzz-tx
//   /tmp/fuzz-tx -max_total_time=60 -max_len=4096
//
// Properties: decoding never crashes; whatever decodes re-encodes to exactly the input, in the
// canonical, block-body and network (blob sidecar) forms; a network-form blob transaction is
// never taken for a canonical one; hashing a decoded transaction never crashes.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))

  // The canonical encoding (network form, hashed for the transaction hash).
  if let tx = try? Transaction(canonicalBytes: bytes) {
    let again = tx.canonicalBytes
    if again != bytes {
      fatalError("canonical round trip: \(bytes.hexString) re-encoded as \(again.hexString)")
    }
    _ = tx.hash
    _ = tx.signingHash
    for auth in tx.authorizationList { _ = auth.signingHash }
    // The block-body form of the same transaction decodes back to it.
    let body = tx.rlpEncoded
    guard let item = try? RLPItem(decoding: body), let back = try? Transaction(blockBodyItem: item),
      back == tx
    else {
      fatalError("block-body round trip failed for \(bytes.hexString)")
    }
  }

  // The same bytes as one item of a block body's transaction list.
  if let item = try? RLPItem(decoding: bytes), let tx = try? Transaction(blockBodyItem: item) {
    let again = tx.rlpEncoded
    if again != bytes {
      fatalError("block-body round trip: \(bytes.hexString) re-encoded as \(again.hexString)")
    }
  }

  // The network form (a blob transaction with its sidecar, or any canonical encoding).
  if let n = try? NetworkTransaction(networkBytes: bytes) {
    let again = n.networkBytes
    if again != bytes {
      fatalError("network round trip: \(bytes.hexString) re-encoded as \(again.hexString)")
    }
    if n.sidecar != nil, (try? Transaction(canonicalBytes: bytes)) != nil {
      fatalError("a network-form blob transaction decoded as canonical: \(bytes.hexString)")
    }
  }
  return 0
}
