// BLS12-381 base field Fp, p = 0x1a0111ea…ffffaaab (381 bits), in Montgomery form over six
// 64-bit limbs (least significant first). All operations are fixed-size and allocation-free.

/// Namespace for the BLS12-381 curve: fields, groups, pairing and encodings.
public enum BLS12381 {}

extension BLS12381 {
  /// An element of the base field Fp, stored as `a·R mod p` with R = 2^384.
  @frozen
  public struct Fp: Equatable, Sendable {
    public var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64, l4: UInt64, l5: UInt64

    /// Builds an element from raw limbs (already in Montgomery form, or a raw integer for the
    /// constant tables below); no reduction.
    @inline(__always)
    public init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64, _ l5: UInt64) {
      self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3; self.l4 = l4; self.l5 = l5
    }

    // Modulus limbs.
    static let p0: UInt64 = 0xb9feffffffffaaab
    static let p1: UInt64 = 0x1eabfffeb153ffff
    static let p2: UInt64 = 0x6730d2a0f6b0f624
    static let p3: UInt64 = 0x64774b84f38512bf
    static let p4: UInt64 = 0x4b1ba7b6434bacd7
    static let p5: UInt64 = 0x1a0111ea397fe69a
    /// -p⁻¹ mod 2^64.
    static let inv: UInt64 = 0x89f3fffcfffcfffd

    public static let zero = Fp(0, 0, 0, 0, 0, 0)
    /// R mod p: the Montgomery form of 1.
    public static let one = Fp(0x760900000002fffd, 0xebf4000bc40c0002, 0x5f48985753c758ba,
                               0x77ce585370525745, 0x5c071a97a256ec6d, 0x15f65ec3fa80e493)
    /// R² mod p, used to enter Montgomery form.
    static let r2 = Fp(0xf4df1f341c341746, 0x0a76e6a609d104f1, 0x8de5476c4c95b6d5,
                                         0x67eb88a9939d83c0, 0x9a793e85b519952d, 0x11988fe592cae3aa)
    /// (p - 1) / 2 as a plain integer: the ZCash sign threshold.
    static let halfModulus = Fp(0xdcff7fffffffd555, 0x0f55ffff58a9ffff,
                                                  0xb39869507b587b12, 0xb23ba5c279c2895f,
                                                  0x258dd3db21a5d66b, 0x0d0088f51cbff34d)
    static let pMinus2 = Fp(0xb9feffffffffaaa9, 0x1eabfffeb153ffff, 0x6730d2a0f6b0f624,
                                              0x64774b84f38512bf, 0x4b1ba7b6434bacd7, 0x1a0111ea397fe69a)
    static let pPlus1Div4 = Fp(0xee7fbfffffffeaab, 0x07aaffffac54ffff,
                                                 0xd9cc34a83dac3d89, 0xd91dd2e13ce144af,
                                                 0x92c6e9ed90d2eb35, 0x0680447a8e5ff9a6)
    static let pMinus3Div4 = Fp(0xee7fbfffffffeaaa, 0x07aaffffac54ffff,
                                                  0xd9cc34a83dac3d89, 0xd91dd2e13ce144af,
                                                  0x92c6e9ed90d2eb35, 0x0680447a8e5ff9a6)
    static let pMinus1Div2 = halfModulus

    public var isZero: Bool { (l0 | l1 | l2 | l3 | l4 | l5) == 0 }

    @inline(__always)
    func limb(_ i: Int) -> UInt64 {
      switch i {
      case 0: return l0
      case 1: return l1
      case 2: return l2
      case 3: return l3
      case 4: return l4
      default: return l5
      }
    }

    /// Compares two raw (non-Montgomery) integers: true when `self < other`.
    func rawLess(than o: Fp) -> Bool {
      if l5 != o.l5 { return l5 < o.l5 }
      if l4 != o.l4 { return l4 < o.l4 }
      if l3 != o.l3 { return l3 < o.l3 }
      if l2 != o.l2 { return l2 < o.l2 }
      if l1 != o.l1 { return l1 < o.l1 }
      return l0 < o.l0
    }

    /// Subtracts p once when the value (< 2p) is at least p. Branch-free: a borrow out of the
    /// top limb selects the original value through a mask.
    @inline(__always)
    func subtractingModulusIfNeeded() -> Fp {
      let (s0, b0) = blsSbb(l0, Fp.p0, 0)
      let (s1, b1) = blsSbb(l1, Fp.p1, b0)
      let (s2, b2) = blsSbb(l2, Fp.p2, b1)
      let (s3, b3) = blsSbb(l3, Fp.p3, b2)
      let (s4, b4) = blsSbb(l4, Fp.p4, b3)
      let (s5, b5) = blsSbb(l5, Fp.p5, b4)
      let keep = 0 &- b5  // all ones when self < p
      return Fp((l0 & keep) | (s0 & ~keep), (l1 & keep) | (s1 & ~keep), (l2 & keep) | (s2 & ~keep),
                (l3 & keep) | (s3 & ~keep), (l4 & keep) | (s4 & ~keep), (l5 & keep) | (s5 & ~keep))
    }

