// Arithmetic of the EVM word. Every operation wraps modulo 2²⁵⁶; division by zero gives zero,
// as the EVM defines it (the operators `/` and `%` follow that rule too).

extension U256: Comparable {
  @inlinable @inline(__always)
  public static func < (a: U256, b: U256) -> Bool {
    // The borrow out of a − b: a sub/sbb chain, no branches.
    a.subtractingReportingOverflow(b).overflow
  }
}

extension U256 {
  // MARK: Add, subtract, multiply

  // Carries as 0/1 words, not branches: each limb is `a + b + carry` with the two overflows
  // or'ed as integers, which LLVM turns into an add/adc chain (a Bool carry compiles to a
  // conditional increment, a branch that mispredicts on data-dependent carries, as in
  // snailtracer's signed fixed-point arithmetic).
  @inlinable @inline(__always)
  static func addCarrying(_ a: UInt64, _ b: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
    let (s, o1) = a.addingReportingOverflow(b)
    let (t, o2) = s.addingReportingOverflow(carry)
    return (t, UInt64(o1 ? 1 : 0) | UInt64(o2 ? 1 : 0))
  }

  @inlinable @inline(__always)
  static func subtractBorrowing(_ a: UInt64, _ b: UInt64, _ borrow: UInt64) -> (UInt64, UInt64) {
    let (s, o1) = a.subtractingReportingOverflow(b)
    let (t, o2) = s.subtractingReportingOverflow(borrow)
    return (t, UInt64(o1 ? 1 : 0) | UInt64(o2 ? 1 : 0))
  }

  @inlinable @inline(__always)
  public func addingReportingOverflow(_ b: U256) -> (partialValue: U256, overflow: Bool) {
    let (r0, c0) = U256.addCarrying(w0, b.w0, 0)
    let (r1, c1) = U256.addCarrying(w1, b.w1, c0)
    let (r2, c2) = U256.addCarrying(w2, b.w2, c1)
    let (r3, c3) = U256.addCarrying(w3, b.w3, c2)
    return (U256(r0, r1, r2, r3), c3 != 0)
  }

  @inlinable @inline(__always)
  public func subtractingReportingOverflow(_ b: U256) -> (partialValue: U256, overflow: Bool) {
    let (r0, c0) = U256.subtractBorrowing(w0, b.w0, 0)
    let (r1, c1) = U256.subtractBorrowing(w1, b.w1, c0)
    let (r2, c2) = U256.subtractBorrowing(w2, b.w2, c1)
    let (r3, c3) = U256.subtractBorrowing(w3, b.w3, c2)
    return (U256(r0, r1, r2, r3), c3 != 0)
  }

  @inlinable @inline(__always)
  public static func &+ (a: U256, b: U256) -> U256 { a.addingReportingOverflow(b).partialValue }

  @inlinable @inline(__always)
  public static func &- (a: U256, b: U256) -> U256 { a.subtractingReportingOverflow(b).partialValue }

  @inlinable @inline(__always)
  public static func &+= (a: inout U256, b: U256) { a = a &+ b }

  @inlinable @inline(__always)
  public static func &-= (a: inout U256, b: U256) { a = a &- b }

  /// The low 256 bits of the product.
  @inlinable @inline(__always)
  public static func &* (a: U256, b: U256) -> U256 {
    if a.fitsUInt64 && b.fitsUInt64 {
      let p = a.w0.multipliedFullWidth(by: b.w0)
      return U256(p.low, p.high, 0, 0)
    }
    // Schoolbook, keeping only the columns below 2²⁵⁶.
    var r0: UInt64 = 0, r1: UInt64 = 0, r2: UInt64 = 0, r3: UInt64 = 0
    @inline(__always) func mac(_ x: UInt64, _ y: UInt64, _ lo: inout UInt64, _ hi: inout UInt64, _ top: inout UInt64) {
      let p = x.multipliedFullWidth(by: y)
      let (s, c) = lo.addingReportingOverflow(p.low)
      lo = s
      let (t, c2) = hi.addingReportingOverflow(p.high &+ (c ? 1 : 0))
      hi = t
      top &+= c2 ? 1 : 0
    }
    var carry: UInt64 = 0
    // column 0
    var p = a.w0.multipliedFullWidth(by: b.w0)
    r0 = p.low
    r1 = p.high
    // column 1
    mac(a.w0, b.w1, &r1, &r2, &r3)
    mac(a.w1, b.w0, &r1, &r2, &r3)
    // column 2
    mac(a.w0, b.w2, &r2, &r3, &carry)
    mac(a.w1, b.w1, &r2, &r3, &carry)
    mac(a.w2, b.w0, &r2, &r3, &carry)
    // column 3 (only the low word matters)
    p = a.w0.multipliedFullWidth(by: b.w3); r3 &+= p.low
    p = a.w1.multipliedFullWidth(by: b.w2); r3 &+= p.low
    p = a.w2.multipliedFullWidth(by: b.w1); r3 &+= p.low
    p = a.w3.multipliedFullWidth(by: b.w0); r3 &+= p.low
    return U256(r0, r1, r2, r3)
  }

