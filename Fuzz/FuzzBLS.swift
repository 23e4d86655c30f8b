// libFuzzer entry for the EIP-2537 precompile parsers (BLS12-381, 0x0b–0x11): the first byte
// picks the operation, the rest is its input. Any input must be rejected (nil) or give an
// output of the operation's size whose points decode back as points on the curve. Built by
// tools/fuzz.sh with the BLS12-381 sources compiled in.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBLS(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size >= 1 else { return 0 }
  let selector = Int(data[0]) % 7
  let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
  typealias E = BLS12381.EIP2537
  switch selector {
  case 0: check(E.g1Add(input), g1: true)
  case 1: check(E.g1MSM(input), g1: true)
  case 2: check(E.g2Add(input), g1: false)
  case 3: check(E.g2MSM(input), g1: false)
  case 4:
    if let out = E.pairingCheck(input) {
      guard out.count == 32, out[0..<31].allSatisfy({ $0 == 0 }), out[31] <= 1 else {
        fatalError("pairing output malformed")
      }
    }
  case 5: check(E.mapFpToG1(input), g1: true)
  default: check(E.mapFp2ToG2(input), g1: false)
  }
  return 0
}

func check(_ output: [UInt8]?, g1: Bool) {
  guard let output else { return }
  if g1 {
    guard output.count == 128, BLS12381.EIP2537.readG1(output, 0, subgroupCheck: false) != nil else {
      fatalError("G1 output does not decode as a point")
    }
  } else {
    guard output.count == 256, BLS12381.EIP2537.readG2(output, 0, subgroupCheck: false) != nil else {
      fatalError("G2 output does not decode as a point")
    }
  }
}
