import Cryptography
import EVM
import Foundation
import Primitives
import State

// EVM execution benchmark: the compute-heavy and ERC-20 blocks of ../shared/corpus executed
// transaction by transaction against the genesis state (no trie, no commit; senders recovered
// once, untimed), plus a few classic interpreter loops. Prints Mgas/s (median of 7 runs).

/// A read-only StateReader over dictionaries (the corpus genesis).
private final class BenchState: StateReader, @unchecked Sendable {
  var accounts: [Address: Account] = [:]
  var codes: [Hash: [UInt8]] = [:]
  var slots: [Address: [U256: U256]] = [:]
  func account(_ address: Address) throws(StateReadError) -> Account? { accounts[address] }
  func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] { codes[codeHash] ?? [] }
  func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 { slots[address]?[slot] ?? .zero }
  func blockHash(_ number: UInt64) throws(StateReadError) -> Hash { .zero }
}

/// Median thread CPU seconds of `runs` runs of `body` after one warm-up: on a machine shared with
/// other builds, wall time mostly measures the wait for a core.
private func measureCPU(runs: Int = 7, _ body: () -> Void) -> Double {
  func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }
  body()
  var times: [Double] = []
  for _ in 0..<runs {
    let start = now()
    body()
    times.append(now() - start)
  }
  times.sort()
  return times[times.count / 2]
}

private struct BenchBlock {
  var env: BlockEnv
  var txs: [TxEnv]
  var expectedGas: [UInt64]
}

private func hexBytes(_ s: String) -> [UInt8] { (try? Hex.decode(s)) ?? [] }

private func loadGenesis(_ url: URL) throws -> BenchState {
  let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
  let alloc = json["alloc"] as! [String: [String: Any]]
  let state = BenchState()
  for (addr, fields) in alloc {
    let a = try Address(hex: addr)
    let balance = try U256(parsing: fields["balance"] as? String ?? "0")
    let nonce = try U256(parsing: fields["nonce"] as? String ?? "0").w0
    let code = hexBytes(fields["code"] as? String ?? "")
    var slots: [U256: U256] = [:]
    for (k, v) in fields["storage"] as? [String: String] ?? [:] { slots[try U256(parsing: k)] = try U256(parsing: v) }
    let codeHash = code.isEmpty ? Hash.emptyKeccak : Keccak256.hash(code)
    if !code.isEmpty { state.codes[codeHash] = code }
    state.accounts[a] = Account(nonce: nonce, balance: balance, codeHash: codeHash,
                                storageRoot: slots.isEmpty ? .emptyTrieRoot : .zero)
    state.slots[a] = slots
  }
  return state
}

/// Decodes the first block of `blocks.rlp`, recovering each sender (untimed).
private func loadBlock(_ dir: URL) throws -> BenchBlock {
  let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent("blocks.rlp")))
  let (block, _) = try RLPItem.read(ArraySlice(bytes), at: 0)
  let parts = try block.listItems()
  let header = try parts[0].listItems()
  let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("expected.json"))) as! [String: Any]
  let chainID = UInt64(expected["chainId"] as! Int)
  let blk = (expected["blocks"] as! [[String: Any]])[0]
  let expectedGas = (blk["txGasUsed"] as! [Int]).map { UInt64($0) }
  let baseFee = try header[15].u256()
  let env = BlockEnv(fork: .cancun, coinbase: try header[2].address(), number: try header[8].uint64(),
                     timestamp: try header[11].uint64(), gasLimit: try header[9].uint64(),
                     prevRandao: try header[13].hash(), baseFee: baseFee, chainID: U256(chainID), blobBaseFee: U256(1))
  var txs: [TxEnv] = []
  for item in try parts[1].listItems() {
    let fields: [RLPItem]
    let typed: Bool
    if item.isList {
      fields = try item.listItems(); typed = false
    } else {
      let payload = try item.bytes()
      fields = try RLPItem(decoding: payload.dropFirst()).listItems(); typed = true
    }
    // Signing hash: EIP-155 for legacy, 0x02 ‖ rlp(first 9 fields) for EIP-1559.
    var enc = RLPEncoder()
    enc.list { l in
      for f in fields.prefix(typed ? 9 : 6) { l.appendRaw(f.encoded) }
      if !typed { l.append(chainID); l.append(UInt64(0)); l.append(UInt64(0)) }
    }
    let signingHash = Keccak256.hash(typed ? [0x02] + enc.bytes : enc.bytes)
    let n = fields.count
    let v = try fields[n - 3].uint64()
    let recID = typed ? Int(v) : Int(v - 35 - 2 * chainID)
    let from = try Secp256k1.recoverAddress(messageHash: signingHash, r: try fields[n - 2].u256(), s: try fields[n - 1].u256(), recoveryID: recID)
    let (gas, toItem, value, data, price): (UInt64, RLPItem, U256, [UInt8], U256)
    if typed {
      let tip = try fields[2].u256(), cap = try fields[3].u256()
      let eff = cap < baseFee &+ tip ? cap : baseFee &+ tip
      (gas, toItem, value, data, price) = (try fields[4].uint64(), fields[5], try fields[6].u256(), Array(try fields[7].bytes()), eff)
    } else {
      (gas, toItem, value, data, price) = (try fields[2].uint64(), fields[3], try fields[4].u256(), Array(try fields[5].bytes()), try fields[1].u256())
    }
    let to: Address? = try toItem.bytes().isEmpty ? nil : try toItem.address()
    txs.append(TxEnv(caller: from, to: to, value: value, data: data, gasLimit: gas, gasPrice: price))
  }
  return BenchBlock(env: env, txs: txs, expectedGas: expectedGas)
}

