import Chain
import Foundation
import LMDBStore
import Primitives
import Testing
import TestSupport

/// The Merge by total difficulty through the store: each block's total difficulty is recorded,
/// and `import` selects Paris from the first block whose parent's stored total difficulty
/// reached the genesis' `terminalTotalDifficulty`. The chain is hivechain-homestead-to-cancun-44
/// (PoW with uncles up to block 35, PoS from 36, Shanghai at time 390) under its genesis without
/// `mergeNetsplitBlock`: the Merge by difficulty alone (the fork by number and time says Gray
/// Glacier for blocks 36–38). The same blocks under a terminal total difficulty one above the
/// terminal block's, or at its parent's, are rejected where geth rejects them.
@Suite struct TotalDifficultyTests {
  static var chain: URL? {
    guard let dir = Fixtures.shared?.appendingPathComponent("chains/hivechain-homestead-to-cancun-44"),
          FileManager.default.fileExists(atPath: dir.path) else {
      Fixtures.warnMissing("../shared/chains/hivechain-homestead-to-cancun-44")
      return nil
    }
    return dir
  }

  /// Imports the chain under its genesis with `ttd` as terminal total difficulty (nil: as it is).
  static func importChain(_ dir: URL, ttd: U256?, work: URL) throws -> (ChainStore, Result<ChainStore.ImportStats, ChainError>) {
    var genesis = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("genesis.json"))) as! [String: Any]
    var config = genesis["config"] as! [String: Any]
    config["mergeNetsplitBlock"] = nil
    if let ttd { config["terminalTotalDifficulty"] = NSNumber(value: UInt64(ttd.description)!) }
    genesis["config"] = config
    let genesisPath = work.appendingPathComponent("genesis-\(ttd?.description ?? "original").json")
    try JSONSerialization.data(withJSONObject: genesis).write(to: genesisPath)
    let datadir = work.appendingPathComponent("store-\(ttd?.description ?? "original")").path
    try ChainStore.initialise(path: datadir, genesisPath: genesisPath.path)
    let chain = try ChainStore(path: datadir)
    let result = Result { () throws(ChainError) in
      try chain.importFile(dir.appendingPathComponent("blocks.rlp").path, threads: 1)
    }
    return (chain, result)
  }

  @Test func mergeByStoredTotalDifficulty() throws {
    guard let dir = Self.chain else { return }
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("strata-ttd-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }

    let (chain, result) = try Self.importChain(dir, ttd: nil, work: work)
    let stats = try result.get()
    #expect(stats.blocks == 44)
    let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("expected.json"))) as! [String: Any]
    let head = try chain.store.read { try $0.head() }
    #expect(head?.hash.description == (expected["head"] as! [String: Any])["hash"] as? String)
    // The same file again: every block is known, skipped and counted.
    let again = try chain.importFile(dir.appendingPathComponent("blocks.rlp").path, threads: 1)
    #expect(again.blocks == 0)
    #expect(again.skipped == 44)
    let ttd = try #require(chain.config.terminalTotalDifficulty)
    // Walk the canonical chain: stored total difficulty = running sum; find the first PoS block.
    let (headers, tds) = try chain.store.read { view -> ([Header], [U256]) in
      let head = try #require(try view.head())
      var headers: [Header] = [], tds: [U256] = []
      for n in 0...head.number {
        let hash = try #require(try view.canonicalHash(n))
        headers.append(try Header(rlpEncoded: try #require(try view.header(hash))))
        tds.append(try #require(try view.totalDifficulty(hash), "no total difficulty for block \(n)"))
      }
      return (headers, tds)
    }
    var sum = U256.zero
    for (h, td) in zip(headers, tds) {
      sum = sum &+ h.difficulty
      #expect(td == sum, "block \(h.number)")
    }
    let firstPoS = try #require(headers.firstIndex { $0.difficulty.isZero })
    #expect(firstPoS > 1)
    #expect(tds[firstPoS - 1] >= ttd, "the terminal block reached the terminal total difficulty")
    #expect(tds[firstPoS - 2] < ttd, "its parent had not")
    // geth's rule selected Paris for the first PoS block only through the stored difficulty:
    // without it, the fork by number is not Paris.
    let pos = headers[firstPoS]
    #expect(chain.config.fork(number: pos.number, timestamp: pos.timestamp) < .paris)
    #expect(chain.config.fork(number: pos.number, timestamp: pos.timestamp, parentTotalDifficulty: tds[firstPoS - 1]) >= .paris)

    // A terminal total difficulty just above the terminal block's: its child, a PoS block,
    // comes before the Merge.
    let (_, late) = try Self.importChain(dir, ttd: tds[firstPoS - 1] &+ U256(1), work: work)
    guard case .failure(.block(let n1, _, .invalidHeader(.proofOfStakeBeforeTerminalDifficulty))) = late else {
      Issue.record("expected block \(pos.number) rejected as PoS before the terminal total difficulty, got \(late)")
      return
    }
    #expect(n1 == pos.number)
    // One at the terminal block's parent's: the terminal block, PoW, comes after the Merge.
    let (_, early) = try Self.importChain(dir, ttd: tds[firstPoS - 2], work: work)
    guard case .failure(.block(let n2, _, .invalidHeader(.difficultyAfterMerge))) = early else {
      Issue.record("expected block \(pos.number - 1) rejected as PoW after the Merge, got \(early)")
      return
    }
    #expect(n2 == pos.number - 1)
  }
}
