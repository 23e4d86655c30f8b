// EIP-4844 point-evaluation precompile (address 0x0a): verifies a KZG proof that the blob
// committed to by `commitment` evaluates to y at z, using the consensus-specs rule
// verify_kzg_proof: e(C - [y]₁, [1]₂) = e(π, [τ]₂ - [z]₂).

import COpenSSL

/// The point-evaluation precompile of EIP-4844.
public enum PointEvaluation {
  /// Fixed gas cost (EIP-4844 POINT_EVALUATION_PRECOMPILE_GAS).
  public static let gasCost: UInt64 = 50_000

  /// Versioned-hash version byte for KZG commitments (VERSIONED_HASH_VERSION_KZG).
  static let versionedHashVersionKZG: UInt8 = 0x01

  /// FIELD_ELEMENTS_PER_BLOB (4096) ‖ BLS_MODULUS, each as 32 big-endian bytes.
  static let successOutput: [UInt8] = {
    var out = [UInt8](repeating: 0, count: 32)
    out[30] = 0x10  // 4096
    return out + BLS12381.Scalar.modulus.bigEndianBytes
  }()

  /// [τ]₂ from the mainnet KZG trusted setup (compressed G2): the only setup point that
  /// verifying one proof needs besides the generator.
  static let tauG2Compressed =
    "b5bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d"
    + "2914e5870cb452d2afaaab24f3499f72185cbfee53492714734429b7b38608e2"
    + "3926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2"

  /// [τ]₂ and the G2 generator with their Miller-loop lines precomputed once.
  static let tauG2Prepared: BLS12381.G2Prepared = {
    guard let bytes = decodeHex(tauG2Compressed),
          let tau = try? BLS12381.G2Affine(compressed: bytes)
    else { fatalError("PointEvaluation: embedded [tau]2 constant does not decode") }
    return BLS12381.G2Prepared(tau)
  }()
  static let g2GeneratorPrepared = BLS12381.G2Prepared(BLS12381.G2Affine.generator)

  /// Runs the precompile.
  /// - Parameter input: versioned_hash (32) ‖ z (32) ‖ y (32) ‖ commitment (48) ‖ proof (48).
  /// - Returns: FIELD_ELEMENTS_PER_BLOB ‖ BLS_MODULUS (64 bytes) when the proof verifies; nil
  ///   on any failure (wrong length, versioned-hash mismatch, z or y not below the BLS modulus,
  ///   malformed or out-of-subgroup points, proof rejected). Gas is charged by the caller.
  /// - Complexity: two G1 decompressions with subgroup checks, two G1 scalar multiplications
  ///   and a two-pair pairing check.
  public static func run(input: [UInt8]) -> [UInt8]? {
    guard input.count == 192 else { return nil }
    // EIP-4844: versioned_hash == kzg_to_versioned_hash(commitment).
    guard input[0] == versionedHashVersionKZG else { return nil }
    var digest = [UInt8](repeating: 0, count: 32)
    input.withUnsafeBufferPointer { buffer in
      digest.withUnsafeMutableBufferPointer { out in
        // SAFETY: input has 192 bytes, so bytes 96..<144 (the commitment) are in bounds; out
        // holds SHA256_DIGEST_LENGTH bytes.
        _ = COpenSSL.SHA256(buffer.baseAddress! + 96, 48, out.baseAddress!)
      }
    }
    for i in 1..<32 where input[i] != digest[i] { return nil }
    // consensus-specs bytes_to_bls_field: z and y must be canonical (< BLS_MODULUS).
    guard let z = BLS12381.Scalar(bigEndian: input, at: 32), z.isCanonical,
          let y = BLS12381.Scalar(bigEndian: input, at: 64), y.isCanonical
    else { return nil }
    // bytes_to_kzg_commitment / bytes_to_kzg_proof: valid compressed G1 points in the subgroup
    // (the point at infinity included).
    guard let commitment = try? BLS12381.G1Affine(compressed: input, at: 96),
          let proof = try? BLS12381.G1Affine(compressed: input, at: 144)
    else { return nil }
    guard verifyKZGProof(commitment: commitment, z: z, y: y, proof: proof) else { return nil }
    return successOutput
  }

  /// consensus-specs verify_kzg_proof_impl, rearranged so that both G2 points are fixed:
  /// e(C - [y]G₁, G₂) = e(π, [τ]₂ - [z]G₂) ⇔ e(C - [y]G₁ + [z]π, G₂) · e(-π, [τ]₂) = 1.
  static func verifyKZGProof(
    commitment: BLS12381.G1Affine, z: BLS12381.Scalar, y: BLS12381.Scalar,
    proof: BLS12381.G1Affine
  ) -> Bool {
    let lhs = BLS12381.G1Point.linearCombination(
      y.negatedModR, BLS12381.G1Affine.generator, z, proof
    ).adding(commitment)
    return BLS12381.pairingCheck([
      (lhs.affine, g2GeneratorPrepared),
      (-proof, tauG2Prepared),
    ])
  }

  /// Decodes an even-length hex string (no prefix); nil on any other character.
  static func decodeHex(_ s: String) -> [UInt8]? {
    var out: [UInt8] = []
    var high: UInt8? = nil
    for c in s.utf8 {
      let v: UInt8
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
      default: return nil
      }
      if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
    }
    return high == nil ? out : nil
  }
}
