import Execution
import Synchronization
import Testing

/// A counter threads share.
private final class Counter: Sendable {
  let value = Atomic<Int>(0)
  func add() { value.wrappingAdd(1, ordering: .relaxed) }
  var count: Int { value.load(ordering: .relaxed) }
}

/// An element that counts its own release.
private final class Element: Sendable {
  let freed: Counter
  init(_ freed: Counter) { self.freed = freed }
  deinit { freed.add() }
}

/// The worker-pool helpers import builds on: every element mapped exactly once, in order,
/// whatever the thread count, chunk size, and how much a background map did before `finish`.
@Suite struct WorkerThreadsTests {
  @Test(arguments: [1, 2, 3, 8])
  func parallelMapKeepsOrderAndCallsEachIndexOnce(threads: Int) {
    for count in [0, 1, 7, 8, 9, 1000] {
      for chunk in [1, 3, 8] {
        let calls = Counter()
        let out = parallelMap(count: count, threads: threads, chunk: chunk) { i in
          calls.add()
          return [i, i * i]
        }
        #expect(out.count == count)
        #expect(out.enumerated().allSatisfy { $0.element == [$0.offset, $0.offset * $0.offset] })
        #expect(calls.count == count)
      }
    }
  }

  @Test(arguments: [0, 1, 2])
  func backgroundMapFinishesWhateverTheHelpersDid(helpers: Int) {
    for count in [0, 1, 5, 500] {
      let calls = Counter()
      let map = BackgroundMap(count: count, chunk: 4, helpers: helpers) { i in
        calls.add()
        return "\(i)"
      }
      let out = map.finish(threads: 2)
      #expect(out == (0..<count).map { "\($0)" })
      #expect(calls.count == count)
    }
  }

  @Test(arguments: [0, 1, 2])
  func backgroundMapDroppedUnfinishedFreesWhatItMade(helpers: Int) {
    let made = Counter()
    let freed = Counter()
    do {
      _ = BackgroundMap(count: 3000, chunk: 2, helpers: helpers) { _ in
        made.add()
        return Element(freed)
      }
    }
    // deinit stopped the helpers and freed every element they made, each once.
    #expect(made.count <= 3000)
    #expect(freed.count == made.count)
  }
}
