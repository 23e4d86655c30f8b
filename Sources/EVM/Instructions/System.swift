import Primitives
import State

extension EVM {
  /// The gas a caller can pass on: all but one 64th of what is left (EIP-150).
  @inline(__always) func allButOne64th(_ gas: Int) -> Int {
    schedule.allButOne64th ? gas - gas / 64 : gas
  }

  /// CALL, CALLCODE, DELEGATECALL, STATICCALL. `sp` is the stack top before popping; the result
  /// is written where the last operand was. Returns a halt reason, or nil to continue.
  func opCall(_ op: UInt8, _ sp: UnsafeMutablePointer<U256>, _ mem: inout Memory, _ gas: inout Int,
              _ returnData: inout [UInt8], _ msg: Message) throws(StateReadError) -> HaltReason? {
    let hasValue = op == 0xf1 || op == 0xf2
    let gasWord = sp[-1]
    let to = Address(evmWord: sp[-2])
    let value = hasValue ? sp[-3] : .zero
    let a = hasValue ? -4 : -3
    let resultSlot = hasValue ? -7 : -6
    guard let input = memoryRange(sp[a], sp[a - 1]), let output = memoryRange(sp[a - 2], sp[a - 3]) else {
      return .outOfGas
    }
    // Memory expansion cost, charged together with the call's own cost.
    let end = Swift.max(input.size > 0 ? input.offset + input.size : 0, output.size > 0 ? output.offset + output.size : 0)
    var memCost = 0
    if end > mem.size {
      let newWords = (end + 31) >> 5
      memCost = memoryCost(words: newWords) - memoryCost(words: mem.size >> 5)
    }
    var extra = 0
    if schedule.hasWarmCold {
      extra += try warmAccount(to) ? schedule.coldAccountAccess : schedule.warmAccess
    }
    if op == 0xf1 && !value.isZero && msg.isStatic { return .staticWrite }
    if !value.isZero { extra += schedule.callValue }
    if op == 0xf1 {
      let target = try account(to)
      let dead = schedule.clearsEmptyAccounts ? !value.isZero && !target.isAlive : !target.exists
      if dead { extra += schedule.newAccount }
    }
    if gas < extra + memCost { return .outOfGas }
    let available = allButOne64th(gas - extra - memCost)
    var callGas: Int
    if schedule.allButOne64th {
      callGas = gasWord.fitsUInt64 && gasWord.w0 < UInt64(available) ? Int(gasWord.w0) : available
    } else {
      guard gasWord.fitsUInt64 && gasWord.w0 <= UInt64(gas - extra - memCost) else { return .outOfGas }
      callGas = Int(gasWord.w0)
    }
    gas -= extra + memCost + callGas
    if end > mem.size {
      var unused = Int.max
      _ = mem.expand(to: end, gas: &unused)
    }
    if !value.isZero { callGas += schedule.callStipend }
    returnData = []

    let senderBalance = hasValue ? try balance(msg.target) : U256.zero
    if msg.depth + 1 > EVM.depthLimit || senderBalance < value {
      gas += callGas
      sp[resultSlot] = .zero
      return nil
    }
    let child: Message
    switch op {
    case 0xf1:
      child = Message(caller: msg.target, target: to, codeAddress: to, value: value, input: mem.bytes(input.offset, input.size),
                      gas: callGas, depth: msg.depth + 1, isStatic: msg.isStatic, transfersValue: true)
    case 0xf2:
      child = Message(caller: msg.target, target: msg.target, codeAddress: to, value: value, input: mem.bytes(input.offset, input.size),
                      gas: callGas, depth: msg.depth + 1, isStatic: msg.isStatic, transfersValue: true)
    case 0xf4:
      child = Message(caller: msg.caller, target: msg.target, codeAddress: to, value: msg.value, input: mem.bytes(input.offset, input.size),
                      gas: callGas, depth: msg.depth + 1, isStatic: msg.isStatic, transfersValue: false)
    default:
      child = Message(caller: msg.target, target: to, codeAddress: to, value: .zero, input: mem.bytes(input.offset, input.size),
                      gas: callGas, depth: msg.depth + 1, isStatic: true, transfersValue: true)
    }
    let result = try callMessage(child)
    gas += result.gasLeft
    returnData = result.output
    let n = Swift.min(output.size, result.output.count)
    if n > 0 {
      result.output.withUnsafeBytes { (mem.base + output.offset).copyMemory(from: $0.baseAddress!, byteCount: n) }
    }
    sp[resultSlot] = result.status == .success ? .one : .zero
    return nil
  }

