import ArgumentParser
import Chain
import Execution
import Foundation
import Synchronization

struct BlockTestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "blocktest",
    abstract: "Run ethereum/tests BlockchainTests fixture files or folders.")

  @Argument(help: "Fixture files or folders (searched recursively for .json).")
  var paths: [String]

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
    var files: [URL] = []
    for p in paths {
      var isDir: ObjCBool = false
      guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else {
        throw ValidationError("no such file or folder: \(p)")
      }
      if isDir.boolValue {
        let e = FileManager.default.enumerator(at: URL(fileURLWithPath: p), includingPropertiesForKeys: nil)
        while let u = e?.nextObject() as? URL { if u.pathExtension == "json" { files.append(u) } }
      } else {
        files.append(URL(fileURLWithPath: p))
      }
    }
    files.sort { $0.path < $1.path }
    let runner = BlockchainTestRunner(threads: threads, alwaysParallel: alwaysParallel, backend: store)
    let results = Mutex<[[BlockchainTestRunner.CaseResult]]>(Array(repeating: [], count: files.count))
    let next = Atomic<Int>(0)
    let fileList = files
    runOnWorkerThreads(max(1, min(jobs, files.count))) { _ in
      while true {
        let i = next.add(1, ordering: .relaxed).oldValue
        if i >= fileList.count { return }
        let r = runner.run(file: fileList[i])
        results.withLock { $0[i] = r }
      }
    }
    let all = results.withLock { $0 }.flatMap { $0 }
    var perFork: [String: (passed: Int, failed: Int, skipped: Int)] = [:]
    var skipReasons: [String: Int] = [:]
    for r in all {
      var f = perFork[r.network] ?? (0, 0, 0)
      if let s = r.skipped {
        f.skipped += 1
        skipReasons[s, default: 0] += 1
      } else if let failure = r.failure {
        f.failed += 1
        print("FAIL \(r.file) \(r.name): \(failure)")
      } else {
        f.passed += 1
        if verbose { print("ok   \(r.file) \(r.name)") }
      }
      perFork[r.network] = f
    }
    print("-- per fork")
    for (fork, c) in perFork.sorted(by: { $0.key < $1.key }) {
      print("  \(fork): \(c.passed) passed, \(c.failed) failed\(c.skipped > 0 ? ", \(c.skipped) skipped" : "")")
    }
    for (reason, n) in skipReasons.sorted(by: { $0.key < $1.key }) { print("  skipped \(n): \(reason)") }
    let passed = all.filter(\.passed).count
    let skipped = all.filter { $0.skipped != nil }.count
    let failed = all.count - passed - skipped
    if let json {
      let summary: [String: Any] = [
        "passed": passed, "failed": failed, "skipped": skipped,
        "forks": perFork.mapValues { ["passed": $0.passed, "failed": $0.failed, "skipped": $0.skipped] },
        "failures": all.filter { $0.failure != nil }.map { ["file": $0.file, "case": $0.name, "reason": $0.failure!] },
      ]
      let data = try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
      try data.write(to: URL(fileURLWithPath: json))
    }
    print("\(passed) passed, \(failed) failed" + (skipped > 0 ? ", \(skipped) skipped" : ""))
    if failed > 0 { throw ExitCode(1) }
  }
}

extension BlockchainTestRunner.StateBackend: ExpressibleByArgument {}
