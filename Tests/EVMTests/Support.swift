import Primitives
import State
@testable import EVM

/// An in-memory `StateReader` for tests; `blockedSlot` makes one storage read throw
/// `.blocked(on:)` as Block-STM's view would.
final class TestState: StateReader, @unchecked Sendable {
  var accounts: [Address: Account] = [:]
  var codes: [Hash: [UInt8]] = [:]
  var slots: [Address: [U256: U256]] = [:]
  var blockedSlot: (Address, U256, Int)?

  func account(_ address: Address) throws(StateReadError) -> Account? { accounts[address] }
  func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] { codes[codeHash] ?? [] }
  func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 {
    if let (a, s, tx) = blockedSlot, a == address, s == slot { throw .blocked(on: tx) }
    return slots[address]?[slot] ?? .zero
  }
  func blockHash(_ number: UInt64) throws(StateReadError) -> Hash { U256(number &* 1000 + 7).hash }

  func set(_ address: Address, balance: U256 = .zero, nonce: UInt64 = 0, code: [UInt8] = [], storage: [U256: U256] = [:]) {
    let hash = code.isEmpty ? Hash.emptyKeccak : Keccak256.hash(code)
    if !code.isEmpty { codes[hash] = code }
    accounts[address] = Account(nonce: nonce, balance: balance, codeHash: hash,
                                storageRoot: storage.isEmpty ? .emptyTrieRoot : Hash.zero)
    slots[address] = storage
  }

  /// Applies a write set (what an executor does between transactions).
  func apply(_ ws: WriteSet) {
    for w in ws.accounts {
      if let a = w.account {
        accounts[w.address] = a
        if let c = w.code { codes[a.codeHash] = c }
        if w.created { slots[w.address] = [:] }
      } else {
        accounts[w.address] = nil
        slots[w.address] = nil
      }
    }
    for s in ws.storage { slots[s.address, default: [:]][s.slot] = s.value }
    // Credits: read, then add (EIP-161: a zero credit deletes an existing empty account).
    for c in ws.credits {
      switch BalanceCredit.apply(c.value, to: accounts[c.address], clearsEmptyAccounts: true) {
      case .unchanged: break
      case .deleted: accounts[c.address] = nil; slots[c.address] = nil
      case .set(let a): accounts[c.address] = a
      }
    }
  }
}

/// A small bytecode builder: `Asm().push(1).push(2).op(.add)`.
struct Asm {
  var bytes: [UInt8] = []

  func op(_ o: Opcode) -> Asm { var c = self; c.bytes.append(o.rawValue); return c }
  func ops(_ os: Opcode...) -> Asm { var c = self; for o in os { c.bytes.append(o.rawValue) }; return c }
  func raw(_ b: [UInt8]) -> Asm { var c = self; c.bytes += b; return c }

  /// The shortest PUSH for `v` (PUSH1 0 for zero, so tests run before Shanghai too).
  func push(_ v: U256) -> Asm {
    var c = self
    let n = max(1, v.byteWidth)
    c.bytes.append(0x5f + UInt8(n))
    c.bytes += Array(v.bigEndianBytes.suffix(n))
    return c
  }
  func push(_ v: Int) -> Asm { push(U256(v)) }
  func push(_ a: Address) -> Asm { var c = self; c.bytes.append(0x73); c.bytes += a.bytes; return c }

  /// MSTORE the top at 0 and RETURN 32 bytes.
  func returnTop() -> Asm { push(0).op(.mstore).push(32).push(0).op(.return) }
  /// SSTORE the top to `slot`.
  func store(_ slot: Int) -> Asm { push(slot).op(.sstore) }
  /// CALL(gas, to, value, 0, inSize, 0, outSize).
  func call(_ op: Opcode = .call, gas: U256 = U256(1_000_000), to: Address, value: Int = 0, inSize: Int = 0, outSize: Int = 0) -> Asm {
    var c = self.push(outSize).push(0).push(inSize).push(0)
    if op == .call || op == .callcode { c = c.push(value) }
    return c.push(to).push(gas).op(op)
  }
  /// Initcode that deploys `runtime` (CODECOPY + RETURN).
  static func deploy(_ runtime: [UInt8]) -> [UInt8] {
    // PUSH2 len PUSH1 off PUSH1 0 CODECOPY PUSH2 len PUSH1 0 RETURN  (14 bytes)
    let n = runtime.count
    let prefix: [UInt8] = [0x61, UInt8(n >> 8), UInt8(n & 0xff), 0x60, 14, 0x60, 0, 0x39,
                           0x61, UInt8(n >> 8), UInt8(n & 0xff), 0x60, 0, 0xf3]
    return prefix + runtime
  }
}

