// The byte-level operations and gas rules of the EIP-2537 precompiles (Prague, 0x0b–0x11).
// Encodings: an Fp element is 64 big-endian bytes whose top 16 are zero and whose value is
// below p; Fp2 is c0 ‖ c1; a point is x ‖ y, and all zeros encodes the point at infinity.
// Scalars are 32 big-endian bytes, not reduced. Each function returns nil on any invalid input
// (the caller then fails the call, consuming all gas).

extension BLS12381 {
  public enum EIP2537 {
    public static let g1AddGas = 375
    public static let g2AddGas = 600
    public static let g1MulGas = 12000
    public static let g2MulGas = 22500
    public static let pairingBaseGas = 37700
    public static let pairingPerPairGas = 32600
    public static let mapFpToG1Gas = 5500
    public static let mapFp2ToG2Gas = 23800

    static let g1PairLength = 160
    static let g2PairLength = 288
    static let pairingPairLength = 384

    /// Per-mille discounts for k = 1…128 points; beyond, the last entry.
    static let g1Discount: [Int] = [
      1000, 949, 848, 797, 764, 750, 738, 728, 719, 712, 705, 698, 692, 687, 682, 677, 673, 669,
      665, 661, 658, 654, 651, 648, 645, 642, 640, 637, 635, 632, 630, 627, 625, 623, 621, 619,
      617, 615, 613, 611, 609, 608, 606, 604, 603, 601, 599, 598, 596, 595, 593, 592, 591, 589,
      588, 586, 585, 584, 582, 581, 580, 579, 577, 576, 575, 574, 573, 572, 570, 569, 568, 567,
      566, 565, 564, 563, 562, 561, 560, 559, 558, 557, 556, 555, 554, 553, 552, 551, 550, 549,
      548, 547, 547, 546, 545, 544, 543, 542, 541, 540, 540, 539, 538, 537, 536, 536, 535, 534,
      533, 532, 532, 531, 530, 529, 528, 528, 527, 526, 525, 525, 524, 523, 522, 522, 521, 520,
      520, 519,
    ]
    static let g2Discount: [Int] = [
      1000, 1000, 923, 884, 855, 832, 812, 796, 782, 770, 759, 749, 740, 732, 724, 717, 711, 704,
      699, 693, 688, 683, 679, 674, 670, 666, 663, 659, 655, 652, 649, 646, 643, 640, 637, 634,
      632, 629, 627, 624, 622, 620, 618, 615, 613, 611, 609, 607, 606, 604, 602, 600, 598, 597,
      595, 593, 592, 590, 589, 587, 586, 584, 583, 582, 580, 579, 578, 576, 575, 574, 573, 571,
      570, 569, 568, 567, 566, 565, 563, 562, 561, 560, 559, 558, 557, 556, 555, 554, 553, 552,
      552, 551, 550, 549, 548, 547, 546, 545, 545, 544, 543, 542, 541, 541, 540, 539, 538, 537,
      537, 536, 535, 535, 534, 533, 532, 532, 531, 530, 530, 529, 528, 528, 527, 526, 526, 525,
      524, 524,
    ]

    static func msmGas(_ inputLength: Int, pairLength: Int, mulGas: Int, table: [Int]) -> Int {
      let k = inputLength / pairLength
      if k == 0 { return 0 }
      let discount = table[min(k, table.count) - 1]
      let (product, overflow) = k.multipliedReportingOverflow(by: mulGas * discount)
      return overflow ? Int.max : product / 1000
    }

    /// G1MSM gas for an input of `inputLength` bytes (k = ⌊length / 160⌋ pairs).
    public static func g1MSMGas(_ inputLength: Int) -> Int {
      msmGas(inputLength, pairLength: g1PairLength, mulGas: g1MulGas, table: g1Discount)
    }

    /// G2MSM gas for an input of `inputLength` bytes (k = ⌊length / 288⌋ pairs).
    public static func g2MSMGas(_ inputLength: Int) -> Int {
      msmGas(inputLength, pairLength: g2PairLength, mulGas: g2MulGas, table: g2Discount)
    }

    /// PAIRING_CHECK gas: 32600·k + 37700 with k = ⌊length / 384⌋.
    public static func pairingGas(_ inputLength: Int) -> Int {
      pairingPerPairGas * (inputLength / pairingPairLength) + pairingBaseGas
    }

    // MARK: decoding

    /// A field element from 64 bytes at `offset`: the top 16 bytes zero, the value below p.
    static func readFp(_ input: [UInt8], _ offset: Int) -> Fp? {
      guard offset >= 0, input.count - offset >= 64 else { return nil }
      for i in offset..<(offset + 16) where input[i] != 0 { return nil }
      return Fp(bigEndian: input, at: offset + 16)
    }

    static func readFp2(_ input: [UInt8], _ offset: Int) -> Fp2? {
      guard let c0 = readFp(input, offset), let c1 = readFp(input, offset + 64) else { return nil }
      return Fp2(c0, c1)
    }

    /// A G1 point (128 bytes): on the curve or all zeros (infinity); in the subgroup when
    /// `subgroupCheck`.
    static func readG1(_ input: [UInt8], _ offset: Int, subgroupCheck: Bool) -> G1Affine? {
      guard let x = readFp(input, offset), let y = readFp(input, offset + 64) else { return nil }
      if x.isZero && y.isZero { return .infinity }
      let p = G1Affine(x: x, y: y)
      guard p.isOnCurve else { return nil }
      if subgroupCheck && !p.isInSubgroup { return nil }
      return p
    }

