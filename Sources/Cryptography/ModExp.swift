/// Big-number modular exponentiation for the MODEXP precompile (address 0x05, EIP-198).
///
/// Numbers are little-endian arrays of 64-bit limbs. An odd modulus runs Montgomery
/// multiplication (CIOS); an even one multiplies and reduces with Knuth's long division
/// (TAOCP 4.3.1, Algorithm D). Every buffer is allocated once per call, before the loop.
/// Gas (EIP-198 / EIP-2565, including the adjusted exponent length) is the EVM's business.
public enum ModExp {
  /// `base^exponent mod modulus`, all big-endian byte strings of any length.
  ///
  /// - Parameters:
  ///   - base: the base, big-endian; may be longer than the modulus.
  ///   - exponent: the exponent, big-endian; an empty or all-zero exponent gives 1 (so
  ///     `0^0 = 1`), reduced mod the modulus.
  ///   - modulus: the modulus, big-endian.
  /// - Returns: exactly `modulus.count` bytes, the result left-padded with zeros; all zeros
  ///   when the modulus is 0 (EIP-198).
  /// - Complexity: O(k·n²) for an n-limb modulus and a k-bit exponent.
  public static func run(base: ArraySlice<UInt8>, exponent: ArraySlice<UInt8>, modulus: ArraySlice<UInt8>) -> [UInt8] {
    let outLength = modulus.count
    var m = limbs(of: modulus)
    trim(&m)
    if m.isEmpty { return [UInt8](repeating: 0, count: outLength) }  // modulus 0
    if m.count == 1 && m[0] == 1 { return [UInt8](repeating: 0, count: outLength) }  // x mod 1 = 0

    var b = limbs(of: base)
    trim(&b)
    let divisor = Divisor(m)
    let n = m.count
    // base mod m, as exactly n limbs.
    var a = [UInt64](repeating: 0, count: n)
    divisor.remainder(of: b, into: &a)

    let e = ExponentBits(exponent)
    var result: [UInt64]
    if m[0] & 1 == 1 && n <= 4 {
      // Moduli up to 32 bytes, the common case: fixed four-limb code, no loops over n.
      result = Montgomery256(m, divisor: divisor).power(a, e)
    } else if m[0] & 1 == 1 {
      result = MontgomeryContext(m, divisor: divisor).power(a, e)
    } else {
      result = divisor.power(a, e)
    }
    return bigEndianBytes(&result, count: outLength)
  }

  // MARK: - Conversions

  /// Little-endian limbs of a big-endian byte string (not trimmed).
  static func limbs(of bytes: ArraySlice<UInt8>) -> [UInt64] {
    let count = (bytes.count + 7) / 8
    var out = [UInt64](repeating: 0, count: count)
    var limb = 0, shift: UInt64 = 0
    for byte in bytes.reversed() {
      out[limb] |= UInt64(byte) << shift
      shift += 8
      if shift == 64 { shift = 0; limb += 1 }
    }
    return out
  }

  static func trim(_ x: inout [UInt64]) {
    while let last = x.last, last == 0 { x.removeLast() }
  }

