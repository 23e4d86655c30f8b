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

/// libcrypto's RIPEMD-160, when its default provider has one.
///
/// SAFETY (`@unchecked Sendable`): the `EVP_MD` is fetched once and never freed or changed;
/// OpenSSL allows a fetched method to be used by many threads at once.
final class RIPEMD160Method: @unchecked Sendable {
  let md: OpaquePointer?

  static let shared = RIPEMD160Method()

  private init() {
    // OpenSSL 3 serves RIPEMD-160 from the default provider since 3.0.7; 3.0.0–3.0.6 have it
    // only in the legacy provider, and then this is nil.
    md = EVP_MD_fetch(nil, "RIPEMD160", nil)
  }
}

extension RIPEMD160 {
  /// The digest computed by libcrypto, or nil when libcrypto's default provider lacks RIPEMD-160
  /// (OpenSSL 3.0.0–3.0.6) or the call fails. For cross-checks and `strata-bench`; the precompile
  /// uses `hash(_:)`.
  public static func libcryptoHash(_ bytes: some Collection<UInt8>) -> [UInt8]? {
    guard let md = RIPEMD160Method.shared.md else { return nil }
    var out = [UInt8](repeating: 0, count: 20)
    var ok: Int32 = 0
    var len: UInt32 = 0
    withContiguousBytes(bytes) { p, n in
      ok = out.withUnsafeMutableBufferPointer { o in EVP_Digest(p, n, o.baseAddress!, &len, md, nil) }
    }
    return ok == 1 && len == 20 ? out : nil
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