    @inline(__always)
    public static func + (a: Fp, b: Fp) -> Fp {
      // p < 2^382, so the sum of two reduced values fits in 384 bits.
      let (s0, c0) = blsAdc(a.l0, b.l0, 0)
      let (s1, c1) = blsAdc(a.l1, b.l1, c0)
      let (s2, c2) = blsAdc(a.l2, b.l2, c1)
      let (s3, c3) = blsAdc(a.l3, b.l3, c2)
      let (s4, c4) = blsAdc(a.l4, b.l4, c3)
      let (s5, _) = blsAdc(a.l5, b.l5, c4)
      return Fp(s0, s1, s2, s3, s4, s5).subtractingModulusIfNeeded()
    }

    @inline(__always)
    public static func - (a: Fp, b: Fp) -> Fp {
      let (s0, b0) = blsSbb(a.l0, b.l0, 0)
      let (s1, b1) = blsSbb(a.l1, b.l1, b0)
      let (s2, b2) = blsSbb(a.l2, b.l2, b1)
      let (s3, b3) = blsSbb(a.l3, b.l3, b2)
      let (s4, b4) = blsSbb(a.l4, b.l4, b3)
      let (s5, b5) = blsSbb(a.l5, b.l5, b4)
      // Add p back when the subtraction borrowed (mask all ones), else add zero.
      let mask = 0 &- b5
      let (t0, c0) = blsAdc(s0, Fp.p0 & mask, 0)
      let (t1, c1) = blsAdc(s1, Fp.p1 & mask, c0)
      let (t2, c2) = blsAdc(s2, Fp.p2 & mask, c1)
      let (t3, c3) = blsAdc(s3, Fp.p3 & mask, c2)
      let (t4, c4) = blsAdc(s4, Fp.p4 & mask, c3)
      let (t5, _) = blsAdc(s5, Fp.p5 & mask, c4)
      return Fp(t0, t1, t2, t3, t4, t5)
    }

    @inline(__always)
    public static prefix func - (a: Fp) -> Fp {
      a.isZero ? a : Fp.zero - a
    }

    @inline(__always)
    public static func += (a: inout Fp, b: Fp) { a = a + b }
    @inline(__always)
    public static func -= (a: inout Fp, b: Fp) { a = a - b }
    @inline(__always)
    public static func *= (a: inout Fp, b: Fp) { a = a * b }

    @inline(__always)
    public func doubled() -> Fp { self + self }