  @inlinable public func multipliedReportingOverflow(by b: U256) -> (partialValue: U256, overflow: Bool) {
    if fitsUInt64 && b.fitsUInt64 {  // gas × price and the like: one 64-bit product
      let p = w0.multipliedFullWidth(by: b.w0)
      return (U256(p.low, p.high, 0, 0), false)
    }
    let full = multipliedFullWidth(by: b)
    return (full.low, !full.high.isZero)
  }

  /// The full 512-bit product as (high, low).
  @inlinable public func multipliedFullWidth(by b: U256) -> (high: U256, low: U256) {
    var r = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
    withUnsafeMutableBytes(of: &r) { raw in
      let out = raw.baseAddress!.assumingMemoryBound(to: UInt64.self)
      for i in 0..<4 {
        var carry: UInt64 = 0
        let ai = self[limb: i]
        for j in 0..<4 {
          let p = ai.multipliedFullWidth(by: b[limb: j])
          let (s1, c1) = out[i + j].addingReportingOverflow(p.low)
          let (s2, c2) = s1.addingReportingOverflow(carry)
          out[i + j] = s2
          carry = p.high &+ (c1 ? 1 : 0) &+ (c2 ? 1 : 0)
        }
        out[i + 4] = carry
      }
    }
    return (U256(r.4, r.5, r.6, r.7), U256(r.0, r.1, r.2, r.3))
  }

  // MARK: Divide

  /// Quotient and remainder; both zero when `divisor` is zero (the EVM's rule).
  @inlinable
  public func quotientAndRemainder(dividingBy divisor: U256) -> (quotient: U256, remainder: U256) {
    // Literal zeros: `.zero` is a global, checked for lazy initialisation at every use.
    if divisor.isZero { return (U256(0, 0, 0, 0), U256(0, 0, 0, 0)) }
    if self < divisor { return (U256(0, 0, 0, 0), self) }
    if fitsUInt64 { return (U256(w0 / divisor.w0, 0, 0, 0), U256(w0 % divisor.w0, 0, 0, 0)) }
    if divisor.fitsUInt64 {
      // One-limb divisor (fixed-point scales, powers of ten): schoolbook from the highest
      // non-zero limb, the top one with a plain 64-bit division. Measured on snailtracer
      // (callgrind): SDIV by 64-bit constants of 65–128-bit dividends dominates its divisions.
      let d = divisor.w0
      var q3: UInt64 = 0, q2: UInt64 = 0, q1: UInt64 = 0, r: UInt64 = 0
      if w3 != 0 {
        q3 = w3 / d; r = w3 % d
        (q2, r) = d.dividingFullWidth((r, w2))
        (q1, r) = d.dividingFullWidth((r, w1))
      } else if w2 != 0 {
        q2 = w2 / d; r = w2 % d
        (q1, r) = d.dividingFullWidth((r, w1))
      } else {
        q1 = w1 / d; r = w1 % d
      }
      let (q0, r0) = d.dividingFullWidth((r, w0))
      return (U256(q0, q1, q2, q3), U256(r0, 0, 0, 0))
    }
    var u = (w0, w1, w2, w3)
    var v = (divisor.w0, divisor.w1, divisor.w2, divisor.w3)
    var q = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
    var r = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
    let n = 4 - divisor.leadingZeroBitCount / 64
    withUnsafeMutableBytes(of: &u) { ub in
      withUnsafeMutableBytes(of: &v) { vb in
        withUnsafeMutableBytes(of: &q) { qb in
          withUnsafeMutableBytes(of: &r) { rb in
            divideLimbs(
              ub.baseAddress!.assumingMemoryBound(to: UInt64.self), 4,
              vb.baseAddress!.assumingMemoryBound(to: UInt64.self), n,
              quotient: qb.baseAddress!.assumingMemoryBound(to: UInt64.self),
              remainder: rb.baseAddress!.assumingMemoryBound(to: UInt64.self))
          }
        }
      }
    }
    return (U256(q.0, q.1, q.2, q.3), U256(r.0, r.1, r.2, r.3))
  }

