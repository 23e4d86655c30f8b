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

  func run() throws {
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir)
      let tty = isatty(STDERR_FILENO) != 0
      let start = Date()
      var total = ChainStore.ImportStats()
      for file in files {
        var lastLogged = 0
        let s = try chain.importFile(file, threads: threads, alwaysParallel: alwaysParallel) { s, offset, size in
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
      guard FileManager.default.createFile(atPath: file, contents: nil), let out = FileHandle(forWritingAtPath: file) else {
        throw ChainError.other("cannot write \(file)")
      }
      defer { try? out.close() }
      var count = 0
      try chain.store.read { view in
        let last = try to ?? (view.head()?.number ?? 0)
        var n = from
        while n <= last {
          guard let hash = try view.canonicalHash(n), let h = try view.header(hash), let b = try view.body(hash) else {
            throw ChainError.other("block \(n) is not in the store")
          }
          let block = try Block(header: try Header(rlpEncoded: h), bodyRLP: b)
          out.write(Data(block.rlpEncoded))
          count += 1
          n += 1
        }
      }
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
      try chain.store.read { view in
        guard let head = try view.head(), let h = try view.header(head.hash) else { throw ChainError.other("store has no head") }
        printJSON(headerJSON(try Header(rlpEncoded: h)))
      }
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

struct BlockCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "block", abstract: "Print a block by number or hash.")
  @OptionGroup var options: StoreOptions
  @Argument(help: "Block number or 0x-prefixed hash.") var id: String
  func run() throws {
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir, readOnly: true)
      try chain.store.read { view in
        let hash: Hash
        if id.hasPrefix("0x") && id.count == 66 {
          hash = try Hash(hex: id)
        } else {
          guard let n = UInt64(id) else { throw ValidationError("not a block number or hash: \(id)") }
          guard let h = try view.canonicalHash(n) else { throw ChainError.other("block \(n) not found") }
          hash = h
        }
        guard let h = try view.header(hash), let b = try view.body(hash) else { throw ChainError.other("block \(hash) not found") }
        let block = try Block(header: try Header(rlpEncoded: h), bodyRLP: b)
        var o = headerJSON(block.header)
        o["transactions"] = block.transactions.map { $0.hash.description }
        if let w = block.withdrawals { o["withdrawals"] = w.count }
        if let r = try view.receipts(hash), let items = try? RLPItem(decoding: r).listItems() {
          o["transactionGasUsed"] = gasPerTransaction(items)
        }
        printJSON(o)
      }
    }
  }

  func gasPerTransaction(_ items: [RLPItem]) -> [UInt64] {
    var last: UInt64 = 0
    return items.compactMap { item in
      guard let bytes = try? item.bytes(), let r = try? Receipt(consensusBytes: Array(bytes)) else { return nil }
      defer { last = r.cumulativeGasUsed }
      return r.cumulativeGasUsed - last
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
      let hash = try Hash(hex: txHash)
      try chain.store.read { view in
        guard let (block, index) = try view.transactionLocation(hash) else { throw ChainError.other("transaction \(hash) not found") }
        guard let raw = try view.receipts(block), let h = try view.header(block) else { throw ChainError.other("receipts of \(block) missing") }
        let items = try RLPItem(decoding: raw).listItems()
        let r = try Receipt(consensusBytes: Array(try items[Int(index)].bytes()))
        var previous: UInt64 = 0
        if index > 0 { previous = try Receipt(consensusBytes: Array(try items[Int(index) - 1].bytes())).cumulativeGasUsed }
        printJSON([
          "transactionHash": hash.description, "blockHash": block.description,
          "blockNumber": try Header(rlpEncoded: h).number, "transactionIndex": index,
          "type": Int(r.type.rawValue), "status": r.succeeded ? 1 : 0,
          "cumulativeGasUsed": r.cumulativeGasUsed, "gasUsed": r.cumulativeGasUsed - previous,
          "logsBloom": r.bloom.description,
          "logs": r.logs.map { ["address": $0.address.description, "topics": $0.topics.map(\.description), "data": Hex.encode($0.data)] },
        ])
      }
    }
  }
}

struct AccountCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "account", abstract: "Print an account at the head.")
  @OptionGroup var options: StoreOptions
  @Argument(help: "Address.") var address: String
  func run() throws {
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir, readOnly: true)
      let a = try Address(hex: address)
      try chain.store.read { view in
        let account = try view.loadAccount(a)
        printJSON([
          "address": a.description, "exists": account != nil,
          "balance": (account?.balance ?? .zero).description, "nonce": account?.nonce ?? 0,
          "codeHash": (account?.codeHash ?? .emptyKeccak).description,
          "storageRoot": (account?.storageRoot ?? .emptyTrieRoot).description,
        ])
      }
    }
  }
}

struct StorageCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "storage", abstract: "Print a storage slot at the head.")
  @OptionGroup var options: StoreOptions
  @Argument(help: "Address.") var address: String
  @Argument(help: "Slot (decimal or 0x hex).") var slot: String
  func run() throws {
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir, readOnly: true)
      let a = try Address(hex: address)
      let s = try U256(parsing: slot)
      try chain.store.read { view in
        let v = try view.loadStorage(a, s)
        printJSON(["address": a.description, "slot": s.hash.description, "value": v.hash.description, "decimal": v.description])
      }
    }
  }
}

struct CodeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "code", abstract: "Print an account's code at the head.")
  @OptionGroup var options: StoreOptions
  @Argument(help: "Address.") var address: String
  func run() throws {
    try reportingErrors {
      let chain = try ChainStore(path: options.datadir, readOnly: true)
      let a = try Address(hex: address)
      try chain.store.read { view in
        let account = try view.loadAccount(a)
        let code = try view.loadCode(account?.codeHash ?? .emptyKeccak)
        printJSON(["address": a.description, "codeHash": (account?.codeHash ?? .emptyKeccak).description,
                   "size": code.count, "code": Hex.encode(code)])
      }
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
      let ok = try chain.store.read { view -> Bool in
        guard let head = try view.head(), let h = try view.header(head.hash) else { throw ChainError.other("store has no head") }
        let header = try Header(rlpEncoded: h)
        let walk = try view.recomputeStateRoot()
        var ok = walk.root == header.stateRoot && walk.storageRootMismatches.isEmpty
        if let expected { ok = ok && walk.root == expected }
        var o: [String: Any] = [
          "head": head.number, "computedRoot": walk.root.description, "headerRoot": header.stateRoot.description,
          "accounts": walk.accounts, "slots": walk.slots, "ok": ok,
        ]
        if let expected { o["expectedRoot"] = expected.description }
        if !walk.storageRootMismatches.isEmpty { o["storageRootMismatches"] = walk.storageRootMismatches.map(\.description) }
        printJSON(o)
        return ok
      }
      if !ok {
        FileHandle.standardError.write(Data("error: state root mismatch\n".utf8))
        throw ExitCode(1)
      }
    }
  }
}
