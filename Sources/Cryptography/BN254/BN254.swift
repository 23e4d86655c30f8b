/// BN254 (alt_bn128) precompiles: EIP-196 (add, scalar mul) and EIP-197 (pairing check),
/// with the field constants of the curve `y² = x³ + 3` over `F_p`.
///
/// All arithmetic is fixed-size (four 64-bit limbs, Montgomery form) and allocates nothing;
/// only the byte-level entry points below allocate their output arrays.
public enum BN254 {
  /// The base field modulus `p`, little-endian limbs.
  static let modulus: (UInt64, UInt64, UInt64, UInt64) = (
    0x3c20_8c16_d87c_fd47, 0x9781_6a91_6871_ca8d, 0xb850_45b6_8181_585d, 0x3064_4e72_e131_a029
  )

  /// The group order `r` of G1 and G2, little-endian limbs.
  static let groupOrder: [UInt64] = [
    0x43e1_f593_f000_0001, 0x2833_e848_79b9_7091, 0xb850_45b6_8181_585d, 0x3064_4e72_e131_a029,
  ]

  /// The Miller loop count of the optimal ate pairing, `6x + 2` with `x = 4965661367192848881`.
  static let ateLoopCount: UInt128 = 29_793_968_203_157_093_288

  /// `6x + 2` in non-adjacent form, least significant digit first (22 non-zero digits instead
  /// of 37 ones in binary, so fewer addition steps in the Miller loop).
  static let ateLoopNAF: [Int8] = [
    0, 0, 0, 1, 0, 1, 0, -1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, -1, 0, 0, 0, 1, 0, -1, 0, 0, 0,
    0, -1, 0, 0, 1, 0, -1, 0, 0, 1, 0, 0, 0, 0, 0, -1, 0, 0, -1, 0, 1, 0, -1, 0, 0, 0, -1, 0, -1,
    0, 0, 0, 1, 0, -1, 0, 1,
  ]

  /// The BN parameter `x` (often called `u`), positive for this curve.
  static let curveParameter: UInt64 = 4_965_661_367_192_848_881
}

// MARK: - Byte helpers shared by the precompile entry points

extension BN254 {
  /// Reads the 32-byte big-endian word at `offset` of `input`, treating bytes past the end as
  /// zero (EIP-196: inputs shorter than expected are right-padded with zeros).
  @inline(__always)
  static func readWord(_ input: [UInt8], _ offset: Int) -> (UInt64, UInt64, UInt64, UInt64) {
    var limbs: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    for k in 0..<4 {
      var v: UInt64 = 0
      let base = offset + 8 * k
      for i in 0..<8 {
        let idx = base + i
        v = (v << 8) | (idx < input.count ? UInt64(input[idx]) : 0)
      }
      switch k {
      case 0: limbs.3 = v
      case 1: limbs.2 = v
      case 2: limbs.1 = v
      default: limbs.0 = v
      }
    }
    return limbs
  }

  /// Appends `limbs` as a 32-byte big-endian word.
  @inline(__always)
  static func appendWord(_ limbs: (UInt64, UInt64, UInt64, UInt64), to out: inout [UInt8]) {
    @inline(__always) func put(_ v: UInt64, _ out: inout [UInt8]) {
      for i in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(i))) }
    }
    put(limbs.3, &out); put(limbs.2, &out); put(limbs.1, &out); put(limbs.0, &out)
  }
}