  @inlinable public static func / (a: U256, b: U256) -> U256 { a.quotientAndRemainder(dividingBy: b).quotient }
  @inlinable public static func % (a: U256, b: U256) -> U256 { a.quotientAndRemainder(dividingBy: b).remainder }

  /// Two's complement negation.
  @inlinable @inline(__always) public var negated: U256 { U256.zero &- self }

  /// Signed division (SDIV): truncates toward zero; x / 0 = 0; −2²⁵⁵ / −1 = −2²⁵⁵.
  @inlinable public func signedDivided(by b: U256) -> U256 {
    if b.isZero { return .zero }
    let an = isNegative, bn = b.isNegative
    let q = (an ? negated : self) / (bn ? b.negated : b)
    return an != bn ? q.negated : q
  }

  /// Signed remainder (SMOD): the sign of the dividend; x mod 0 = 0.
  @inlinable public func signedRemainder(dividingBy b: U256) -> U256 {
    if b.isZero { return .zero }
    let an = isNegative
    let r = (an ? negated : self) % (b.isNegative ? b.negated : b)
    return an ? r.negated : r
  }

  /// (self + b) mod m with a 257-bit intermediate; 0 when m is zero (ADDMOD).
  @inlinable public func addMod(_ b: U256, _ m: U256) -> U256 {
    if m.isZero { return .zero }
    let (s, carry) = addingReportingOverflow(b)
    if !carry { return s % m }
    var u = (s.w0, s.w1, s.w2, s.w3, UInt64(1))
    return U256.remainder(of: &u, count: 5, modulus: m)
  }

  /// (self × b) mod m with a 512-bit intermediate; 0 when m is zero (MULMOD).
  @inlinable public func mulMod(_ b: U256, _ m: U256) -> U256 {
    if m.isZero { return .zero }
    let (hi, lo) = multipliedFullWidth(by: b)
    if hi.isZero { return lo % m }
    var u = (lo.w0, lo.w1, lo.w2, lo.w3, hi.w0, hi.w1, hi.w2, hi.w3)
    return U256.remainder(of: &u, count: 8, modulus: m)
  }

  @inlinable static func remainder<T>(of u: inout T, count: Int, modulus m: U256) -> U256 {
    var v = (m.w0, m.w1, m.w2, m.w3)
    var q = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
    var r = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
    let n = 4 - m.leadingZeroBitCount / 64
    withUnsafeMutableBytes(of: &u) { ub in
      withUnsafeMutableBytes(of: &v) { vb in
        withUnsafeMutableBytes(of: &q) { qb in
          withUnsafeMutableBytes(of: &r) { rb in
            divideLimbs(
              ub.baseAddress!.assumingMemoryBound(to: UInt64.self), count,
              vb.baseAddress!.assumingMemoryBound(to: UInt64.self), n,
              quotient: qb.baseAddress!.assumingMemoryBound(to: UInt64.self),
              remainder: rb.baseAddress!.assumingMemoryBound(to: UInt64.self))
          }
        }
      }
    }
    return U256(r.0, r.1, r.2, r.3)
  }

  /// self ** exponent mod 2²⁵⁶ (EXP), by square and multiply.
  @inlinable public func power(_ exponent: U256) -> U256 {
    var result = U256.one
    var base = self
    var e = exponent
    while !e.isZero {
      if e.w0 & 1 == 1 { result = result &* base }
      e = e >> 1
      if !e.isZero { base = base &* base }
    }
    return result
  }

  // MARK: Bitwise

  @inlinable @inline(__always) public static func & (a: U256, b: U256) -> U256 {
    U256(a.w0 & b.w0, a.w1 & b.w1, a.w2 & b.w2, a.w3 & b.w3)
  }
  @inlinable @inline(__always) public static func | (a: U256, b: U256) -> U256 {
    U256(a.w0 | b.w0, a.w1 | b.w1, a.w2 | b.w2, a.w3 | b.w3)
  }
  @inlinable @inline(__always) public static func ^ (a: U256, b: U256) -> U256 {
    U256(a.w0 ^ b.w0, a.w1 ^ b.w1, a.w2 ^ b.w2, a.w3 ^ b.w3)
  }
  @inlinable @inline(__always) public static prefix func ~ (a: U256) -> U256 {
    U256(~a.w0, ~a.w1, ~a.w2, ~a.w3)
  }