/// Executes every transaction of `block` against `state`; returns the total gas used.
private func executeBlock(_ block: BenchBlock, _ state: BenchState, check: Bool) -> UInt64 {
  let evm = VirtualMachine(block: block.env)
  var total: UInt64 = 0
  for (i, tx) in block.txs.enumerated() {
    do {
      let r = try evm.transact(tx, state: state)
      total += r.gasUsed
      if check && i < block.expectedGas.count && r.gasUsed != block.expectedGas[i] {
        print("  tx \(i): gas used \(r.gasUsed), expected \(block.expectedGas[i]) (\(r.status))")
      }
    } catch {
      print("  tx \(i): \(error)")
    }
  }
  return total
}

/// Runs `code` at a fixed address until it runs out of `gas` (classic loops).
private func loopBench(_ name: String, _ code: [UInt8], gas: UInt64 = 30_000_000) {
  if let only = ProcessInfo.processInfo.environment["STRATA_BENCH_EVM"], !name.contains(only) { return }
  let state = BenchState()
  let caller = Address(low: 0xca11e4), target = Address(low: 0x10091)
  let hash = Keccak256.hash(code)
  state.codes[hash] = code
  state.accounts[target] = Account(nonce: 1, codeHash: hash)
  state.accounts[caller] = Account(balance: U256(1) << 100)
  let evm = VirtualMachine(block: BlockEnv(fork: .cancun))
  let tx = TxEnv(caller: caller, to: target, gasLimit: gas)
  var used: UInt64 = 0
  let t = measureCPU(runs: 5) {
    used = (try? evm.transact(tx, state: state))?.gasUsed ?? 0
  }
  print("  \(name): \(fmt(Double(used) / t / 1e6, 0)) Mgas/s (CPU \(fmt(t * 1000, 2)) ms for \(used) gas)")
}

/// Writes `block`'s environment and transactions (senders recovered) as JSON, for the revm side
/// of tools/bench-evm.sh (tools/bench-revm.py block).
private func dumpBlock(_ block: BenchBlock, genesis: URL, to url: URL) throws {
  let e = block.env
  let txs: [[String: Any]] = block.txs.map { tx in
    ["from": tx.caller.description, "to": tx.to.map { $0.description } ?? NSNull(),
     "value": tx.value.hexString, "data": Hex.encode(tx.data), "gas": tx.gasLimit, "gasPrice": tx.gasPrice.hexString]
  }
  let object: [String: Any] = [
    "genesis": genesis.path,
    "block": ["number": e.number, "coinbase": e.coinbase.description, "timestamp": e.timestamp,
              "gasLimit": e.gasLimit, "baseFee": e.baseFee.hexString, "prevRandao": e.prevRandao.description,
              "chainId": Int(e.chainID.w0)],
    "txs": txs,
  ]
  try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: url)
}

/// Thread CPU nanoseconds of each of `runs` runs of `body` after one warm-up, sorted.
private func cpuNanos(runs: Int, _ body: () -> Void) -> [UInt64] {
  func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
  }
  body()
  var times: [UInt64] = []
  for _ in 0..<runs {
    let start = now()
    body()
    times.append(now() - start)
  }
  return times.sorted()
}

