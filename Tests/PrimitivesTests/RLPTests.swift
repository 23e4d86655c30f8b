import Primitives
import Testing
import TestSupport

@Suite struct RLPTests {
  @Test func strictDecoderRejectsNonCanonicalForms() {
    func rejects(_ hex: String, _ expected: RLPError) {
      let bytes = try! Hex.decode(hex)
      #expect(throws: expected, "\(hex)") { try RLPItem(decoding: bytes) }
    }
    rejects("8100", .nonCanonicalSingleByte(offset: 0))      // 0x00 wrapped as a string
    rejects("817f", .nonCanonicalSingleByte(offset: 0))
    rejects("b80100", .nonCanonicalLength(offset: 0))         // long form for a short string
    rejects("b90038" + String(repeating: "00", count: 56), .nonCanonicalLength(offset: 0)) // leading zero in length
    rejects("83616263ff", .trailingBytes(offset: 4))
    rejects("836162", .unexpectedEnd(offset: 0))
    rejects("c3616263ff", .trailingBytes(offset: 4))
    rejects("", .unexpectedEnd(offset: 0))
    rejects("f800", .nonCanonicalLength(offset: 0))
  }

  @Test func integersAreCanonical() throws {
    #expect(try RLPItem(decoding: Hex.decode("80")).uint64() == 0)
    #expect(try RLPItem(decoding: Hex.decode("7f")).uint64() == 127)
    #expect(try RLPItem(decoding: Hex.decode("8180")).uint64() == 128)
    #expect(throws: RLPError.leadingZeros(offset: 0)) { try RLPItem(decoding: Hex.decode("820001")).uint64() }
    #expect(throws: RLPError.leadingZeros(offset: 0)) { try RLPItem(decoding: Hex.decode("00")).uint64() }
    #expect(throws: RLPError.integerOverflow(offset: 0)) { try RLPItem(decoding: Hex.decode("89010203040506070809")).uint64() }
    let big = try RLPItem(decoding: Hex.decode("a0" + String(repeating: "ff", count: 32))).u256()
    #expect(big == .max)
  }

  @Test func errorOffsetsPointIntoNestedInput() throws {
    // [ "abc", [ 0x00 wrapped ] ]: the bad item is at byte 5.
    let bytes = try Hex.decode("c7836162 63c28100".replacingOccurrences(of: " ", with: ""))
    let outer = try RLPItem(decoding: bytes)
    let items = try outer.listItems()
    #expect(throws: RLPError.nonCanonicalSingleByte(offset: 6)) { try items[1].listItems() }
  }

  @Test func roundTripsRandomTrees() throws {
    var rng = SeededGenerator(seed: 42)
    for _ in 0..<500 {
      let tree = randomTree(depth: 0, &rng)
      var e = RLPEncoder()
      write(tree, &e)
      let item = try RLPItem(decoding: e.bytes)
      #expect(try read(item) == tree)
    }
  }

  indirect enum Tree: Equatable { case bytes([UInt8]); case list([Tree]) }

  func randomTree(depth: Int, _ rng: inout SeededGenerator) -> Tree {
    if depth < 3 && Bool.random(using: &rng) {
      return .list((0..<Int.random(in: 0...6, using: &rng)).map { _ in randomTree(depth: depth + 1, &rng) })
    }
    let n = [0, 1, 1, 2, 55, 56, 57, 300, 70000].randomElement(using: &rng)!
    return .bytes((0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) })
  }

  func write(_ t: Tree, _ e: inout RLPEncoder) {
    switch t {
    case .bytes(let b): e.append(bytes: b)
    case .list(let l): e.list { inner in for x in l { write(x, &inner) } }
    }
  }

  func read(_ item: RLPItem) throws -> Tree {
    item.isList ? .list(try item.listItems().map(read)) : .bytes(Array(item.payload))
  }
}
