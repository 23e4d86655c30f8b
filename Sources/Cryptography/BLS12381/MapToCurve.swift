// Field-element-to-curve maps of EIP-2537 (RFC 9380 sections 6.6.2 and 6.6.3, appendices E.2,
// E.3 and G.3): the simplified SWU map onto a curve E' isogenous to E, the isogeny E' → E
// (degree 11 for G1, degree 3 for G2), then cofactor clearing. There is no hash_to_field step:
// the input already is a field element.

extension BLS12381 {
  /// An Fp constant from its hexadecimal value (a plain integer below p, "0x…").
  static func fpHex(_ hex: String) -> Fp {
    var limbs: [UInt64] = [0, 0, 0, 0, 0, 0]
    var digits = Array(hex.utf8)
    if digits.count >= 2 && digits[0] == UInt8(ascii: "0") && digits[1] == UInt8(ascii: "x") {
      digits.removeFirst(2)
    }
    for (i, c) in digits.reversed().enumerated() where i < 96 {
      let v: UInt64
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt64(c - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): v = UInt64(c - UInt8(ascii: "a") + 10)
      default: v = UInt64(c - UInt8(ascii: "A") + 10)
      }
      limbs[i / 16] |= v << UInt64(4 * (i % 16))
    }
    return Fp(canonical: Fp(limbs[0], limbs[1], limbs[2], limbs[3], limbs[4], limbs[5]))
  }

  /// The RFC 9380 sign of an Fp element: its parity.
  @inline(__always)
  static func sgn0(_ a: Fp) -> Bool { a.canonical.l0 & 1 == 1 }

  /// The RFC 9380 sign of an Fp2 element: the parity of c0, or of c1 when c0 is zero.
  @inline(__always)
  static func sgn0(_ a: Fp2) -> Bool {
    let c0 = a.c0.canonical
    if c0.isZero { return a.c1.canonical.l0 & 1 == 1 }
    return c0.l0 & 1 == 1
  }

  /// Evaluates a polynomial with coefficients in ascending order (Horner).
  @inline(__always)
  static func horner(_ coefficients: [Fp], _ x: Fp) -> Fp {
    var acc = Fp.zero
    var i = coefficients.count - 1
    while i >= 0 { acc = acc * x + coefficients[i]; i -= 1 }
    return acc
  }

  @inline(__always)
  static func horner(_ coefficients: [Fp2], _ x: Fp2) -> Fp2 {
    var acc = Fp2.zero
    var i = coefficients.count - 1
    while i >= 0 { acc = acc * x + coefficients[i]; i -= 1 }
    return acc
  }

  // MARK: - G1

  /// Constants of the G1 map: E': y² = x³ + A'x + B', Z = 11, and the 11-isogeny.
  enum MapG1 {
    static let a = fpHex("0x144698a3b8e9433d693a02c96d4982b0ea985383ee66a8d8e8981aefd881ac98936f8da0e0f97f5cf428082d584c1d")
    static let b = fpHex("0x12e2908d11688030018b12e8753eee3b2016c1f0f24f4070a0b9c14fcef35ef55a23215a316ceaa5d1cc48e98e172be0")
    static let z = Fp(11)
    static let minusBOverA = -(b * a.inverse())
    static let bOverZA = b * (z * a).inverse()
    /// √(-Z): -11 is a square because both -1 and 11 are non-squares (p ≡ 3 mod 4).
    static let sqrtMinusZ = (-z).squareRoot() ?? .zero

    static let xNum: [Fp] = [
      "0x11a05f2b1e833340b809101dd99815856b303e88a2d7005ff2627b56cdb4e2c85610c2d5f2e62d6eaeac1662734649b7",
      "0x17294ed3e943ab2f0588bab22147a81c7c17e75b2f6a8417f565e33c70d1e86b4838f2a6f318c356e834eef1b3cb83bb",
      "0xd54005db97678ec1d1048c5d10a9a1bce032473295983e56878e501ec68e25c958c3e3d2a09729fe0179f9dac9edcb0",
      "0x1778e7166fcc6db74e0609d307e55412d7f5e4656a8dbf25f1b33289f1b330835336e25ce3107193c5b388641d9b6861",
      "0xe99726a3199f4436642b4b3e4118e5499db995a1257fb3f086eeb65982fac18985a286f301e77c451154ce9ac8895d9",
      "0x1630c3250d7313ff01d1201bf7a74ab5db3cb17dd952799b9ed3ab9097e68f90a0870d2dcae73d19cd13c1c66f652983",
      "0xd6ed6553fe44d296a3726c38ae652bfb11586264f0f8ce19008e218f9c86b2a8da25128c1052ecaddd7f225a139ed84",
      "0x17b81e7701abdbe2e8743884d1117e53356de5ab275b4db1a682c62ef0f2753339b7c8f8c8f475af9ccb5618e3f0c88e",
      "0x80d3cf1f9a78fc47b90b33563be990dc43b756ce79f5574a2c596c928c5d1de4fa295f296b74e956d71986a8497e317",
      "0x169b1f8e1bcfa7c42e0c37515d138f22dd2ecb803a0c5c99676314baf4bb1b7fa3190b2edc0327797f241067be390c9e",
      "0x10321da079ce07e272d8ec09d2565b0dfa7dccdde6787f96d50af36003b14866f69b771f8c285decca67df3f1605fb7b",
      "0x6e08c248e260e70bd1e962381edee3d31d79d7e22c837bc23c0bf1bc24c6b68c24b1b80b64d391fa9c8ba2e8ba2d229",
    ].map(BLS12381.fpHex)
    static let xDen: [Fp] = [
      "0x8ca8d548cff19ae18b2e62f4bd3fa6f01d5ef4ba35b48ba9c9588617fc8ac62b558d681be343df8993cf9fa40d21b1c",
      "0x12561a5deb559c4348b4711298e536367041e8ca0cf0800c0126c2588c48bf5713daa8846cb026e9e5c8276ec82b3bff",
      "0xb2962fe57a3225e8137e629bff2991f6f89416f5a718cd1fca64e00b11aceacd6a3d0967c94fedcfcc239ba5cb83e19",
      "0x3425581a58ae2fec83aafef7c40eb545b08243f16b1655154cca8abc28d6fd04976d5243eecf5c4130de8938dc62cd8",
      "0x13a8e162022914a80a6f1d5f43e7a07dffdfc759a12062bb8d6b44e833b306da9bd29ba81f35781d539d395b3532a21e",
      "0xe7355f8e4e667b955390f7f0506c6e9395735e9ce9cad4d0a43bcef24b8982f7400d24bc4228f11c02df9a29f6304a5",
      "0x772caacf16936190f3e0c63e0596721570f5799af53a1894e2e073062aede9cea73b3538f0de06cec2574496ee84a3a",
      "0x14a7ac2a9d64a8b230b3f5b074cf01996e7f63c21bca68a81996e1cdf9822c580fa5b9489d11e2d311f7d99bbdcc5a5e",
      "0xa10ecf6ada54f825e920b3dafc7a3cce07f8d1d7161366b74100da67f39883503826692abba43704776ec3a79a1d641",
      "0x95fc13ab9e92ad4476d6e3eb3a56680f682b4ee96f7d03776df533978f31c1593174e4b4b7865002d6384d168ecdd0a",
      "0x1",
    ].map(BLS12381.fpHex)
    static let yNum: [Fp] = [
      "0x90d97c81ba24ee0259d1f094980dcfa11ad138e48a869522b52af6c956543d3cd0c7aee9b3ba3c2be9845719707bb33",
      "0x134996a104ee5811d51036d776fb46831223e96c254f383d0f906343eb67ad34d6c56711962fa8bfe097e75a2e41c696",
      "0xcc786baa966e66f4a384c86a3b49942552e2d658a31ce2c344be4b91400da7d26d521628b00523b8dfe240c72de1f6",
      "0x1f86376e8981c217898751ad8746757d42aa7b90eeb791c09e4a3ec03251cf9de405aba9ec61deca6355c77b0e5f4cb",
      "0x8cc03fdefe0ff135caf4fe2a21529c4195536fbe3ce50b879833fd221351adc2ee7f8dc099040a841b6daecf2e8fedb",
      "0x16603fca40634b6a2211e11db8f0a6a074a7d0d4afadb7bd76505c3d3ad5544e203f6326c95a807299b23ab13633a5f0",
      "0x4ab0b9bcfac1bbcb2c977d027796b3ce75bb8ca2be184cb5231413c4d634f3747a87ac2460f415ec961f8855fe9d6f2",
      "0x987c8d5333ab86fde9926bd2ca6c674170a05bfe3bdd81ffd038da6c26c842642f64550fedfe935a15e4ca31870fb29",
      "0x9fc4018bd96684be88c9e221e4da1bb8f3abd16679dc26c1e8b6e6a1f20cabe69d65201c78607a360370e577bdba587",
      "0xe1bba7a1186bdb5223abde7ada14a23c42a0ca7915af6fe06985e7ed1e4d43b9b3f7055dd4eba6f2bafaaebca731c30",
      "0x19713e47937cd1be0dfd0b8f1d43fb93cd2fcbcb6caf493fd1183e416389e61031bf3a5cce3fbafce813711ad011c132",
      "0x18b46a908f36f6deb918c143fed2edcc523559b8aaf0c2462e6bfe7f911f643249d9cdf41b44d606ce07c8a4d0074d8e",
      "0xb182cac101b9399d155096004f53f447aa7b12a3426b08ec02710e807b4633f06c851c1919211f20d4c04f00b971ef8",
      "0x245a394ad1eca9b72fc00ae7be315dc757b3b080d4c158013e6632d3c40659cc6cf90ad1c232a6442d9d3f5db980133",
      "0x5c129645e44cf1102a159f748c4a3fc5e673d81d7e86568d9ab0f5d396a7ce46ba1049b6579afb7866b1e715475224b",
      "0x15e6be4e990f03ce4ea50b3b42df2eb5cb181d8f84965a3957add4fa95af01b2b665027efec01c7704b456be69c8b604",
    ].map(BLS12381.fpHex)
    static let yDen: [Fp] = [
      "0x16112c4c3a9c98b252181140fad0eae9601a6de578980be6eec3232b5be72e7a07f3688ef60c206d01479253b03663c1",
      "0x1962d75c2381201e1a0cbd6c43c348b885c84ff731c4d59ca4a10356f453e01f78a4260763529e3532f6102c2e49a03d",
      "0x58df3306640da276faaae7d6e8eb15778c4855551ae7f310c35a5dd279cd2eca6757cd636f96f891e2538b53dbf67f2",
      "0x16b7d288798e5395f20d23bf89edb4d1d115c5dbddbcd30e123da489e726af41727364f2c28297ada8d26d98445f5416",
      "0xbe0e079545f43e4b00cc912f8228ddcc6d19c9f0f69bbb0542eda0fc9dec916a20b15dc0fd2ededda39142311a5001d",
      "0x8d9e5297186db2d9fb266eaac783182b70152c65550d881c5ecd87b6f0f5a6449f38db9dfa9cce202c6477faaf9b7ac",
      "0x166007c08a99db2fc3ba8734ace9824b5eecfdfa8d0cf8ef5dd365bc400a0051d5fa9c01a58b1fb93d1a1399126a775c",
      "0x16a3ef08be3ea7ea03bcddfabba6ff6ee5a4375efa1f4fd7feb34fd206357132b920f5b00801dee460ee415a15812ed9",
      "0x1866c8ed336c61231a1be54fd1d74cc4f9fb0ce4c6af5920abc5750c4bf39b4852cfe2f7bb9248836b233d9d55535d4a",
      "0x167a55cda70a6e1cea820597d94a84903216f763e13d87bb5308592e7ea7d4fbc7385ea3d529b35e346ef48bb8913f55",
      "0x4d2f259eea405bd48f010a01ad2911d9c6dd039bb61a6290e591b36e636a5c871a5c29f4f83060400f8b49cba8f6aa8",
      "0xaccbb67481d033ff5852c1e48c50c477f94ff8aefce42d28c0f9a88cea7913516f968986f7ebbea9684b529e2561092",
      "0xad6b9514c767fe3c3613144b45f1496543346d98adf02267d5ceef9a00d9b8693000763e3b90ac11e99b138573345cc",
      "0x2660400eb2e4f3b628bdd0d53cd76f2bf565b94e72927c1cb748df27942480e420517bd8714cc80d1fadc1326ed06f7",
      "0xe0fa1d816ddc03e6b24255e0d7819c171c40f65e273b853324efcd6356caa205ca2f570f13497804415473a1d634b8f",
      "0x1",
    ].map(BLS12381.fpHex)
  }

  /// Simplified SWU onto E' for G1 (RFC 9380 6.6.2). One exponentiation: for p ≡ 3 mod 4,
  /// s = g^((p+1)/4) is √g when g is a square and √(-g) otherwise, and then
  /// g(x2) = (Z·u³)²·(Z·g(x1)) has the root Z·u³·√(-Z)·s.
  static func swuG1(_ u: Fp) -> (x: Fp, y: Fp) {
    let z = MapG1.z, a = MapG1.a, b = MapG1.b
    let u2 = u.squared()
    let zu2 = z * u2
    let den = zu2.squared() + zu2
    let x1 = den.isZero ? MapG1.bOverZA : MapG1.minusBOverA * (.one + den.inverse())
    let gx1 = (x1.squared() + a) * x1 + b
    let s = gx1.pow(Fp.pPlus1Div4)
    var x: Fp, y: Fp
    if s.squared() == gx1 {
      x = x1; y = s
    } else {
      x = zu2 * x1
      y = zu2 * u * MapG1.sqrtMinusZ * s
    }
    if sgn0(u) != sgn0(y) { y = -y }
    return (x, y)
  }

  /// The 11-isogeny E' → E applied to an affine point of E', as a Jacobian point of E
  /// (no inversion: Z = xDen·yDen); the identity when a denominator vanishes.
  static func isoG1(_ x: Fp, _ y: Fp) -> G1Point {
    let xn = horner(MapG1.xNum, x), xd = horner(MapG1.xDen, x)
    let yn = horner(MapG1.yNum, x), yd = horner(MapG1.yDen, x)
    if xd.isZero || yd.isZero { return .identity }
    // X/Z² = xn/xd and Y/Z³ = y·yn/yd with Z = xd·yd.
    let zz = xd * yd
    let yd2 = yd.squared()
    let X = xn * xd * yd2
    let Y = y * yn * yd2 * xd.squared() * xd
    return G1Point(x: X, y: Y, z: zz)
  }

  /// MAP_FP_TO_G1: SWU, the 11-isogeny, then clearing the cofactor with h_eff = 1 - x.
  public static func mapToG1(_ u: Fp) -> G1Affine {
    let (x, y) = swuG1(u)
    let p = isoG1(x, y)
    // h_eff = 0xd201000000010001 = |x| + 1.
    return (p.multiplied(byWord: xAbs) + p).affine
  }

  // MARK: - G2

  /// Constants of the G2 map: E': y² = x³ + 240i·x + 1012(1 + i), Z = -(2 + i), and the
  /// 3-isogeny.
  enum MapG2 {
    static let a = Fp2(.zero, Fp(240))
    static let b = Fp2(Fp(1012), Fp(1012))
    static let z = Fp2(-Fp(2), -Fp(1))
    static let minusBOverA = -(b * a.inverse())
    static let bOverZA = b * (z * a).inverse()

    static func fp2(_ c0: String, _ c1: String) -> Fp2 { Fp2(BLS12381.fpHex(c0), BLS12381.fpHex(c1)) }
    static let xNum: [Fp2] = [
      fp2("0x5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97d6",
          "0x5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97d6"),
      fp2("0x0",
          "0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71a"),
      fp2("0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71e",
          "0x8ab05f8bdd54cde190937e76bc3e447cc27c3d6fbd7063fcd104635a790520c0a395554e5c6aaaa9354ffffffffe38d"),
      fp2("0x171d6541fa38ccfaed6dea691f5fb614cb14b4e7f4e810aa22d6108f142b85757098e38d0f671c7188e2aaaaaaaa5ed1",
          "0x0"),
    ]
    static let xDen: [Fp2] = [
      fp2("0x0",
          "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa63"),
      fp2("0xc",
          "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa9f"),
      Fp2.one,
    ]
    static let yNum: [Fp2] = [
      fp2("0x1530477c7ab4113b59a4c18b076d11930f7da5d4a07f649bf54439d87d27e500fc8c25ebf8c92f6812cfc71c71c6d706",
          "0x1530477c7ab4113b59a4c18b076d11930f7da5d4a07f649bf54439d87d27e500fc8c25ebf8c92f6812cfc71c71c6d706"),
      fp2("0x0",
          "0x5c759507e8e333ebb5b7a9a47d7ed8532c52d39fd3a042a88b58423c50ae15d5c2638e343d9c71c6238aaaaaaaa97be"),
      fp2("0x11560bf17baa99bc32126fced787c88f984f87adf7ae0c7f9a208c6b4f20a4181472aaa9cb8d555526a9ffffffffc71c",
          "0x8ab05f8bdd54cde190937e76bc3e447cc27c3d6fbd7063fcd104635a790520c0a395554e5c6aaaa9354ffffffffe38f"),
      fp2("0x124c9ad43b6cf79bfbf7043de3811ad0761b0f37a1e26286b0e977c69aa274524e79097a56dc4bd9e1b371c71c718b10",
          "0x0"),
    ]
    static let yDen: [Fp2] = [
      fp2("0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa8fb",
          "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa8fb"),
      fp2("0x0",
          "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffa9d3"),
      fp2("0x12",
          "0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaa99"),
      Fp2.one,
    ]
  }

  /// Simplified SWU onto E' for G2 (RFC 9380 6.6.2).
  static func swuG2(_ u: Fp2) -> (x: Fp2, y: Fp2) {
    let z = MapG2.z, a = MapG2.a, b = MapG2.b
    let u2 = u.squared()
    let zu2 = z * u2
    let den = zu2.squared() + zu2
    let x1 = den.isZero ? MapG2.bOverZA : MapG2.minusBOverA * (.one + den.inverse())
    let gx1 = (x1.squared() + a) * x1 + b
    var x: Fp2, y: Fp2
    if let s = gx1.squareRootFast() {
      x = x1; y = s
    } else {
      x = zu2 * x1
      let gx2 = (x.squared() + a) * x + b
      // g(x2) = (Z·u²)³·g(x1) is a square whenever g(x1) is not (Z is a non-square).
      y = gx2.squareRootFast() ?? .zero
    }
    if sgn0(u) != sgn0(y) { y = -y }
    return (x, y)
  }

  /// The 3-isogeny E' → E as a Jacobian point of E; the identity when a denominator vanishes.
  static func isoG2(_ x: Fp2, _ y: Fp2) -> G2Point {
    let xn = horner(MapG2.xNum, x), xd = horner(MapG2.xDen, x)
    let yn = horner(MapG2.yNum, x), yd = horner(MapG2.yDen, x)
    if xd.isZero || yd.isZero { return .identity }
    let zz = xd * yd
    let yd2 = yd.squared()
    let X = xn * xd * yd2
    let Y = y * yn * yd2 * xd.squared() * xd
    return G2Point(x: X, y: Y, z: zz)
  }

  /// MAP_FP2_TO_G2: SWU, the 3-isogeny, then cofactor clearing by ψ (Budroni–Pintore, RFC 9380
  /// G.3), which equals multiplication by h_eff.
  public static func mapToG2(_ u: Fp2) -> G2Affine {
    let (x, y) = swuG2(u)
    return isoG2(x, y).clearingCofactor().affine
  }
}

