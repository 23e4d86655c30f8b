import Foundation
import Testing
@testable import Cryptography

/// The vectors of shared/kzg/point_evaluation.json (generated with c-kzg-4844).
private struct PointEvaluationVectors: Decodable {
  struct Case: Decodable {
    let name: String
    let input: String
    let success: Bool
    let output: String
  }
  let gasCost: UInt64
  let tauG2: String
  let g2Generator: String
  let cases: [Case]
}

/// STRATA_SHARED, or ../shared beside the package root (derived from this file's path).
private func sharedFolder() -> URL {
  if let env = ProcessInfo.processInfo.environment["STRATA_SHARED"], !env.isEmpty {
    return URL(fileURLWithPath: env)
  }
  return URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("../shared").standardized
}

private func loadVectors() -> PointEvaluationVectors? {
  let url = sharedFolder().appendingPathComponent("kzg/point_evaluation.json")
  guard let data = FileManager.default.contents(atPath: url.path) else {
    Issue.record("""
      MISSING TEST DATA: \(url.path) not found; set STRATA_SHARED to the shared folder. \
      The point-evaluation vectors are required.
      """)
    return nil
  }
  do {
    return try JSONDecoder().decode(PointEvaluationVectors.self, from: data)
  } catch {
    Issue.record("cannot parse \(url.path): \(error)")
    return nil
  }
}

private func bytes(_ hex: String) -> [UInt8] {
  let body = hex.hasPrefix("0x") ? String(hex.dropFirst(2)) : hex
  return PointEvaluation.decodeHex(body)!
}

@Suite("EIP-4844 point evaluation")
struct PointEvaluationTests {
  @Test func sharedVectors() {
    guard let vectors = loadVectors() else { return }
    var passedValid = 0, passedInvalid = 0
    for c in vectors.cases {
      let result = PointEvaluation.run(input: bytes(c.input))
      if c.success {
        #expect(result == bytes(c.output), "\(c.name): expected success")
        if result == bytes(c.output) { passedValid += 1 }
      } else {
        #expect(result == nil, "\(c.name): expected failure")
        if result == nil { passedInvalid += 1 }
      }
    }
    print("point evaluation vectors: \(passedValid) valid and \(passedInvalid) invalid passed "
          + "of \(vectors.cases.count)")
    #expect(vectors.cases.count == 38)
    #expect(passedValid == 13)
    #expect(passedInvalid == 25)
  }

  @Test func setupConstantsMatchTheVectors() throws {
    guard let vectors = loadVectors() else { return }
    #expect(vectors.gasCost == PointEvaluation.gasCost)
    #expect("0x" + PointEvaluation.tauG2Compressed == vectors.tauG2)
    let tau = try BLS12381.G2Affine(compressed: bytes(vectors.tauG2))
    #expect(tau.compressed == bytes(vectors.tauG2))
    #expect(try BLS12381.G2Affine(compressed: bytes(vectors.g2Generator)) == .generator)
  }

  @Test func mutatedValidInputsFail() {
    guard let vectors = loadVectors(),
          let valid = vectors.cases.first(where: { $0.name == "valid_0" })
    else { return }
    let input = bytes(valid.input)
    #expect(PointEvaluation.run(input: input) != nil)
    // Flipping the proof's sign bit gives -π, a valid point but a wrong proof.
    var negatedProof = input
    negatedProof[144] ^= 0x20
    #expect(PointEvaluation.run(input: negatedProof) == nil)
    // Any change to z breaks the proof (z stays canonical: the low byte changes).
    var otherZ = input
    otherZ[63] ^= 0x01
    #expect(PointEvaluation.run(input: otherZ) == nil)
    // The proof replaced by the point at infinity.
    var infinityProof = input
    infinityProof[144] = 0xc0
    for i in 145..<192 { infinityProof[i] = 0 }
    #expect(PointEvaluation.run(input: infinityProof) == nil)
    // Empty input, and a valid input with one byte more or less.
    #expect(PointEvaluation.run(input: []) == nil)
    #expect(PointEvaluation.run(input: input + [0]) == nil)
    #expect(PointEvaluation.run(input: Array(input.dropLast())) == nil)
  }

  @Test func outputConstant() {
    let out = PointEvaluation.successOutput
    #expect(out.count == 64)
    #expect(Array(out[0..<32]) == [UInt8](repeating: 0, count: 30) + [0x10, 0x00])
    #expect(Array(out[32..<64]) == bytes("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001"))
  }
}
