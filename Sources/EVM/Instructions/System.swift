import Primitives
import State

/// The four message-call opcodes, which differ only in their operands and the child message.
enum CallKind {
  case call, callcode, delegatecall, staticcall

  /// CALL and CALLCODE take a value operand.
  @inline(__always) var hasValue: Bool { self == .call || self == .callcode }
}

/// The two creation opcodes: CREATE2 (EIP-1014) takes a salt and hashes the initcode.
enum CreateKind {
  case create, create2
}

// System operations (0xf0–0xff): calls, creations, SELFDESTRUCT. The dispatch calls the
// `@inline(__always)` wrappers, which hand copies of the frame's registers to the out-of-line
// bodies (so that the loop's own `gas` and memory never escape and stay in registers).

extension VirtualMachine {
  /// The gas a caller can pass on: all but one 64th of what is left (EIP-150).
  @inline(__always) func allButOne64th(_ gas: Int) -> Int {
    schedule.allButOne64th ? gas - gas / 64 : gas
  }

  /// CALL, CALLCODE, DELEGATECALL, STATICCALL: pops the operands, pushes 1 on success.
  @inline(__always) func opCall(_ kind: CallKind, _ sp: inout StackPointer, _ mem: inout Memory, _ gas: inout Int,
                                _ returnData: inout [UInt8], _ msg: Message) throws(StateReadError) -> HaltReason? {
    var g = gas, m = mem, rd = returnData
    let h = try call(kind, sp, &m, &g, &rd, msg)
    gas = g; mem = m; returnData = rd
    if h == nil { sp -= kind.hasValue ? 6 : 5 }
    return h
  }

  /// CREATE, CREATE2: pops the operands, pushes the new address (zero on failure).
  @inline(__always) func opCreate(_ kind: CreateKind, _ sp: inout StackPointer, _ mem: inout Memory, _ gas: inout Int,
                                  _ returnData: inout [UInt8], _ msg: Message) throws(StateReadError) -> HaltReason? {
    var g = gas, m = mem, rd = returnData
    let h = try create(kind, sp, &m, &g, &rd, msg)
    gas = g; mem = m; returnData = rd
    if h == nil { sp -= kind == .create2 ? 3 : 2 }
    return h
  }

  /// SELFDESTRUCT: the frame stops (successfully, or with the halt).
  @inline(__always) func opSelfdestruct(_ sp: StackPointer, _ gas: Int, _ msg: Message) throws(StateReadError) -> FrameResult {
    var g = gas
    if let h = try selfdestruct(Address(evmWord: sp[-1]), &g, msg) { return .halt(h) }
    return FrameResult(status: .success, gasLeft: g, output: [])
  }