extension BLS12381.Fp2 {
  /// A square root, or nil for a non-square. Reduces to Fp: with N = c0² + c1² (a square in Fp
  /// exactly when self is a square in Fp2) and γ = √N, one of (c0 ± γ)/2 is a square δ, and
  /// √self = √δ + c1/(2√δ)·u. Two Fp exponentiations and one inversion.
  func squareRootFast() -> BLS12381.Fp2? {
    typealias Fp = BLS12381.Fp
    if c1.isZero {
      let s = c0.pow(Fp.pPlus1Div4)
      // s² is c0 when c0 is a square, else -c0, and then (s·u)² = c0.
      return s.squared() == c0 ? BLS12381.Fp2(s, .zero) : BLS12381.Fp2(.zero, s)
    }
    let norm = c0.squared() + c1.squared()
    let gamma = norm.pow(Fp.pPlus1Div4)
    guard gamma.squared() == norm else { return nil }
    let half = Fp(0x1804000000015554, 0x855000053ab00001, 0x633cb57c253c276f,
                  0x6e22d1ec31ebb502, 0xd3916126f2d14ca2, 0x17fbb8571a006596)  // 1/2
    let delta = (c0 + gamma) * half
    let s = delta.pow(Fp.pPlus1Div4)
    let candidate: BLS12381.Fp2
    if s.squared() == delta {
      // √δ = s; the other coefficient is c1/(2s).
      candidate = BLS12381.Fp2(s, c1 * (s.doubled()).inverse())
    } else {
      // s² = -δ, and δ' = (c0 - γ)/2 = c1²/(4·s²) is the square: √δ' = c1/(2s).
      let x0 = c1 * (s.doubled()).inverse()
      candidate = BLS12381.Fp2(x0, s)
    }
    return candidate.squared() == self ? candidate : nil
  }
}

