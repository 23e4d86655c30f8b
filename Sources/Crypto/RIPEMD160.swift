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
    @inline(__always)
    mutating func compress(_ block: UnsafePointer<UInt8>) {
      var x = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0),
               UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
      withUnsafeMutableBytes(of: &x) { words in
        // SAFETY: `x` is 16 UInt32s (64 bytes); `block` has 64 readable bytes.
        let w = words.baseAddress!.assumingMemoryBound(to: UInt32.self)
        for i in 0..<16 {
          let b = block + 4 * i
          w[i] = UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
        }
      }
      var (al, bl, cl, dl, el) = h
      var (ar, br, cr, dr, er) = h
      withUnsafeBytes(of: &x) { words in
        let w = words.baseAddress!.assumingMemoryBound(to: UInt32.self)
        // Left line: f1…f5 with K = 0, ⌊2^30·√2⌋, ⌊2^30·√3⌋, ⌊2^30·√5⌋, ⌊2^30·√7⌋.
        line(w, 0, 0x0000_0000, &al, &bl, &cl, &dl, &el, Self.f1)
        line(w, 1, 0x5A82_7999, &al, &bl, &cl, &dl, &el, Self.f2)
        line(w, 2, 0x6ED9_EBA1, &al, &bl, &cl, &dl, &el, Self.f3)
        line(w, 3, 0x8F1B_BCDC, &al, &bl, &cl, &dl, &el, Self.f4)
        line(w, 4, 0xA953_FD4E, &al, &bl, &cl, &dl, &el, Self.f5)
        // Right line: f5…f1 with K' = ⌊2^30·∛2⌋, ⌊2^30·∛3⌋, ⌊2^30·∛5⌋, ⌊2^30·∛7⌋, 0.
        line(w, 5, 0x50A2_8BE6, &ar, &br, &cr, &dr, &er, Self.f5)
        line(w, 6, 0x5C4D_D124, &ar, &br, &cr, &dr, &er, Self.f4)
        line(w, 7, 0x6D70_3EF3, &ar, &br, &cr, &dr, &er, Self.f3)
        line(w, 8, 0x7A6D_76E9, &ar, &br, &cr, &dr, &er, Self.f2)
        line(w, 9, 0x0000_0000, &ar, &br, &cr, &dr, &er, Self.f1)
      }
      let t = h.1 &+ cl &+ dr
      h.1 = h.2 &+ dl &+ er
      h.2 = h.3 &+ el &+ ar
      h.3 = h.4 &+ al &+ br
      h.4 = h.0 &+ bl &+ cr
      h.0 = t
    }

    /// Sixteen steps of one round: row `row` of the word-order and shift tables.
    @inline(__always)
    private func line(
      _ w: UnsafePointer<UInt32>, _ row: Int, _ k: UInt32,
      _ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32, _ e: inout UInt32,
      _ f: (UInt32, UInt32, UInt32) -> UInt32
    ) {
      RIPEMD160.schedule.withUnsafeBufferPointer { table in
        // SAFETY: `schedule` holds 10 rows of 16 (word, shift) pairs; words index 0..<16.
        let entries = table.baseAddress! + row * 16
        for j in 0..<16 {
          let (r, s) = entries[j]
          let t = (a &+ f(b, c, d) &+ w[Int(r)] &+ k).rotatedLeft(by: UInt32(s)) &+ e
          a = e
          e = d
          d = c.rotatedLeft(by: 10)
          c = b
          b = t
        }
      }
    }

    @inline(__always) static func f1(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { x ^ y ^ z }
    @inline(__always) static func f2(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { (x & y) | (~x & z) }
    @inline(__always) static func f3(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { (x | ~y) ^ z }
    @inline(__always) static func f4(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { (x & z) | (y & ~z) }
    @inline(__always) static func f5(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { x ^ (y | ~z) }
  }

  /// Per step: (message word r(j), rotation s(j)); rows 0–4 the left line's rounds, rows 5–9 the
  /// right line's (r'(j), s'(j)), as tabulated in the specification. Each row is written as its
  /// 16 word indexes and its 16 rotations, one hex digit each.
  static let schedule: [(UInt8, UInt8)] = {
    let rows = [
      "0123456789abcdef befc5879bdef6798",
      "74d1a6f3c0952eb8 768db97f7cf9b7dc",
      "3ae49f812706db5c bd67e9dfe8d65c75",
      "19ba08c4d37fe562 bcefef989e56865c",
      "40597c2ae138b6fd 9f5b68dc5cdeb856",
      "5e7092b4d6f81a3c 899bdff5778beec6",
      "6b370d5aef8c4912 9df7c89b77c76fdb",
      "f5137e69b8c2a04d 97fb866ecd5edd75",
      "86413bf05c2d97ae f58bee6e69c9c5f8",
      "cfa4158762de039b 85c9c5e68d65fdbb",
    ]
    return rows.flatMap { row in
      let digits = row.split(separator: " ").map { $0.map { UInt8($0.hexDigitValue!) } }
      return zip(digits[0], digits[1]).map { ($0, $1) }
    }
  }()
}

extension UInt32 {
  @inline(__always)
  fileprivate func rotatedLeft(by n: UInt32) -> UInt32 { (self &<< n) | (self &>> (32 &- n)) }
}