  /// CREATE and CREATE2. `sp` is the stack top before popping.
  func opCreate(isCreate2: Bool, _ sp: UnsafeMutablePointer<U256>, _ mem: inout Memory, _ gas: inout Int,
                _ returnData: inout [UInt8], _ msg: Message) throws(StateReadError) -> HaltReason? {
    let value = sp[-1]
    let resultSlot = isCreate2 ? -4 : -3
    guard let r = memoryRange(sp[-2], sp[-3]) else { return .outOfGas }
    let words = (r.size + 31) >> 5
    // EIP-3860: initcode word cost; CREATE2 also pays for hashing the initcode.
    gas -= schedule.initcodeWord * words + (isCreate2 ? 6 * words : 0)
    if gas < 0 { return .outOfGas }
    if r.size > 0 && !mem.expand(to: r.offset + r.size, gas: &gas) { return .outOfGas }
    if msg.isStatic { return .staticWrite }
    if r.size > schedule.maxInitcodeSize { return .outOfGas }
    let initcode = mem.bytes(r.offset, r.size)
    let creator = try account(msg.target)
    let newAddress: Address
    if isCreate2 {
      newAddress = create2Address(sender: msg.target, salt: sp[-4], initcodeHash: Keccak256.hash(initcode))
    } else {
      newAddress = createAddress(sender: msg.target, nonce: creator.nonce)
    }
    if schedule.hasWarmCold { _ = try warmAccount(newAddress) }
    let childGas = allButOne64th(gas)
    gas -= childGas
    returnData = []
    if creator.balance < value || creator.nonce == UInt64.max || msg.depth + 1 > EVM.depthLimit {
      gas += childGas
      sp[resultSlot] = .zero
      return nil
    }
    try setNonce(msg.target, creator.nonce + 1)
    if try account(newAddress).hasCodeOrNonceOrStorage {
      // EIP-684 / EIP-7610: collision; the child's gas is consumed.
      sp[resultSlot] = .zero
      return nil
    }
    let child = Message(caller: msg.target, target: newAddress, codeAddress: newAddress, value: value, input: [],
                        gas: childGas, depth: msg.depth + 1, isStatic: false, transfersValue: true)
    let result = try createMessage(child, initcode: initcode)
    gas += result.gasLeft
    if result.status == .success {
      sp[resultSlot] = newAddress.evmWord
    } else {
      returnData = result.output
      sp[resultSlot] = .zero
    }
    return nil
  }

  /// SELFDESTRUCT (EIP-6780 from Cancun). Returns a halt reason, or nil: the frame then stops.
  func opSelfdestruct(_ beneficiary: Address, _ gas: inout Int, _ msg: Message) throws(StateReadError) -> HaltReason? {
    var cost = 0
    if schedule.hasWarmCold {
      let cold = try warmAccount(beneficiary)
      if cold { cost += schedule.coldAccountAccess }
    }
    let originator = msg.target
    let balance = try self.balance(originator)
    if schedule.fork >= .tangerineWhistle {
      let b = try account(beneficiary)
      let dead = schedule.clearsEmptyAccounts ? !b.isAlive && !balance.isZero : !b.exists
      if dead { cost += schedule.newAccount }
    }
    gas -= cost
    if gas < 0 { return .outOfGas }
    if msg.isStatic { return .staticWrite }
    let created = try account(originator).created
    // Move the balance (a no-op when the beneficiary is the originator).
    if beneficiary != originator {
      try transfer(from: originator, to: beneficiary, balance)
    }
    if !schedule.selfdestructOnlyInCreatingTx || created {
      // The balance is burnt even when the beneficiary is the originator.
      try setBalance(originator, .zero)
      if !accounts[originator]!.selfdestructed {
        if schedule.selfdestructRefund > 0 { refund += schedule.selfdestructRefund }
        accounts[originator]!.selfdestructed = true
        journal.append(.selfdestructed(originator))
      }
    }
    if schedule.clearsEmptyAccounts { try touch(beneficiary) }
    return nil
  }

  // MARK: - Messages

  /// Runs a message call (the specification's `process_message`): value transfer, then the
  /// precompile or the code; reverts the state on failure.
  func callMessage(_ msg: Message) throws(StateReadError) -> FrameResult {
    let cp = checkpoint()
    try touch(msg.target)
    if msg.transfersValue && !msg.value.isZero {
      try transfer(from: msg.caller, to: msg.target, msg.value)
    }
    var result: FrameResult
    if let index = precompileIndex(msg.codeAddress) {
      result = runPrecompile(index, input: msg.input, gas: msg.gas)
    } else {
      let code = try self.code(msg.codeAddress)
      if code.size == 0 {
        result = FrameResult(status: .success, gasLeft: msg.gas, output: [])
      } else {
        result = try run(msg, code: code)
      }
    }
    if result.status != .success { revert(to: cp) }
    return result
  }

  /// Runs a creation (`process_create_message`): marks the account created, runs the initcode
  /// and deploys what it returns (EIP-170, EIP-3541, code deposit cost).
  func createMessage(_ msg: Message, initcode: [UInt8]) throws(StateReadError) -> FrameResult {
    let cp = checkpoint()
    let a = msg.target
    try load(a)
    journal.append(.accountReplaced(a, old: accounts[a]!))
    accounts[a]!.created = true
    accounts[a]!.exists = true
    if schedule.clearsEmptyAccounts { accounts[a]!.nonce = 1 }
    try touch(a)
    if !msg.value.isZero { try transfer(from: msg.caller, to: a, msg.value) }
    var result = try run(msg, code: CodeAnalysis(initcode))
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
          // Homestead+: running out of gas for the deposit fails the creation.
          failure = .outOfGas
        } else {
          result.gasLeft -= cost
        }
      }
      if let failure {
        result = .halt(failure)
      } else {
        journal.append(.accountReplaced(a, old: accounts[a]!))
        let analysis = CodeAnalysis(code)
        let hash = Keccak256.hash(code)
        accounts[a]!.codeHash = hash
        accounts[a]!.code = analysis
        accounts[a]!.codeDeployed = true
        result.output = []
        return result
      }
    }
    revert(to: cp)
    return result
  }

  /// The 1-based precompile number of `address`, or nil.
  @inline(__always)
  func precompileIndex(_ address: Address) -> UInt32? {
    guard address.w0 == 0 && address.w1 == 0 else { return nil }
    let n = UInt32(bigEndian: address.w2)
    return n >= 1 && n <= precompileCount ? n : nil
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
