extension BN254 {
  /// What the curve arithmetic needs of a coordinate field (`F_p` for G1, `F_p²` for G2).
  protocol CoordinateField: Equatable, Sendable {
    static var zero: Self { get }
    static var one: Self { get }
    var isZero: Bool { get }
    var squared: Self { get }
    var doubled: Self { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static prefix func - (a: Self) -> Self
    func inverse() -> Self
  }

  /// A point in Jacobian coordinates `(X, Y, Z)` ↦ affine `(X/Z², Y/Z³)` on a curve
  /// `y² = x³ + b` (`a = 0`); `Z = 0` is the point at infinity.
  struct JacobianPoint<F: CoordinateField>: Sendable {
    var x: F
    var y: F
    var z: F

    @inline(__always)
    init(x: F, y: F, z: F) { self.x = x; self.y = y; self.z = z }

    static var infinity: JacobianPoint { JacobianPoint(x: .one, y: .one, z: .zero) }

    @inline(__always) var isInfinity: Bool { z.isZero }

    /// Affine input; the caller maps the encoding of infinity separately.
    @inline(__always) init(affineX: F, affineY: F) { self.init(x: affineX, y: affineY, z: .one) }

    /// Affine coordinates, or nil for the point at infinity.
    var affine: (x: F, y: F)? {
      if isInfinity { return nil }
      let zi = z.inverse()
      let zi2 = zi.squared
      return (x * zi2, y * zi2 * zi)
    }

    @inline(__always) var negated: JacobianPoint { JacobianPoint(x: x, y: -y, z: z) }

    /// Doubling, dbl-2009-l (a = 0).
    var doubled: JacobianPoint {
      if isInfinity { return self }
      let a = x.squared
      let b = y.squared
      let c = b.squared
      let d = ((x + b).squared - a - c).doubled
      let e = a.doubled + a
      let f = e.squared
      let x3 = f - d.doubled
      let y3 = e * (d - x3) - c.doubled.doubled.doubled
      let z3 = (y * z).doubled
      return JacobianPoint(x: x3, y: y3, z: z3)
    }

    /// General addition, add-2007-bl, with the doubling and inverse cases handled.
    static func + (p: JacobianPoint, q: JacobianPoint) -> JacobianPoint {
      if p.isInfinity { return q }
      if q.isInfinity { return p }
      let z1z1 = p.z.squared
      let z2z2 = q.z.squared
      let u1 = p.x * z2z2
      let u2 = q.x * z1z1
      let s1 = p.y * q.z * z2z2
      let s2 = q.y * p.z * z1z1
      let h = u2 - u1
      let rr = s2 - s1
      if h.isZero {
        return rr.isZero ? p.doubled : .infinity
      }
      let i = h.doubled.squared
      let j = h * i
      let r2 = rr.doubled
      let v = u1 * i
      let x3 = r2.squared - j - v.doubled
      let y3 = r2 * (v - x3) - (s1 * j).doubled
      let z3 = ((p.z + q.z).squared - z1z1 - z2z2) * h
      return JacobianPoint(x: x3, y: y3, z: z3)
    }

    /// Equality as group elements (cross-multiplied, so any Jacobian representatives compare).
    func isEqual(to q: JacobianPoint) -> Bool {
      if isInfinity || q.isInfinity { return isInfinity && q.isInfinity }
      let z1z1 = z.squared, z2z2 = q.z.squared
      return x * z2z2 == q.x * z1z1 && y * q.z * z2z2 == q.y * z * z1z1
    }

    /// Scalar multiplication by a 256-bit scalar given as little-endian limbs, with a fixed
    /// 4-bit window (the 15 multiples `1·P … 15·P` precomputed on the stack).
    func multiplied(by k: (UInt64, UInt64, UInt64, UInt64)) -> JacobianPoint {
      var table = (
        self, self, self, self, self, self, self, self, self, self, self, self, self, self, self)
      // SAFETY: a homogeneous tuple is laid out as a contiguous array of its element type, so
      // viewing its 15 elements through a rebound pointer of capacity 15 stays in bounds;
      // indices are `w − 1` with `w` a non-zero nibble, i.e. 0…14.
      return withUnsafeMutablePointer(to: &table) { tuple in
        tuple.withMemoryRebound(to: JacobianPoint.self, capacity: 15) { t in
          t[1] = self.doubled
          for i in 2..<15 { t[i] = t[i - 1] + self }
          var acc = JacobianPoint.infinity
          for li in 0..<4 {
            let limb = li == 0 ? k.3 : li == 1 ? k.2 : li == 2 ? k.1 : k.0
            for nibble in stride(from: 60, through: 0, by: -4) {
              acc = acc.doubled.doubled.doubled.doubled
              let w = Int((limb >> UInt64(nibble)) & 0xF)
              if w != 0 { acc = acc + t[w - 1] }
            }
          }
          return acc
        }
      }
    }
  }
}
