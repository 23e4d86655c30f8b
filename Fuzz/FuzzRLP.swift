// libFuzzer entry for the strict RLP decoder: any input must either be rejected with an
// RLPError or decode to a tree whose re-encoding is byte-identical (the decoder accepts only
// canonical forms). Built by tools/fuzz.sh with the Primitives sources compiled in.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRLP(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let input = Array(UnsafeBufferPointer(start: data, count: size))
  guard let item = try? RLPItem(decoding: input), (try? item.validateTree()) != nil else { return 0 }
  var e = RLPEncoder()
  reencode(item, &e)
  if e.bytes != input {
    fatalError("RLP round trip changed the bytes: \(input.hexString) -> \(e.bytes.hexString)")
  }
  // Typed readers must not crash on any item.
  _ = try? item.uint64()
  _ = try? item.u256()
  _ = try? item.address()
  _ = try? item.hash()
  return 0
}

func reencode(_ item: RLPItem, _ e: inout RLPEncoder) {
  if item.isList {
    e.list { inner in
      for child in (try? item.listItems()) ?? [] { reencode(child, &inner) }
    }
  } else {
    e.append(bytes: item.payload)
  }
}