  /// Left shift by `n` bits; zero when n ≥ 256.
  @inlinable @inline(__always) public static func << (a: U256, n: Int) -> U256 {
    if n >= 256 { return .zero }
    // Whole limbs first, then a funnel shift by the remaining 0–63 bits: straight-line code on
    // the four limbs (the loop over `limb:` subscripts stayed a loop with dynamic indexes).
    var w0 = a.w0, w1 = a.w1, w2 = a.w2, w3 = a.w3
    var k = n
    if k >= 128 { w3 = w1; w2 = w0; w1 = 0; w0 = 0; k &-= 128 }
    if k >= 64 { w3 = w2; w2 = w1; w1 = w0; w0 = 0; k &-= 64 }
    if k > 0 {
      let b = UInt64(k), c = 64 &- b  // 1…63 both
      w3 = (w3 &<< b) | (w2 &>> c)
      w2 = (w2 &<< b) | (w1 &>> c)
      w1 = (w1 &<< b) | (w0 &>> c)
      w0 = w0 &<< b
    }
    return U256(w0, w1, w2, w3)
  }

  /// Logical right shift by `n` bits; zero when n ≥ 256.
  @inlinable @inline(__always) public static func >> (a: U256, n: Int) -> U256 {
    if n >= 256 { return .zero }
    var w0 = a.w0, w1 = a.w1, w2 = a.w2, w3 = a.w3
    var k = n
    if k >= 128 { w0 = w2; w1 = w3; w2 = 0; w3 = 0; k &-= 128 }
    if k >= 64 { w0 = w1; w1 = w2; w2 = w3; w3 = 0; k &-= 64 }
    if k > 0 {
      let b = UInt64(k), c = 64 &- b  // 1…63 both
      w0 = (w0 &>> b) | (w1 &<< c)
      w1 = (w1 &>> b) | (w2 &<< c)
      w2 = (w2 &>> b) | (w3 &<< c)
      w3 = w3 &>> b
    }
    return U256(w0, w1, w2, w3)
  }

  /// SHL: `value << self`, with the shift amount a full word.
  @inlinable @inline(__always) public func shiftedLeft(by shift: U256) -> U256 {
    shift.fitsUInt64 && shift.w0 < 256 ? self << Int(shift.w0) : .zero
  }

  /// SHR: logical right shift by a full-word amount.
  @inlinable @inline(__always) public func shiftedRight(by shift: U256) -> U256 {
    shift.fitsUInt64 && shift.w0 < 256 ? self >> Int(shift.w0) : .zero
  }

  /// SAR: arithmetic right shift by a full-word amount.
  @inlinable public func arithmeticShiftedRight(by shift: U256) -> U256 {
    let negative = isNegative
    guard shift.fitsUInt64 && shift.w0 < 256 else { return negative ? .max : .zero }
    let n = Int(shift.w0)
    let logical = self >> n
    if !negative || n == 0 { return logical }
    return logical | ~(U256.max >> n)
  }

  /// BYTE: byte `index` counting from the most significant; zero when index ≥ 32.
  @inlinable public func byte(at index: U256) -> U256 {
    guard index.fitsUInt64 && index.w0 < 32 else { return .zero }
    let i = Int(index.w0)
    let bitPos = (31 - i) * 8
    return U256((self[limb: bitPos >> 6] >> UInt64(bitPos & 63)) & 0xff)
  }

  /// SIGNEXTEND: extends the sign of the low `byteIndex + 1` bytes; unchanged when byteIndex ≥ 31.
  @inlinable public func signExtended(fromByte byteIndex: U256) -> U256 {
    guard byteIndex.fitsUInt64 && byteIndex.w0 < 31 else { return self }
    let bit = Int(byteIndex.w0) * 8 + 7
    let mask = (U256.one << (bit + 1)) &- .one
    let signSet = !((self >> bit) & .one).isZero
    return signSet ? self | ~mask : self & mask
  }

  /// SLT: signed less-than.
  @inlinable @inline(__always) public func signedLess(than b: U256) -> Bool {
    let an = isNegative, bn = b.isNegative
    if an != bn { return an }
    return self < b
  }
}

