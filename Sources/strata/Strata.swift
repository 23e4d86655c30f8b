import ArgumentParser
import Chain

@main
struct Strata: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "strata",
    abstract: "An Ethereum execution client: LMDB state, RLP block import, Block-STM execution.",
    version: "strata 0.1.0",
    subcommands: [])
}