  /// The low `count` bytes of `x`, big-endian (x must fit, which holds for any `x < modulus`).
  static func bigEndianBytes(_ x: inout [UInt64], count: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
      let limb = i / 8
      guard limb < x.count else { break }
      out[count - 1 - i] = UInt8(truncatingIfNeeded: x[limb] >> UInt64(8 * (i % 8)))
    }
    return out
  }

  /// `a + b·c + carry` → low word, with the high word left in `carry`.
  @inline(__always)
  static func mac(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ carry: inout UInt64) -> UInt64 {
    // Cannot overflow: (2⁶⁴−1)² + 2(2⁶⁴−1) < 2¹²⁸. UInt128 keeps LLVM on mul/adc.
    let t = UInt128(b) &* UInt128(c) &+ UInt128(a) &+ UInt128(carry)
    carry = UInt64(truncatingIfNeeded: t >> 64)
    return UInt64(truncatingIfNeeded: t)
  }

  // MARK: - Exponent

  /// Bit access to a big-endian exponent without copying it.
  struct ExponentBits {
    let bytes: ArraySlice<UInt8>
    /// Number of significant bits (0 for a zero exponent).
    let bitLength: Int

    init(_ bytes: ArraySlice<UInt8>) {
      self.bytes = bytes
      var length = 0
      var index = bytes.startIndex
      while index < bytes.endIndex && bytes[index] == 0 { index += 1 }
      if index < bytes.endIndex {
        length = (bytes.endIndex - index - 1) * 8 + (8 - bytes[index].leadingZeroBitCount)
      }
      bitLength = length
    }

    /// Bit `i` counted from the least significant end.
    @inline(__always) func bit(_ i: Int) -> Int {
      let byte = bytes[bytes.endIndex - 1 - i / 8]
      return Int((byte >> UInt8(i % 8)) & 1)
    }

    /// The window of `width` bits whose lowest bit is `low` (bits past the top read as 0).
    @inline(__always) func window(low: Int, width: Int) -> Int {
      var v = 0
      for i in stride(from: low + width - 1, through: low, by: -1) where i < bitLength {
        v = (v << 1) | bit(i)
      }
      return v
    }

    /// Window width for fixed-window exponentiation: wider windows pay off for long exponents.
    var windowWidth: Int {
      switch bitLength {
      case ..<24: return 1
      case ..<96: return 3
      case ..<640: return 4
      default: return 5
      }
    }
  }

  /// Left-to-right fixed-window exponentiation over an abstract multiplication, so the
  /// Montgomery and the plain path share the bit walk. `mul(x, y, out)` may alias.
  // SAFETY: the table holds 2^w entries of n limbs and window values are < 2^w; acc holds n.
  @inline(__always)
  static func windowedPower(
    n: Int, base: [UInt64], one: [UInt64], exponent e: ExponentBits,
    mul: (UnsafePointer<UInt64>, UnsafePointer<UInt64>, UnsafeMutablePointer<UInt64>) -> Void
  ) -> [UInt64] {
    if e.bitLength == 0 { return one }
    let w = e.windowWidth
    let tableSize = 1 << w
    // table[k] = base^k, k in 0..<2^w, stored contiguously n limbs each.
    var table = [UInt64](repeating: 0, count: tableSize * n)
    var acc = one
    table.withUnsafeMutableBufferPointer { t in
      let tp = t.baseAddress!
      for i in 0..<n { tp[i] = one[i]; tp[n + i] = base[i] }
      for k in 2..<max(tableSize, 2) where k < tableSize {
        mul(tp + (k - 1) * n, tp + n, tp + k * n)
      }
      acc.withUnsafeMutableBufferPointer { accBuf in
        let ap = accBuf.baseAddress!
        let windows = (e.bitLength + w - 1) / w
        var started = false
        for wi in stride(from: windows - 1, through: 0, by: -1) {
          if started {
            for _ in 0..<w { mul(ap, ap, ap) }
          }
          let v = e.window(low: wi * w, width: w)
          if v != 0 {
            if started {
              mul(ap, tp + v * n, ap)
            } else {
              for i in 0..<n { ap[i] = tp[v * n + i] }
              started = true
            }
          }
        }
      }
    }
    return acc
  }
}

// MARK: - Long division (Knuth D)

extension ModExp {
  /// A modulus normalised for Algorithm D.
  struct Divisor {
    /// The modulus, trimmed (top limb non-zero).
    let m: [UInt64]
    /// The modulus shifted left so its top bit is set.
    let normalized: [UInt64]
    let shift: UInt64

    init(_ m: [UInt64]) {
      self.m = m
      let n = m.count
      let s = UInt64(m[n - 1].leadingZeroBitCount)
      shift = s
      var v = m
      if s > 0 {
        for i in stride(from: n - 1, through: 1, by: -1) { v[i] = (v[i] << s) | (v[i - 1] >> (64 - s)) }
        v[0] <<= s
      }
      normalized = v
    }