    /// A G2 point (256 bytes), with the same rules.
    static func readG2(_ input: [UInt8], _ offset: Int, subgroupCheck: Bool) -> G2Affine? {
      guard let x = readFp2(input, offset), let y = readFp2(input, offset + 128) else { return nil }
      if x.isZero && y.isZero { return .infinity }
      let p = G2Affine(x: x, y: y)
      guard p.isOnCurve else { return nil }
      if subgroupCheck && !G2Point(p).isInSubgroupFast { return nil }
      return p
    }

    // MARK: encoding

    static func append(_ a: Fp, to out: inout [UInt8]) {
      out.append(contentsOf: repeatElement(0, count: 16))
      out.append(contentsOf: a.bigEndianBytes)
    }

    static func encode(_ p: G1Affine) -> [UInt8] {
      if p.isInfinity { return [UInt8](repeating: 0, count: 128) }
      var out: [UInt8] = []
      out.reserveCapacity(128)
      append(p.x, to: &out)
      append(p.y, to: &out)
      return out
    }

    static func encode(_ p: G2Affine) -> [UInt8] {
      if p.isInfinity { return [UInt8](repeating: 0, count: 256) }
      var out: [UInt8] = []
      out.reserveCapacity(256)
      append(p.x.c0, to: &out)
      append(p.x.c1, to: &out)
      append(p.y.c0, to: &out)
      append(p.y.c1, to: &out)
      return out
    }

    // MARK: operations

    /// 0x0b BLS12_G1ADD: 256 bytes, two points (no subgroup check), their sum.
    public static func g1Add(_ input: [UInt8]) -> [UInt8]? {
      guard input.count == 256,
            let a = readG1(input, 0, subgroupCheck: false),
            let b = readG1(input, 128, subgroupCheck: false)
      else { return nil }
      return encode(G1Point(a).adding(b).affine)
    }

    /// 0x0d BLS12_G2ADD: 512 bytes, two points (no subgroup check), their sum.
    public static func g2Add(_ input: [UInt8]) -> [UInt8]? {
      guard input.count == 512,
            let a = readG2(input, 0, subgroupCheck: false),
            let b = readG2(input, 256, subgroupCheck: false)
      else { return nil }
      return encode(G2Point(a).adding(b).affine)
    }

    /// 0x0c BLS12_G1MSM: k ≥ 1 pairs of (point in G1, 32-byte scalar), 160 bytes each.
    public static func g1MSM(_ input: [UInt8]) -> [UInt8]? {
      guard !input.isEmpty, input.count % g1PairLength == 0 else { return nil }
      let k = input.count / g1PairLength
      var points: [G1Affine] = []
      var scalars: [Scalar] = []
      points.reserveCapacity(k)
      scalars.reserveCapacity(k)
      for i in 0..<k {
        let offset = i * g1PairLength
        guard let p = readG1(input, offset, subgroupCheck: true),
              let s = Scalar(bigEndian: input, at: offset + 128)
        else { return nil }
        if p.isInfinity { continue }
        points.append(p)
        scalars.append(s)
      }
      return encode(BLS12381.msm(points, scalars).affine)
    }

    /// 0x0e BLS12_G2MSM: k ≥ 1 pairs of (point in G2, 32-byte scalar), 288 bytes each.
    public static func g2MSM(_ input: [UInt8]) -> [UInt8]? {
      guard !input.isEmpty, input.count % g2PairLength == 0 else { return nil }
      let k = input.count / g2PairLength
      var points: [G2Affine] = []
      var scalars: [Scalar] = []
      points.reserveCapacity(k)
      scalars.reserveCapacity(k)
      for i in 0..<k {
        let offset = i * g2PairLength
        guard let p = readG2(input, offset, subgroupCheck: true),
              let s = Scalar(bigEndian: input, at: offset + 256)
        else { return nil }
        if p.isInfinity { continue }
        points.append(p)
        scalars.append(s)
      }
      return encode(BLS12381.msm(points, scalars).affine)
    }

    /// 0x0f BLS12_PAIRING_CHECK: k ≥ 1 pairs of (G1, G2) points in their subgroups, 384 bytes
    /// each; 32 bytes ending in 1 when the product of the pairings is one, else 0.
    public static func pairingCheck(_ input: [UInt8]) -> [UInt8]? {
      guard !input.isEmpty, input.count % pairingPairLength == 0 else { return nil }
      let k = input.count / pairingPairLength
      var pairs: [(G1Affine, G2Prepared)] = []
      pairs.reserveCapacity(k)
      for i in 0..<k {
        let offset = i * pairingPairLength
        guard let p = readG1(input, offset, subgroupCheck: true),
              let q = readG2(input, offset + 128, subgroupCheck: true)
        else { return nil }
        if p.isInfinity || q.isInfinity { continue }
        pairs.append((p, G2Prepared(q)))
      }
      var out = [UInt8](repeating: 0, count: 32)
      if pairs.isEmpty || BLS12381.pairingCheck(pairs) { out[31] = 1 }
      return out
    }

    /// 0x10 BLS12_MAP_FP_TO_G1: one 64-byte field element.
    public static func mapFpToG1(_ input: [UInt8]) -> [UInt8]? {
      guard input.count == 64, let u = readFp(input, 0) else { return nil }
      return encode(mapToG1(u))
    }

    /// 0x11 BLS12_MAP_FP2_TO_G2: one 128-byte element of Fp2.
    public static func mapFp2ToG2(_ input: [UInt8]) -> [UInt8]? {
      guard input.count == 128, let u = readFp2(input, 0) else { return nil }
      return encode(mapToG2(u))
    }
  }
}
