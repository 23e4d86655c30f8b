// Multi-scalar multiplication Σ [kᵢ]Pᵢ for G1 and G2: a 4-bit fixed-window method per point for
// a few points, Pippenger's bucket method beyond (window width chosen by a cost estimate).

/// What the MSM needs from a group: Jacobian doubling and addition, and mixed addition of an
/// affine point. Generic code over it is specialised, so no existential is involved.
protocol BLSJacobianPoint {
  associatedtype Affine
  static var identity: Self { get }
  var isIdentity: Bool { get }
  init(_ a: Affine)
  func doubled() -> Self
  func adding(_ q: Affine) -> Self
  static func + (p: Self, q: Self) -> Self
}

extension BLS12381.G1Point: BLSJacobianPoint {}
extension BLS12381.G2Point: BLSJacobianPoint {}

extension BLS12381.Scalar {
  /// Bits [start, start + width) as an integer (width ≤ 16; bits past 255 read as zero).
  @inline(__always)
  func window(_ start: Int, _ width: Int) -> Int {
    let limbIndex = start >> 6, shift = start & 63
    @inline(__always) func limb(_ i: Int) -> UInt64 {
      switch i {
      case 0: return l0
      case 1: return l1
      case 2: return l2
      case 3: return l3
      default: return 0
      }
    }
    var w = limb(limbIndex) >> UInt64(shift)
    if shift + width > 64 { w |= limb(limbIndex + 1) << UInt64(64 - shift) }
    return Int(w & ((1 << UInt64(width)) - 1))
  }

  /// The index of the highest set bit plus one (0 for zero).
  var bitLength: Int {
    if l3 != 0 { return 256 - l3.leadingZeroBitCount }
    if l2 != 0 { return 192 - l2.leadingZeroBitCount }
    if l1 != 0 { return 128 - l1.leadingZeroBitCount }
    return 64 - l0.leadingZeroBitCount
  }
}

extension BLS12381 {
  /// Σ [scalars[i]]points[i] in G1.
  public static func msm(_ points: [G1Affine], _ scalars: [Scalar]) -> G1Point {
    msmGeneric(points, scalars) as G1Point
  }

  /// Σ [scalars[i]]points[i] in G2.
  public static func msm(_ points: [G2Affine], _ scalars: [Scalar]) -> G2Point {
    msmGeneric(points, scalars) as G2Point
  }

  @_specialize(where P == G1Point)
  @_specialize(where P == G2Point)
  static func msmGeneric<P: BLSJacobianPoint>(_ points: [P.Affine], _ scalars: [Scalar]) -> P {
    let n = min(points.count, scalars.count)
    if n == 0 { return .identity }
    var bits = 0
    for i in 0..<n { bits = max(bits, scalars[i].bitLength) }
    if bits == 0 { return .identity }
    // Cost in group additions: fixed windows ≈ n·(bits/4 + 14) plus bits doublings shared
    // (Straus); Pippenger with width c ≈ ⌈bits/c⌉·(n + 2^(c+1)) plus bits doublings.
    let strausCost = n * (bits / 4 + 14)
    var bestC = 0, bestCost = strausCost
    for c in 2...14 {
      let cost = (bits + c - 1) / c * (n + (2 << c))
      if cost < bestCost { bestCost = cost; bestC = c }
    }
    if bestC == 0 { return straus(points, scalars, n: n, bits: bits) }
    return pippenger(points, scalars, n: n, bits: bits, c: bestC)
  }

  /// Interleaved 4-bit fixed windows: a table of [1…15]Pᵢ per point, one doubling chain.
  static func straus<P: BLSJacobianPoint>(_ points: [P.Affine], _ scalars: [Scalar], n: Int,
                                          bits: Int) -> P {
    var tables = [P](repeating: .identity, count: n * 15)
    for i in 0..<n {
      let base = P(points[i])
      tables[i * 15] = base
      for j in 1..<15 { tables[i * 15 + j] = tables[i * 15 + j - 1].adding(points[i]) }
    }
    var acc = P.identity
    var w = (bits + 3) / 4 - 1
    while w >= 0 {
      if !acc.isIdentity { for _ in 0..<4 { acc = acc.doubled() } }
      for i in 0..<n {
        let d = scalars[i].window(w * 4, 4)
        if d != 0 { acc = acc + tables[i * 15 + d - 1] }
      }
      w -= 1
    }
    return acc
  }

  /// Pippenger's bucket method with window width c.
  static func pippenger<P: BLSJacobianPoint>(_ points: [P.Affine], _ scalars: [Scalar], n: Int,
                                             bits: Int, c: Int) -> P {
    let bucketCount = (1 << c) - 1
    var buckets = [P](repeating: .identity, count: bucketCount)
    var acc = P.identity
    var w = (bits + c - 1) / c - 1
    while w >= 0 {
      if !acc.isIdentity { for _ in 0..<c { acc = acc.doubled() } }
      for j in 0..<bucketCount { buckets[j] = .identity }
      for i in 0..<n {
        let d = scalars[i].window(w * c, c)
        if d != 0 { buckets[d - 1] = buckets[d - 1].adding(points[i]) }
      }
      // Σ d·bucket[d] as a running sum from the top bucket down.
      var running = P.identity, sum = P.identity
      var j = bucketCount - 1
      while j >= 0 {
        running = running + buckets[j]
        sum = sum + running
        j -= 1
      }
      acc = acc + sum
      w -= 1
    }
    return acc
  }
}
