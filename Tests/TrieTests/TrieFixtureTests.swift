import Foundation
import Primitives
import TestSupport
import Testing
@testable import Trie

/// ethereum/tests TrieTests: every file, every case, through both the incremental trie and the
/// one-pass builder.
@Suite struct TrieFixtureTests {
  /// The fixture files run here, with how keys are treated.
  static let files: [(name: String, secure: Bool)] = [
    ("trietest.json", false),
    ("trieanyorder.json", false),
    ("trietest_secureTrie.json", true),
    ("trieanyorder_secureTrie.json", true),
    ("hex_encoded_securetrie_test.json", true),
  ]

  /// Fixture strings: `0x…` is hex, anything else its UTF-8 bytes (the fixtures' convention).
  static func bytes(_ s: String) throws -> [UInt8] {
    s.hasPrefix("0x") ? try Hex.decode(s) : Array(s.utf8)
  }

  /// One case's operations in order: (key, value or nil for a delete).
  static func operations(_ input: Any) throws -> [([UInt8], [UInt8]?)] {
    if let list = input as? [[Any]] {
      return try list.map { pair in
        let key = try bytes(pair[0] as! String)
        if let v = pair[1] as? String { return (key, try bytes(v)) }
        return (key, nil)
      }
    }
    let object = input as! [String: Any]
    return try object.keys.sorted().map { k in
      if let v = object[k] as? String { return (try bytes(k), try bytes(v)) }
      return (try bytes(k), nil)
    }
  }

  @Test(arguments: files.map(\.name))
  func fixtureFile(_ name: String) throws {
    guard let root = Fixtures.ethereumTests else {
      Fixtures.warnMissing("ethereum-tests/TrieTests/\(name)")
      withKnownIssue("fixtures missing") { Issue.record("ethereum-tests not found") }
      return
    }
    let secure = Self.files.first { $0.name == name }!.secure
    let data = try Data(contentsOf: root.appendingPathComponent("TrieTests/\(name)"))
    let cases = try JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
    var passed = 0
    for (caseName, body) in cases.sorted(by: { $0.key < $1.key }) {
      let expected = try Hash(hex: body["root"] as! String)
      var ops = try Self.operations(body["in"]!)
      if secure { ops = ops.map { (Keccak256.hash($0.0).bytes, $0.1) } }

      // Incremental, in the fixture's order (deletes included).
      let store = InMemoryTrieNodeStore()
      var trie = MerkleTrie(store: store)
      for (k, v) in ops {
        if let v { try trie.update(k, v) } else { try trie.remove(k) }
      }
      let incremental = trie.rootHash()

      // One pass over the final contents.
      var final: [[UInt8]: [UInt8]] = [:]
      for (k, v) in ops { final[k] = (v?.isEmpty ?? true) ? nil : v }
      let built = TrieRoot.root(pairs: final.map { ($0.key, $0.value) })

      // Committed, re-read from the store, every value found.
      let commit = trie.commit()
      store.apply(commit)
      let reopened = MerkleTrie(store: store, root: commit.root)
      for (k, v) in final { #expect(try reopened.get(k) == v, "\(name) \(caseName): get \(k.hexString)") }

      #expect(incremental == expected, "\(name) \(caseName) incremental: got \(incremental), expected \(expected)")
      #expect(built == expected, "\(name) \(caseName) one-pass: got \(built), expected \(expected)")
      #expect(commit.root == expected, "\(name) \(caseName) commit: got \(commit.root), expected \(expected)")
      if incremental == expected && built == expected && commit.root == expected { passed += 1 }
    }
    print("TrieTests/\(name): \(passed)/\(cases.count) cases passed")
    #expect(passed == cases.count)
  }

  /// trietestnextprev.json: for each probe, the stored keys just below and just above it
  /// ("" for none).
  @Test func nextPrev() throws {
    guard let root = Fixtures.ethereumTests else {
      Fixtures.warnMissing("ethereum-tests/TrieTests/trietestnextprev.json")
      withKnownIssue("fixtures missing") { Issue.record("ethereum-tests not found") }
      return
    }
    let data = try Data(contentsOf: root.appendingPathComponent("TrieTests/trietestnextprev.json"))
    let cases = try JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
    var passed = 0, total = 0
    for (caseName, body) in cases.sorted(by: { $0.key < $1.key }) {
      let store = InMemoryTrieNodeStore()
      var trie = MerkleTrie(store: store)
      for k in body["in"] as! [String] { try trie.update(Array(k.utf8), Array(k.utf8)) }
      // Through the store too: commit and walk the stored nodes.
      let commit = trie.commit()
      store.apply(commit)
      for probe in body["tests"] as! [[String]] {
        total += 1
        let key = Array(probe[0].utf8)
        let prev = try trie.key(before: key).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let next = try trie.key(after: key).map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(prev == probe[1], "\(caseName) \(probe[0]): previous")
        #expect(next == probe[2], "\(caseName) \(probe[0]): next")
        if prev == probe[1] && next == probe[2] { passed += 1 }
      }
    }
    print("TrieTests/trietestnextprev.json: \(passed)/\(total) probes passed")
  }
}
