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
}

/// How a frame ended.
struct FrameResult {
  var status: ExecutionStatus
  var gasLeft: Int
  var output: [UInt8]

  static func halt(_ r: HaltReason) -> FrameResult { FrameResult(status: .halt(r), gasLeft: 0, output: []) }
}

/// Reads an `n`-byte big-endian immediate at `p` (n ≤ 32; the code is padded so it is readable).
@inline(__always)
func readImmediate(_ p: UnsafePointer<UInt8>, _ n: Int) -> U256 {
  var r = U256.zero
  var end = n
  var limb = 0
  while end >= 8 {
    r[limb: limb] = UInt64(bigEndian: UnsafeRawPointer(p + end - 8).loadUnaligned(as: UInt64.self))
    end -= 8
    limb += 1
  }
  if end > 0 {
    var v: UInt64 = 0
    for j in 0..<end { v = v << 8 | UInt64(p[j]) }
    r[limb: limb] = v
  }
  return r
}

extension EVM {
  /// Runs `code` for `msg`: the interpreter loop.
  ///
  /// One `switch` on the opcode byte; stack height and static gas are checked from the opcode
  /// table before each body, so bodies read the stack unchecked. Exceptional halts are results;
  /// only a `StateReadError` from the reader is thrown.
  func run(_ msg: Message, code analysis: CodeAnalysis) throws(StateReadError) -> FrameResult {
    let code = UnsafePointer(analysis.code)
    let codeSize = analysis.size
    let table = UnsafePointer(self.table)
    let stackBase = stackBuffer(depth: msg.depth)
    let buffer = memoryBuffer(depth: msg.depth)
    var mem = Memory(base: buffer.base, capacity: buffer.capacity)
    defer { returnMemoryBuffer(depth: msg.depth, mem.base, mem.capacity) }
    var sp = stackBase  // next free slot; the top is sp[-1]
    var pc = 0
    var gas = msg.gas
    var returnData: [UInt8] = []
    let warmCold = schedule.hasWarmCold

    while true {
      let op = code[pc]
      let info = table[Int(op)]
      // Stack height in bytes: no division on the hot path.
      let heightBytes = UnsafeRawPointer(sp) - UnsafeRawPointer(stackBase)
      if heightBytes < Int(info.minStackBytes) || heightBytes > Int(info.maxStackBytes) {
        if !info.defined { return .halt(.invalidOpcode) }
        return .halt(heightBytes < Int(info.minStackBytes) ? .stackUnderflow : .stackOverflow)
      }
      gas &-= Int(info.staticGas)
      if gas < 0 { return .halt(.outOfGas) }

      switch op {
      case 0x00:  // STOP
        return FrameResult(status: .success, gasLeft: gas, output: [])
      case 0x01: sp[-2] = sp[-1] &+ sp[-2]; sp -= 1
      case 0x02: sp[-2] = sp[-1] &* sp[-2]; sp -= 1
      case 0x03: sp[-2] = sp[-1] &- sp[-2]; sp -= 1
      case 0x04: sp[-2] = sp[-1] / sp[-2]; sp -= 1
      case 0x05: sp[-2] = sp[-1].signedDivided(by: sp[-2]); sp -= 1
      case 0x06: sp[-2] = sp[-1] % sp[-2]; sp -= 1
      case 0x07: sp[-2] = sp[-1].signedRemainder(dividingBy: sp[-2]); sp -= 1
      case 0x08: sp[-3] = sp[-1].addMod(sp[-2], sp[-3]); sp -= 2
      case 0x09: sp[-3] = sp[-1].mulMod(sp[-2], sp[-3]); sp -= 2
      case 0x0a:  // EXP
        let e = sp[-2]
        gas &-= schedule.expByte &* e.byteWidth
        if gas < 0 { return .halt(.outOfGas) }
        sp[-2] = sp[-1].power(e); sp -= 1
      case 0x0b: sp[-2] = sp[-2].signExtended(fromByte: sp[-1]); sp -= 1

      case 0x10: sp[-2] = sp[-1] < sp[-2] ? .one : .zero; sp -= 1
      case 0x11: sp[-2] = sp[-2] < sp[-1] ? .one : .zero; sp -= 1
      case 0x12: sp[-2] = sp[-1].signedLess(than: sp[-2]) ? .one : .zero; sp -= 1
      case 0x13: sp[-2] = sp[-2].signedLess(than: sp[-1]) ? .one : .zero; sp -= 1
      case 0x14: sp[-2] = sp[-1] == sp[-2] ? .one : .zero; sp -= 1
      case 0x15: sp[-1] = sp[-1].isZero ? .one : .zero
      case 0x16: sp[-2] = sp[-1] & sp[-2]; sp -= 1
      case 0x17: sp[-2] = sp[-1] | sp[-2]; sp -= 1
      case 0x18: sp[-2] = sp[-1] ^ sp[-2]; sp -= 1
      case 0x19: sp[-1] = ~sp[-1]
      case 0x1a: sp[-2] = sp[-2].byte(at: sp[-1]); sp -= 1
      case 0x1b: sp[-2] = sp[-2].shiftedLeft(by: sp[-1]); sp -= 1
      case 0x1c: sp[-2] = sp[-2].shiftedRight(by: sp[-1]); sp -= 1
      case 0x1d: sp[-2] = sp[-2].arithmeticShiftedRight(by: sp[-1]); sp -= 1

      case 0x20:  // KECCAK256
        guard let r = memoryRange(sp[-1], sp[-2]) else { return .halt(.outOfGas) }
        gas &-= 6 &* ((r.size &+ 31) >> 5)
        if gas < 0 { return .halt(.outOfGas) }
        if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        let h = Keccak256.hash(UnsafeRawBufferPointer(start: mem.base + r.offset, count: r.size))
        sp[-2] = U256(h); sp -= 1

      case 0x30: sp.pointee = msg.target.evmWord; sp += 1
      case 0x31:  // BALANCE
        let a = Address(evmWord: sp[-1])
        if warmCold {
          gas &-= try warmAccount(a) ? schedule.coldAccountAccess : schedule.warmAccess
          if gas < 0 { return .halt(.outOfGas) }
        }
        sp[-1] = try balance(a)
      case 0x32: sp.pointee = origin.evmWord; sp += 1
      case 0x33: sp.pointee = msg.caller.evmWord; sp += 1
      case 0x34: sp.pointee = msg.value; sp += 1
      case 0x35:  // CALLDATALOAD
        let off = sp[-1]
        var v = U256.zero
        if off.fitsUInt64 && off.w0 < UInt64(msg.input.count) {
          let o = Int(off.w0)
          msg.input.withUnsafeBytes { src in
            var buf: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            withUnsafeMutableBytes(of: &buf) { dst in
              dst.baseAddress!.copyMemory(from: src.baseAddress! + o, byteCount: Swift.min(32, src.count - o))
              v = U256(loadingBigEndianFrom: dst.baseAddress!)
            }
          }
        }
        sp[-1] = v
      case 0x36: sp.pointee = U256(UInt64(msg.input.count)); sp += 1
      case 0x37, 0x39, 0x3e:  // CALLDATACOPY, CODECOPY, RETURNDATACOPY
        guard let r = memoryRange(sp[-1], sp[-3]) else { return .halt(.outOfGas) }
        let srcOffset = sp[-2]
        sp -= 3
        if op == 0x3e {
          // EIP-211: reading past the return data is an exceptional halt.
          let (end, o) = srcOffset.addingReportingOverflow(U256(UInt64(r.size)))
          if o || end > U256(UInt64(returnData.count)) { return .halt(.returnDataOutOfBounds) }
        }
        gas &-= copyCost(r.size)
        if gas < 0 { return .halt(.outOfGas) }
        if r.size == 0 { break }
        if !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        let dest = mem.base + r.offset
        switch op {
        case 0x37: msg.input.withUnsafeBytes { copyPadded(to: dest, from: $0, offset: srcOffset, size: r.size) }
        case 0x39: copyPadded(to: dest, from: UnsafeRawBufferPointer(start: code, count: codeSize), offset: srcOffset, size: r.size)
        default: returnData.withUnsafeBytes { copyPadded(to: dest, from: $0, offset: srcOffset, size: r.size) }
        }
      case 0x38: sp.pointee = U256(UInt64(codeSize)); sp += 1
      case 0x3a: sp.pointee = gasPrice; sp += 1
      case 0x3b:  // EXTCODESIZE
        let a = Address(evmWord: sp[-1])
        if warmCold {
          gas &-= try warmAccount(a) ? schedule.coldAccountAccess : schedule.warmAccess
          if gas < 0 { return .halt(.outOfGas) }
        }
        sp[-1] = U256(UInt64(try self.code(a).size))
      case 0x3c:  // EXTCODECOPY
        let a = Address(evmWord: sp[-1])
        guard let r = memoryRange(sp[-2], sp[-4]) else { return .halt(.outOfGas) }
        let srcOffset = sp[-3]
        sp -= 4
        if warmCold { gas &-= try warmAccount(a) ? schedule.coldAccountAccess : schedule.warmAccess }
        gas &-= copyCost(r.size)
        if gas < 0 { return .halt(.outOfGas) }
        if r.size == 0 { break }
        if !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        let c = try self.code(a)
        copyPadded(to: mem.base + r.offset, from: UnsafeRawBufferPointer(start: c.code, count: c.size), offset: srcOffset, size: r.size)
      case 0x3d: sp.pointee = U256(UInt64(returnData.count)); sp += 1
      case 0x3f:  // EXTCODEHASH
        let a = Address(evmWord: sp[-1])
        if warmCold {
          gas &-= try warmAccount(a) ? schedule.coldAccountAccess : schedule.warmAccess
          if gas < 0 { return .halt(.outOfGas) }
        }
        let acct = try account(a)
        sp[-1] = acct.exists && !acct.isEmpty ? U256(acct.codeHash) : .zero

      case 0x40:  // BLOCKHASH
        let n = sp[-1]
        var h = U256.zero
        if n.fitsUInt64 && n.w0 < block.number && block.number - n.w0 <= 256 {
          h = U256(try reader.blockHash(n.w0))
        }
        sp[-1] = h
      case 0x41: sp.pointee = block.coinbase.evmWord; sp += 1
      case 0x42: sp.pointee = U256(block.timestamp); sp += 1
      case 0x43: sp.pointee = U256(block.number); sp += 1
      case 0x44: sp.pointee = fork >= .paris ? U256(block.prevRandao) : block.difficulty; sp += 1
      case 0x45: sp.pointee = U256(block.gasLimit); sp += 1
      case 0x46: sp.pointee = block.chainID; sp += 1
      case 0x47: sp.pointee = try balance(msg.target); sp += 1
      case 0x48: sp.pointee = block.baseFee; sp += 1
      case 0x49:  // BLOBHASH
        let i = sp[-1]
        sp[-1] = i.fitsUInt64 && i.w0 < UInt64(blobHashes.count) ? U256(blobHashes[Int(i.w0)]) : .zero
      case 0x4a: sp.pointee = block.blobBaseFee; sp += 1

      case 0x50: sp -= 1
      case 0x51:  // MLOAD
        guard let r = memoryRange(sp[-1], 32) else { return .halt(.outOfGas) }
        if !mem.expand(to: r.offset &+ 32, gas: &gas) { return .halt(.outOfGas) }
        sp[-1] = mem.load(r.offset)
      case 0x52:  // MSTORE
        guard let r = memoryRange(sp[-1], 32) else { return .halt(.outOfGas) }
        if !mem.expand(to: r.offset &+ 32, gas: &gas) { return .halt(.outOfGas) }
        mem.store(r.offset, sp[-2]); sp -= 2
      case 0x53:  // MSTORE8
        guard let r = memoryRange(sp[-1], 1) else { return .halt(.outOfGas) }
        if !mem.expand(to: r.offset &+ 1, gas: &gas) { return .halt(.outOfGas) }
        mem.base.storeBytes(of: UInt8(truncatingIfNeeded: sp[-2].w0), toByteOffset: r.offset, as: UInt8.self)
        sp -= 2
      case 0x54:  // SLOAD
        let (v, cold) = try sload(msg.target, sp[-1])
        if warmCold {
          gas &-= cold ? schedule.coldSload : schedule.warmAccess
          if gas < 0 { return .halt(.outOfGas) }
        }
        sp[-1] = v
      case 0x55:  // SSTORE
        if msg.isStatic { return .halt(.staticWrite) }
        if let h = try sstore(msg.target, key: sp[-1], value: sp[-2], gas: &gas) { return .halt(h) }
        sp -= 2
      case 0x56:  // JUMP
        let d = sp[-1]
        sp -= 1
        guard d.fitsUInt64 && d.w0 < UInt64(codeSize) && analysis.isJumpdest(Int(d.w0)) else {
          return .halt(.invalidJump)
        }
        pc = Int(d.w0)
        continue
      case 0x57:  // JUMPI
        let d = sp[-1], c = sp[-2]
        sp -= 2
        if !c.isZero {
          guard d.fitsUInt64 && d.w0 < UInt64(codeSize) && analysis.isJumpdest(Int(d.w0)) else {
            return .halt(.invalidJump)
          }
          pc = Int(d.w0)
          continue
        }
      case 0x58: sp.pointee = U256(UInt64(pc)); sp += 1
      case 0x59: sp.pointee = U256(UInt64(mem.size)); sp += 1
      case 0x5a: sp.pointee = U256(UInt64(gas)); sp += 1
      case 0x5b: break
      case 0x5c:  // TLOAD
        sp[-1] = transient[SlotKey(address: msg.target, slot: sp[-1])] ?? .zero
      case 0x5d:  // TSTORE
        if msg.isStatic { return .halt(.staticWrite) }
        let key = SlotKey(address: msg.target, slot: sp[-1])
        let old = transient.updateValue(sp[-2], forKey: key) ?? .zero
        journal.append(.transientSet(key, old: old))
        sp -= 2
      case 0x5e:  // MCOPY
        guard let dst = memoryRange(sp[-1], sp[-3]), let src = memoryRange(sp[-2], sp[-3]) else {
          return .halt(.outOfGas)
        }
        sp -= 3
        gas &-= copyCost(dst.size)
        if gas < 0 { return .halt(.outOfGas) }
        if dst.size == 0 { break }
        if !mem.expand(to: Swift.max(dst.offset, src.offset) &+ dst.size, gas: &gas) { return .halt(.outOfGas) }
        (mem.base + dst.offset).copyMemory(from: mem.base + src.offset, byteCount: dst.size)
      case 0x5f: sp.pointee = .zero; sp += 1

      case 0x60:  // PUSH1
        sp.pointee = U256(UInt64(code[pc + 1])); sp += 1
        pc += 2
        continue
      case 0x61...0x7f:  // PUSH2…PUSH32
        let n = Int(op) - 0x5f
        sp.pointee = readImmediate(code + pc + 1, n); sp += 1
        pc += n + 1
        continue
      case 0x80...0x8f:  // DUP1…DUP16
        let n = Int(op) - 0x7f
        sp.pointee = sp[-n]; sp += 1
      case 0x90...0x9f:  // SWAP1…SWAP16
        let n = Int(op) - 0x8f
        let t = sp[-1]; sp[-1] = sp[-1 - n]; sp[-1 - n] = t
      case 0xa0...0xa4:  // LOG0…LOG4
        if msg.isStatic { return .halt(.staticWrite) }
        let topicCount = Int(op) - 0xa0
        guard let r = memoryRange(sp[-1], sp[-2]) else { return .halt(.outOfGas) }
        gas &-= 8 &* r.size
        if gas < 0 { return .halt(.outOfGas) }
        if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        var topics: [Hash] = []
        topics.reserveCapacity(topicCount)
        for i in 0..<topicCount { topics.append(sp[-3 - i].hash) }
        logs.append(Log(address: msg.target, topics: topics, data: mem.bytes(r.offset, r.size)))
        sp -= 2 + topicCount

      case 0xf0, 0xf5:  // CREATE, CREATE2
        var g = gas, m = mem, rd = returnData
        let h = try opCreate(isCreate2: op == 0xf5, sp, &m, &g, &rd, msg)
        gas = g; mem = m; returnData = rd
        if let h { return .halt(h) }
        sp -= op == 0xf5 ? 3 : 2
      case 0xf1, 0xf2, 0xf4, 0xfa:  // CALL, CALLCODE, DELEGATECALL, STATICCALL
        var g = gas, m = mem, rd = returnData
        let h = try opCall(op, sp, &m, &g, &rd, msg)
        gas = g; mem = m; returnData = rd
        if let h { return .halt(h) }
        sp -= op == 0xf1 || op == 0xf2 ? 6 : 5
      case 0xf3, 0xfd:  // RETURN, REVERT
        guard let r = memoryRange(sp[-1], sp[-2]) else { return .halt(.outOfGas) }
        if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        return FrameResult(status: op == 0xf3 ? .success : .revert, gasLeft: gas, output: mem.bytes(r.offset, r.size))
      case 0xff:  // SELFDESTRUCT
        if let h = try opSelfdestruct(Address(evmWord: sp[-1]), &gas, msg) { return .halt(h) }
        return FrameResult(status: .success, gasLeft: gas, output: [])
      default:  // 0xfe INVALID (undefined opcodes were refused above)
        return .halt(.invalidOpcode)
      }
      pc &+= 1
    }
  }

