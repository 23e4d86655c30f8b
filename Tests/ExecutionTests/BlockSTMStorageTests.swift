import Dispatch
@testable import Execution
import Testing

/// The plain-memory structures under Block-STM: each word, lock and element where its index
/// says, whatever the layout (interleaved status words, locks a cache line apart).
@Suite struct BlockSTMStorageTests {
  @Test(arguments: [1, 7, 8, 9, 63, 64, 65, 1429])
  func atomicArrayKeepsEveryWordApart(count: Int) {
    let words = AtomicArray(count: count)
    for i in 0..<count { words[i].store(UInt64(i) &* 0x9E37_79B9 &+ 1, ordering: .relaxed) }
    for i in 0..<count { #expect(words[i].load(ordering: .relaxed) == UInt64(i) &* 0x9E37_79B9 &+ 1) }
  }

  @Test func paddedAtomicsAreIndependent() {
    let counters = PaddedAtomics(count: 5)
    for i in 0..<5 { counters[i].wrappingAdd(i + 10, ordering: .relaxed) }
    #expect((0..<5).map { counters[$0].load(ordering: .relaxed) } == [10, 11, 12, 13, 14])
  }

  @Test func scratchListGrowsAndEmpties() {
    var list = ScratchList<Int>(capacity: 2)
    for round in 0..<3 {
      list.removeAll()
      #expect(list.count == 0)
      for i in 0..<(100 * (round + 1)) { list.append(i * round) }
      #expect(list.count == 100 * (round + 1))
      #expect(Array(list.elements) == (0..<(100 * (round + 1))).map { $0 * round })
      #expect(list[list.count - 1] == (list.count - 1) * round)
    }
  }

  @Test func stripedLocksExcludeEachOther() {
    let cells = StripedLocked(count: 100, stripes: 8, 0)
    DispatchQueue.concurrentPerform(iterations: 4) { t in
      for i in 0..<20_000 { cells.withLock((i &+ t) % 100) { $0 += 1 } }
    }
    var total = 0
    for i in 0..<100 { total += cells.withLock(i) { $0 } }
    #expect(total == 80_000)
  }
}
