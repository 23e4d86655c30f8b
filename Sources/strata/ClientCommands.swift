import ArgumentParser
import Chain
import EVM
import Foundation
import Primitives
import State

/// Options every store command takes.
struct StoreOptions: ParsableArguments {
  @Option(help: "The data directory.")
  var datadir: String = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".strata").path
}

/// Prints one JSON object on stdout.
func printJSON(_ object: [String: Any]) {
  let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])) ?? Data("{}".utf8)
  print(String(decoding: data, as: UTF8.self))
}

/// Runs `body`, turning a thrown error into one line on stderr and exit code 1.
func reportingErrors(_ body: () throws -> Void) throws {
  do {
    try body()
  } catch let e as ExitCode {
    throw e
  } catch let e as ValidationError {
    throw e
  } catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    throw ExitCode(1)
  }
}

struct InitCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "init", abstract: "Create the store from a geth-format genesis file.")
  @OptionGroup var options: StoreOptions
  @Argument(help: "The genesis JSON file.") var genesis: String

  func run() throws {
    try reportingErrors {
      let (hash, root) = try ChainStore.initialise(path: options.datadir, genesisPath: genesis)
      printJSON(["genesisHash": hash.description, "stateRoot": root.description, "datadir": options.datadir])
    }
  }
}

struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "import", abstract: "Import RLP block files (concatenated blocks, as `geth export` writes).")
  @OptionGroup var options: StoreOptions
  @Argument(help: "Block files.") var files: [String]
  @Option(help: "Worker threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
  @Flag(help: "Run every block of two or more transactions through Block-STM, without the cutoffs that keep small and light blocks serial (a determinism check and a benchmark; needs --threads above 1).")
  var alwaysParallel = false
  @Flag(help: "Print per-stage times and the executor's counters (per block on standard error, totals in the summary).")
  var stats = false
  @Option(help: "Log a line every N blocks when not on a terminal.") var logEvery: Int = 100
  @Option(help: "Group commit: at most N blocks per write transaction (1: commit and sync every block).")
  var commitEvery: Int = ChainStore.GroupCommit.defaultBlocks
  @Option(help: "Group commit: at most this many bytes of writes per transaction.")
  var commitBytes: Int = ChainStore.GroupCommit.defaultBytes
  @Option(help: "Group commit: at most this many seconds of import per transaction.")
  var commitSeconds: Double = ChainStore.GroupCommit.defaultSeconds

  func run() throws {
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir)
      let tty = isatty(STDERR_FILENO) != 0
      let start = Date()
      var total = ChainStore.ImportStats()
      for file in files {
        var lastLogged = 0
        let group = ChainStore.GroupCommit(blocks: commitEvery, bytes: commitBytes, seconds: commitSeconds)
        let s = try chain.importFile(file, threads: threads, alwaysParallel: alwaysParallel, group: group) { s, offset, size in
          if stats {
            let executor = s.lastExecutor.map { "\($0)" } ?? "serial executor"
            FileHandle.standardError.write(Data("block \(s.lastNumber): \(executor)\n".utf8))
          }
          let elapsed = Date().timeIntervalSince(start)
          let mgas = Double(total.gas + s.gas) / 1e6 / max(elapsed, 1e-9)
          if tty {
            let eta = offset > 0 && size > offset ? elapsed * Double(size - offset) / Double(offset) : 0
            FileHandle.standardError.write(Data(String(
              format: "\r%d blocks, %d txs, %.1f Mgas/s, %.1fs elapsed, ETA %.0fs   ",
              total.blocks + s.blocks, total.transactions + s.transactions, mgas, elapsed, eta).utf8))
          } else if s.blocks - lastLogged >= logEvery {
            lastLogged = s.blocks
            FileHandle.standardError.write(Data("imported \(total.blocks + s.blocks) blocks, \(total.transactions + s.transactions) txs, \(String(format: "%.1f", mgas)) Mgas/s\n".utf8))
          }
        }
        total.add(s)
      }
      if tty { FileHandle.standardError.write(Data("\n".utf8)) }
      let elapsed = Date().timeIntervalSince(start)
      let head = try chain.store.read { try $0.head() }
      var out: [String: Any] = [
        "imported": total.blocks, "skipped": total.skipped, "transactions": total.transactions,
        "gasUsed": total.gas, "seconds": elapsed,
        "mgasPerSecond": Double(total.gas) / 1e6 / max(elapsed, 1e-9),
        "txPerSecond": Double(total.transactions) / max(elapsed, 1e-9),
        "head": ["number": head?.number ?? 0, "hash": head?.hash.description ?? ""],
      ]
      if stats {
        out["stages"] = ["decode": total.decode, "executionAndValidation": total.execution, "trie": total.trie, "commit": total.commit]
        out["executor"] = [
          "threads": threads, "parallelBlocks": total.parallelBlocks, "incarnations": total.incarnations,
          "reExecutions": total.reExecutions, "validations": total.validations,
          "validationAborts": total.validationAborts,
          "dependencySuspensions": total.dependencySuspensions, "nonceSuspensions": total.nonceSuspensions,
          "deferredCredits": total.deferredCredits,
          "availableParallelism": total.criticalPathNanos > 0 ? Double(total.workNanos) / Double(total.criticalPathNanos) : 0,
        ]
      }
      printJSON(out)
    }
  }
}

struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "export", abstract: "Write canonical blocks to an RLP file.")
  @OptionGroup var options: StoreOptions
  @Argument(help: "Output file.") var file: String
  @Option(help: "First block (default 1).") var from: UInt64 = 1
  @Option(help: "Last block (default: head).") var to: UInt64?

  func run() throws {
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir, readOnly: true)
      let count = try chain.query.export(range: BlockRange(first: from, last: to), to: file)
      printJSON(["exported": count, "file": file])
    }
  }
}

struct HeadCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "head", abstract: "Print the head block.")
  @OptionGroup var options: StoreOptions
  func run() throws {
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir, readOnly: true)
      printJSON(headerJSON(try chain.query.head()))
    }
  }
}

func headerJSON(_ h: Header) -> [String: Any] {
  var o: [String: Any] = [
    "hash": h.hash.description, "number": h.number, "parentHash": h.parentHash.description,
    "stateRoot": h.stateRoot.description, "transactionsRoot": h.transactionsRoot.description,
    "receiptsRoot": h.receiptsRoot.description, "logsBloom": h.logsBloom.description,
    "gasLimit": h.gasLimit, "gasUsed": h.gasUsed, "timestamp": h.timestamp,
    "miner": h.coinbase.description, "difficulty": h.difficulty.description,
    "extraData": Hex.encode(h.extraData), "mixHash": h.mixHash.description,
  ]
  if let v = h.baseFeePerGas { o["baseFeePerGas"] = v.description }
  if let v = h.withdrawalsRoot { o["withdrawalsRoot"] = v.description }
  if let v = h.blobGasUsed { o["blobGasUsed"] = v }
  if let v = h.excessBlobGas { o["excessBlobGas"] = v }
  if let v = h.parentBeaconBlockRoot { o["parentBeaconBlockRoot"] = v.description }
  return o
}

/// Parses a block argument: a number, a 0x hash, or head/latest/earliest.
func parseBlockID(_ text: String) throws -> BlockID {
  do { return try BlockID(parsing: text) } catch { throw ValidationError(error.description) }
}

/// Parses an address argument.
func parseAddress(_ text: String) throws -> Address {
  do { return try Address(hex: text) } catch { throw ValidationError("not an address: \(text) (\(error))") }
}

struct BlockCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "block", abstract: "Print a block by number or hash.")
  @OptionGroup var options: StoreOptions
  @Argument(help: "Block number, 0x-prefixed hash, or head/latest/earliest.") var id: String
  func run() throws {
    let blockID = try parseBlockID(id)
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir, readOnly: true)
      let found = try chain.query.block(id: blockID)
      var o = headerJSON(found.block.header)
      o["transactions"] = found.block.transactions.map { $0.hash.description }
      if let w = found.block.withdrawals { o["withdrawals"] = w.count }
      if let gas = found.transactionGasUsed { o["transactionGasUsed"] = gas }
      printJSON(o)
    }
  }
}

