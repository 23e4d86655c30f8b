import ArgumentParser
import EVM
import Foundation
import Primitives
import State

/// `strata evm …`: run bytecode outside a chain, as geth's `evm` tool does.
struct EVMCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "evm", abstract: "Run EVM bytecode outside a chain (like geth's `evm`).",
    subcommands: [EVMRunCommand.self])
}

/// `strata evm run --codefile FILE --input HEX [--gas N] [--bench RUNS]`.
///
/// The code is installed as the code of the called account in a fresh in-memory state; a funded
/// default caller sends one call transaction to it (gas price 0, value 0) in a default block
/// (number 1, timestamp 1, the latest fork unless `--fork`). Prints the return data as hex and the
/// gas the transaction used (intrinsic gas included, as revm reports it). With `--bench RUNS`, runs
/// it once to warm up and RUNS more times, and prints one JSON object instead:
/// `{"gasUsed":…,"medianNanos":…,"minNanos":…}`, the times being the calling thread's CPU time per
/// run (`--wall` for wall-clock time). Every run starts from the same state.
struct EVMRunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run", abstract: "Run bytecode as the code of the called account and print its output and gas used.")

  @Option(help: "File holding the runtime bytecode as hex (0x optional, surrounding whitespace ignored).")
  var codefile: String

  @Option(help: "Calldata as hex (0x optional).")
  var input: String = ""

  @Option(help: "Gas limit of the call transaction.")
  var gas: UInt64 = 10_000_000_000

  @Option(help: "Benchmark: run this many times after one warm-up and print one JSON object with gasUsed, medianNanos and minNanos.")
  var bench: Int?

  @Option(help: "Fork rules: frontier … osaka (default: the latest).")
  var fork: String?

  @Flag(help: "With --bench: time wall-clock nanoseconds instead of the thread's CPU time.")
  var wall = false

  /// geth's `evm` defaults: the sender is "sender", the receiver "receiver" (ASCII, left-padded).
  static let caller = Address([UInt8](repeating: 0, count: 14) + Array("sender".utf8))
  static let receiver = Address([UInt8](repeating: 0, count: 12) + Array("receiver".utf8))

  func run() throws {
    try reportingErrors {
      let code = try Self.readCode(codefile)
      let calldata: [UInt8]
      do { calldata = try Hex.decode(input.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
        throw EVMRunError("--input is not hex: \(error)")
      }
      if let runs = bench, runs < 1 { throw EVMRunError("--bench needs at least 1 run, got \(runs)") }
      let rules = try Self.parseFork(fork)
      let intrinsic = VirtualMachine.intrinsicGas(data: calldata, isCreate: false, accessList: [], fork: rules)
      if gas < intrinsic { throw EVMRunError("--gas \(gas) is below the call's intrinsic gas \(intrinsic)") }

      let codeHash = Keccak256.hash(code)
      let state = InMemoryState(
        accounts: [
          Self.caller: Account(balance: U256(1) << 200),
          Self.receiver: Account(nonce: 1, codeHash: codeHash),
        ],
        codes: [codeHash: code])
      let block = BlockEnv(fork: rules, coinbase: .zero, number: 1, timestamp: 1, gasLimit: max(gas, 30_000_000))
      let tx = TxEnv(caller: Self.caller, to: Self.receiver, data: calldata, gasLimit: gas)
      let vm = VirtualMachine(block: block)

      guard let runs = bench else {
        let r = try vm.transact(tx, state: state)
        print(Hex.encode(r.output))
        print("gas used: \(r.gasUsed)")
        if r.status != .success { print("status: \(r.status)") }
        return
      }
      let first = try vm.transact(tx, state: state)
      var times: [UInt64] = []
      times.reserveCapacity(runs)
      for _ in 0..<runs {
        let start = Self.now(wall: wall)
        let r = try vm.transact(tx, state: state)
        let end = Self.now(wall: wall)
        if r.gasUsed != first.gasUsed {
          throw EVMRunError("gas used changed between runs: \(first.gasUsed) then \(r.gasUsed)")
        }
        times.append(end &- start)
      }
      times.sort()
      print("{\"gasUsed\":\(first.gasUsed),\"medianNanos\":\(times[times.count / 2]),\"minNanos\":\(times[0])}")
    }
  }

  /// The thread's CPU time (or the monotonic clock) in nanoseconds.
  static func now(wall: Bool) -> UInt64 {
    var ts = timespec()
    clock_gettime(wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
  }

  static func readCode(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw EVMRunError("cannot read --codefile \(path)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw EVMRunError("--codefile \(path) is not text")
    }
    do { return try Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)) } catch {
      throw EVMRunError("--codefile \(path) is not hex: \(error)")
    }
  }

  static func parseFork(_ name: String?) throws -> Fork {
    guard let name else { return Fork.allCases[Fork.allCases.count - 1] }
    let wanted = name.lowercased()
    for f in Fork.allCases where "\(f)".lowercased() == wanted { return f }
    throw EVMRunError("unknown --fork \(name); known: \(Fork.allCases.map { "\($0)" }.joined(separator: ", "))")
  }
}

/// A one-line error of `strata evm run`.
struct EVMRunError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
