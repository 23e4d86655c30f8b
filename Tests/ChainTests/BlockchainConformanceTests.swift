import Chain
import Foundation
import Testing
import TestSupport

/// A quick in-process slice of the BlockchainTests (the whole suite runs through
/// `strata blocktest` in tools/test.sh): every case of ValidBlocks and InvalidBlocks, on the
/// in-memory state and through the LMDB store's execute and commit.
@Suite(.enabled(if: Fixtures.ethereumTests != nil, "ethereum/tests fixtures not found"))
struct BlockchainConformanceTests {
  @Test(arguments: BlockchainTestRunner.StateBackend.allCases)
  func validAndInvalidBlocks(backend: BlockchainTestRunner.StateBackend) {
    let root = Fixtures.ethereumTests!.appendingPathComponent("BlockchainTests")
    let files = Fixtures.jsonFiles(under: root.appendingPathComponent("ValidBlocks"))
      + Fixtures.jsonFiles(under: root.appendingPathComponent("InvalidBlocks"))
    #expect(files.count > 50)
    let runner = BlockchainTestRunner(backend: backend)
    var passed = 0, failed = 0
    for f in files {
      for r in runner.run(file: f) {
        if r.passed { passed += 1 } else if r.failure != nil {
          failed += 1
          Issue.record("\(r.file) \(r.name): \(r.failure!)")
        }
      }
    }
    print("BlockchainTests Valid+Invalid (\(backend.rawValue)): \(passed) passed, \(failed) failed")
    #expect(passed >= 472)
  }
}