struct ReceiptCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "receipt", abstract: "Print a transaction's receipt.")
  @OptionGroup var options: StoreOptions
  @Argument(help: "Transaction hash.") var txHash: String
  func run() throws {
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir, readOnly: true)
      let r = try chain.query.receipt(txHash: try Hash(hex: txHash))
      var o: [String: Any] = [
        "transactionHash": r.transactionHash.description, "blockHash": r.blockHash.description,
        "blockNumber": r.blockNumber, "transactionIndex": r.transactionIndex,
        "type": Int(r.receipt.type.rawValue), "status": r.receipt.succeeded ? 1 : 0,
        "cumulativeGasUsed": r.receipt.cumulativeGasUsed, "gasUsed": r.gasUsed,
        "effectiveGasPrice": r.effectiveGasPrice.description,
        "logsBloom": r.receipt.bloom.description,
        "logs": r.logs.map {
          ["address": $0.log.address.description, "topics": $0.log.topics.map(\.description),
           "data": Hex.encode($0.log.data), "logIndex": $0.logIndex] as [String: Any]
        },
      ]
      if let from = r.from { o["from"] = from.description }
      if let to = r.to { o["to"] = to.description }
      if let created = r.contractAddress { o["contractAddress"] = created.description }
      printJSON(o)
    }
  }
}

struct AccountCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "account", abstract: "Print an account at a block (default: the head).")
  @OptionGroup var options: StoreOptions
  @Argument(help: "Address.") var address: String
  @Option(help: "Block number, 0x-prefixed hash, or head/latest/earliest.") var block: String = "latest"
  func run() throws {
    let blockID = try parseBlockID(block)
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir, readOnly: true)
      let a = try Address(hex: address)
      let account = try chain.query.account(a, at: blockID)
      printJSON([
        "address": a.description, "exists": account != nil,
        "balance": (account?.balance ?? .zero).description, "nonce": account?.nonce ?? 0,
        "codeHash": (account?.codeHash ?? .emptyKeccak).description,
        "storageRoot": (account?.storageRoot ?? .emptyTrieRoot).description,
      ])
    }
  }
}

struct StorageCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "storage", abstract: "Print a storage slot at a block (default: the head).")
  @OptionGroup var options: StoreOptions
  @Argument(help: "Address.") var address: String
  @Argument(help: "Slot (decimal or 0x hex).") var slot: String
  @Option(help: "Block number, 0x-prefixed hash, or head/latest/earliest.") var block: String = "latest"
  func run() throws {
    let blockID = try parseBlockID(block)
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir, readOnly: true)
      let a = try Address(hex: address)
      let s = try U256(parsing: slot)
      let v = try chain.query.storage(a, slot: s, at: blockID)
      printJSON(["address": a.description, "slot": s.hash.description, "value": v.hash.description, "decimal": v.description])
    }
  }
}

struct CodeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "code", abstract: "Print an account's code at a block (default: the head).")
  @OptionGroup var options: StoreOptions
  @Argument(help: "Address.") var address: String
  @Option(help: "Block number, 0x-prefixed hash, or head/latest/earliest.") var block: String = "latest"
  func run() throws {
    let blockID = try parseBlockID(block)
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir, readOnly: true)
      let a = try Address(hex: address)
      let code = try chain.query.code(a, at: blockID)
      // The query checked the code against the account's code hash; empty code hashes to
      // the empty Keccak, as an account without code (or no account) reports.
      printJSON(["address": a.description, "codeHash": Keccak256.hash(code).description,
                 "size": code.count, "code": Hex.encode(code)])
    }
  }
}

struct VerifyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "verify", abstract: "Recompute the state root from the stored accounts and storage alone.")
  @OptionGroup var options: StoreOptions
  @Option(help: "An expected state root to compare too.") var root: String?
  func run() throws {
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir, readOnly: true)
      let expected = try root.map { try Hash(hex: $0) }
      let v = try chain.query.verify(root: expected)
      var o: [String: Any] = [
        "head": v.headNumber, "computedRoot": v.computedRoot.description, "headerRoot": v.headerRoot.description,
        "accounts": v.accounts, "slots": v.slots, "ok": v.ok,
      ]
      if let expected { o["expectedRoot"] = expected.description }
      if !v.storageRootMismatches.isEmpty { o["storageRootMismatches"] = v.storageRootMismatches.map(\.description) }
      printJSON(o)
      if !v.ok {
        FileHandle.standardError.write(Data("error: state root mismatch\n".utf8))
        throw ExitCode(1)
      }
    }
  }
}