    /// Montgomery product a·b·R⁻¹ mod p (CIOS; p's top limb leaves room to skip the extra carry
    /// word).
    // Not inlined: one out-of-line copy keeps code size and compile time in check; the call
    // costs little next to the 36 limb products.
    @inline(never)
    public static func * (a: Fp, b: Fp) -> Fp {
    var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0, t4: UInt64 = 0, t5: UInt64 = 0
    var A: UInt64 = 0, C: UInt64 = 0, m: UInt64 = 0
    // word 0 of b
    (A, t0) = blsMulAdd(a.l0, b.l0, t0)
    m = t0 &* Fp.inv
    C = blsMulAddHigh(m, Fp.p0, t0)
    (A, t1) = blsMulAdd(a.l1, b.l0, t1, A)
    (C, t0) = blsMulAdd(m, Fp.p1, t1, C)
    (A, t2) = blsMulAdd(a.l2, b.l0, t2, A)
    (C, t1) = blsMulAdd(m, Fp.p2, t2, C)
    (A, t3) = blsMulAdd(a.l3, b.l0, t3, A)
    (C, t2) = blsMulAdd(m, Fp.p3, t3, C)
    (A, t4) = blsMulAdd(a.l4, b.l0, t4, A)
    (C, t3) = blsMulAdd(m, Fp.p4, t4, C)
    (A, t5) = blsMulAdd(a.l5, b.l0, t5, A)
    (C, t4) = blsMulAdd(m, Fp.p5, t5, C)
    t5 = C &+ A
    // word 1 of b
    (A, t0) = blsMulAdd(a.l0, b.l1, t0)
    m = t0 &* Fp.inv
    C = blsMulAddHigh(m, Fp.p0, t0)
    (A, t1) = blsMulAdd(a.l1, b.l1, t1, A)
    (C, t0) = blsMulAdd(m, Fp.p1, t1, C)
    (A, t2) = blsMulAdd(a.l2, b.l1, t2, A)
    (C, t1) = blsMulAdd(m, Fp.p2, t2, C)
    (A, t3) = blsMulAdd(a.l3, b.l1, t3, A)
    (C, t2) = blsMulAdd(m, Fp.p3, t3, C)
    (A, t4) = blsMulAdd(a.l4, b.l1, t4, A)
    (C, t3) = blsMulAdd(m, Fp.p4, t4, C)
    (A, t5) = blsMulAdd(a.l5, b.l1, t5, A)
    (C, t4) = blsMulAdd(m, Fp.p5, t5, C)
    t5 = C &+ A
    // word 2 of b
    (A, t0) = blsMulAdd(a.l0, b.l2, t0)
    m = t0 &* Fp.inv
    C = blsMulAddHigh(m, Fp.p0, t0)
    (A, t1) = blsMulAdd(a.l1, b.l2, t1, A)
    (C, t0) = blsMulAdd(m, Fp.p1, t1, C)
    (A, t2) = blsMulAdd(a.l2, b.l2, t2, A)
    (C, t1) = blsMulAdd(m, Fp.p2, t2, C)
    (A, t3) = blsMulAdd(a.l3, b.l2, t3, A)
    (C, t2) = blsMulAdd(m, Fp.p3, t3, C)
    (A, t4) = blsMulAdd(a.l4, b.l2, t4, A)
    (C, t3) = blsMulAdd(m, Fp.p4, t4, C)
    (A, t5) = blsMulAdd(a.l5, b.l2, t5, A)
    (C, t4) = blsMulAdd(m, Fp.p5, t5, C)
    t5 = C &+ A
    // word 3 of b
    (A, t0) = blsMulAdd(a.l0, b.l3, t0)
    m = t0 &* Fp.inv
    C = blsMulAddHigh(m, Fp.p0, t0)
    (A, t1) = blsMulAdd(a.l1, b.l3, t1, A)
    (C, t0) = blsMulAdd(m, Fp.p1, t1, C)
    (A, t2) = blsMulAdd(a.l2, b.l3, t2, A)
    (C, t1) = blsMulAdd(m, Fp.p2, t2, C)
    (A, t3) = blsMulAdd(a.l3, b.l3, t3, A)
    (C, t2) = blsMulAdd(m, Fp.p3, t3, C)
    (A, t4) = blsMulAdd(a.l4, b.l3, t4, A)
    (C, t3) = blsMulAdd(m, Fp.p4, t4, C)
    (A, t5) = blsMulAdd(a.l5, b.l3, t5, A)
    (C, t4) = blsMulAdd(m, Fp.p5, t5, C)
    t5 = C &+ A
    // word 4 of b
    (A, t0) = blsMulAdd(a.l0, b.l4, t0)
    m = t0 &* Fp.inv
    C = blsMulAddHigh(m, Fp.p0, t0)
    (A, t1) = blsMulAdd(a.l1, b.l4, t1, A)
    (C, t0) = blsMulAdd(m, Fp.p1, t1, C)
    (A, t2) = blsMulAdd(a.l2, b.l4, t2, A)
    (C, t1) = blsMulAdd(m, Fp.p2, t2, C)
    (A, t3) = blsMulAdd(a.l3, b.l4, t3, A)
    (C, t2) = blsMulAdd(m, Fp.p3, t3, C)
    (A, t4) = blsMulAdd(a.l4, b.l4, t4, A)
    (C, t3) = blsMulAdd(m, Fp.p4, t4, C)
    (A, t5) = blsMulAdd(a.l5, b.l4, t5, A)
    (C, t4) = blsMulAdd(m, Fp.p5, t5, C)
    t5 = C &+ A
    // word 5 of b
    (A, t0) = blsMulAdd(a.l0, b.l5, t0)
    m = t0 &* Fp.inv
    C = blsMulAddHigh(m, Fp.p0, t0)
    (A, t1) = blsMulAdd(a.l1, b.l5, t1, A)
    (C, t0) = blsMulAdd(m, Fp.p1, t1, C)
    (A, t2) = blsMulAdd(a.l2, b.l5, t2, A)
    (C, t1) = blsMulAdd(m, Fp.p2, t2, C)
    (A, t3) = blsMulAdd(a.l3, b.l5, t3, A)
    (C, t2) = blsMulAdd(m, Fp.p3, t3, C)
    (A, t4) = blsMulAdd(a.l4, b.l5, t4, A)
    (C, t3) = blsMulAdd(m, Fp.p4, t4, C)
    (A, t5) = blsMulAdd(a.l5, b.l5, t5, A)
    (C, t4) = blsMulAdd(m, Fp.p5, t5, C)
    t5 = C &+ A
    return Fp(t0, t1, t2, t3, t4, t5).subtractingModulusIfNeeded()
    }

