import BigInt
import Foundation
import Primitives
import Testing
import TestSupport

/// ethereum/tests RLPTests: every valid case encodes to `out` and decodes back to `in`; every
/// invalid case is rejected by the strict decoder.
@Suite(.enabled(if: Fixtures.ethereumTests != nil, "ethereum/tests fixtures not found"))
struct RLPConformanceTests {
  static func cases() -> [(file: String, name: String, input: Any, out: String)] {
    guard let root = Fixtures.ethereumTests?.appendingPathComponent("RLPTests") else {
      Fixtures.warnMissing("RLPTests")
      return []
    }
    var out: [(String, String, Any, String)] = []
    for file in Fixtures.jsonFiles(under: root) {
      guard let data = try? Data(contentsOf: file),
        let json = try? JSONSerialization.jsonObject(with: data) as? [String: [String: Any]]
      else { continue }
      for (name, body) in json.sorted(by: { $0.key < $1.key }) {
        out.append((file.lastPathComponent, name, body["in"] as Any, body["out"] as? String ?? ""))
      }
    }
    return out
  }

  @Test func everyFixture() throws {
    let all = Self.cases()
    #expect(all.count >= 50, "expected the RLPTests files, found \(all.count) cases")
    var passed = 0, failed = 0
    for c in all {
      let bytes = try Hex.decode(c.out)
      if let marker = c.input as? String, marker == "INVALID" {
        if (try? RLPItem(decoding: bytes).validateTree()) == nil { passed += 1 } else {
          failed += 1
          Issue.record("\(c.file)/\(c.name): invalid input was accepted")
        }
      } else if let marker = c.input as? String, marker == "VALID" {
        do {
          let item = try RLPItem(decoding: bytes)
          try item.validateTree()
          // Re-encoding the decoded tree must give the same bytes.
          #expect(reencode(item) == bytes, "\(c.file)/\(c.name)")
          passed += 1
        } catch {
          failed += 1
          Issue.record("\(c.file)/\(c.name): valid input rejected: \(error)")
        }
      } else {
        var e = RLPEncoder()
        try encode(c.input, into: &e)
        let decodedMatches: Bool
        do {
          let item = try RLPItem(decoding: bytes)
          decodedMatches = try matches(item, c.input)
        } catch {
          decodedMatches = false
        }
        if e.bytes == bytes && decodedMatches { passed += 1 } else {
          failed += 1
          Issue.record("\(c.file)/\(c.name): encoded \(e.bytes.hexString), expected \(c.out); decode matches: \(decodedMatches)")
        }
      }
    }
    print("RLPTests: \(passed) passed, \(failed) failed")
    #expect(failed == 0)
  }

  func reencode(_ item: RLPItem) -> [UInt8] {
    var e = RLPEncoder()
    func go(_ item: RLPItem, _ e: inout RLPEncoder) {
      if item.isList {
        e.list { inner in
          for child in (try? item.listItems()) ?? [] { go(child, &inner) }
        }
      } else {
        e.append(bytes: item.payload)
      }
    }
    go(item, &e)
    return e.bytes
  }

  func encode(_ value: Any, into e: inout RLPEncoder) throws {
    switch value {
    case let list as [Any]:
      try e.list { inner in for v in list { try encode(v, into: &inner) } }
    case let s as String where s.hasPrefix("#"):
      // Arbitrary precision: one case is 2²⁵⁶, past U256.
      e.append(bytes: BigUInt(String(s.dropFirst()))!.serialize())
    case let s as String:
      e.append(bytes: Array(s.utf8))
    case let n as NSNumber:
      e.append(n.uint64Value)
    default:
      Issue.record("unknown input \(value)")
    }
  }

  func matches(_ item: RLPItem, _ value: Any) throws -> Bool {
    switch value {
    case let list as [Any]:
      let items = try item.listItems()
      guard items.count == list.count else { return false }
      for (i, v) in zip(items, list) where !(try matches(i, v)) { return false }
      return true
    case let s as String where s.hasPrefix("#"):
      return try Array(item.integerBytes(maxBytes: 64)) == Array(BigUInt(String(s.dropFirst()))!.serialize())
    case let s as String:
      return try Array(item.bytes()) == Array(s.utf8)
    case let n as NSNumber:
      return try item.uint64() == n.uint64Value
    default:
      return false
    }
  }
}
