import ArgumentParser
import Chain
import Foundation

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