  /// The body of the four calls. `sp` is the stack top before popping; the result is written
  /// where the last operand was. Returns a halt reason, or nil to continue.
  func call(_ kind: CallKind, _ sp: StackPointer, _ mem: inout Memory, _ gas: inout Int,
            _ returnData: inout [UInt8], _ msg: Message) throws(StateReadError) -> HaltReason? {
    let hasValue = kind.hasValue
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
      extra += host.warmAccount(to) ? schedule.coldAccountAccess : schedule.warmAccess
    }
    // EIP-7702: a designator's delegate supplies the code, its access charged with the call's.
    var codeAddress = to
    var delegated = false
    if schedule.fork >= .prague, let d = try host.code(to).delegationTarget {
      codeAddress = d
      delegated = true
      extra += host.warmAccount(d) ? schedule.coldAccountAccess : schedule.warmAccess
    }
    if kind == .call && !value.isZero && msg.isStatic { return .staticWrite }
    if !value.isZero { extra += schedule.callValue }
    if kind == .call {
      let target = try host.account(to)
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

    let senderBalance = hasValue ? try host.balance(msg.target) : U256.zero
    if msg.depth + 1 > VirtualMachine.depthLimit || senderBalance < value {
      gas += callGas
      sp[resultSlot] = .zero
      return nil
    }
    let childInput = mem.bytes(input.offset, input.size)
    var child: Message
    switch kind {
    case .call:
      child = Message(caller: msg.target, target: to, codeAddress: codeAddress, value: value, input: childInput,
                      gas: callGas, depth: msg.depth + 1, isStatic: msg.isStatic, transfersValue: true)
    case .callcode:
      child = Message(caller: msg.target, target: msg.target, codeAddress: codeAddress, value: value, input: childInput,
                      gas: callGas, depth: msg.depth + 1, isStatic: msg.isStatic, transfersValue: true)
    case .delegatecall:
      child = Message(caller: msg.caller, target: msg.target, codeAddress: codeAddress, value: msg.value, input: childInput,
                      gas: callGas, depth: msg.depth + 1, isStatic: msg.isStatic, transfersValue: false)
    case .staticcall:
      child = Message(caller: msg.target, target: to, codeAddress: codeAddress, value: .zero, input: childInput,
                      gas: callGas, depth: msg.depth + 1, isStatic: true, transfersValue: true)
    }
    child.delegated = delegated
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

  /// The body of CREATE and CREATE2. `sp` is the stack top before popping.
  func create(_ kind: CreateKind, _ sp: StackPointer, _ mem: inout Memory, _ gas: inout Int,
              _ returnData: inout [UInt8], _ msg: Message) throws(StateReadError) -> HaltReason? {
    let isCreate2 = kind == .create2
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
    let creator = try host.account(msg.target)
    let newAddress: Address
    if isCreate2 {
      newAddress = create2Address(sender: msg.target, salt: sp[-4], initcodeHash: Keccak256.hash(initcode))
    } else {
      newAddress = createAddress(sender: msg.target, nonce: creator.nonce)
    }
    if schedule.hasWarmCold { _ = host.warmAccount(newAddress) }
    let childGas = allButOne64th(gas)
    gas -= childGas
    returnData = []
    if creator.balance < value || creator.nonce == UInt64.max || msg.depth + 1 > VirtualMachine.depthLimit {
      gas += childGas
      sp[resultSlot] = .zero
      return nil
    }
    try host.setNonce(msg.target, creator.nonce + 1)
    if try host.account(newAddress).hasCodeOrNonceOrStorage {
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

  /// The body of SELFDESTRUCT (EIP-6780 from Cancun). Returns a halt reason, or nil: the frame
  /// then stops.
  func selfdestruct(_ beneficiary: Address, _ gas: inout Int, _ msg: Message) throws(StateReadError) -> HaltReason? {
    var cost = 0
    if schedule.hasWarmCold {
      if host.warmAccount(beneficiary) { cost += schedule.coldAccountAccess }
    }
    let originator = msg.target
    let balance = try host.balance(originator)
    if schedule.fork >= .tangerineWhistle {
      let b = try host.account(beneficiary)
      let dead = schedule.clearsEmptyAccounts ? !b.isAlive && !balance.isZero : !b.exists
      if dead { cost += schedule.newAccount }
    }
    gas -= cost
    if gas < 0 { return .outOfGas }
    if msg.isStatic { return .staticWrite }
    let created = try host.account(originator).created
    // Move the balance (a no-op when the beneficiary is the originator).
    if beneficiary != originator {
      try host.transfer(from: originator, to: beneficiary, balance)
    }
    if !schedule.selfdestructOnlyInCreatingTx || created {
      // The balance is burnt even when the beneficiary is the originator.
      try host.setBalance(originator, .zero)
      if !host.accounts[originator]!.selfdestructed {
        if schedule.selfdestructRefund > 0 { host.refund += schedule.selfdestructRefund }
        host.accounts[originator]!.selfdestructed = true
        host.journal.append(.selfdestructed(originator))
      }
    }
    if schedule.clearsEmptyAccounts {
      try host.touch(beneficiary)
    } else {
      // Before EIP-161 the beneficiary exists afterwards even when the balance was zero.
      try host.createIfMissing(beneficiary)
    }
    return nil
  }
}
