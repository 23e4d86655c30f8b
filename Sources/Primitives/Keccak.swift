/// The 25 lanes of a Keccak-f[1600] state, inline.
@usableFromInline typealias KeccakLanes = (
  UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
  UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
  UInt64, UInt64, UInt64, UInt64, UInt64
)

@usableFromInline let zeroLanes: KeccakLanes =
  (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

/// XORs `lanes` little-endian lanes at `p` into the state at `s`, then permutes.
@inline(__always)
func absorbLanes(_ s: UnsafeMutablePointer<UInt64>, _ p: UnsafeRawPointer, lanes: Int) {
  for i in 0..<lanes {
    // Lanes are little-endian; loadUnaligned reads native (little-endian) order here.
    s[i] ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self))
  }
  keccakF1600(s)
}

/// Absorbs all of `bytes` into the state at `s` with `rate` bytes per block and applies the final
/// padding (`domain` … 0x80), leaving the state ready to squeeze. No buffer: whole blocks are read
/// in place and only the last, partial block is copied to the stack.
@inline(__always)
func spongeAbsorbAll(_ s: UnsafeMutablePointer<UInt64>, _ bytes: UnsafeRawBufferPointer, rate: Int, domain: UInt8) {
  var remaining = bytes.count
  var last: KeccakLanes = zeroLanes
  withUnsafeMutableBytes(of: &last) { block in
    let b = block.baseAddress!
    if var p = bytes.baseAddress {
      while remaining >= rate {
        absorbLanes(s, p, lanes: rate >> 3)
        p += rate
        remaining &-= rate
      }
      if remaining > 0 { b.copyMemory(from: p, byteCount: remaining) }
    }
    b.storeBytes(of: domain, toByteOffset: remaining, as: UInt8.self)
    let end = b.load(fromByteOffset: rate &- 1, as: UInt8.self)
    b.storeBytes(of: end ^ 0x80, toByteOffset: rate &- 1, as: UInt8.self)
    absorbLanes(s, UnsafeRawPointer(b), lanes: rate >> 3)
  }
}

/// The incremental Keccak sponge (Keccak-f[1600], `rate` bytes a block, a multiple of 8 up to
/// 168): the 200-byte state and a block buffer inline, no heap allocation.
@usableFromInline struct KeccakSponge: Sendable {
  @usableFromInline var state: KeccakLanes = zeroLanes
  /// Bytes of a partial block, kept until it fills.
  @usableFromInline var buffer: KeccakLanes = zeroLanes
  @usableFromInline var buffered = 0
  @usableFromInline let rate: Int
  /// The first padding byte: 0x01 for Keccak, 0x06 for SHA3 (tests compare against OpenSSL's
  /// SHA3, which runs the same permutation).
  @usableFromInline let domain: UInt8

  @usableFromInline init(rate: Int, domain: UInt8) {
    self.rate = rate
    self.domain = domain
  }

  @usableFromInline mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard var p = bytes.baseAddress, bytes.count > 0 else { return }
    var remaining = bytes.count
    let rate = self.rate
    // A local copy, so that the closures below touch only the two buffers of `self`.
    var buffered = self.buffered
    defer { self.buffered = buffered }
    withUnsafeMutableBytes(of: &state) { st in
      let s = st.baseAddress!.assumingMemoryBound(to: UInt64.self)
      withUnsafeMutableBytes(of: &buffer) { buf in
        let b = buf.baseAddress!
        if buffered > 0 {
          let take = min(remaining, rate &- buffered)
          (b + buffered).copyMemory(from: p, byteCount: take)
          buffered &+= take
          p += take
          remaining &-= take
          if buffered == rate {
            absorbLanes(s, UnsafeRawPointer(b), lanes: rate >> 3)
            buffered = 0
          }
        }
        while remaining >= rate {
          absorbLanes(s, p, lanes: rate >> 3)
          p += rate
          remaining &-= rate
        }
        if remaining > 0 {
          b.copyMemory(from: p, byteCount: remaining)
          buffered = remaining
        }
      }
    }
  }

  /// Pads, absorbs the last block and returns the state to squeeze (the first `rate` bytes).
  @usableFromInline mutating func finish() -> KeccakLanes {
    let n = buffered, rate = self.rate, domain = self.domain
    withUnsafeMutableBytes(of: &state) { st in
      let s = st.baseAddress!.assumingMemoryBound(to: UInt64.self)
      withUnsafeMutableBytes(of: &buffer) { buf in
        let b = buf.baseAddress!
        (b + n).initializeMemory(as: UInt8.self, repeating: 0, count: rate &- n)
        b.storeBytes(of: domain, toByteOffset: n, as: UInt8.self)
        let end = b.load(fromByteOffset: rate &- 1, as: UInt8.self)
        b.storeBytes(of: end ^ 0x80, toByteOffset: rate &- 1, as: UInt8.self)
        absorbLanes(s, UnsafeRawPointer(b), lanes: rate >> 3)
      }
    }
    buffered = 0
    return state
  }
}

/// Keccak-256 as Ethereum uses it: the original Keccak padding (0x01 … 0x80), not SHA3-256's
/// (0x06 … 0x80). Rate 136 bytes, capacity 512 bits.
///
/// Incremental: `update` any number of times, then `finalize`. A value type with its 200-byte
/// state and block buffer inline; no heap allocation. `hash` of a buffer reads whole blocks in
/// place (no buffer).
public struct Keccak256: Sendable {
  @usableFromInline static let rate = 136
  @usableFromInline var sponge: KeccakSponge

