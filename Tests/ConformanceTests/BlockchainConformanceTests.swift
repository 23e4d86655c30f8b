import Conformance
import Foundation
import Testing

/// ethereum/tests' BlockchainTests folder, or nil (said loudly on stderr) when it is absent.
private let blockchainTests: URL? = {
  let folder = try? FixtureDiscovery.blockchainTests()
  if folder == nil { FixtureDiscovery.warnMissing("ethereum/tests BlockchainTests (STRATA_FIXTURES)") }
  return folder
}()

/// A quick in-process slice of the BlockchainTests (the whole suite runs through
/// `strata blocktest` in tools/test.sh): every case of ValidBlocks and InvalidBlocks, on the
/// in-memory state and through the LMDB store's execute and commit, found and run and counted by
/// the same code as `strata blocktest`.
@Suite(.enabled(if: blockchainTests != nil, "ethereum/tests fixtures not found"))
struct BlockchainConformanceTests {
  @Test(arguments: BlockchainTestRunner.StateBackend.allCases)
  func validAndInvalidBlocks(backend: BlockchainTestRunner.StateBackend) throws {
    let root = try #require(blockchainTests)
    let files = try FixtureDiscovery.jsonFiles(in: ["ValidBlocks", "InvalidBlocks"].map { root.appendingPathComponent($0).path })
    #expect(files.count > 50)
    let runner = BlockchainTestRunner(backend: backend)
    let summary = runner.run(files: files, jobs: 1)
    for r in summary.results {
      if let failure = r.failure { Issue.record("\(r.file) \(r.name): \(failure)") }
    }
    // A name tools/test.sh's summary picks up (`^[A-Za-z0-9 ]+: N passed, M failed`).
    print("BlockchainTests ValidBlocks and InvalidBlocks \(backend.rawValue): \(summary.countLine)")
    #expect(summary.total.passed >= 472)
    #expect(summary.total.skipped == 0)
  }
}