    @inline(__always)
    public func squared() -> Fp { self * self }

    /// self^e for an exponent given as a raw six-limb integer.
    func pow(_ e: Fp) -> Fp {
      var result = Fp.one
      var i = 5
      while i >= 0 {
        let w = e.limb(i)
        var bit = 63
        while bit >= 0 {
          result = result.squared()
          if (w >> UInt64(bit)) & 1 == 1 { result = result * self }
          bit -= 1
        }
        i -= 1
      }
      return result
    }

    // inverse(): FpInverse.swift (binary GCD, Fermat as the fallback).

    /// A square root, or nil when `self` is not a square (p ≡ 3 mod 4).
    public func squareRoot() -> Fp? {
      let s = pow(Fp.pPlus1Div4)
      return s.squared() == self ? s : nil
    }

    /// The element as a plain integer (leaves Montgomery form).
    var canonical: Fp { self * Fp(1, 0, 0, 0, 0, 0) }

    /// Enters Montgomery form from a plain integer < p.
    init(canonical v: Fp) { self = v * Fp.r2 }

    /// ZCash rule: y is "lexicographically largest" when y > (p - 1) / 2.
    public var isLexicographicallyLargest: Bool { Fp.halfModulus.rawLess(than: canonical) }

    /// A small integer as a field element.
    public init(_ v: UInt64) { self.init(canonical: Fp(v, 0, 0, 0, 0, 0)) }

    /// Parses 48 big-endian bytes at `offset`; nil when the value is not below p.
    /// `topMask` clears flag bits of the first byte (ZCash encodings).
    public init?(bigEndian bytes: [UInt8], at offset: Int = 0, topMask: UInt8 = 0xff) {
      guard offset >= 0, bytes.count - offset >= 48 else { return nil }
      @inline(__always) func word(_ k: Int) -> UInt64 {
        var w: UInt64 = 0
        let base = offset + (5 - k) * 8
        for j in 0..<8 {
          var b = bytes[base + j]
          if k == 5 && j == 0 { b &= topMask }
          w = (w << 8) | UInt64(b)
        }
        return w
      }
      let raw = Fp(word(0), word(1), word(2), word(3), word(4), word(5))
      let modulus = Fp(Fp.p0, Fp.p1, Fp.p2, Fp.p3, Fp.p4, Fp.p5)
      guard raw.rawLess(than: modulus) else { return nil }
      self.init(canonical: raw)
    }

    /// 48 big-endian bytes.
    public var bigEndianBytes: [UInt8] {
      let c = canonical
      var out = [UInt8](repeating: 0, count: 48)
      for k in 0..<6 {
        let w = c.limb(k)
        for j in 0..<8 { out[(5 - k) * 8 + j] = UInt8(truncatingIfNeeded: w >> UInt64(56 - 8 * j)) }
      }
      return out
    }
  }
}

// MARK: - limb helpers (carries are UInt64 0/1 values, so chains lower to add/adc without
// branches)

@inline(__always)
func blsBit(_ b: Bool) -> UInt64 { UInt64(unsafeBitCast(b, to: UInt8.self)) }

/// (high, low) of a·b + c + d; never overflows 128 bits. Through UInt128 so that LLVM emits
/// one mul and an add/adc chain.
@inline(__always)
func blsMulAdd(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64 = 0) -> (UInt64, UInt64) {
  let t = UInt128(a) &* UInt128(b) &+ UInt128(c) &+ UInt128(d)
  return (UInt64(truncatingIfNeeded: t &>> 64), UInt64(truncatingIfNeeded: t))
}

/// High word of a·b + c.
@inline(__always)
func blsMulAddHigh(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
  let t = UInt128(a) &* UInt128(b) &+ UInt128(c)
  return UInt64(truncatingIfNeeded: t &>> 64)
}

/// a + b + carry (carry 0 or 1): (sum, carry out).
@inline(__always)
func blsAdc(_ a: UInt64, _ b: UInt64, _ carry: UInt64) -> (UInt64, UInt64) {
  let t = UInt128(a) &+ UInt128(b) &+ UInt128(carry)
  return (UInt64(truncatingIfNeeded: t), UInt64(truncatingIfNeeded: t &>> 64))
}

/// a - b - borrow (borrow 0 or 1): (difference, borrow out).
@inline(__always)
func blsSbb(_ a: UInt64, _ b: UInt64, _ borrow: UInt64) -> (UInt64, UInt64) {
  let t = UInt128(a) &- UInt128(b) &- UInt128(borrow)
  return (UInt64(truncatingIfNeeded: t), UInt64(truncatingIfNeeded: t &>> 64) & 1)
}