  /// SSTORE with EIP-2200 / EIP-2929 / EIP-3529 gas and refunds; nil on success.
  @inline(__always)
  func sstore(_ address: Address, key: U256, value new: U256, gas: inout Int) throws(StateReadError) -> HaltReason? {
    // EIP-2200: refuse when only the stipend is left.
    if gas <= schedule.sstoreStipendGuard { return .outOfGas }
    let sk = SlotKey(address: address, slot: key)
    let s = try slot(sk)
    let warmCold = schedule.hasWarmCold
    var cost = 0
    if warmCold && !s.warm {
      cost = schedule.coldSload
      storage[sk]!.warm = true
      journal.append(.slotWarmed(sk))
    }
    let original = s.original, current = s.current
    let readCost = warmCold ? schedule.warmAccess : schedule.sloadFlat
    let resetCost = warmCold ? schedule.sstoreReset - schedule.coldSload : schedule.sstoreReset
    if original == current && current != new {
      cost += original.isZero ? schedule.sstoreSet : resetCost
    } else {
      cost += readCost
    }
    gas &-= cost
    if gas < 0 { return .outOfGas }
    if current != new {
      let clear = schedule.sstoreClearRefund
      if !original.isZero && !current.isZero && new.isZero { refund += clear }
      if !original.isZero && current.isZero { refund -= clear }
      if original == new {
        refund += original.isZero ? schedule.sstoreSet - readCost : resetCost - readCost
      }
      journal.append(.storageSet(sk, old: current))
      storage[sk]!.current = new
    }
    return nil
  }
}
