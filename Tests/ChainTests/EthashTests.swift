import Chain
import Cryptography
import Foundation
import Primitives
import Testing
import TestSupport

/// Ethash light verification: sizes and seeds from the specification's tables, a real mainnet
/// seal, forged ones, the on-disk cache, and the import's one-line rejection.
@Suite struct EthashTests {
  @Test func sizesAndSeeds() throws {
    // The specification's tables (cache_sizes / full_sizes) start with these.
    #expect(Ethash.cacheSize(epoch: 0) == 16_776_896)
    #expect(Ethash.cacheSize(epoch: 1) == 16_907_456)
    #expect(Ethash.datasetSize(epoch: 0) == 1_073_739_904)
    #expect(Ethash.datasetSize(epoch: 1) == 1_082_130_304)
    #expect(Ethash.seedHash(epoch: 0) == .zero)
    #expect(Ethash.seedHash(epoch: 1) == (try Hash(hex: "0x290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563")))
    #expect(Ethash.epoch(ofBlock: 29_999) == 0)
    #expect(Ethash.epoch(ofBlock: 30_000) == 1)
  }

  @Test func targetComparison() throws {
    let max = Hash(U256.max.bigEndianBytes)
    #expect(Ethash.meetsDifficulty(max, difficulty: U256(1)))
    #expect(!Ethash.meetsDifficulty(max, difficulty: U256(2)))
    // 2^256 / 2 = 2^255 exactly: a result of 2^255 meets it, 2^255 + 1 does not.
    let half = U256(1) << 255
    #expect(Ethash.meetsDifficulty(Hash(half.bigEndianBytes), difficulty: U256(2)))
    #expect(!Ethash.meetsDifficulty(Hash((half &+ U256(1)).bigEndianBytes), difficulty: U256(2)))
    #expect(!Ethash.meetsDifficulty(Hash(U256(0).bigEndianBytes), difficulty: .zero))
  }

  /// Mainnet block 1, from `../shared/mainnet`.
  static func block1() throws -> Block? {
    guard let file = Fixtures.shared?.appendingPathComponent("mainnet/block1.rlp"),
          FileManager.default.fileExists(atPath: file.path) else {
      Fixtures.warnMissing("../shared/mainnet/block1.rlp")
      return nil
    }
    return try Block(rlpEncoded: Array(try Data(contentsOf: file)))
  }

  @Test func mainnetBlockOneVerifiesAndForgeriesDoNot() throws {
    guard let block = try Self.block1() else { return }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-ethash-\(getpid())-\(UInt64.random(in: 0...UInt64.max))").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let verifier = EthashVerifier(directory: dir)
    let header = block.header
    #expect(header.hash.description == "0x88e96d4537bea4d9c05d12549907b32561d3bf31f45aae734cdc119f13406cb6")
    #expect(verifier.verify(header) == nil)

    var forgedNonce = header
    forgedNonce.nonce ^= 1
    guard case .mixDigest? = verifier.verify(forgedNonce) else {
      Issue.record("a forged nonce was accepted"); return
    }
    var forgedMix = header
    forgedMix.mixHash = Keccak256.hash(header.mixHash.bytes)
    guard case .mixDigest? = verifier.verify(forgedMix) else {
      Issue.record("a forged mix hash was accepted"); return
    }
    // A real seal of another header (block 1's seal on a changed timestamp) fails too.
    var other = header
    other.timestamp += 1
    #expect(verifier.verify(other) != nil)

    // The cache went to disk; a new verifier reads it back (same words) and verifies with it.
    let path = try #require(verifier.path(epoch: 0))
    #expect(FileManager.default.fileExists(atPath: path))
    let reloaded = EthashVerifier(directory: dir)
    #expect(reloaded.cache(epoch: 0).words == verifier.cache(epoch: 0).words)
    #expect(reloaded.verify(header) == nil)
    // A damaged file is not trusted: its checksum fails and the cache is generated again.
    let handle = try #require(FileHandle(forUpdatingAtPath: path))
    try handle.seek(toOffset: 1000)
    handle.write(Data([0xde, 0xad]))
    try handle.close()
    #expect(EthashVerifier(directory: dir).verify(header) == nil)
  }

  /// A forged seal stops `importFile` with one line naming the block; with seals unchecked
  /// the same file imports (its state is right: only the seal is forged).
  @Test func importRejectsAForgedSeal() throws {
    guard let block = try Self.block1(),
          let genesis = Fixtures.shared?.appendingPathComponent("mainnet/genesis.json").path else { return }
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("strata-ethash-import-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    var header = block.header
    header.nonce ^= 0xff
    let forged = Block(header: header, transactions: block.transactions, ommers: block.ommers)
    let file = work.appendingPathComponent("forged.rlp").path
    _ = FileManager.default.createFile(atPath: file, contents: Data(forged.rlpEncoded))

    let datadir = work.appendingPathComponent("a").path
    try ChainStore.initialise(path: datadir, genesisPath: genesis)
    let chain = try ChainStore(path: datadir)
    do {
      _ = try chain.importFile(file, threads: 2, seals: EthashVerifier(directory: work.appendingPathComponent("ethash").path))
      Issue.record("a forged seal was imported")
    } catch {
      let line = error.description
      #expect(line.hasPrefix("block 1 (\(forged.hash)): invalid proof of work"), "\(line)")
      #expect(!line.contains("\n"))
    }
    #expect(try chain.store.read { try $0.head() }?.number == 0)

    let stats = try chain.importFile(file, threads: 2, seals: nil)
    #expect(stats.blocks == 1)
  }
}
