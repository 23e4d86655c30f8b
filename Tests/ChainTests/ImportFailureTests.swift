import Chain
import Foundation
import LMDBStore
import Primitives
import State
import Testing
import TestSupport

/// Bad input gets a clear error and loses nothing: the store stays at the last good block.
@Suite struct ImportFailureTests {
  let root = Fixtures.packageRoot

  func freshStore() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-bad-\(UUID().uuidString)").path
    try ChainStore.initialise(path: dir, genesisPath: root.appendingPathComponent("genesis/devnet.json").path)
    return dir
  }

  func devnetBytes() throws -> [UInt8] {
    [UInt8](try Data(contentsOf: root.appendingPathComponent("data/devnet.rlp")))
  }

  /// The devnet chain written to a file in `dir`, with block `number`'s header given a state root
  /// that execution cannot produce. Returns the file and the altered block.
  func devnetFile(in dir: String, wrongStateRootAt number: Int) throws -> (path: String, block: Block) {
    var blocks = ChainFileBytes(try devnetBytes()).blocks
    var bad = try Block(rlpEncoded: blocks[number - 1])
    bad.header.stateRoot = Keccak256.hash([UInt8(number), 0xba, 0xd0])
    blocks[number - 1] = bad.rlpEncoded
    let path = dir + "/bad\(number).rlp"
    try Data(blocks.flatMap { $0 }).write(to: URL(fileURLWithPath: path))
    return (path, bad)
  }

  func head(_ dir: String) throws -> ChainHead? {
    try ChainStore(path: dir, readOnly: true).store.read { try $0.head() }
  }

  // Threads 2: import reads each next block and prepares its transactions in the background
  // while the current one runs; a bad next block must still be reported after it commits.
  @Test(arguments: [1, 2]) func truncatedFileStopsAtLastGoodBlockWithOffset(threads: Int) throws {
    let dir = try freshStore()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let bytes = try devnetBytes()
    let file = dir + "/truncated.rlp"
    try Data(bytes.dropLast(10)).write(to: URL(fileURLWithPath: file))
    let chain = try ChainStore(path: dir)
    do {
      _ = try chain.importFile(file, threads: threads)
      Issue.record("a truncated file was accepted")
    } catch {
      guard case .file(.truncated) = error else {
        Issue.record("expected a truncated-file error, got \(error)")
        return
      }
    }
    // Every complete block before the cut was committed; the cut one was not.
    #expect(try chain.store.read { try $0.head() }?.number == 3)
    let walk = try chain.store.read { try $0.recomputeStateRoot() }
    let header = try chain.store.read { v in try Header(rlpEncoded: try v.header(try v.head()!.hash)!) }
    #expect(walk.root == header.stateRoot)
  }

  @Test func unknownParentIsRejected() throws {
    let dir = try freshStore()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // Block 2 alone: its parent is not in the store.
    let file = ChainFileBytes(try devnetBytes())
    let path = dir + "/orphan.rlp"
    try Data(file.blocks[1]).write(to: URL(fileURLWithPath: path))
    let chain = try ChainStore(path: dir)
    do {
      _ = try chain.importFile(path, threads: 1)
      Issue.record("an orphan block was accepted")
    } catch {
      guard case .block(number: 2, _, .unknownParent) = error else {
        Issue.record("expected an unknown parent, got \(error)")
        return
      }
    }
    #expect(try head(dir)?.number == 0)
  }

  @Test(arguments: [1, 2]) func corruptBlockLeavesStoreUntouched(threads: Int) throws {
    let dir = try freshStore()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    // Block 2's state root no longer matches execution.
    let (path, b2) = try devnetFile(in: dir, wrongStateRootAt: 2)
    let chain = try ChainStore(path: dir)
    do {
      _ = try chain.importFile(path, threads: threads)
      Issue.record("a block with a wrong state root was accepted")
    } catch {
      guard case .block(number: 2, _, .mismatch(.stateRoot, expected: .hash(b2.header.stateRoot), got: .hash)) = error else {
        Issue.record("expected a state root mismatch in block 2, got \(error)")
        return
      }
      // The one line the CLI prints names the field and both sides.
      #expect("\(error)".contains("stateRoot: got 0x"), "\(error)")
      #expect(!"\(error)".contains("\n"))
    }
    #expect(try chain.store.read { try $0.head() }?.number == 1)
    // The rejected block left no trace.
    #expect(try chain.store.read { try $0.canonicalHash(2) } == nil)
  }

  /// Group commit: a bad block inside a group commits every block before it (the group so far),
  /// then reports the error; the committed head's state matches its header.
  @Test(arguments: [1, 2], [1, 2, 1024]) func badBlockInGroupCommitsTheBlocksBeforeIt(threads: Int, group: Int) throws {
    let dir = try freshStore()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (path, b3) = try devnetFile(in: dir, wrongStateRootAt: 3)
    let chain = try ChainStore(path: dir)
    do {
      _ = try chain.importFile(path, threads: threads, group: ChainStore.GroupCommit(blocks: group))
      Issue.record("a block with a wrong state root was accepted")
    } catch {
      guard case .block(number: 3, _, .mismatch(.stateRoot, expected: .hash(b3.header.stateRoot), got: .hash)) = error else {
        Issue.record("expected a state root mismatch in block 3, got \(error)")
        return
      }
    }
    // Blocks 1 and 2 are committed (another process's read sees them), block 3 left no trace.
    #expect(try head(dir)?.number == 2)
    #expect(try chain.store.read { try $0.canonicalHash(3) } == nil)
    let walk = try chain.store.read { try $0.recomputeStateRoot() }
    let header = try chain.store.read { v in try Header(rlpEncoded: try v.header(try v.head()!.hash)!) }
    #expect(walk.root == header.stateRoot)
    // Re-importing the good file resumes from block 3.
    let stats = try chain.importFile(root.appendingPathComponent("data/devnet.rlp").path, threads: threads,
                                     group: ChainStore.GroupCommit(blocks: group))
    #expect(stats.skipped == 2 && stats.blocks == 2)
    #expect(try head(dir)?.number == 4)
  }

  /// Every group size (and a time bound that closes each group after one block) gives the same
  /// chain: a block in a group runs on the state of the group's uncommitted blocks before it.
  @Test(arguments: [1, 2, 3, 1024]) func groupSizesGiveTheSameChain(group: Int) throws {
    let path = root.appendingPathComponent("data/devnet.rlp").path
    var heads: [ChainHead?] = []
    for bounds in [ChainStore.GroupCommit.perBlock, ChainStore.GroupCommit(blocks: group),
                   ChainStore.GroupCommit(blocks: group, bytes: 1), ChainStore.GroupCommit(blocks: group, seconds: 0)] {
      let dir = try freshStore()
      defer { try? FileManager.default.removeItem(atPath: dir) }
      let chain = try ChainStore(path: dir)
      let stats = try chain.importFile(path, threads: 1, group: bounds)
      #expect(stats.blocks == 4)
      let walk = try chain.store.read { try $0.recomputeStateRoot() }
      let header = try chain.store.read { v in try Header(rlpEncoded: try v.header(try v.head()!.hash)!) }
      #expect(walk.root == header.stateRoot)
      heads.append(try head(dir))
    }
    #expect(Set(heads.map { $0?.hash }).count == 1)
  }

  /// A store that fails under the executor is the store's fault: never reported as a bad block,
  /// and nothing is written.
  @Test(arguments: [1, 2]) func corruptStoreIsNotAnInvalidBlock(threads: Int) throws {
    let dir = try freshStore()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let chain = try ChainStore(path: dir)
    // Every account record becomes undecodable.
    try chain.store.write { batch in
      var addresses: [Address] = []
      try batch.view.forEachAccount { address, _ in addresses.append(address) }
      for a in addresses { try batch.put(.accounts, key: a.bytes, value: [0xff]) }
    }
    do {
      _ = try chain.importFile(root.appendingPathComponent("data/devnet.rlp").path, threads: threads)
      Issue.record("import over a corrupt store succeeded")
    } catch {
      switch error {
      case .stateBackend(number: 1, _, .backend), .store(.corrupt): break
      default: Issue.record("expected a store failure, got \(error)")
      }
    }
    #expect(try head(dir)?.number == 0)
  }

  /// The executor reads the head's state: a block on another parent is refused before it runs,
  /// not executed on the wrong state and reported as invalid.
  @Test func blockOffTheHeadIsRefused() throws {
    let dir = try freshStore()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let chain = try ChainStore(path: dir)
    _ = try chain.importFile(root.appendingPathComponent("data/devnet.rlp").path, threads: 1)
    // A sibling of block 2 (another extraData, so another hash) while the head is block 4.
    var sibling = try Block(rlpEncoded: ChainFileBytes(try devnetBytes()).blocks[1])
    sibling.header.extraData = [1]
    var stats = ChainStore.ImportStats()
    do {
      try chain.importBlock(sibling, processor: BlockProcessor(config: chain.config), stats: &stats)
      Issue.record("a block off the head was imported")
    } catch {
      guard case .parentNotHead(number: 2, _, parent: sibling.header.parentHash, head: _) = error else {
        Issue.record("expected parentNotHead, got \(error)")
        return
      }
    }
    #expect(try head(dir)?.number == 4)
  }

  /// The commit step checks the root the executed block promises before anything is written;
  /// the executed block carries everything else already checked.
  @Test func executeThenCommitAreSeparateSteps() throws {
    let dir = try freshStore()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let chain = try ChainStore(path: dir)
    let blocks = ChainFileBytes(try devnetBytes()).blocks
    let processor = BlockProcessor(config: chain.config)
    let block1 = try Block(rlpEncoded: blocks[0])
    // Execution writes nothing: twice on the same snapshot gives the same result.
    let a = try #require(try chain.execute(block1, processor: processor))
    let b = try #require(try chain.execute(block1, processor: processor))
    #expect(a.execution.writes == b.execution.writes)
    #expect(try head(dir)?.number == 0)
    // A wrong promised root fails in commit, with nothing written.
    var wrong = a
    wrong.block.header.stateRoot = Keccak256.hash([9])
    #expect(throws: ChainError.self) { try chain.commit(wrong) }
    #expect(try head(dir)?.number == 0)
    try chain.commit(a)
    #expect(try head(dir)?.number == 1)
    // Committed once: the executed block's parent is no longer the head.
    do {
      try chain.commit(a)
      Issue.record("a block was committed twice")
    } catch {
      guard case .parentNotHead = error else {
        Issue.record("expected parentNotHead, got \(error)")
        return
      }
    }
  }

  @Test func importIsIdempotent() throws {
    let dir = try freshStore()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = root.appendingPathComponent("data/devnet.rlp").path
    let chain = try ChainStore(path: dir)
    let first = try chain.importFile(path, threads: 2)
    let second = try chain.importFile(path, threads: 2)
    #expect(first.blocks == 4 && second.blocks == 0 && second.skipped == 4)
  }

  // Threads 2: the stored body is assembled from the encodings made with the senders.
  @Test(arguments: [1, 2]) func exportAfterImportGivesTheSameBytes(threads: Int) throws {
    let dir = try freshStore()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let original = try devnetBytes()
    let chain = try ChainStore(path: dir)
    _ = try chain.importFile(root.appendingPathComponent("data/devnet.rlp").path, threads: threads)
    var exported: [UInt8] = []
    try chain.store.read { view in
      var n: UInt64 = 1
      while let hash = try view.canonicalHash(n) {
        let header = try Header(rlpEncoded: try #require(try view.header(hash)))
        exported += try Block(header: header, bodyRLP: try #require(try view.body(hash))).rlpEncoded
        n += 1
      }
    }
    #expect(exported == original)
  }

  @Test func badGenesisFilesGetOneLineErrors() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-genesis-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let notJSON = dir + ".json"
    try Data("{ not json".utf8).write(to: URL(fileURLWithPath: notJSON))
    defer { try? FileManager.default.removeItem(atPath: notJSON) }
    do {
      try ChainStore.initialise(path: dir, genesisPath: notJSON)
      Issue.record("invalid JSON accepted")
    } catch {
      #expect("\(error)".hasPrefix("genesis:"), "\(error)")
      #expect(!"\(error)".contains("\n"))
    }
    // Another chain's genesis into an existing store is refused.
    try ChainStore.initialise(path: dir, genesisPath: root.appendingPathComponent("genesis/devnet.json").path)
    if let mainnet = Fixtures.shared?.appendingPathComponent("mainnet/genesis.json") {
      do {
        try ChainStore.initialise(path: dir, genesisPath: mainnet.path)
        Issue.record("another chain's genesis was accepted")
      } catch {
        #expect("\(error)".contains("another chain"), "\(error)")
      }
    }
  }

  @Test func mainnetGenesisHashAndRoot() throws {
    guard let mainnet = Fixtures.shared?.appendingPathComponent("mainnet") else {
      Fixtures.warnMissing("mainnet genesis")
      return
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-mainnet-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let (hash, root) = try ChainStore.initialise(path: dir, genesisPath: mainnet.appendingPathComponent("genesis.json").path)
    #expect(hash.description == "0xd4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3")
    #expect(root.description == "0xd7f8974fb5ac78d9ac099b9ad5018bedc2ce0a72dad1827a1709da30580f0544")
  }
}

/// Splits concatenated block RLP into items.
struct ChainFileBytes {
  var blocks: [[UInt8]] = []
  init(_ bytes: [UInt8]) {
    var at = 0
    while at < bytes.count {
      let (_, end) = try! RLPItem.read(bytes[...], at: at)
      blocks.append(Array(bytes[at..<end]))
      at = end
    }
  }
}