    /// `u mod m` into `out` (exactly `m.count` limbs). `u` may have any length.
    func remainder(of u: [UInt64], into out: inout [UInt64]) {
      var un = [UInt64](repeating: 0, count: u.count + 1)
      u.withUnsafeBufferPointer { up in
        un.withUnsafeMutableBufferPointer { unp in
          out.withUnsafeMutableBufferPointer { op in
            // An empty u has a nil base address; it reduces to zero.
            guard let ub = up.baseAddress else {
              for i in 0..<op.count { op[i] = 0 }
              return
            }
            reduce(ub, u.count, unp.baseAddress!, op.baseAddress!)
          }
        }
      }
    }

    /// Core of Algorithm D, remainder only: `u[0..<ulen] mod m` into `out[0..<n]`.
    /// `un` must have room for `ulen + 1` limbs; `u` is not modified.
    // SAFETY: callers pass `u` with `ulen` limbs, `un` with ≥ ulen + 1 and `out` with ≥ n;
    // every index below is < len + 1 ≤ ulen + 1 (un), < len (u) or < n (out, v).
    func reduce(
      _ u: UnsafePointer<UInt64>, _ ulen: Int, _ un: UnsafeMutablePointer<UInt64>, _ out: UnsafeMutablePointer<UInt64>
    ) {
      let n = m.count
      var len = ulen
      while len > 0 && u[len - 1] == 0 { len -= 1 }
      // Shorter than the modulus, or equal length and smaller: already reduced.
      if len < n || (len == n && !Divisor.greaterOrEqual(u, m, n)) {
        for i in 0..<n { out[i] = i < len ? u[i] : 0 }
        return
      }
      normalized.withUnsafeBufferPointer { vp in
        let v = vp.baseAddress!
        if n == 1 {
          // Short division by one limb.
          var r: UInt64 = 0
          let d = m[0]
          for i in stride(from: len - 1, through: 0, by: -1) {
            r = d.dividingFullWidth((r, u[i])).remainder
          }
          out[0] = r
          return
        }
        let s = shift
        // un = u << s, len + 1 limbs.
        if s > 0 {
          un[len] = u[len - 1] >> (64 - s)
          for i in stride(from: len - 1, through: 1, by: -1) { un[i] = (u[i] << s) | (u[i - 1] >> (64 - s)) }
          un[0] = u[0] << s
        } else {
          un[len] = 0
          for i in 0..<len { un[i] = u[i] }
        }
        let vTop = v[n - 1], vNext = v[n - 2]
        for j in stride(from: len - n, through: 0, by: -1) {
          // Estimate the quotient digit from the top two limbs (D3).
          var qhat: UInt64
          let top = un[j + n]
          if top >= vTop {
            qhat = UInt64.max
          } else {
            var rhat: UInt64
            (qhat, rhat) = vTop.dividingFullWidth((top, un[j + n - 1]))
            while true {
              let (ph, pl) = qhat.multipliedFullWidth(by: vNext)
              if ph > rhat || (ph == rhat && pl > un[j + n - 2]) {
                qhat -= 1
                let (r2, o) = rhat.addingReportingOverflow(vTop)
                rhat = r2
                if o { break }
              } else {
                break
              }
            }
          }
          // Multiply and subtract (D4).
          var carry: UInt64 = 0
          var borrow: UInt64 = 0
          for i in 0..<n {
            let (ph, pl) = qhat.multipliedFullWidth(by: v[i])
            let (lo, o1) = pl.addingReportingOverflow(carry)
            carry = ph &+ (o1 ? 1 : 0)
            let (d1, b1) = un[i + j].subtractingReportingOverflow(lo)
            let (d2, b2) = d1.subtractingReportingOverflow(borrow)
            un[i + j] = d2
            borrow = (b1 ? 1 : 0) + (b2 ? 1 : 0)
          }
          let (t1, tb1) = un[j + n].subtractingReportingOverflow(carry)
          let (t2, tb2) = t1.subtractingReportingOverflow(borrow)
          un[j + n] = t2
          var negative = tb1 || tb2
          // Add back (D6) while the partial remainder is negative.
          while negative {
            var c: UInt64 = 0
            for i in 0..<n {
              let (s1, o1) = un[i + j].addingReportingOverflow(v[i])
              let (s2, o2) = s1.addingReportingOverflow(c)
              un[i + j] = s2
              c = (o1 ? 1 : 0) + (o2 ? 1 : 0)
            }
            let (s3, o3) = un[j + n].addingReportingOverflow(c)
            un[j + n] = s3
            negative = !o3
          }
        }
        // Unnormalise the remainder (D8).
        if s > 0 {
          for i in 0..<n { out[i] = (un[i] >> s) | (un[i + 1] << (64 - s)) }
        } else {
          for i in 0..<n { out[i] = un[i] }
        }
      }
    }

