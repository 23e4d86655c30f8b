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

extension BLS12381.Scalar {
  /// self mod r (self < 2^256 < 3r).
  var reducedModR: BLS12381.Scalar {
    var k = self
    while !k.isCanonical {
      let m = BLS12381.Scalar.modulus
      let (s0, b0) = blsSbb(k.l0, m.l0, 0)
      let (s1, b1) = blsSbb(k.l1, m.l1, b0)
      let (s2, b2) = blsSbb(k.l2, m.l2, b1)
      let (s3, _) = blsSbb(k.l3, m.l3, b2)
      k = BLS12381.Scalar(s0, s1, s2, s3)
    }
    return k
  }

  /// The base-|x| digits of a value below r < |x|⁴, least significant first.
  func baseXDigits() -> (UInt64, UInt64, UInt64, UInt64) {
    var q = (l0, l1, l2, l3)
    @inline(__always) func divide(_ q: inout (UInt64, UInt64, UInt64, UInt64)) -> UInt64 {
      let d = BLS12381.xAbs
      var rem: UInt64 = 0
      (q.3, rem) = d.dividingFullWidth((high: 0, low: q.3))
      (q.2, rem) = d.dividingFullWidth((high: rem, low: q.2))
      (q.1, rem) = d.dividingFullWidth((high: rem, low: q.1))
      (q.0, rem) = d.dividingFullWidth((high: rem, low: q.0))
      return rem
    }
    let e0 = divide(&q), e1 = divide(&q), e2 = divide(&q)
    return (e0, e1, e2, q.0)
  }

  /// lo + hi·|x| as a 128-bit scalar.
  static func combine(_ lo: UInt64, _ hi: UInt64) -> BLS12381.Scalar {
    let (h, l) = hi.multipliedFullWidth(by: BLS12381.xAbs)
    let (sum, carry) = l.addingReportingOverflow(lo)
    return BLS12381.Scalar(sum, h &+ (carry ? 1 : 0), 0, 0)
  }
}

extension BLS12381.G2Affine {
  /// ψ on an affine point (it stays affine).
  @inline(__always)
  func psi() -> BLS12381.G2Affine {
    if isInfinity { return self }
    return BLS12381.G2Affine(x: x.conjugate() * BLS12381.G2Point.psiX,
                             y: y.conjugate() * BLS12381.G2Point.psiY)
  }
}

extension BLS12381 {
  /// Σ [scalars[i]]points[i] in G1, for points of the order-r subgroup. Each scalar is
  /// reduced mod r and split as k = d0 + d1·x² (128-bit halves); since φ(P) = -[x²]P on G1, the
  /// sum runs over 2n points with 128-bit scalars: half the doublings (GLV).
  public static func msm(_ points: [G1Affine], _ scalars: [Scalar]) -> G1Point {
    let n = min(points.count, scalars.count)
    var pts: [G1Affine] = [], ks: [Scalar] = []
    pts.reserveCapacity(2 * n)
    ks.reserveCapacity(2 * n)
    for i in 0..<n where !points[i].isInfinity {
      let (e0, e1, e2, e3) = scalars[i].reducedModR.baseXDigits()
      let p = points[i]
      pts.append(p)
      ks.append(Scalar.combine(e0, e1))
      pts.append(G1Affine(x: p.x * G1Affine.beta, y: -p.y))  // -φ(P) = [x²]P
      ks.append(Scalar.combine(e2, e3))
    }
    return msmGeneric(pts, ks) as G1Point
  }

  /// Σ [scalars[i]]points[i] in G2, for points of the order-r subgroup. Each scalar is
  /// reduced mod r and written in base |x| (four 64-bit digits, as r < x⁴); since ψ(P) = [x]P
  /// on G2, [|x|^i]P = (-ψ)^i(P) and the sum runs over 4n points with 64-bit scalars (GLS).
  public static func msm(_ points: [G2Affine], _ scalars: [Scalar]) -> G2Point {
    let n = min(points.count, scalars.count)
    var pts: [G2Affine] = [], ks: [Scalar] = []
    pts.reserveCapacity(4 * n)
    ks.reserveCapacity(4 * n)
    for i in 0..<n where !points[i].isInfinity {
      let (e0, e1, e2, e3) = scalars[i].reducedModR.baseXDigits()
      var p = points[i]
      pts.append(p); ks.append(Scalar(e0))
      p = p.psi(); pts.append(-p); ks.append(Scalar(e1))
      p = p.psi(); pts.append(p); ks.append(Scalar(e2))
      p = p.psi(); pts.append(-p); ks.append(Scalar(e3))
    }
    return msmGeneric(pts, ks) as G2Point
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
