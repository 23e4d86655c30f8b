extension BN254.Fp: BN254.CoordinateField {}
extension BN254.Fp2: BN254.CoordinateField {}

extension BN254 {
  typealias G1 = JacobianPoint<Fp>
  typealias G2 = JacobianPoint<Fp2>

  /// `b = 3` of G1's equation `y² = x³ + 3`, Montgomery form.
  static var g1B: Fp { Fp(0x7a17_caa9_50ad_28d7, 0x1f6a_c17a_e155_21b9, 0x334b_ea4e_696b_d284, 0x2a1f_6744_ce17_9d8e) }

  /// The G1 generator (1, 2).
  static var g1Generator: G1 { G1(affineX: Fp(1), affineY: Fp(2)) }

  static func isOnG1Curve(x: Fp, y: Fp) -> Bool {
    y.squared == x.squared * x + g1B
  }

  /// Decodes a G1 point from 64 bytes at `offset` (zero-padded past the end of `input`).
  /// EIP-196: each coordinate must be < p; `(0, 0)` is the point at infinity; any other
  /// point must be on the curve (G1 has cofactor 1, so that is also the subgroup check).
  static func decodeG1(_ input: [UInt8], at offset: Int) -> G1? {
    let xw = readWord(input, offset)
    let yw = readWord(input, offset + 32)
    guard let x = Fp(canonical: xw), let y = Fp(canonical: yw) else { return nil }
    if x.isZero && y.isZero { return .infinity }
    guard isOnG1Curve(x: x, y: y) else { return nil }
    return G1(affineX: x, affineY: y)
  }

  /// Encodes a G1 point as 64 bytes, infinity as 64 zero bytes.
  static func encodeG1(_ p: G1) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(64)
    guard let a = p.affine else { return [UInt8](repeating: 0, count: 64) }
    appendWord(a.x.canonical, to: &out)
    appendWord(a.y.canonical, to: &out)
    return out
  }
}

// MARK: - Precompile entry points (EIP-196)

extension BN254 {
  /// The ECADD precompile (address 0x06, EIP-196).
  ///
  /// - Parameter input: call data, right-padded with zeros to 128 bytes (extra bytes ignored):
  ///   `x1 ‖ y1 ‖ x2 ‖ y2`, each a 32-byte big-endian integer.
  /// - Returns: the 64-byte sum `x ‖ y` (infinity as zeros), or nil when either point is
  ///   invalid (coordinate ≥ p, or not on the curve); nil consumes all gas.
  public static func add(_ input: [UInt8]) -> [UInt8]? {
    guard let p = decodeG1(input, at: 0), let q = decodeG1(input, at: 64) else { return nil }
    return encodeG1(p + q)
  }

  /// The ECMUL precompile (address 0x07, EIP-196).
  ///
  /// - Parameter input: call data, right-padded with zeros to 96 bytes (extra bytes ignored):
  ///   `x ‖ y ‖ s`, with `s` an unsigned 256-bit scalar (not reduced; any value is valid).
  /// - Returns: the 64-byte product `s·P`, or nil when the point is invalid.
  public static func mul(_ input: [UInt8]) -> [UInt8]? {
    guard let p = decodeG1(input, at: 0) else { return nil }
    let s = readWord(input, 64)
    return encodeG1(p.multiplied(by: s))
  }
}
