import Chain
import Foundation
import LMDBStore
import Primitives
import Testing
import TestSupport

/// With several threads a block's writes run on a writer thread beside its execution and trie
/// update (`ChainStore.importBlockOverlapped`): the store must end up exactly as the serial
/// import leaves it, entry for entry in every table, and a block that fails must write nothing.
@Suite struct OverlappedImportTests {
  let root = Fixtures.packageRoot

  /// A fresh store initialised from `genesis`.
  func freshStore(_ genesis: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-overlap-\(UUID().uuidString)").path
    try ChainStore.initialise(path: dir, genesisPath: genesis)
    return dir
  }

  /// Per table: its entry count and a Keccak over every key and value in key order.
  func contents(_ dir: String) throws -> [String: String] {
    let chain = try ChainStore(path: dir, readOnly: true)
    return try chain.store.read { view in
      var out: [String: String] = [:]
      for table in Table.allCases {
        var bytes: [UInt8] = []
        var count = 0
        try view.scan(table) { k, v in
          count += 1
          for part in [k, v] {
            withUnsafeBytes(of: UInt32(part.count).bigEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: part)
          }
          return true
        }
        out[table.rawValue] = "\(count) \(Keccak256.hash(bytes))"
      }
      return out
    }
  }

  /// Imports `blocks` into a fresh store from `genesis` and returns its contents.
  func imported(genesis: String, blocks: String, threads: Int, group: ChainStore.GroupCommit) throws -> [String: String] {
    let dir = try freshStore(genesis)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = try ChainStore(path: dir).importFile(blocks, threads: threads, group: group)
    return try contents(dir)
  }

  static func chains() -> [String] {
    var out = ["devnet"]
    if let corpus = Fixtures.shared?.appendingPathComponent("corpus").path {
      for name in ["mixed-c0.05-30Mgas-10b-wd", "erc20_transfers-30Mgas-1b"]
      where FileManager.default.fileExists(atPath: corpus + "/\(name)/blocks.rlp") {
        out.append(name)
      }
    }
    return out
  }

  func files(_ chain: String) -> (genesis: String, blocks: String) {
    if chain == "devnet" {
      return (root.appendingPathComponent("genesis/devnet.json").path, root.appendingPathComponent("data/devnet.rlp").path)
    }
    let dir = Fixtures.shared!.appendingPathComponent("corpus/\(chain)")
    return (dir.appendingPathComponent("genesis.json").path, dir.appendingPathComponent("blocks.rlp").path)
  }

  /// Every table, history and indexes included, as the one-thread import writes it. Commits of
  /// one block each send every block of the small devnet chain down the overlapped path too.
  @Test(arguments: chains())
  func sameTablesAsTheSerialImport(chain: String) throws {
    let (genesis, blocks) = files(chain)
    let serial = try imported(genesis: genesis, blocks: blocks, threads: 1, group: .default)
    for threads in [2, 3] {
      for group in [ChainStore.GroupCommit.default, .perBlock] {
        let overlapped = try imported(genesis: genesis, blocks: blocks, threads: threads, group: group)
        for table in Table.allCases {
          #expect(overlapped[table.rawValue] == serial[table.rawValue], "\(chain), \(threads) threads, \(group.blocks)-block groups: \(table)")
        }
      }
    }
  }

  /// A block whose state root is wrong, imported on its own with several threads: its writer had
  /// written its header, body and index and most of its state when the root failed; the store
  /// keeps none of it.
  @Test func failingBlockWritesNothing() throws {
    let (genesis, blocks) = files("devnet")
    var raw = ChainFileBytes([UInt8](try Data(contentsOf: URL(fileURLWithPath: blocks)))).blocks
    var bad = try Block(rlpEncoded: raw[1])
    bad.header.stateRoot = Keccak256.hash([0xba, 0xd0])
    raw[1] = bad.rlpEncoded
    let dir = try freshStore(genesis)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let path = dir + "/bad.rlp"
    try Data(raw.flatMap { $0 }).write(to: URL(fileURLWithPath: path))

    let good = try freshStore(genesis)
    defer { try? FileManager.default.removeItem(atPath: good) }
    let first = good + "/first.rlp"
    try Data(raw[0]).write(to: URL(fileURLWithPath: first))
    _ = try ChainStore(path: good).importFile(first, threads: 1)

    do {
      _ = try ChainStore(path: dir).importFile(path, threads: 2, group: .perBlock)
      Issue.record("a block with a wrong state root was accepted")
    } catch {
      guard case .block(number: 2, _, .mismatch(.stateRoot, _, _)) = error else {
        Issue.record("expected a state root mismatch in block 2, got \(error)")
        return
      }
    }
    // Exactly the store that imported block 1 alone.
    #expect(try contents(dir) == contents(good))
  }
}
