import COpenSSL

/// ECDSA verification over NIST P-256 (secp256r1) for the P256VERIFY precompile (EIP-7951),
/// on libcrypto's curve arithmetic.
///
/// The input is 160 bytes: the message hash h, the signature (r, s) and the public key (qx, qy),
/// 32 big-endian bytes each. A signature verifies when r and s are in [1, n), qx and qy are in
/// [0, p), the key is a point of the curve (never the point at infinity), and with
/// w = s⁻¹ mod n the point R' = (h·w)·G + (r·w)·Q is finite and its x coordinate is r mod n.
public enum P256 {
  /// The input length P256VERIFY accepts.
  public static let inputLength = 160

  /// The group order n, big-endian.
  static let order: [UInt8] = hexBytes("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
  /// The field prime p, big-endian.
  static let prime: [UInt8] = hexBytes("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff")

  /// Why an input does not verify, for tests and fuzzing; the precompile only needs yes or no.
  public enum Rejection: Error, Equatable, Sendable {
    case wrongLength(Int)
    case rOutOfRange
    case sOutOfRange
    /// qx or qy is not below the field prime.
    case coordinateOutOfRange
    /// (qx, qy) is not a point of the curve (this includes (0, 0), the encoding of infinity).
    case notOnCurve
    /// The equation does not hold (R' is infinity or its x is not r mod n).
    case mismatch
    /// libcrypto failed to allocate.
    case library
  }

  /// Whether `input` (h ‖ r ‖ s ‖ qx ‖ qy) holds a valid signature.
  public static func verify(_ input: some Collection<UInt8>) -> Bool {
    check(Array(input)) == nil
  }

  /// The P256VERIFY output: 32 bytes of 1 when the signature verifies, empty otherwise.
  public static func precompile(_ input: [UInt8]) -> [UInt8] {
    guard check(input) == nil else { return [] }
    var out = [UInt8](repeating: 0, count: 32)
    out[31] = 1
    return out
  }

  /// The first rule `input` breaks, or nil when the signature verifies.
  public static func check(_ input: [UInt8]) -> Rejection? {
    guard input.count == inputLength else { return .wrongLength(input.count) }
    return input.withUnsafeBufferPointer { buffer -> Rejection? in
      let p = buffer.baseAddress!  // 160 bytes, checked above
      let h = p, r = p + 32, s = p + 64, qx = p + 96, qy = p + 128
      // Range checks on the raw bytes, before libcrypto sees them.
      guard !isZero(r), less(r, order) else { return .rOutOfRange }
      guard !isZero(s), less(s, order) else { return .sOutOfRange }
      guard less(qx, prime), less(qy, prime) else { return .coordinateOutOfRange }
      return verifyEquation(h: h, r: r, s: s, qx: qx, qy: qy)
    }
  }

  /// The curve equation part: the key on the curve, then R' = (h·w)·G + (r·w)·Q with x = r mod n.
  private static func verifyEquation(
    h: UnsafePointer<UInt8>, r: UnsafePointer<UInt8>, s: UnsafePointer<UInt8>,
    qx: UnsafePointer<UInt8>, qy: UnsafePointer<UInt8>
  ) -> Rejection? {
    let group = P256Group.shared.pointer
    guard let ctx = BN_CTX_new() else { return .library }
    defer { BN_CTX_free(ctx) }
    BN_CTX_start(ctx)
    defer { BN_CTX_end(ctx) }
    guard let bh = BN_CTX_get(ctx), let br = BN_CTX_get(ctx), let bs = BN_CTX_get(ctx),
          let bx = BN_CTX_get(ctx), let by = BN_CTX_get(ctx), let w = BN_CTX_get(ctx),
          let u1 = BN_CTX_get(ctx), let u2 = BN_CTX_get(ctx), let rx = BN_CTX_get(ctx),
          let n = BN_CTX_get(ctx)
    else { return .library }
    guard BN_bin2bn(h, 32, bh) != nil, BN_bin2bn(r, 32, br) != nil, BN_bin2bn(s, 32, bs) != nil,
          BN_bin2bn(qx, 32, bx) != nil, BN_bin2bn(qy, 32, by) != nil,
          EC_GROUP_get_order(group, n, ctx) == 1
    else { return .library }

    guard let q = EC_POINT_new(group) else { return .library }
    defer { EC_POINT_free(q) }
    // set_affine_coordinates refuses a point off the curve; is_on_curve says so explicitly.
    guard EC_POINT_set_affine_coordinates(group, q, bx, by, ctx) == 1,
          EC_POINT_is_on_curve(group, q, ctx) == 1, EC_POINT_is_at_infinity(group, q) == 0
    else { ERR_clear_error(); return .notOnCurve }

    // w = s⁻¹ mod n (n is prime and 0 < s < n, so the inverse exists); u1 = h·w, u2 = r·w.
    guard BN_mod_inverse(w, bs, n, ctx) != nil,
          BN_mod_mul(u1, bh, w, n, ctx) == 1, BN_mod_mul(u2, br, w, n, ctx) == 1
    else { ERR_clear_error(); return .library }
    guard let point = EC_POINT_new(group) else { return .library }
    defer { EC_POINT_free(point) }
    guard EC_POINT_mul(group, point, u1, q, u2, ctx) == 1 else { ERR_clear_error(); return .library }
    if EC_POINT_is_at_infinity(group, point) == 1 { return .mismatch }
    guard EC_POINT_get_affine_coordinates(group, point, rx, nil, ctx) == 1,
          BN_nnmod(rx, rx, n, ctx) == 1
    else { ERR_clear_error(); return .library }
    return BN_cmp(rx, br) == 0 ? nil : .mismatch
  }

  /// Whether the 32 big-endian bytes at `a` are all zero.
  @inline(__always) private static func isZero(_ a: UnsafePointer<UInt8>) -> Bool {
    for i in 0..<32 where a[i] != 0 { return false }
    return true
  }

  /// Whether the 32 big-endian bytes at `a` are below `bound`.
  @inline(__always) private static func less(_ a: UnsafePointer<UInt8>, _ bound: [UInt8]) -> Bool {
    for i in 0..<32 where a[i] != bound[i] { return a[i] < bound[i] }
    return false
  }

  private static func hexBytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = hex.utf8.makeIterator()
    while let hi = it.next(), let lo = it.next() {
      out.append(UInt8(hexValue(hi) << 4 | hexValue(lo)))
    }
    return out
  }

  private static func hexValue(_ c: UInt8) -> UInt8 {
    c >= 97 ? c - 87 : c - 48  // lower-case constants above only
  }
}

/// The P-256 group, created once.
///
/// SAFETY (`@unchecked Sendable`): the group is built in the initializer before it is published
/// and afterwards only passed as `const EC_GROUP *` to libcrypto's point and order functions,
/// which do not modify it; it is never freed (it lives as long as the process).
final class P256Group: @unchecked Sendable {
  let pointer: OpaquePointer

  static let shared = P256Group()

  private init() {
    guard let group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1) else {
      fatalError("libcrypto has no P-256 group (EC_GROUP_new_by_curve_name failed)")
    }
    pointer = group
  }
}
