import Primitives
import State

/// One call frame's inputs (the specification's `Message`).
struct Message {
  var caller: Address
  /// The account whose storage and balance the code acts on (ADDRESS).
  var target: Address
  /// The account whose code runs (differs from `target` for CALLCODE and DELEGATECALL).
  var codeAddress: Address
  /// CALLVALUE (for DELEGATECALL, the parent's).
  var value: U256
  var input: [UInt8]
  var gas: Int
  var depth: Int
  var isStatic: Bool
  /// False for DELEGATECALL: `value` is only apparent.
  var transfersValue: Bool
  /// EIP-7702: `codeAddress` is the delegate of an account with a designator; its code runs
  /// even when it is a precompile's address (precompiles are then disabled).
  var delegated = false
}

/// How a frame ended.
struct FrameResult {
  var status: ExecutionStatus
  var gasLeft: Int
  var output: [UInt8]

  static func halt(_ r: HaltReason) -> FrameResult { FrameResult(status: .halt(r), gasLeft: 0, output: []) }
}

extension VirtualMachine {
  /// Runs a message call (the specification's `process_message`): value transfer, then the
  /// precompile or the code; reverts the state on failure.
  func callMessage(_ msg: Message) throws(StateReadError) -> FrameResult {
    let cp = host.checkpoint()
    try host.touch(msg.target)
    // Before EIP-161 a call creates the account it reaches when there is none (an empty
    // account then stays in the state), whatever the value.
    if !schedule.clearsEmptyAccounts { try host.createIfMissing(msg.target) }
    if msg.transfersValue && !msg.value.isZero {
      try host.transfer(from: msg.caller, to: msg.target, msg.value)
    }
    var result: FrameResult
    if !msg.delegated, let index = host.precompileIndex(msg.codeAddress) {
      result = runPrecompile(index, input: msg.input, gas: msg.gas)
    } else {
      let code = try host.code(msg.codeAddress)
      if code.size == 0 {
        result = FrameResult(status: .success, gasLeft: msg.gas, output: [])
      } else {
        result = try run(msg, code: code)
      }
    }
    if result.status != .success { host.revert(to: cp) }
    return result
  }

  /// Runs a creation (`process_create_message`): marks the account created, runs the initcode
  /// and deploys what it returns (EIP-170, EIP-3541, code deposit cost).
  func createMessage(_ msg: Message, initcode: [UInt8]) throws(StateReadError) -> FrameResult {
    let host = self.host
    let cp = host.checkpoint()
    let a = msg.target
    try host.load(a)
    host.journal.append(.accountReplaced(a, old: host.accounts[a]!))
    host.accounts[a]!.created = true
    host.accounts[a]!.exists = true
    if schedule.clearsEmptyAccounts { host.accounts[a]!.nonce = 1 }
    try host.touch(a)
    if !msg.value.isZero { try host.transfer(from: msg.caller, to: a, msg.value) }
    var result = try run(msg, code: CodeAnalysis(initcode, table: table))
    if result.status == .success {
      let code = result.output
      var failure: HaltReason? = nil
      if schedule.rejectsEFCode && code.first == 0xef {
        failure = .invalidCodePrefix
      } else if code.count > schedule.maxCodeSize {
        failure = .codeSizeLimit
      } else {
        let cost = code.count * schedule.codeDeposit
        if cost > result.gasLeft {
          // Homestead+: running out of gas for the deposit fails the creation. Frontier keeps
          // the created account, without code, and charges nothing for the deposit.
          if fork >= .homestead {
            failure = .outOfGas
          } else {
            result.output = []
            return result
          }
        } else {
          result.gasLeft -= cost
        }
      }
      if let failure {
        result = .halt(failure)
      } else {
        host.journal.append(.accountReplaced(a, old: host.accounts[a]!))
        let analysis = CodeAnalysis(code, table: table)
        let hash = Keccak256.hash(code)
        host.accounts[a]!.codeHash = hash
        host.accounts[a]!.code = analysis
        host.accounts[a]!.codeDeployed = true
        result.output = []
        return result
      }
    }
    host.revert(to: cp)
    return result
  }
}

/// CREATE: keccak(rlp([sender, nonce]))[12:].
public func createAddress(sender: Address, nonce: UInt64) -> Address {
  var e = RLPEncoder()
  e.list { l in
    l.append(sender)
    l.append(nonce)
  }
  return Address(Keccak256.hash(e.bytes).bytes[12..<32])
}

/// CREATE2 (EIP-1014): keccak(0xff ‖ sender ‖ salt ‖ keccak(initcode))[12:].
public func create2Address(sender: Address, salt: U256, initcodeHash: Hash) -> Address {
  var buf: [UInt8] = [0xff]
  buf.reserveCapacity(85)
  buf += sender.bytes
  buf += salt.bigEndianBytes
  buf += initcodeHash.bytes
  return Address(Keccak256.hash(buf).bytes[12..<32])
}
