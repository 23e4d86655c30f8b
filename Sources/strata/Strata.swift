import ArgumentParser
import Chain

@main
struct Strata: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "strata",
    abstract: "An Ethereum execution client: LMDB state, RLP block import, Block-STM execution.",
    version: "strata 0.1.0",
    subcommands: [
      InitCommand.self, ImportCommand.self, ExportCommand.self, HeadCommand.self, BlockCommand.self,
      ReceiptCommand.self, AccountCommand.self, StorageCommand.self, CodeCommand.self, VerifyCommand.self,
      BlockTestCommand.self, RewindCommand.self, TablesCommand.self, RPCCommand.self, RPCCompatCommand.self,
      EVMCommand.self,
    ])
}