extension BLS12381.G2Point {
  /// The untwist-Frobenius-twist endomorphism ψ on Jacobian coordinates: conjugate each
  /// coordinate and scale x by 1/ξ^((p-1)/3), y by 1/ξ^((p-1)/2) (ξ = 1 + u).
  @inline(__always)
  func psi() -> BLS12381.G2Point {
    BLS12381.G2Point(x: x.conjugate() * BLS12381.G2Point.psiX,
                     y: y.conjugate() * BLS12381.G2Point.psiY,
                     z: z.conjugate())
  }

  static let psiX: BLS12381.Fp2 = {
    let xi = BLS12381.Fp2(.one, .one)
    return xi.pow(BLS12381.pMinus1Div3).inverse()
  }()
  static let psiY: BLS12381.Fp2 = {
    let xi = BLS12381.Fp2(.one, .one)
    return xi.pow(BLS12381.Fp.pMinus1Div2).inverse()
  }()

  /// [x]P for the (negative) curve parameter x.
  @inline(__always)
  func multipliedByX() -> BLS12381.G2Point { -multiplied(byWord: BLS12381.xAbs) }

  /// [h_eff]P as [x² - x - 1]P + [x - 1]ψ(P) + ψ²(2P).
  func clearingCofactor() -> BLS12381.G2Point {
    let t1 = multipliedByX()          // [x]P
    let t2 = psi()                    // ψ(P)
    var t3 = doubled().psi().psi()    // ψ²(2P)
    t3 = t3 - t2
    let t4 = (t1 + t2).multipliedByX()  // [x²]P + [x]ψ(P)
    t3 = t3 + t4
    t3 = t3 - t1
    return t3 - self
  }