    /// `a ≥ b` for two n-limb numbers.
    @inline(__always)
    static func greaterOrEqual(_ a: UnsafePointer<UInt64>, _ b: [UInt64], _ n: Int) -> Bool {
      for i in stride(from: n - 1, through: 0, by: -1) where a[i] != b[i] { return a[i] > b[i] }
      return true
    }

    /// `base^e mod m` by schoolbook multiplication and long division (any modulus).
    func power(_ base: [UInt64], _ e: ExponentBits) -> [UInt64] {
      let n = m.count
      var one = [UInt64](repeating: 0, count: n)
      one[0] = 1
      var prod = [UInt64](repeating: 0, count: 2 * n)
      var un = [UInt64](repeating: 0, count: 2 * n + 1)
      return prod.withUnsafeMutableBufferPointer { pb in
        un.withUnsafeMutableBufferPointer { ub in
          let p = pb.baseAddress!, u = ub.baseAddress!
          return windowedPower(n: n, base: base, one: one, exponent: e) { x, y, out in
            // p = x·y (2n limbs), then out = p mod m.
            for i in 0..<(2 * n) { p[i] = 0 }
            for i in 0..<n {
              var c: UInt64 = 0
              let yi = y[i]
              for j in 0..<n { p[i + j] = mac(p[i + j], x[j], yi, &c) }
              p[i + n] = c
            }
            self.reduce(p, 2 * n, u, out)
          }
        }
      }
    }
  }
}

// MARK: - Montgomery (odd moduli)

extension ModExp {
  struct MontgomeryContext {
    let m: [UInt64]
    let n: Int
    /// `−m⁻¹ mod 2⁶⁴`.
    let mInv: UInt64
    /// `R² mod m` with `R = 2^(64n)`.
    let r2: [UInt64]

    init(_ m: [UInt64], divisor: Divisor) {
      self.m = m
      n = m.count
      // Newton iteration for m⁻¹ mod 2⁶⁴: x = m is correct to 3 bits (m odd); each step
      // doubles the correct bits.
      var x = m[0]
      for _ in 0..<5 { x = x &* (2 &- m[0] &* x) }
      mInv = 0 &- x
      var pow2 = [UInt64](repeating: 0, count: 2 * n + 1)
      pow2[2 * n] = 1
      var r2 = [UInt64](repeating: 0, count: n)
      divisor.remainder(of: pow2, into: &r2)
      self.r2 = r2
    }

    /// `out = x·y·R⁻¹ mod m` (CIOS). `t` is scratch of n + 2 limbs; out may alias x or y.
    // SAFETY: x, y, out and mp hold n limbs and t holds n + 2 (allocated in `power` and
    // `windowedPower`); indices stay below those bounds. out is written only after the last
    // read of x and y.
    @inline(__always)
    func montMul(
      _ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>, _ out: UnsafeMutablePointer<UInt64>,
      _ t: UnsafeMutablePointer<UInt64>, _ mp: UnsafePointer<UInt64>
    ) {
      let n = self.n
      for i in 0..<(n + 2) { t[i] = 0 }
      for i in 0..<n {
        var c: UInt64 = 0
        let yi = y[i]
        for j in 0..<n { t[j] = ModExp.mac(t[j], x[j], yi, &c) }
        let (s, o) = t[n].addingReportingOverflow(c)
        t[n] = s
        t[n + 1] = o ? 1 : 0
        let q = t[0] &* mInv
        c = 0
        _ = ModExp.mac(t[0], q, mp[0], &c)
        if n > 1 {
          for j in 1..<n { t[j - 1] = ModExp.mac(t[j], q, mp[j], &c) }
        }
        let (s2, o2) = t[n].addingReportingOverflow(c)
        t[n - 1] = s2
        t[n] = t[n + 1] &+ (o2 ? 1 : 0)
      }
      // t < 2m: subtract m once if t ≥ m.
      var geq = t[n] != 0
      if !geq {
        geq = true
        for i in stride(from: n - 1, through: 0, by: -1) where t[i] != mp[i] {
          geq = t[i] > mp[i]
          break
        }
      }
      if geq {
        var borrow: UInt64 = 0
        for i in 0..<n {
          let (d1, b1) = t[i].subtractingReportingOverflow(mp[i])
          let (d2, b2) = d1.subtractingReportingOverflow(borrow)
          out[i] = d2
          borrow = (b1 ? 1 : 0) + (b2 ? 1 : 0)
        }
      } else {
        for i in 0..<n { out[i] = t[i] }
      }
    }

