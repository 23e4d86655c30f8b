/// Keccak-256 as Ethereum uses it: the original Keccak padding (0x01 … 0x80), not SHA3-256's
/// (0x06 … 0x80). Rate 136 bytes, capacity 512 bits.
///
/// Incremental: `update` any number of times, then `finalize`. A value type with its 200-byte
/// state and 136-byte block buffer inline; no heap allocation.
public struct Keccak256: Sendable {
  @usableFromInline static let rate = 136

  @usableFromInline var state: (
    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
    UInt64, UInt64, UInt64, UInt64, UInt64
  ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
  /// Bytes of a partial block, kept until it fills (17 lanes).
  @usableFromInline var buffer: (
    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
    UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64
  ) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
  @usableFromInline var buffered = 0
  /// The first padding byte: 0x01 for Keccak, 0x06 for SHA3 (tests compare against OpenSSL's
  /// SHA3-256, which runs the same permutation).
  @usableFromInline var domain: UInt8 = 0x01

  public init() {}

  init(domain: UInt8) { self.domain = domain }

  /// Absorbs one 136-byte block at `p`.
  @inline(__always) @usableFromInline
  mutating func absorbBlock(_ p: UnsafeRawPointer) {
    withUnsafeMutableBytes(of: &state) { raw in
      let s = raw.baseAddress!.assumingMemoryBound(to: UInt64.self)
      for i in 0..<17 {
        // Lanes are little-endian; loadUnaligned reads native (little-endian) order here.
        s[i] ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
      }
      keccakF1600(s)
    }
  }

  /// Absorbs `bytes`.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard var p = bytes.baseAddress, bytes.count > 0 else { return }
    var remaining = bytes.count
    if buffered > 0 {
      let take = min(remaining, Keccak256.rate - buffered)
      let offset = buffered
      withUnsafeMutableBytes(of: &buffer) { buf in
        (buf.baseAddress! + offset).copyMemory(from: p, byteCount: take)
      }
      buffered += take
      p += take
      remaining -= take
      if buffered == Keccak256.rate {
        var block = buffer
        withUnsafeBytes(of: &block) { absorbBlock($0.baseAddress!) }
        buffered = 0
      }
    }
    while remaining >= Keccak256.rate {
      absorbBlock(p)
      p += Keccak256.rate
      remaining -= Keccak256.rate
    }
    if remaining > 0 {
      withUnsafeMutableBytes(of: &buffer) { buf in
        buf.baseAddress!.copyMemory(from: p, byteCount: remaining)
      }
      buffered = remaining
    }
  }

  /// Absorbs the bytes of any contiguous collection.
  @inlinable public mutating func update(_ bytes: some Sequence<UInt8>) {
    if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
      return done
    }
    update(Array(bytes))
  }

  /// Pads, squeezes and returns the digest. The hasher should not be used afterwards.
  public mutating func finalize() -> Hash {
    let n = buffered
    withUnsafeMutableBytes(of: &buffer) { buf in
      let b = buf.baseAddress!.assumingMemoryBound(to: UInt8.self)
      for i in n..<Keccak256.rate { b[i] = 0 }
      b[n] ^= domain
      b[Keccak256.rate - 1] ^= 0x80
    }
    var block = buffer
    withUnsafeBytes(of: &block) { absorbBlock($0.baseAddress!) }
    // Lanes are little-endian and Hash keeps bytes in memory order: on a little-endian host the
    // first four lanes are the digest words as they are.
    return Hash(w0: state.0, w1: state.1, w2: state.2, w3: state.3)
  }

  /// Keccak-256 of `bytes` in one call.
  public static func hash(_ bytes: UnsafeRawBufferPointer) -> Hash {
    var h = Keccak256()
    h.update(bytes)
    return h.finalize()
  }

  /// Keccak-256 of any byte collection.
  @inlinable public static func hash(_ bytes: some Sequence<UInt8>) -> Hash {
    var h = Keccak256()
    h.update(bytes)
    return h.finalize()
  }
}

extension Hash {
  /// Keccak-256 of the empty string.
  public static let emptyKeccak = Keccak256.hash([UInt8]())
  /// The root of the empty trie: Keccak-256 of RLP("") = keccak(0x80).
  public static let emptyTrieRoot = Keccak256.hash([UInt8(0x80)])
}
