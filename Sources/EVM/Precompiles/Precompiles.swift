import Cryptography
import Primitives

extension VirtualMachine {
  /// Runs precompile `index` (1…17, and 0x100 from Osaka) with `gas`: the gas is charged here, a failure consumes
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
      // EIP-7823 (Osaka): a length above 1024 bytes fails, consuming all the gas.
      if fork >= .osaka && !Precompiles.modexpLengthsWithinBounds(input) { return .halt(.precompileFailure) }
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
    case Precompiles.p256VerifyIndex:  // P256VERIFY (EIP-7951, Osaka): empty output when invalid
      if Precompiles.p256VerifyGas > gas { return .halt(.outOfGas) }
      return done(Precompiles.p256VerifyGas, P256.precompile(input))
    case 11...17:  // BLS12-381 (EIP-2537), Prague
      return runBLS12381Precompile(index, input: input, gas: gas)
    default:
      return .halt(.precompileFailure)
    }
  }
}

/// Byte-level helpers of the precompiles.
enum Precompiles {
  /// EIP-7951: P256VERIFY's address, 0x100, and its gas.
  static let p256VerifyIndex: UInt32 = 0x100
  static let p256VerifyGas = 6900

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

  /// EIP-7823 (Osaka): the largest base, exponent or modulus length MODEXP accepts, in bytes.
  static let modexpMaxLength = 1024

  /// EIP-7823: whether the base, exponent and modulus lengths are each at most 1024 bytes.
  static func modexpLengthsWithinBounds(_ input: [UInt8]) -> Bool {
    length(input, 0) <= modexpMaxLength && length(input, 32) <= modexpMaxLength
      && length(input, 64) <= modexpMaxLength
  }

  /// EIP-198 gas, with EIP-2565 pricing from Berlin and EIP-7883's from Osaka. Saturates instead
  /// of overflowing.
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
    // Bits counted per exponent byte past the first 32: 8, and 16 from Osaka (EIP-7883).
    let bitsPerByte = fork >= .osaka ? 16 : 8
    if eLen <= 32 {
      iterations = headBits == 0 ? 0 : headBits - 1
    } else {
      let extra = eLen - 32
      iterations = extra > Int.max / (2 * bitsPerByte) ? Int.max / 4 : bitsPerByte * extra + max(headBits - 1, 0)
    }
    let maxLen = max(bLen, mLen)
    if fork >= .osaka {
      // EIP-7883: complexity 16 up to 32 bytes, else 2 × words²; no divisor; at least 500.
      let w = (maxLen + 7) / 8
      if w > 2_000_000_000 { return Int.max }
      let complexity = maxLen > 32 ? 2 * w * w : 16
      let (p, o) = complexity.multipliedReportingOverflow(by: max(iterations, 1))
      if o { return Int.max }
      return max(500, p)
    }
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