    func power(_ base: [UInt64], _ e: ExponentBits) -> [UInt64] {
      var t = [UInt64](repeating: 0, count: n + 2)
      var one = [UInt64](repeating: 0, count: n)
      one[0] = 1
      return t.withUnsafeMutableBufferPointer { tb in
        m.withUnsafeBufferPointer { mb in
          let tp = tb.baseAddress!, mp = mb.baseAddress!
          var baseM = base, oneM = one
          // Into Montgomery form: x·R = montMul(x, R²).
          r2.withUnsafeBufferPointer { rb in
            baseM.withUnsafeMutableBufferPointer { b in montMul(b.baseAddress!, rb.baseAddress!, b.baseAddress!, tp, mp) }
            oneM.withUnsafeMutableBufferPointer { b in montMul(b.baseAddress!, rb.baseAddress!, b.baseAddress!, tp, mp) }
          }
          var acc = ModExp.windowedPower(n: n, base: baseM, one: oneM, exponent: e) { x, y, out in
            montMul(x, y, out, tp, mp)
          }
          // Out of Montgomery form: montMul(x, 1).
          one.withUnsafeBufferPointer { ob in
            acc.withUnsafeMutableBufferPointer { a in montMul(a.baseAddress!, ob.baseAddress!, a.baseAddress!, tp, mp) }
          }
          return acc
        }
      }
    }
  }
}

// MARK: - Montgomery, fixed four limbs (odd moduli up to 256 bits)

extension ModExp {
  typealias Limbs4 = (UInt64, UInt64, UInt64, UInt64)

  /// Montgomery arithmetic with `R = 2²⁵⁶` for an odd modulus below 2²⁵⁶ (padded to four
  /// limbs), fully unrolled: the 32-byte moduli that dominate real MODEXP calls.
  struct Montgomery256 {
    let m: Limbs4
    /// `−m⁻¹ mod 2⁶⁴`.
    let mInv: UInt64
    /// `R² mod m`.
    let r2: Limbs4

    init(_ limbs: [UInt64], divisor: Divisor) {
      let n = limbs.count
      m = (limbs[0], n > 1 ? limbs[1] : 0, n > 2 ? limbs[2] : 0, n > 3 ? limbs[3] : 0)
      var x = limbs[0]
      for _ in 0..<5 { x = x &* (2 &- limbs[0] &* x) }
      mInv = 0 &- x
      var pow2 = [UInt64](repeating: 0, count: 9)
      pow2[8] = 1
      var r = [UInt64](repeating: 0, count: n)
      divisor.remainder(of: pow2, into: &r)
      r2 = (r[0], n > 1 ? r[1] : 0, n > 2 ? r[2] : 0, n > 3 ? r[3] : 0)
    }

    @inline(__always)
    static func adc(_ a: UInt64, _ b: UInt64, _ carry: inout UInt64) -> UInt64 {
      let s = UInt128(a) &+ UInt128(b) &+ UInt128(carry)
      carry = UInt64(truncatingIfNeeded: s >> 64)
      return UInt64(truncatingIfNeeded: s)
    }

