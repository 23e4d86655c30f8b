import Chain
import Foundation
import Primitives
import State
import Testing
import TestSupport

/// The corpus chains (executed by the Ethereum specification and re-checked by py-evm) imported
/// into a fresh LMDB store: every value of each folder's expected.json must be reproduced.
@Suite(.enabled(if: Fixtures.shared?.appendingPathComponent("corpus").path != nil
  && FileManager.default.fileExists(atPath: Fixtures.shared!.appendingPathComponent("corpus").path),
  "shared corpus not found"))
struct CorpusTests {
  static func folders() -> [String] {
    guard let corpus = Fixtures.shared?.appendingPathComponent("corpus") else { return [] }
    let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
    return names.filter { FileManager.default.fileExists(atPath: corpus.appendingPathComponent("\($0)/expected.json").path) }.sorted()
  }

  @Test(arguments: folders())
  func importReproducesExpected(folder: String) throws {
    let dir = Fixtures.shared!.appendingPathComponent("corpus/\(folder)")
    let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("expected.json"))) as! [String: Any]
    let datadir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-corpus-\(folder)-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: datadir) }

    let (genesisHash, genesisRoot) = try ChainStore.initialise(path: datadir, genesisPath: dir.appendingPathComponent("genesis.json").path)
    let g = expected["genesis"] as! [String: Any]
    #expect(genesisHash.description == g["hash"] as? String)
    #expect(genesisRoot.description == g["stateRoot"] as? String)

    let chain = try ChainStore(path: datadir)
    let stats = try chain.importFile(dir.appendingPathComponent("blocks.rlp").path, threads: 2)
    let blocks = expected["blocks"] as! [[String: Any]]
    #expect(stats.blocks == blocks.count)

    try chain.store.read { view in
      for b in blocks {
        let number = UInt64(b["number"] as! Int)
        let hash = try #require(try view.canonicalHash(number), "block \(number) missing")
        #expect(hash.description == b["hash"] as? String, "block \(number) hash")
        let header = try Header(rlpEncoded: try #require(try view.header(hash)))
        for (field, value) in [("stateRoot", header.stateRoot), ("transactionsRoot", header.transactionsRoot),
                               ("receiptsRoot", header.receiptsRoot), ("parentHash", header.parentHash)] {
          #expect(value.description == b[field] as? String, "block \(number) \(field)")
        }
        if let w = b["withdrawalsRoot"] as? String { #expect(header.withdrawalsRoot?.description == w) }
        #expect(header.logsBloom.description == b["logsBloom"] as? String, "block \(number) bloom")
        #expect(header.gasUsed == UInt64(b["gasUsed"] as! Int))
        if let fee = b["baseFeePerGas"] as? Int { #expect(header.baseFeePerGas == U256(UInt64(fee))) }
        // Per-transaction gas from the stored receipts.
        let receipts = try RLPItem(decoding: try #require(try view.receipts(hash))).listItems()
        var previous: UInt64 = 0
        var gas: [Int] = []
        for r in receipts {
          let receipt = try Receipt(consensusBytes: Array(try r.bytes()))
          gas.append(Int(receipt.cumulativeGasUsed - previous))
          previous = receipt.cumulativeGasUsed
        }
        #expect(gas == b["txGasUsed"] as? [Int], "block \(number) per-transaction gas")
      }
      let samples = expected["samples"] as! [String: Any]
      for a in samples["accounts"] as! [[String: Any]] {
        let address = try Address(hex: a["address"] as! String)
        let account = try view.loadAccount(address)
        #expect((account != nil) == (a["exists"] as! Bool), "\(address) existence")
        #expect((account?.balance ?? .zero).description == a["balance"] as? String, "\(address) balance")
        #expect(Int(account?.nonce ?? 0) == a["nonce"] as? Int, "\(address) nonce")
        #expect((account?.codeHash ?? .emptyKeccak).description == a["codeHash"] as? String, "\(address) code hash")
      }
      for s in samples["storage"] as! [[String: Any]] {
        let address = try Address(hex: s["address"] as! String)
        let value = try view.loadStorage(address, try U256(parsing: s["slot"] as! String))
        #expect(value.hash.description == s["value"] as? String, "\(address) slot \(s["slot"]!)")
      }
      // The full walk agrees with the incremental trie.
      let walk = try view.recomputeStateRoot()
      let head = try #require(try view.head())
      let headHeader = try Header(rlpEncoded: try #require(try view.header(head.hash)))
      #expect(walk.root == headHeader.stateRoot)
      #expect(walk.storageRootMismatches.isEmpty)
    }
  }
}