  /// [k]P for a 64-bit k (double-and-add).
  func multiplied(byWord k: UInt64) -> BLS12381.G2Point {
    if k == 0 { return .identity }
    var acc = self
    var bit = 63 - k.leadingZeroBitCount - 1
    while bit >= 0 {
      acc = acc.doubled()
      if (k >> UInt64(bit)) & 1 == 1 { acc = acc + self }
      bit -= 1
    }
    return acc
  }

  /// Membership in the order-r subgroup by Scott's test ψ(P) = [x]P (BLS12 curves), two
  /// orders of magnitude cheaper than [r]P = O; `BLS12381Tests` checks the two agree.
  public var isInSubgroupFast: Bool {
    if isIdentity { return true }
    return psi() == multipliedByX()
  }
}

extension BLS12381 {
  /// (p - 1) / 3 as a plain integer.
  static let pMinus1Div3: Fp = {
    // Long division of p - 1 by 3, limb by limb from the top.
    let limbs: [UInt64] = [Fp.p0 - 1, Fp.p1, Fp.p2, Fp.p3, Fp.p4, Fp.p5]
    var out = [UInt64](repeating: 0, count: 6)
    var rem: UInt64 = 0
    var i = 5
    while i >= 0 {
      let (q, r) = UInt64(3).dividingFullWidth((high: rem, low: limbs[i]))
      out[i] = q; rem = r
      i -= 1
    }
    return Fp(out[0], out[1], out[2], out[3], out[4], out[5])
  }()
}
