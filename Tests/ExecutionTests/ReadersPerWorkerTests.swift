import EVM
import Execution
import Foundation
import Primitives
import State
import Synchronization
import Testing

/// A reader over an `InMemoryState` that records which threads used it (as an LMDB read view
/// would need: one thread at a time, here exactly one).
final class ThreadRecordingReader: StateReader, Sendable {
  let state: InMemoryState
  let threads = Mutex<Set<UInt>>([])
  let reads = Atomic<Int>(0)

  init(_ state: InMemoryState) { self.state = state }

  private func record() {
    reads.wrappingAdd(1, ordering: .relaxed)
    let me = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(Unmanaged.passUnretained(Thread.current).toOpaque())))
    threads.withLock { _ = $0.insert(me) }
  }

  func account(_ address: Address) throws(StateReadError) -> Account? { record(); return try state.account(address) }
  func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] { record(); return try state.code(codeHash) }
  func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 { record(); return try state.storage(address, slot) }
  func blockHash(_ number: UInt64) throws(StateReadError) -> Hash { record(); return try state.blockHash(number) }
}

@Suite struct ReadersPerWorkerTests {
  /// Each worker reads the base state through its own reader only, and the result is the
  /// serial one.
  @Test func eachWorkerReadsThroughItsOwnReader() throws {
    var world = RandomWorld(seed: 21, conflictRate: 0.2)
    for _ in 0..<6 {
      let (context, txs) = world.nextBlock()
      let serial = run { () throws(ExecutionError) in try SerialExecutor.execute(txs, context: context, state: world.state) }
      for threads in [2, 4] {
        let readers = (0..<threads).map { _ in ThreadRecordingReader(world.state) }
        let parallel = run { () throws(ExecutionError) in
          try BlockSTMExecutor.execute(txs, context: context, readers: readers, minTransactions: 2, minAverageGasLimit: 0).0
        }
        #expect(difference(serial, parallel) == nil, "\(threads) threads")
        for (w, r) in readers.enumerated() {
          #expect(r.threads.withLock { $0.count } <= 1, "reader \(w) used by several threads")
        }
        #expect(readers[0].reads.load(ordering: .relaxed) > 0)
      }
      if case .success(let s) = serial { world.commit(s.writes) } else { world.commit(nil) }
    }
  }
}