let sender = Address(low: 0x5e_4d)
let contract = Address(low: 0xc0_47)
let other = Address(low: 0x07_4e)
let coinbase = Address(low: 0xc0_1b)

/// Runs one transaction from `sender` (funded) to `to`, on `state`.
@discardableResult
func run(_ state: TestState, to: Address?, data: [UInt8] = [], value: U256 = .zero, gas: UInt64 = 1_000_000,
         fork: Fork = .cancun, accessList: [AccessListEntry] = [], blobHashes: [Hash] = [],
         block: BlockEnv? = nil) throws(TransactError) -> ExecutionResult {
  if state.accounts[sender] == nil { state.set(sender, balance: U256(1) << 100) }
  var env = block ?? BlockEnv(fork: fork, coinbase: coinbase, number: 100, timestamp: 1000, gasLimit: 30_000_000,
                              baseFee: U256(7), chainID: U256(1337), blobBaseFee: U256(3))
  env.fork = fork
  let evm = VirtualMachine(block: env)
  let tx = TxEnv(caller: sender, to: to, value: value, data: data, gasLimit: gas, gasPrice: U256(10),
                 blobHashes: blobHashes, accessList: accessList)
  return try evm.transact(tx, state: state)
}

/// Runs `code` at `contract` and returns the result (its write set applied to `state`).
@discardableResult
func exec(_ code: Asm, state: TestState = TestState(), fork: Fork = .cancun, gas: UInt64 = 1_000_000,
          data: [UInt8] = [], value: U256 = .zero, accessList: [AccessListEntry] = [],
          blobHashes: [Hash] = []) throws -> ExecutionResult {
  if state.accounts[contract] == nil { state.set(contract, code: code.bytes) }
  let r = try run(state, to: contract, data: data, value: value, gas: gas, fork: fork, accessList: accessList, blobHashes: blobHashes)
  state.apply(r.writeSet)
  return r
}

/// Gas used by execution alone (transaction gas minus 21000, before refunds) and the raw refund
/// counter, by running a frame directly at `contract`.
func frameGas(_ code: Asm, state: TestState = TestState(), fork: Fork = .cancun, gas: Int = 1_000_000,
              warmSlots: [U256] = [], isStatic: Bool = false, depth: Int = 0) throws -> (used: Int, refund: Int, result: FrameResult, evm: VirtualMachine) {
  if state.accounts[contract] == nil { state.set(contract, code: code.bytes) }
  let evm = VirtualMachine(block: BlockEnv(fork: fork, coinbase: coinbase, number: 100, baseFee: U256(7), blobBaseFee: U256(3)))
  evm.beginTransaction(reader: state, origin: sender, gasPrice: U256(10), blobHashes: [])
  _ = evm.host.warmAccount(sender)
  _ = evm.host.warmAccount(contract)
  for s in warmSlots { _ = try evm.host.sload(contract, s) }
  let msg = Message(caller: sender, target: contract, codeAddress: contract, value: .zero, input: [], gas: gas,
                    depth: depth, isStatic: isStatic, transfersValue: true)
  let r = try evm.callMessage(msg)
  return (gas - r.gasLeft, evm.host.refund, r, evm)
}

extension ExecutionResult {
  /// The output read as one word.
  var word: U256 { U256(bigEndian: output.prefix(32)) }
}

extension TestState {
  func slot(_ a: Address, _ s: Int) -> U256 { slots[a]?[U256(s)] ?? .zero }
}