/// Knuth's algorithm D over 64-bit limbs (least significant first).
///
/// `u` holds `m` limbs, `v` holds `n` limbs with `v[n-1] != 0`, `m >= n`. Writes `m - n + 1`
/// quotient limbs and `n` remainder limbs (callers size both buffers for that). `u` is clobbered.
@inlinable
func divideLimbs(
  _ u: UnsafeMutablePointer<UInt64>, _ m: Int, _ v: UnsafeMutablePointer<UInt64>, _ n: Int,
  quotient q: UnsafeMutablePointer<UInt64>, remainder r: UnsafeMutablePointer<UInt64>
) {
  if n == 1 {
    let d = v[0]
    var rem: UInt64 = 0
    for i in stride(from: m - 1, through: 0, by: -1) {
      // SAFETY: rem < d, so the quotient of (rem, u[i]) / d fits in 64 bits.
      let (qq, rr) = d.dividingFullWidth((rem, u[i]))
      q[i] = qq
      rem = rr
    }
    r[0] = rem
    return
  }
  // Normalise so the divisor's top limb has its high bit set. un gets one extra limb.
  let s = UInt64(v[n - 1].leadingZeroBitCount)
  withUnsafeTemporaryAllocation(of: UInt64.self, capacity: m + 1) { unBuf in
    let un = unBuf.baseAddress!
    if s > 0 {
      for i in stride(from: n - 1, to: 0, by: -1) { v[i] = (v[i] << s) | (v[i - 1] >> (64 - s)) }
      v[0] <<= s
      un[m] = u[m - 1] >> (64 - s)
      for i in stride(from: m - 1, to: 0, by: -1) { un[i] = (u[i] << s) | (u[i - 1] >> (64 - s)) }
      un[0] = u[0] << s
    } else {
      un[m] = 0
      for i in 0..<m { un[i] = u[i] }
    }
    let vTop = v[n - 1], vNext = v[n - 2]
    for j in stride(from: m - n, through: 0, by: -1) {
      let ujn = un[j + n], ujn1 = un[j + n - 1], ujn2 = un[j + n - 2]
      var qhat: UInt64
      var rhat: UInt64
      var rhatOverflow = false
      if ujn >= vTop {
        // The true quotient digit is at most b - 1; ujn == vTop here.
        qhat = .max
        let (t, o) = ujn1.addingReportingOverflow(vTop)
        rhat = t
        rhatOverflow = o
      } else {
        (qhat, rhat) = vTop.dividingFullWidth((ujn, ujn1))
      }
      while !rhatOverflow {
        let p = qhat.multipliedFullWidth(by: vNext)
        if p.high > rhat || (p.high == rhat && p.low > ujn2) {
          qhat -= 1
          let (t, o) = rhat.addingReportingOverflow(vTop)
          rhat = t
          rhatOverflow = o
        } else {
          break
        }
      }
      // Multiply and subtract.
      var borrow: UInt64 = 0
      var carry: UInt64 = 0
      for i in 0..<n {
        let p = qhat.multipliedFullWidth(by: v[i])
        let (plo, c) = p.low.addingReportingOverflow(carry)
        carry = p.high &+ (c ? 1 : 0)
        let (t1, b1) = un[i + j].subtractingReportingOverflow(plo)
        let (t2, b2) = t1.subtractingReportingOverflow(borrow)
        un[i + j] = t2
        borrow = (b1 ? 1 : 0) + (b2 ? 1 : 0)
      }
      let (t1, b1) = un[j + n].subtractingReportingOverflow(carry)
      let (t2, b2) = t1.subtractingReportingOverflow(borrow)
      un[j + n] = t2
      if b1 || b2 {
        // Subtracted one divisor too many: add it back.
        qhat -= 1
        var c: UInt64 = 0
        for i in 0..<n {
          let (s1, o1) = un[i + j].addingReportingOverflow(v[i])
          let (s2, o2) = s1.addingReportingOverflow(c)
          un[i + j] = s2
          c = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        un[j + n] &+= c
      }
      q[j] = qhat
    }
    // Unnormalise the remainder.
    if s > 0 {
      for i in 0..<(n - 1) { r[i] = (un[i] >> s) | (un[i + 1] << (64 - s)) }
      r[n - 1] = un[n - 1] >> s
    } else {
      for i in 0..<n { r[i] = un[i] }
    }
  }
}
