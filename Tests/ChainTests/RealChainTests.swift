import Chain
import Foundation
import LMDBStore
import Primitives
import Testing
import TestSupport

/// Chains made by geth and hive (and real mainnet blocks 0–16,383) in `../shared/chains`, each
/// imported from its genesis into a fresh store at one thread and at the default: the head must
/// be the expected block with the expected state root. Ethash seals are checked in the run at
/// the default thread count (the check does not depend on it; mainnet's 16k seals cost more
/// than its import).
@Suite struct RealChainTests {
  /// Chains generated with a fake ethash (hivechain: zero mix hashes and nonces), which only
  /// import with seals unchecked (`--no-pow-check`); their first PoW block must be rejected
  /// when seals are checked.
  static let fakeSeals: Set<String> = ["hivechain-homestead-to-cancun-44"]

  static let names = [
    "hive-graphql-frontier-to-cancun", "hivechain-homestead-to-cancun-44", "hive-devp2p-byzantium-3000",
    "hive-sync-cancun-3000", "mainnet-0-16383",
  ]

  /// The chains folder, or nil (said loudly) when absent.
  static var chains: URL? {
    guard let dir = Fixtures.shared?.appendingPathComponent("chains"),
          FileManager.default.fileExists(atPath: dir.path) else {
      Fixtures.warnMissing("../shared/chains (the real chains of RealChainTests)")
      return nil
    }
    return dir
  }

  static var arguments: [(String, Int)] {
    guard chains != nil else { return [] }
    let threads = max(2, ProcessInfo.processInfo.activeProcessorCount)
    return names.flatMap { [($0, 1), ($0, threads)] }
  }

  /// One ethash cache directory for every import of the run: each epoch is generated once.
  static let ethashDirectory = FileManager.default.temporaryDirectory
    .appendingPathComponent("strata-realchains-ethash-\(getpid())").path

  @Test(arguments: arguments)
  func importReachesExpectedHead(name: String, threads: Int) throws {
    let dir = Self.chains!.appendingPathComponent(name)
    guard FileManager.default.fileExists(atPath: dir.path) else {
      Fixtures.warnMissing("../shared/chains/\(name)")
      Issue.record("chain \(name) missing from \(Self.chains!.path)")
      return
    }
    let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("expected.json"))) as! [String: Any]
    let head = expected["head"] as! [String: Any]
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("strata-realchain-\(name)-\(threads)-\(getpid())")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    let blocks = try Self.blockFile(in: dir, scratch: work)

    let datadir = work.appendingPathComponent("datadir").path
    try ChainStore.initialise(path: datadir, genesisPath: dir.appendingPathComponent("genesis.json").path)
    let chain = try ChainStore(path: datadir)
    let verifier = EthashVerifier(directory: Self.ethashDirectory)
    if Self.fakeSeals.contains(name) {
      do {
        _ = try chain.importFile(blocks, threads: threads, seals: verifier)
        Issue.record("\(name): a fake seal was accepted")
      } catch {
        #expect(error.description.hasPrefix("block 1 ("), "\(error)")
        #expect(error.description.contains("invalid proof of work"), "\(error)")
      }
    }
    let checkSeals = threads > 1 && !Self.fakeSeals.contains(name)
    let stats = try chain.importFile(blocks, threads: threads, seals: checkSeals ? verifier : nil)
    if name == "hive-graphql-frontier-to-cancun" {
      #expect(stats.skipped == 1, "the file starts with the genesis block: known, skipped and counted")
    }
    let number = UInt64(head["number"] as! Int)
    // Every block imported or, for a file that starts at genesis, skipped as known.
    #expect(UInt64(stats.blocks + stats.skipped) >= number)

    let (stored, header) = try chain.store.read { view -> (ChainHead?, Header?) in
      let h = try view.head()
      return (h, try h.flatMap { try view.header($0.hash) }.map { try Header(rlpEncoded: $0) })
    }
    #expect(stored?.number == number)
    #expect(stored?.hash.description == head["hash"] as? String)
    #expect(header?.stateRoot.description == head["stateRoot"] as? String)
    if checkSeals {
      // Every proof-of-work block's seal was checked (ommers' too).
      let powBlocks = try chain.store.read { view -> Int in
        var count = 0
        for n in 1...number {
          guard let hash = try view.canonicalHash(n), let rlp = try view.header(hash) else { continue }
          if !(try Header(rlpEncoded: rlp)).difficulty.isZero { count += 1 }
        }
        return count
      }
      #expect(stats.sealsChecked >= powBlocks)
    }
    // And the state behind the root is the one stored.
    let verified = try chain.query.verify(root: nil)
    #expect(verified.ok)
  }

  /// `blocks.rlp`, or `blocks.rlp.xz` decompressed into `scratch` with `xz -dc`.
  static func blockFile(in dir: URL, scratch: URL) throws -> String {
    let plain = dir.appendingPathComponent("blocks.rlp").path
    if FileManager.default.fileExists(atPath: plain) { return plain }
    let out = scratch.appendingPathComponent("blocks.rlp")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    let handle = try FileHandle(forWritingTo: out)
    defer { try? handle.close() }
    let xz = Process()
    xz.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    xz.arguments = ["xz", "-dc", dir.appendingPathComponent("blocks.rlp.xz").path]
    xz.standardOutput = handle
    try xz.run()
    xz.waitUntilExit()
    try #require(xz.terminationStatus == 0, "xz -dc \(dir.path)/blocks.rlp.xz failed")
    return out.path
  }
}