func benchEVM() {
  let env = ProcessInfo.processInfo.environment
  // STRATA_BENCH_EVM_JSON=RUNS: only the corpus blocks, one JSON line each ({"name", "gasUsed",
  // "medianNanos", "minNanos"}, thread CPU time per block), for tools/bench-evm.sh.
  let jsonRuns = env["STRATA_BENCH_EVM_JSON"].flatMap { Int($0) }
  // STRATA_BENCH_EVM_DUMP=DIR: also write DIR/NAME.json (environment and transactions).
  let dumpDir = env["STRATA_BENCH_EVM_DUMP"].map { URL(fileURLWithPath: $0) }
  if jsonRuns == nil { print("evm") }
  let shared = env["STRATA_SHARED"].map { URL(fileURLWithPath: $0) }
    ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("../shared").standardized
  let corpus = shared.appendingPathComponent("corpus")
  // STRATA_BENCH_EVM=substring runs only the matching workloads (for profiling).
  let only = env["STRATA_BENCH_EVM"]
  for (name, revm) in [("compute_heavy-30Mgas-1b", 400.0), ("erc20_transfers-30Mgas-1b", 3350.0)]
  where only == nil || name.contains(only!) {
    let dir = corpus.appendingPathComponent(name)
    do {
      let genesis = dir.appendingPathComponent("genesis.json")
      let state = try loadGenesis(genesis)
      let block = try loadBlock(dir)
      if let dumpDir { try dumpBlock(block, genesis: genesis, to: dumpDir.appendingPathComponent("\(name).json")) }
      let gas = executeBlock(block, state, check: true)
      let expected = block.expectedGas.reduce(0, +)
      if let runs = jsonRuns {
        let times = cpuNanos(runs: runs) { blackHole(executeBlock(block, state, check: false)) }
        print("{\"name\":\"\(name)\",\"gasUsed\":\(gas),\"medianNanos\":\(times[times.count / 2]),\"minNanos\":\(times[0])}")
        continue
      }
      let (t, spread) = measure(runs: 7) { blackHole(executeBlock(block, state, check: false)) }
      let cpu = measureCPU { blackHole(executeBlock(block, state, check: false)) }
      let mgas = Double(gas) / cpu / 1e6
      print("  \(name): \(block.txs.count) txs, \(gas) gas (expected \(expected)\(gas == expected ? ", match" : ", MISMATCH")), "
            + "CPU \(fmt(cpu * 1000, 2)) ms = \(fmt(mgas, 0)) Mgas/s (wall \(fmt(t * 1000, 2)) ms ±\(fmt(spread * 100, 0))% = "
            + "\(fmt(Double(gas) / t / 1e6, 0)) Mgas/s); revm ~\(Int(revm)): ×\(fmt(mgas / revm, 2)) on CPU time")
    } catch {
      print("  \(name): cannot load: \(error)")
    }
  }
  if jsonRuns != nil { return }
  // JUMPDEST PUSH1 1 PUSH1 2 ADD POP PUSH1 0 JUMP
  loopBench("add loop", [0x5b, 0x60, 0x01, 0x60, 0x02, 0x01, 0x50, 0x60, 0x00, 0x56])
  // JUMPDEST PUSH1 64 PUSH1 0 KECCAK256 PUSH1 0 MSTORE PUSH1 0 JUMP
  loopBench("keccak loop", [0x5b, 0x60, 0x40, 0x60, 0x00, 0x20, 0x60, 0x00, 0x52, 0x60, 0x00, 0x56])
  // JUMPDEST PUSH32 x DUP1 MUL PUSH32 y SWAP1 DIV POP PUSH1 0 JUMP
  loopBench("mul/div loop", [0x5b, 0x7f] + [UInt8](repeating: 0xab, count: 32) + [0x80, 0x02, 0x7f]
    + [UInt8](repeating: 0x17, count: 32) + [0x90, 0x04, 0x50, 0x60, 0x00, 0x56])
  // JUMPDEST PUSH1 1 PUSH1 0 SSTORE PUSH1 0 SLOAD POP PUSH1 0 JUMP (warm storage)
  loopBench("sload/sstore loop", [0x5b, 0x60, 0x01, 0x60, 0x00, 0x55, 0x60, 0x00, 0x54, 0x50, 0x60, 0x00, 0x56], gas: 3_000_000)
}