  public init() { sponge = KeccakSponge(rate: Keccak256.rate, domain: 0x01) }

  init(domain: UInt8) { sponge = KeccakSponge(rate: Keccak256.rate, domain: domain) }

  /// Absorbs `bytes`.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) { sponge.update(bytes) }

  /// Absorbs the bytes of any contiguous collection.
  @inlinable public mutating func update(_ bytes: some Sequence<UInt8>) {
    if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
      return done
    }
    update(Array(bytes))
  }

  /// Pads, squeezes and returns the digest. The hasher should not be used afterwards.
  public mutating func finalize() -> Hash {
    let s = sponge.finish()
    // Lanes are little-endian and Hash keeps bytes in memory order: on a little-endian host the
    // first four lanes are the digest words as they are.
    return Hash(w0: s.0, w1: s.1, w2: s.2, w3: s.3)
  }

  /// Keccak-256 of `bytes` in one call (`domain` 0x06 gives SHA3-256, for the cross-checks).
  static func oneShot(_ bytes: UnsafeRawBufferPointer, domain: UInt8) -> Hash {
    var state: KeccakLanes = zeroLanes
    return withUnsafeMutableBytes(of: &state) { st in
      let s = st.baseAddress!.assumingMemoryBound(to: UInt64.self)
      spongeAbsorbAll(s, bytes, rate: Keccak256.rate, domain: domain)
      return Hash(w0: s[0], w1: s[1], w2: s[2], w3: s[3])
    }
  }

  /// Keccak-256 of `bytes` in one call.
  public static func hash(_ bytes: UnsafeRawBufferPointer) -> Hash { oneShot(bytes, domain: 0x01) }

  /// Keccak-256 of any byte collection.
  @inlinable public static func hash(_ bytes: some Sequence<UInt8>) -> Hash {
    if let h = bytes.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) { return h }
    return Array(bytes).withUnsafeBytes { hash($0) }
  }
}

/// Keccak-512 (original Keccak padding, rate 72 bytes, capacity 1024 bits): the 64-byte digest.
/// Ethereum's execution layer does not use it; it is here for the sponge's other rate (ethash's
/// seed and cache use it) and is checked against OpenSSL's SHA3-512.
public struct Keccak512: Sendable {
  @usableFromInline static let rate = 72
  @usableFromInline var sponge: KeccakSponge

  public init() { sponge = KeccakSponge(rate: Keccak512.rate, domain: 0x01) }

  init(domain: UInt8) { sponge = KeccakSponge(rate: Keccak512.rate, domain: domain) }

  /// Absorbs `bytes`.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) { sponge.update(bytes) }

  /// Absorbs the bytes of any contiguous collection.
  @inlinable public mutating func update(_ bytes: some Sequence<UInt8>) {
    if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
      return done
    }
    update(Array(bytes))
  }

  /// Pads, squeezes and returns the 64-byte digest. The hasher should not be used afterwards.
  public mutating func finalize() -> [UInt8] {
    var s = sponge.finish()
    return withUnsafeBytes(of: &s) { Array($0.prefix(64)) }
  }

  static func oneShot(_ bytes: UnsafeRawBufferPointer, domain: UInt8) -> [UInt8] {
    var state: KeccakLanes = zeroLanes
    return withUnsafeMutableBytes(of: &state) { st in
      spongeAbsorbAll(st.baseAddress!.assumingMemoryBound(to: UInt64.self), bytes, rate: Keccak512.rate, domain: domain)
      return Array(UnsafeRawBufferPointer(rebasing: st.prefix(64)))
    }
  }

  /// Keccak-512 of `bytes` in one call.
  public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] { oneShot(bytes, domain: 0x01) }

  /// Writes Keccak-512 of the `count` bytes at `input` to the 64 bytes at `output`, which may
  /// overlap `input` (every input byte is absorbed before the digest is written): ethash's cache
  /// and dataset items are hashed in place this way, without an array per hash.
  @inline(__always)
  public static func hash(_ input: UnsafeRawPointer, count: Int, into output: UnsafeMutableRawPointer) {
    var state: KeccakLanes = zeroLanes
    withUnsafeMutableBytes(of: &state) { st in
      spongeAbsorbAll(
        st.baseAddress!.assumingMemoryBound(to: UInt64.self), UnsafeRawBufferPointer(start: input, count: count),
        rate: Keccak512.rate, domain: 0x01)
      output.copyMemory(from: st.baseAddress!, byteCount: 64)
    }
  }

  /// Keccak-512 of any byte collection.
  @inlinable public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
    if let h = bytes.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) { return h }
    return Array(bytes).withUnsafeBytes { hash($0) }
  }
}

/// Keccak-f[1600] on the 25 lanes at `lanes` (lane x + 5y at index x + 5y), for benchmarks and
/// other sponges.
public func keccakF1600Permute(_ lanes: UnsafeMutablePointer<UInt64>) { keccakF1600(lanes) }

extension Hash {
  /// Keccak-256 of the empty string.
  public static let emptyKeccak = Keccak256.hash([UInt8]())
  /// The root of the empty trie: Keccak-256 of RLP("") = keccak(0x80).
  public static let emptyTrieRoot = Keccak256.hash([UInt8(0x80)])
}
