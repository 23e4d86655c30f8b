import ArgumentParser
import Chain
import Foundation
import LMDBStore

struct RewindCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rewind",
    abstract: "Unwind the chain to block N: state, history, indexes, receipts and the canonical chain, in one atomic write.")
  @OptionGroup var options: StoreOptions
  @Argument(help: "The block to make the head (at most the current head).") var number: UInt64

  func run() throws {
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir)
      let r = try chain.rewind(to: number)
      printJSON([
        "from": ["number": r.from.number, "hash": r.from.hash.description],
        "head": ["number": r.to.number, "hash": r.to.hash.description],
        "blocks": r.blocks, "accounts": r.accounts, "slots": r.slots,
      ])
    }
  }
}

struct TablesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "tables", abstract: "Print each table's entries and the bytes of its pages.")
  @OptionGroup var options: StoreOptions

  func run() throws {
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir, readOnly: true)
      var out: [String: Any] = [:]
      try chain.store.read { view in
        var total = 0
        for t in Table.allCases {
          let s = try view.tableSize(t)
          total += s.bytes
          out[t.rawValue] = ["entries": s.entries, "bytes": s.bytes]
        }
        out["totalBytes"] = total
        out["head"] = try view.head()?.number ?? 0
      }
      printJSON(out)
    }
  }
}
