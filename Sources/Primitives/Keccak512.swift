/// Keccak-512 with the original Keccak padding (0x01 … 0x80), as ethash uses it (not SHA3-512,
/// whose padding starts 0x06). Rate 72 bytes, capacity 1024 bits, 64-byte digest.
///
/// One-shot only: ethash hashes 32-, 40- and 64-byte inputs, each a single block; longer inputs
/// are absorbed block by block.
public enum Keccak512 {
  static let rate = 72

  /// Writes Keccak-512 of the `count` bytes at `input` to the 64 bytes at `output` (which may
  /// overlap `input`: the input is absorbed before the digest is written).
  @inline(__always)
  public static func hash(_ input: UnsafeRawPointer, count: Int, into output: UnsafeMutableRawPointer) {
    hash(input, count: count, into: output, domain: 0x01)
  }

  /// Keccak-512 of `bytes`.
  public static func hash(_ bytes: [UInt8]) -> [UInt8] {
    hash(bytes, domain: 0x01)
  }

  /// The sponge with padding byte `domain` (0x06 gives SHA3-512: tests compare with OpenSSL).
  static func hash(_ bytes: [UInt8], domain: UInt8) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 64)
    bytes.withUnsafeBytes { b in
      out.withUnsafeMutableBytes { o in
        // An empty array's base address may be nil: any valid pointer serves for 0 bytes.
        let p = b.baseAddress ?? UnsafeRawPointer(o.baseAddress!)
        hash(p, count: b.count, into: o.baseAddress!, domain: domain)
      }
    }
    return out
  }

  @inline(__always)
  static func hash(_ input: UnsafeRawPointer, count: Int, into output: UnsafeMutableRawPointer, domain: UInt8) {
    withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 25) { buf in
      let s = buf.baseAddress!
      s.initialize(repeating: 0, count: 25)
      var p = input
      var remaining = count
      while remaining >= rate {
        for i in 0..<9 { s[i] ^= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
        keccakF1600(s)
        p += rate
        remaining -= rate
      }
      // The last, padded block: XOR the remaining bytes and the padding into the state's bytes
      // (lanes are little-endian, so byte k of the state is byte k of the block).
      let bytes = UnsafeMutableRawPointer(s).assumingMemoryBound(to: UInt8.self)
      for k in 0..<remaining { bytes[k] ^= p.load(fromByteOffset: k, as: UInt8.self) }
      bytes[remaining] ^= domain
      bytes[rate - 1] ^= 0x80
      keccakF1600(s)
      for i in 0..<8 { output.storeBytes(of: s[i].littleEndian, toByteOffset: i * 8, as: UInt64.self) }
    }
  }
}
