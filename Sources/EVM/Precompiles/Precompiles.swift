import Crypto
import Primitives

extension VirtualMachine {
  /// Runs precompile `index` (1…17) with `gas`: the gas is charged here, a failure consumes
  /// all of it.
  func runPrecompile(_ index: UInt32, input: [UInt8], gas: Int) -> FrameResult {
    let words = (input.count + 31) / 32
    func done(_ cost: Int, _ output: [UInt8]?) -> FrameResult {
      if cost > gas { return .halt(.outOfGas) }
      guard let output else { return .halt(.precompileFailure) }
      return FrameResult(status: .success, gasLeft: gas - cost, output: output)
    }
    switch index {
    case 1:  // ECRECOVER
      if 3000 > gas { return .halt(.outOfGas) }
      return done(3000, Precompiles.ecrecover(input))
    case 2:  // SHA2-256
      let cost = 60 + 12 * words
      if cost > gas { return .halt(.outOfGas) }
      return done(cost, SHA256.hash(input).bytes)
    case 3:  // RIPEMD-160
      let cost = 600 + 120 * words
      if cost > gas { return .halt(.outOfGas) }
      return done(cost, [UInt8](repeating: 0, count: 12) + RIPEMD160.hash(input))
    case 4:  // IDENTITY
      return done(15 + 3 * words, input)
    case 5:  // MODEXP
      let cost = Precompiles.modexpGas(input, fork: fork)
      if cost > gas { return .halt(.outOfGas) }
      return done(cost, Precompiles.modexp(input))
    case 6:  // BN254 add (EIP-196, EIP-1108)
      let cost = fork >= .istanbul ? 150 : 500
      if cost > gas { return .halt(.outOfGas) }
      return done(cost, BN254.add(input))
    case 7:  // BN254 mul
      let cost = fork >= .istanbul ? 6000 : 40000
      if cost > gas { return .halt(.outOfGas) }
      return done(cost, BN254.mul(input))
    case 8:  // BN254 pairing check (EIP-197, EIP-1108)
      let k = input.count / 192
      let cost = fork >= .istanbul ? 45000 + 34000 * k : 100000 + 80000 * k
      if cost > gas { return .halt(.outOfGas) }
      if input.count % 192 != 0 { return .halt(.precompileFailure) }
      return done(cost, BN254.pairingCheck(input))
    case 9:  // BLAKE2F (EIP-152): one gas per round
      guard let rounds = Blake2f.rounds(input) else { return .halt(.precompileFailure) }
      if Int(rounds) > gas { return .halt(.outOfGas) }
      return done(Int(rounds), Blake2f.compress(input))
    case 10:  // KZG point evaluation (EIP-4844)
      let cost = Int(PointEvaluation.gasCost)
      if cost > gas { return .halt(.outOfGas) }
      return done(cost, PointEvaluation.run(input: input))
    case 11...17:  // BLS12-381 (EIP-2537), Prague
      return runBLS12381Precompile(index, input: input, gas: gas)
    default:
      return .halt(.precompileFailure)
    }
  }
}

/// Byte-level helpers of the precompiles.
enum Precompiles {
  /// ECRECOVER: the signer's address left-padded to 32 bytes, or empty output (still success)
  /// when the input does not recover.
  static func ecrecover(_ input: [UInt8]) -> [UInt8] {
    let data = padded(input, to: 128)
    let hash = Hash(data[0..<32])
    let v = U256(bigEndian: data[32..<64])
    let r = U256(bigEndian: data[64..<96])
    let s = U256(bigEndian: data[96..<128])
    guard v == U256(27) || v == U256(28) else { return [] }
    guard let address = try? Secp256k1.recoverAddress(messageHash: hash, r: r, s: s, recoveryID: Int(v.w0 - 27)) else {
      return []
    }
    return [UInt8](repeating: 0, count: 12) + address.bytes
  }

  /// `bytes` right-padded with zeros to at least `count`.
  static func padded(_ bytes: [UInt8], to count: Int) -> [UInt8] {
    bytes.count >= count ? bytes : bytes + [UInt8](repeating: 0, count: count - bytes.count)
  }

  /// `count` bytes of `input` from `offset`, zero-filled past its end.
  static func slice(_ input: [UInt8], _ offset: Int, _ count: Int) -> ArraySlice<UInt8> {
    if count == 0 { return [] }
    if offset >= input.count { return ArraySlice(repeating: 0, count: count) }
    let end = offset + count
    if end <= input.count { return input[offset..<end] }
    return ArraySlice(input[offset...] + [UInt8](repeating: 0, count: end - input.count))
  }

  /// A 32-byte length field, saturated to `Int.max / 2` when huge.
  static func length(_ input: [UInt8], _ at: Int) -> Int {
    let w = U256(bigEndian: slice(input, at, 32))
    return w.fitsUInt64 && w.w0 < UInt64(Int.max / 4) ? Int(w.w0) : Int.max / 4
  }

  /// EIP-198 gas, with EIP-2565 pricing from Berlin. Saturates instead of overflowing.
  static func modexpGas(_ input: [UInt8], fork: Fork) -> Int {
    let bLen = length(input, 0), eLen = length(input, 32), mLen = length(input, 64)
    // Adjusted exponent length: from the exponent's first (up to) 32 bytes and its length.
    var head = U256.zero
    if bLen < Int.max / 8 {
      let n = min(eLen, 32)
      head = U256(bigEndian: slice(input, 96 + bLen, n))
    }
    let headBits = head.bitWidth
    var iterations: Int
    if eLen <= 32 {
      iterations = headBits == 0 ? 0 : headBits - 1
    } else {
      let extra = eLen - 32
      iterations = extra > Int.max / 16 ? Int.max / 4 : 8 * extra + max(headBits - 1, 0)
    }
    let maxLen = max(bLen, mLen)
    if fork >= .berlin {
      let w = (maxLen + 7) / 8
      if w > 3_000_000_000 { return Int.max }
      let complexity = w * w
      iterations = max(iterations, 1)
      let (p, o) = complexity.multipliedReportingOverflow(by: iterations)
      if o { return Int.max }
      return max(200, p / 3)
    } else {
      let x = maxLen
      if x > 3_000_000_000 { return Int.max }
      let complexity: Int
      if x <= 64 { complexity = x * x }
      else if x <= 1024 { complexity = x * x / 4 + 96 * x - 3072 }
      else { complexity = x * x / 16 + 480 * x - 199680 }
      let (p, o) = complexity.multipliedReportingOverflow(by: max(iterations, 1))
      if o { return Int.max }
      return p / 20
    }
  }

  /// MODEXP output (the modulus length, left-padded). Only called once the gas is paid, which
  /// bounds the lengths.
  static func modexp(_ input: [UInt8]) -> [UInt8] {
    let bLen = length(input, 0), eLen = length(input, 32), mLen = length(input, 64)
    if mLen == 0 { return [] }
    let base = slice(input, 96, bLen)
    let exponent = slice(input, 96 + bLen, eLen)
    let modulus = slice(input, 96 + bLen + eLen, mLen)
    return ModExp.run(base: base, exponent: exponent, modulus: modulus)
  }
}
