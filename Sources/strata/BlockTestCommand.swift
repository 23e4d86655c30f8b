import ArgumentParser
import Conformance
import Foundation

struct BlockTestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "blocktest",
    abstract: "Run ethereum/tests BlockchainTests fixture files or folders.")

  @Argument(help: "Fixture files or folders (searched recursively for .json); default: BlockchainTests in $STRATA_FIXTURES, else ../shared/ethereum-tests.")
  var paths: [String] = []

  @Option(help: "Executor threads per block: Block-STM when above 1 (default: all cores); 1 = serial.")
  var threads: Int = ProcessInfo.processInfo.activeProcessorCount

  @Flag(help: "Run every block of two or more transactions through Block-STM, without the cutoffs that keep small and light blocks serial (a determinism check; needs --threads above 1).")
  var alwaysParallel = false

  @Option(help: "Where each case's state lives: memory (InMemoryState), or lmdb (a temporary store per case, every block through ChainStore's execute and commit).")
  var store: BlockchainTestRunner.StateBackend = .memory

  @Option(help: "Fixture files run at once (default: all cores).")
  var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "Write the summary as JSON to this file.")
  var json: String?

  @Flag(help: "Print every case, not only failures.")
  var verbose = false

  func run() throws {
    let files: [URL]
    do throws(ConformanceError) {
      files = try FixtureDiscovery.jsonFiles(in: paths.isEmpty ? [try FixtureDiscovery.blockchainTests().path] : paths)
    } catch {
      throw ValidationError("\(error)")
    }
    let runner = BlockchainTestRunner(threads: threads, alwaysParallel: alwaysParallel, backend: store)
    let summary = runner.run(files: files, jobs: jobs)
    print(summary.report(verbose: verbose), terminator: "")
    if let json { try summary.writeJSON(to: json) }
    if summary.total.failed > 0 { throw ExitCode(1) }
  }
}

extension BlockchainTestRunner.StateBackend: ExpressibleByArgument {}
