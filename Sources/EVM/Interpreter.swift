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
  var r = U256(0, 0, 0, 0)
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
    // Literal words: `U256.zero`/`.one` are globals whose every use from another module goes
    // through a lazy-initialisation check.
    let zeroWord = U256(0, 0, 0, 0), oneWord = U256(1, 0, 0, 0)

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

      case 0x10: sp[-2] = sp[-1] < sp[-2] ? oneWord : zeroWord; sp -= 1
      case 0x11: sp[-2] = sp[-2] < sp[-1] ? oneWord : zeroWord; sp -= 1
      case 0x12: sp[-2] = sp[-1].signedLess(than: sp[-2]) ? oneWord : zeroWord; sp -= 1
      case 0x13: sp[-2] = sp[-2].signedLess(than: sp[-1]) ? oneWord : zeroWord; sp -= 1
      case 0x14: sp[-2] = sp[-1] == sp[-2] ? oneWord : zeroWord; sp -= 1
      case 0x15: sp[-1] = sp[-1].isZeroWord ? oneWord : zeroWord
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
        var v = zeroWord
        if off.fits64 && off.w0 < UInt64(msg.input.count) {
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
      case 0x37:  // CALLDATACOPY
        guard let r = memoryRange(sp[-1], sp[-3]) else { return .halt(.outOfGas) }
        let srcOffset = sp[-2]
        sp -= 3
        gas &-= copyCost(r.size)
        if gas < 0 { return .halt(.outOfGas) }
        if r.size == 0 { break }
        if !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        let dest = mem.base + r.offset
        msg.input.withUnsafeBytes { copyPadded(to: dest, from: $0, offset: srcOffset, size: r.size) }
      case 0x39:  // CODECOPY
        guard let r = memoryRange(sp[-1], sp[-3]) else { return .halt(.outOfGas) }
        let srcOffset = sp[-2]
        sp -= 3
        gas &-= copyCost(r.size)
        if gas < 0 { return .halt(.outOfGas) }
        if r.size == 0 { break }
        if !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        let dest = mem.base + r.offset
        copyPadded(to: dest, from: UnsafeRawBufferPointer(start: code, count: codeSize), offset: srcOffset, size: r.size)
      case 0x3e:  // RETURNDATACOPY
        guard let r = memoryRange(sp[-1], sp[-3]) else { return .halt(.outOfGas) }
        let srcOffset = sp[-2]
        sp -= 3
        // EIP-211: reading past the return data is an exceptional halt.
        let (end, o) = srcOffset.addingReportingOverflow(U256(UInt64(r.size)))
        if o || end > U256(UInt64(returnData.count)) { return .halt(.returnDataOutOfBounds) }
        gas &-= copyCost(r.size)
        if gas < 0 { return .halt(.outOfGas) }
        if r.size == 0 { break }
        if !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        let dest = mem.base + r.offset
        returnData.withUnsafeBytes { copyPadded(to: dest, from: $0, offset: srcOffset, size: r.size) }
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
        if n.fits64 && n.w0 < block.number && block.number - n.w0 <= 256 {
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
        sp[-1] = i.fits64 && i.w0 < UInt64(blobHashes.count) ? U256(blobHashes[Int(i.w0)]) : .zero
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
        var g = gas  // a copy: `gas` itself never escapes, so it stays in a register
        let h = try sstore(msg.target, key: sp[-1], value: sp[-2], gas: &g)
        gas = g
        if let h { return .halt(h) }
        sp -= 2
      case 0x56:  // JUMP
        let d = sp[-1]
        sp -= 1
        guard d.fits64 && d.w0 < UInt64(codeSize) && analysis.isJumpdest(Int(d.w0)) else {
          return .halt(.invalidJump)
        }
        pc = Int(d.w0)
        continue
      case 0x57:  // JUMPI
        let d = sp[-1], c = sp[-2]
        sp -= 2
        if !c.isZeroWord {
          guard d.fits64 && d.w0 < UInt64(codeSize) && analysis.isJumpdest(Int(d.w0)) else {
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
      case 0x5f: sp.pointee = zeroWord; sp += 1

      case 0x60:  // PUSH1
        sp.pointee = U256(UInt64(code[pc + 1])); sp += 1
        pc += 2
        continue
      case 0x61: sp.pointee = readImmediate(code + pc + 1, 2); sp += 1; pc += 3; continue
      case 0x62: sp.pointee = readImmediate(code + pc + 1, 3); sp += 1; pc += 4; continue
      case 0x63: sp.pointee = readImmediate(code + pc + 1, 4); sp += 1; pc += 5; continue
      case 0x64: sp.pointee = readImmediate(code + pc + 1, 5); sp += 1; pc += 6; continue
      case 0x65: sp.pointee = readImmediate(code + pc + 1, 6); sp += 1; pc += 7; continue
      case 0x66: sp.pointee = readImmediate(code + pc + 1, 7); sp += 1; pc += 8; continue
      case 0x67: sp.pointee = readImmediate(code + pc + 1, 8); sp += 1; pc += 9; continue
      case 0x68: sp.pointee = readImmediate(code + pc + 1, 9); sp += 1; pc += 10; continue
      case 0x69: sp.pointee = readImmediate(code + pc + 1, 10); sp += 1; pc += 11; continue
      case 0x6a: sp.pointee = readImmediate(code + pc + 1, 11); sp += 1; pc += 12; continue
      case 0x6b: sp.pointee = readImmediate(code + pc + 1, 12); sp += 1; pc += 13; continue
      case 0x6c: sp.pointee = readImmediate(code + pc + 1, 13); sp += 1; pc += 14; continue
      case 0x6d: sp.pointee = readImmediate(code + pc + 1, 14); sp += 1; pc += 15; continue
      case 0x6e: sp.pointee = readImmediate(code + pc + 1, 15); sp += 1; pc += 16; continue
      case 0x6f: sp.pointee = readImmediate(code + pc + 1, 16); sp += 1; pc += 17; continue
      case 0x70: sp.pointee = readImmediate(code + pc + 1, 17); sp += 1; pc += 18; continue
      case 0x71: sp.pointee = readImmediate(code + pc + 1, 18); sp += 1; pc += 19; continue
      case 0x72: sp.pointee = readImmediate(code + pc + 1, 19); sp += 1; pc += 20; continue
      case 0x73: sp.pointee = readImmediate(code + pc + 1, 20); sp += 1; pc += 21; continue
      case 0x74: sp.pointee = readImmediate(code + pc + 1, 21); sp += 1; pc += 22; continue
      case 0x75: sp.pointee = readImmediate(code + pc + 1, 22); sp += 1; pc += 23; continue
      case 0x76: sp.pointee = readImmediate(code + pc + 1, 23); sp += 1; pc += 24; continue
      case 0x77: sp.pointee = readImmediate(code + pc + 1, 24); sp += 1; pc += 25; continue
      case 0x78: sp.pointee = readImmediate(code + pc + 1, 25); sp += 1; pc += 26; continue
      case 0x79: sp.pointee = readImmediate(code + pc + 1, 26); sp += 1; pc += 27; continue
      case 0x7a: sp.pointee = readImmediate(code + pc + 1, 27); sp += 1; pc += 28; continue
      case 0x7b: sp.pointee = readImmediate(code + pc + 1, 28); sp += 1; pc += 29; continue
      case 0x7c: sp.pointee = readImmediate(code + pc + 1, 29); sp += 1; pc += 30; continue
      case 0x7d: sp.pointee = readImmediate(code + pc + 1, 30); sp += 1; pc += 31; continue
      case 0x7e: sp.pointee = readImmediate(code + pc + 1, 31); sp += 1; pc += 32; continue
      case 0x7f: sp.pointee = readImmediate(code + pc + 1, 32); sp += 1; pc += 33; continue
      case 0x80: sp.pointee = sp[-1]; sp += 1
      case 0x81: sp.pointee = sp[-2]; sp += 1
      case 0x82: sp.pointee = sp[-3]; sp += 1
      case 0x83: sp.pointee = sp[-4]; sp += 1
      case 0x84: sp.pointee = sp[-5]; sp += 1
      case 0x85: sp.pointee = sp[-6]; sp += 1
      case 0x86: sp.pointee = sp[-7]; sp += 1
      case 0x87: sp.pointee = sp[-8]; sp += 1
      case 0x88: sp.pointee = sp[-9]; sp += 1
      case 0x89: sp.pointee = sp[-10]; sp += 1
      case 0x8a: sp.pointee = sp[-11]; sp += 1
      case 0x8b: sp.pointee = sp[-12]; sp += 1
      case 0x8c: sp.pointee = sp[-13]; sp += 1
      case 0x8d: sp.pointee = sp[-14]; sp += 1
      case 0x8e: sp.pointee = sp[-15]; sp += 1
      case 0x8f: sp.pointee = sp[-16]; sp += 1
      case 0x90: let t = sp[-1]; sp[-1] = sp[-2]; sp[-2] = t
      case 0x91: let t = sp[-1]; sp[-1] = sp[-3]; sp[-3] = t
      case 0x92: let t = sp[-1]; sp[-1] = sp[-4]; sp[-4] = t
      case 0x93: let t = sp[-1]; sp[-1] = sp[-5]; sp[-5] = t
      case 0x94: let t = sp[-1]; sp[-1] = sp[-6]; sp[-6] = t
      case 0x95: let t = sp[-1]; sp[-1] = sp[-7]; sp[-7] = t
      case 0x96: let t = sp[-1]; sp[-1] = sp[-8]; sp[-8] = t
      case 0x97: let t = sp[-1]; sp[-1] = sp[-9]; sp[-9] = t
      case 0x98: let t = sp[-1]; sp[-1] = sp[-10]; sp[-10] = t
      case 0x99: let t = sp[-1]; sp[-1] = sp[-11]; sp[-11] = t
      case 0x9a: let t = sp[-1]; sp[-1] = sp[-12]; sp[-12] = t
      case 0x9b: let t = sp[-1]; sp[-1] = sp[-13]; sp[-13] = t
      case 0x9c: let t = sp[-1]; sp[-1] = sp[-14]; sp[-14] = t
      case 0x9d: let t = sp[-1]; sp[-1] = sp[-15]; sp[-15] = t
      case 0x9e: let t = sp[-1]; sp[-1] = sp[-16]; sp[-16] = t
      case 0x9f: let t = sp[-1]; sp[-1] = sp[-17]; sp[-17] = t
      case 0xa0:  // LOG0
        if msg.isStatic { return .halt(.staticWrite) }
        let topicCount = 0
        guard let r = memoryRange(sp[-1], sp[-2]) else { return .halt(.outOfGas) }
        gas &-= 8 &* r.size
        if gas < 0 { return .halt(.outOfGas) }
        if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        var topics: [Hash] = []
        topics.reserveCapacity(topicCount)
        for i in 0..<topicCount { topics.append(sp[-3 - i].hash) }
        logs.append(Log(address: msg.target, topics: topics, data: mem.bytes(r.offset, r.size)))
        sp -= 2 + topicCount

      case 0xa1:  // LOG1
        if msg.isStatic { return .halt(.staticWrite) }
        let topicCount = 1
        guard let r = memoryRange(sp[-1], sp[-2]) else { return .halt(.outOfGas) }
        gas &-= 8 &* r.size
        if gas < 0 { return .halt(.outOfGas) }
        if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        var topics: [Hash] = []
        topics.reserveCapacity(topicCount)
        for i in 0..<topicCount { topics.append(sp[-3 - i].hash) }
        logs.append(Log(address: msg.target, topics: topics, data: mem.bytes(r.offset, r.size)))
        sp -= 2 + topicCount

      case 0xa2:  // LOG2
        if msg.isStatic { return .halt(.staticWrite) }
        let topicCount = 2
        guard let r = memoryRange(sp[-1], sp[-2]) else { return .halt(.outOfGas) }
        gas &-= 8 &* r.size
        if gas < 0 { return .halt(.outOfGas) }
        if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        var topics: [Hash] = []
        topics.reserveCapacity(topicCount)
        for i in 0..<topicCount { topics.append(sp[-3 - i].hash) }
        logs.append(Log(address: msg.target, topics: topics, data: mem.bytes(r.offset, r.size)))
        sp -= 2 + topicCount

      case 0xa3:  // LOG3
        if msg.isStatic { return .halt(.staticWrite) }
        let topicCount = 3
        guard let r = memoryRange(sp[-1], sp[-2]) else { return .halt(.outOfGas) }
        gas &-= 8 &* r.size
        if gas < 0 { return .halt(.outOfGas) }
        if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        var topics: [Hash] = []
        topics.reserveCapacity(topicCount)
        for i in 0..<topicCount { topics.append(sp[-3 - i].hash) }
        logs.append(Log(address: msg.target, topics: topics, data: mem.bytes(r.offset, r.size)))
        sp -= 2 + topicCount

      case 0xa4:  // LOG4
        if msg.isStatic { return .halt(.staticWrite) }
        let topicCount = 4
        guard let r = memoryRange(sp[-1], sp[-2]) else { return .halt(.outOfGas) }
        gas &-= 8 &* r.size
        if gas < 0 { return .halt(.outOfGas) }
        if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        var topics: [Hash] = []
        topics.reserveCapacity(topicCount)
        for i in 0..<topicCount { topics.append(sp[-3 - i].hash) }
        logs.append(Log(address: msg.target, topics: topics, data: mem.bytes(r.offset, r.size)))
        sp -= 2 + topicCount
      case 0xf0:  // CREATE
        var g = gas, m = mem, rd = returnData
        let h = try opCreate(isCreate2: op == 0xf5, sp, &m, &g, &rd, msg)
        gas = g; mem = m; returnData = rd
        if let h { return .halt(h) }
        sp -= op == 0xf5 ? 3 : 2
      case 0xf5:  // CREATE2
        var g = gas, m = mem, rd = returnData
        let h = try opCreate(isCreate2: op == 0xf5, sp, &m, &g, &rd, msg)
        gas = g; mem = m; returnData = rd
        if let h { return .halt(h) }
        sp -= op == 0xf5 ? 3 : 2
      case 0xf1:  // CALL
        var g = gas, m = mem, rd = returnData
        let h = try opCall(op, sp, &m, &g, &rd, msg)
        gas = g; mem = m; returnData = rd
        if let h { return .halt(h) }
        sp -= op == 0xf1 || op == 0xf2 ? 6 : 5
      case 0xf2:  // CALLCODE
        var g = gas, m = mem, rd = returnData
        let h = try opCall(op, sp, &m, &g, &rd, msg)
        gas = g; mem = m; returnData = rd
        if let h { return .halt(h) }
        sp -= op == 0xf1 || op == 0xf2 ? 6 : 5
      case 0xf4:  // DELEGATECALL
        var g = gas, m = mem, rd = returnData
        let h = try opCall(op, sp, &m, &g, &rd, msg)
        gas = g; mem = m; returnData = rd
        if let h { return .halt(h) }
        sp -= op == 0xf1 || op == 0xf2 ? 6 : 5
      case 0xfa:  // STATICCALL
        var g = gas, m = mem, rd = returnData
        let h = try opCall(op, sp, &m, &g, &rd, msg)
        gas = g; mem = m; returnData = rd
        if let h { return .halt(h) }
        sp -= op == 0xf1 || op == 0xf2 ? 6 : 5
      case 0xf3:  // RETURN
        guard let r = memoryRange(sp[-1], sp[-2]) else { return .halt(.outOfGas) }
        if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        return FrameResult(status: op == 0xf3 ? .success : .revert, gasLeft: gas, output: mem.bytes(r.offset, r.size))
      case 0xfd:  // REVERT
        guard let r = memoryRange(sp[-1], sp[-2]) else { return .halt(.outOfGas) }
        if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .halt(.outOfGas) }
        return FrameResult(status: op == 0xf3 ? .success : .revert, gasLeft: gas, output: mem.bytes(r.offset, r.size))
      case 0xff:  // SELFDESTRUCT
        var g = gas
        let h = try opSelfdestruct(Address(evmWord: sp[-1]), &g, msg)
        gas = g
        if let h { return .halt(h) }
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
      cost += original.isZeroWord ? schedule.sstoreSet : resetCost
    } else {
      cost += readCost
    }
    gas &-= cost
    if gas < 0 { return .outOfGas }
    if current != new {
      let clear = schedule.sstoreClearRefund
      if !original.isZeroWord && !current.isZeroWord && new.isZeroWord { refund += clear }
      if !original.isZeroWord && current.isZeroWord { refund -= clear }
      if original == new {
        refund += original.isZeroWord ? schedule.sstoreSet - readCost : resetCost - readCost
      }
      journal.append(.storageSet(sk, old: current))
      storage[sk]!.current = new
    }
    return nil
  }
}