    @inline(__always)
    static func sbb(_ a: UInt64, _ b: UInt64, _ borrow: inout UInt64) -> UInt64 {
      let s = UInt128(a) &- UInt128(b) &- UInt128(borrow)
      borrow = UInt64(truncatingIfNeeded: s >> 127)
      return UInt64(truncatingIfNeeded: s)
    }

    /// One CIOS round: `t += x·yi`, then `t = (t + q·m) / 2⁶⁴` with `q = t0·(−m⁻¹)`.
    @inline(__always)
    func round(_ t: (UInt64, UInt64, UInt64, UInt64, UInt64), _ x: Limbs4, _ yi: UInt64)
      -> (UInt64, UInt64, UInt64, UInt64, UInt64)
    {
      var c: UInt64 = 0
      let s0 = ModExp.mac(t.0, x.0, yi, &c)
      let s1 = ModExp.mac(t.1, x.1, yi, &c)
      let s2 = ModExp.mac(t.2, x.2, yi, &c)
      let s3 = ModExp.mac(t.3, x.3, yi, &c)
      var o4: UInt64 = 0
      let s4 = Self.adc(t.4, c, &o4)
      let q = s0 &* mInv
      var d: UInt64 = 0
      _ = ModExp.mac(s0, q, m.0, &d)
      let r0 = ModExp.mac(s1, q, m.1, &d)
      let r1 = ModExp.mac(s2, q, m.2, &d)
      let r2 = ModExp.mac(s3, q, m.3, &d)
      var o3: UInt64 = 0
      let r3 = Self.adc(s4, d, &o3)
      return (r0, r1, r2, r3, o4 &+ o3)
    }

    /// `x·y·R⁻¹ mod m` for `x, y < m`.
    func mul(_ x: Limbs4, _ y: Limbs4) -> Limbs4 {
      var t: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
      t = round(t, x, y.0)
      t = round(t, x, y.1)
      t = round(t, x, y.2)
      t = round(t, x, y.3)
      // t < 2m: subtract m once when t ≥ m (t.4 is the carry limb), branch-free.
      var borrow: UInt64 = 0
      let d0 = Self.sbb(t.0, m.0, &borrow)
      let d1 = Self.sbb(t.1, m.1, &borrow)
      let d2 = Self.sbb(t.2, m.2, &borrow)
      let d3 = Self.sbb(t.3, m.3, &borrow)
      _ = Self.sbb(t.4, 0, &borrow)
      let keep = 0 &- borrow
      return ((t.0 & keep) | (d0 & ~keep), (t.1 & keep) | (d1 & ~keep), (t.2 & keep) | (d2 & ~keep), (t.3 & keep) | (d3 & ~keep))
    }

    func power(_ base: [UInt64], _ e: ExponentBits) -> [UInt64] {
      let n = base.count
      let b: Limbs4 = (base[0], n > 1 ? base[1] : 0, n > 2 ? base[2] : 0, n > 3 ? base[3] : 0)
      let oneM = mul((1, 0, 0, 0), r2)
      var acc = oneM
      if e.bitLength > 0 {
        let bM = mul(b, r2)
        let w = min(e.windowWidth, 4)
        let size = 1 << w
        acc = withUnsafeTemporaryAllocation(of: Limbs4.self, capacity: 16) { table -> Limbs4 in
          // SAFETY: indices are window values < 2^w ≤ 16 = capacity; every entry read is
          // written first (0 ..< size).
          table[0] = oneM
          table[1] = bM
          for k in 2..<max(size, 2) where k < size { table[k] = mul(table[k - 1], bM) }
          var acc = oneM
          var started = false
          let windows = (e.bitLength + w - 1) / w
          for wi in stride(from: windows - 1, through: 0, by: -1) {
            if started {
              for _ in 0..<w { acc = mul(acc, acc) }
            }
            let v = e.window(low: wi * w, width: w)
            if v != 0 {
              acc = started ? mul(acc, table[v]) : table[v]
              started = true
            }
          }
          return acc
        }
      }
      let out = mul(acc, (1, 0, 0, 0))
      // out < m, so the limbs above n are zero.
      return Array([out.0, out.1, out.2, out.3].prefix(n))
    }
  }
}
