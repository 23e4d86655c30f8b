import COpenSSL
import Primitives

/// SHA-256 (the EVM's precompile 0x02), over OpenSSL's libcrypto.
public enum SHA256 {
  /// The 32-byte SHA-256 digest of `bytes`.
  public static func hash(_ bytes: some Collection<UInt8>) -> Hash {
    var digest = Hash.zero
    withContiguousBytes(bytes) { p, n in
      withUnsafeMutableBytes(of: &digest) { d in
        // SAFETY: `digest` is 32 bytes, the size SHA256 writes.
        _ = COpenSSL.SHA256(p, n, d.baseAddress!.assumingMemoryBound(to: UInt8.self))
      }
    }
    return digest
  }
}

/// The fetched RIPEMD-160 implementation.
///
/// SAFETY (`@unchecked Sendable`): the `EVP_MD` is fetched once and never freed or changed;
/// OpenSSL allows a fetched method to be used by many threads at once.
final class RIPEMD160Method: @unchecked Sendable {
  let md: OpaquePointer

  static let shared = RIPEMD160Method()

  private init() {
    // OpenSSL 3 serves RIPEMD-160 from the default provider (since 3.0.7); older 3.0
    // releases have it only in the legacy provider.
    guard let md = EVP_MD_fetch(nil, "RIPEMD160", nil) else {
      fatalError("OpenSSL: RIPEMD160 is not available from the default provider")
    }
    self.md = md
  }
}

/// RIPEMD-160 (the EVM's precompile 0x03), over OpenSSL's libcrypto EVP interface.
public enum RIPEMD160 {
  /// The 20-byte RIPEMD-160 digest of `bytes`.
  public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 20)
    let md = RIPEMD160Method.shared.md
    withContiguousBytes(bytes) { p, n in
      var len: UInt32 = 0
      let ok = out.withUnsafeMutableBufferPointer { o in
        EVP_Digest(p, n, o.baseAddress!, &len, md, nil)
      }
      precondition(ok == 1 && len == 20, "OpenSSL EVP_Digest(RIPEMD160) failed")
    }
    return out
  }
}

/// Calls `body` with a pointer to the bytes of `bytes` (copied when not contiguous) and their count.
@inline(__always)
private func withContiguousBytes<C: Collection<UInt8>>(
  _ bytes: C, _ body: (UnsafePointer<UInt8>, Int) -> Void
) {
  let done: Void? = bytes.withContiguousStorageIfAvailable { buf in
    if let base = buf.baseAddress {
      body(base, buf.count)
    } else {
      var empty: UInt8 = 0
      body(&empty, 0)
    }
  }
  if done == nil {
    let copy = Array(bytes)
    copy.withUnsafeBufferPointer { buf in
      if let base = buf.baseAddress { body(base, buf.count) } else { var empty: UInt8 = 0; body(&empty, 0) }
    }
  }
}
