/// RIPEMD-160 (the EVM's precompile 0x03), written from the specification: H. Dobbertin,
/// A. Bosselaers, B. Preneel, "RIPEMD-160: A Strengthened Version of RIPEMD" (1996), whose
/// pseudo-code gives the word order, rotation amounts, constants and round functions used here.
///
/// Strata carries its own because OpenSSL 3.0.0–3.0.6 serve RIPEMD-160 only from the legacy
/// provider, which is not loaded by default: on those systems every call to precompile 0x03
/// would fail. The precompile uses this implementation always, so its result never depends on
/// how libcrypto was built or configured; `strata-bench primitives` measures it against
/// libcrypto (`RIPEMD160.libcryptoHash`), within a few per cent on this machine.
public enum RIPEMD160 {
  /// The 20-byte RIPEMD-160 digest of `bytes`.
  /// - Complexity: O(n) in the length of `bytes`.
  public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
    var state = State()
    if let done: Void = bytes.withContiguousStorageIfAvailable({ state.absorb($0) }) {
      _ = done
    } else {
      Array(bytes).withUnsafeBufferPointer { state.absorb($0) }
    }
    return state.finish()
  }

  /// The running state of one digest: the five chaining words, a partial block and the length.
  struct State {
    var h: (UInt32, UInt32, UInt32, UInt32, UInt32) =
      (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    /// Bytes of a block not yet compressed (always fewer than 64 between calls).
    var pending: [UInt8] = []
    /// Total bytes absorbed.
    var length: UInt64 = 0

    init() { pending.reserveCapacity(64) }

    mutating func absorb(_ input: UnsafeBufferPointer<UInt8>) {
      length &+= UInt64(input.count)
      var offset = 0
      if !pending.isEmpty {
        let take = min(64 - pending.count, input.count)
        pending.append(contentsOf: input[0..<take])
        offset = take
        guard pending.count == 64 else { return }
        pending.withUnsafeBufferPointer { compress($0.baseAddress!) }
        pending.removeAll(keepingCapacity: true)
      }
      guard let base = input.baseAddress else { return }
      while input.count - offset >= 64 {
        // SAFETY: 64 bytes from `base + offset` lie inside `input`.
        compress(base + offset)
        offset += 64
      }
      if offset < input.count { pending.append(contentsOf: input[offset...]) }
    }

    /// Pads (a 1 bit, zeros, the bit length little-endian: MD4's padding) and returns h0…h4
    /// as 20 little-endian bytes.
    mutating func finish() -> [UInt8] {
      let bitLength = length &<< 3
      var tail = pending
      tail.append(0x80)
      while tail.count % 64 != 56 { tail.append(0) }
      for i in 0..<8 { tail.append(UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i)))) }
      tail.withUnsafeBufferPointer { buf in
        var p = buf.baseAddress!
        for _ in 0..<(buf.count / 64) {
          compress(p)
          p += 64
        }
      }
      var out = [UInt8]()
      out.reserveCapacity(20)
      for word in [h.0, h.1, h.2, h.3, h.4] {
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: word >> (8 * UInt32(i)))) }
      }
      return out
    }

    /// The compression function over one 64-byte block at `block`.
    ///
    /// Each round's row of the specification's tables is a 64-bit constant, one hex digit per
    /// step in order: `r` the message word, `s` the rotation (left line r(j), s(j); right line
    /// r'(j), s'(j)). As constants they fold into the sixteen written-out steps: no table loads.
    @inline(__always)
    mutating func compress(_ block: UnsafePointer<UInt8>) {
      let w = UnsafeRawPointer(block)
      var (al, bl, cl, dl, el) = h
      var (ar, br, cr, dr, er) = h
      // Left line: f1…f5 with K = 0, ⌊2^30·√2⌋, ⌊2^30·√3⌋, ⌊2^30·√5⌋, ⌊2^30·√7⌋.
      Self.round(w, r: 0x0123_4567_89ab_cdef, s: 0xbefc_5879_bdef_6798, k: 0x0000_0000, &al, &bl, &cl, &dl, &el, Self.f1)
      Self.round(w, r: 0x74d1_a6f3_c095_2eb8, s: 0x768d_b97f_7cf9_b7dc, k: 0x5A82_7999, &al, &bl, &cl, &dl, &el, Self.f2)
      Self.round(w, r: 0x3ae4_9f81_2706_db5c, s: 0xbd67_e9df_e8d6_5c75, k: 0x6ED9_EBA1, &al, &bl, &cl, &dl, &el, Self.f3)
      Self.round(w, r: 0x19ba_08c4_d37f_e562, s: 0xbcef_ef98_9e56_865c, k: 0x8F1B_BCDC, &al, &bl, &cl, &dl, &el, Self.f4)
      Self.round(w, r: 0x4059_7c2a_e138_b6fd, s: 0x9f5b_68dc_5cde_b856, k: 0xA953_FD4E, &al, &bl, &cl, &dl, &el, Self.f5)
      // Right line: f5…f1 with K' = ⌊2^30·∛2⌋, ⌊2^30·∛3⌋, ⌊2^30·∛5⌋, ⌊2^30·∛7⌋, 0.
      Self.round(w, r: 0x5e70_92b4_d6f8_1a3c, s: 0x899b_dff5_778b_eec6, k: 0x50A2_8BE6, &ar, &br, &cr, &dr, &er, Self.f5)
      Self.round(w, r: 0x6b37_0d5a_ef8c_4912, s: 0x9df7_c89b_77c7_6fdb, k: 0x5C4D_D124, &ar, &br, &cr, &dr, &er, Self.f4)
      Self.round(w, r: 0xf513_7e69_b8c2_a04d, s: 0x97fb_866e_cd5e_dd75, k: 0x6D70_3EF3, &ar, &br, &cr, &dr, &er, Self.f3)
      Self.round(w, r: 0x8641_3bf0_5c2d_97ae, s: 0xf58b_ee6e_69c9_c5f8, k: 0x7A6D_76E9, &ar, &br, &cr, &dr, &er, Self.f2)
      Self.round(w, r: 0xcfa4_1587_62de_039b, s: 0x85c9_c5e6_8d65_fdbb, k: 0x0000_0000, &ar, &br, &cr, &dr, &er, Self.f1)
      let t = h.1 &+ cl &+ dr
      h.1 = h.2 &+ dl &+ er
      h.2 = h.3 &+ el &+ ar
      h.3 = h.4 &+ al &+ br
      h.4 = h.0 &+ bl &+ cr
      h.0 = t
    }

    /// Sixteen steps of one round; step j reads message word (r >> (60 − 4j)) & 15 and rotates
    /// by (s >> (60 − 4j)) & 15.
    @inline(__always)
    private static func round(
      _ w: UnsafeRawPointer, r: UInt64, s: UInt64, k: UInt32,
      _ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32, _ e: inout UInt32,
      _ f: (UInt32, UInt32, UInt32) -> UInt32
    ) {
      @inline(__always) func step(_ j: UInt64) {
        let shift = 60 &- 4 &* j
        // SAFETY: the word index is below 16, so the 4 bytes lie inside the 64-byte block.
        let word = UInt32(littleEndian: w.loadUnaligned(fromByteOffset: Int((r &>> shift) & 15) &* 4, as: UInt32.self))
        let t = (a &+ f(b, c, d) &+ word &+ k).rotatedLeft(by: UInt32(truncatingIfNeeded: (s &>> shift) & 15)) &+ e
        a = e
        e = d
        d = c.rotatedLeft(by: 10)
        c = b
        b = t
      }
      // Written out rather than a loop: a `for j in 0..<16` here was not unrolled and ran at
      // 0.7× libcrypto's speed on 64 KiB; unrolled, the constants fold and it matches libcrypto.
      step(0); step(1); step(2); step(3); step(4); step(5); step(6); step(7)
      step(8); step(9); step(10); step(11); step(12); step(13); step(14); step(15)
    }

    @inline(__always) static func f1(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { x ^ y ^ z }
    @inline(__always) static func f2(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { (x & y) | (~x & z) }
    @inline(__always) static func f3(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { (x | ~y) ^ z }
    @inline(__always) static func f4(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { (x & z) | (y & ~z) }
    @inline(__always) static func f5(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { x ^ (y | ~z) }
  }
}

extension UInt32 {
  @inline(__always)
  fileprivate func rotatedLeft(by n: UInt32) -> UInt32 { (self &<< n) | (self &>> (32 &- n)) }
}
