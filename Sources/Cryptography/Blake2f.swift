/// The BLAKE2b compression function `F` as a precompile (address 0x09, EIP-152).
public enum Blake2f {
  /// The input is exactly `4 + 64 + 128 + 16 + 1` bytes (EIP-152).
  public static let inputLength = 213

  /// BLAKE2b initialisation vector (RFC 7693 §2.6; the SHA-512 IV).
  static let iv: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (
    0x6a09_e667_f3bc_c908, 0xbb67_ae85_84ca_a73b, 0x3c6e_f372_fe94_f82b, 0xa54f_f53a_5f1d_36f1,
    0x510e_527f_ade6_82d1, 0x9b05_688c_2b3e_6c1f, 0x1f83_d9ab_fb41_bd6b, 0x5be0_cd19_137e_2179
  )

  /// Message word schedule, one row of 16 indices per round (RFC 7693 §2.7); round `i` uses
  /// row `i mod 10`.
  static let sigma: [UInt8] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
    11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
    7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
    9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
    2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
    12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
    13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
    6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
    10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
  ]

  /// The number of rounds an input asks for (its big-endian first four bytes), for gas
  /// (EIP-152: one gas per round); nil when the input is not exactly 213 bytes.
  public static func rounds(_ input: [UInt8]) -> UInt32? {
    guard input.count == inputLength else { return nil }
    return UInt32(input[0]) << 24 | UInt32(input[1]) << 16 | UInt32(input[2]) << 8 | UInt32(input[3])
  }

  /// Runs the compression function on an EIP-152 input.
  ///
  /// - Parameter input: `rounds (4, big-endian) ‖ h (8 × 8, little-endian) ‖ m (16 × 8,
  ///   little-endian) ‖ t (2 × 8, little-endian) ‖ f (1)`.
  /// - Returns: the new state `h` as 64 little-endian bytes; nil when the input is not exactly
  ///   213 bytes or the final-block flag `f` is neither 0 nor 1.
  /// - Complexity: O(rounds); the caller must have charged gas for `rounds` first.
  public static func compress(_ input: [UInt8]) -> [UInt8]? {
    guard let rounds = rounds(input) else { return nil }
    let flag = input[212]
    guard flag <= 1 else { return nil }

    @inline(__always) func le64(_ at: Int) -> UInt64 {
      var v: UInt64 = 0
      for i in 0..<8 { v |= UInt64(input[at + i]) << UInt64(8 * i) }
      return v
    }

    return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 40) { buf -> [UInt8] in
      // buf[0..<8]: h, buf[8..<24]: m, buf[24..<40]: working vector v.
      for i in 0..<8 { buf[i] = le64(4 + 8 * i) }
      for i in 0..<16 { buf[8 + i] = le64(68 + 8 * i) }
      let t0 = le64(196), t1 = le64(204)
      compressBlock(buf, rounds: rounds, t0: t0, t1: t1, isFinal: flag == 1)
      var out = [UInt8](repeating: 0, count: 64)
      for i in 0..<8 {
        let w = buf[i]
        for b in 0..<8 { out[8 * i + b] = UInt8(truncatingIfNeeded: w >> UInt64(8 * b)) }
      }
      return out
    }
  }

  /// `F(h, m, t, f)` with a variable number of rounds (RFC 7693 §3.2); updates `h` in place.
  /// `state` holds h in `[0, 8)`, m in `[8, 24)` and scratch space for v in `[24, 40)`.
  static func compressBlock(
    _ state: UnsafeMutableBufferPointer<UInt64>, rounds: UInt32, t0: UInt64, t1: UInt64, isFinal: Bool
  ) {
    var v0 = state[0], v1 = state[1], v2 = state[2], v3 = state[3]
    var v4 = state[4], v5 = state[5], v6 = state[6], v7 = state[7]
    var v8 = iv.0, v9 = iv.1, v10 = iv.2, v11 = iv.3
    var v12 = iv.4 ^ t0, v13 = iv.5 ^ t1
    var v14 = isFinal ? ~iv.6 : iv.6
    var v15 = iv.7
    let m = UnsafeMutableBufferPointer(rebasing: state[8..<24])

    @inline(__always) func g(
      _ a: inout UInt64, _ b: inout UInt64, _ c: inout UInt64, _ d: inout UInt64, _ x: UInt64, _ y: UInt64
    ) {
      a = a &+ b &+ x
      d = (d ^ a).rotatedRight(32)
      c = c &+ d
      b = (b ^ c).rotatedRight(24)
      a = a &+ b &+ y
      d = (d ^ a).rotatedRight(16)
      c = c &+ d
      b = (b ^ c).rotatedRight(63)
    }

    sigma.withUnsafeBufferPointer { s in
      var row = 0
      for _ in 0..<rounds {
        let base = row * 16
        // SAFETY: base + 15 < 160 = sigma.count, and every sigma entry is < 16 = m.count.
        @inline(__always) func w(_ i: Int) -> UInt64 { m[Int(s[base + i])] }
        g(&v0, &v4, &v8, &v12, w(0), w(1))
        g(&v1, &v5, &v9, &v13, w(2), w(3))
        g(&v2, &v6, &v10, &v14, w(4), w(5))
        g(&v3, &v7, &v11, &v15, w(6), w(7))
        g(&v0, &v5, &v10, &v15, w(8), w(9))
        g(&v1, &v6, &v11, &v12, w(10), w(11))
        g(&v2, &v7, &v8, &v13, w(12), w(13))
        g(&v3, &v4, &v9, &v14, w(14), w(15))
        row = row == 9 ? 0 : row + 1
      }
    }

    state[0] ^= v0 ^ v8
    state[1] ^= v1 ^ v9
    state[2] ^= v2 ^ v10
    state[3] ^= v3 ^ v11
    state[4] ^= v4 ^ v12
    state[5] ^= v5 ^ v13
    state[6] ^= v6 ^ v14
    state[7] ^= v7 ^ v15
  }
}

extension UInt64 {
  @inline(__always)
  fileprivate func rotatedRight(_ n: UInt64) -> UInt64 { (self >> n) | (self << (64 &- n)) }
}
