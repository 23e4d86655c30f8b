import Primitives
import State

// Environment and block information (0x30–0x3f, 0x40–0x4a).

extension VirtualMachine {
  /// EIP-2929: the warm or cold access cost of `address` (nothing before Berlin: the static gas
  /// of the table covers it).
  @inline(__always) func chargeAccountAccess(_ address: Address, _ gas: inout Int) -> HaltReason? {
    if schedule.hasWarmCold {
      gas &-= host.warmAccount(address) ? schedule.coldAccountAccess : schedule.warmAccess
      if gas < 0 { return .outOfGas }
    }
    return nil
  }

  @inline(__always) func opAddress(_ sp: inout StackPointer, _ msg: Message) { push(&sp, msg.target.evmWord) }

  @inline(__always) func opBalance(_ sp: inout StackPointer, _ gas: inout Int) throws(StateReadError) -> HaltReason? {
    let a = Address(evmWord: sp[-1])
    if let h = chargeAccountAccess(a, &gas) { return h }
    sp[-1] = try host.balance(a)
    return nil
  }

  @inline(__always) func opOrigin(_ sp: inout StackPointer) { push(&sp, origin.evmWord) }
  @inline(__always) func opCaller(_ sp: inout StackPointer, _ msg: Message) { push(&sp, msg.caller.evmWord) }
  @inline(__always) func opCallvalue(_ sp: inout StackPointer, _ msg: Message) { push(&sp, msg.value) }

  @inline(__always) func opCalldataload(_ sp: inout StackPointer, _ msg: Message) {
    let off = sp[-1]
    var v = U256(0, 0, 0, 0)
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
  }

  @inline(__always) func opCalldatasize(_ sp: inout StackPointer, _ msg: Message) { push(&sp, U256(UInt64(msg.input.count))) }

  @inline(__always) func opCalldatacopy(_ sp: inout StackPointer, _ mem: inout Memory, _ gas: inout Int, _ msg: Message) -> HaltReason? {
    guard let r = memoryRange(sp[-1], sp[-3]) else { return .outOfGas }
    let srcOffset = sp[-2]
    sp -= 3
    if let h = chargeCopy(r, &mem, &gas) { return h }
    let dest = mem.base + r.offset
    msg.input.withUnsafeBytes { copyPadded(to: dest, from: $0, offset: srcOffset, size: r.size) }
    return nil
  }

  @inline(__always) func opCodesize(_ sp: inout StackPointer, _ code: CodeAnalysis) { push(&sp, U256(UInt64(code.size))) }

  @inline(__always) func opCodecopy(_ sp: inout StackPointer, _ mem: inout Memory, _ gas: inout Int, _ code: CodeAnalysis) -> HaltReason? {
    guard let r = memoryRange(sp[-1], sp[-3]) else { return .outOfGas }
    let srcOffset = sp[-2]
    sp -= 3
    if let h = chargeCopy(r, &mem, &gas) { return h }
    copyPadded(to: mem.base + r.offset, from: UnsafeRawBufferPointer(start: code.code, count: code.size), offset: srcOffset, size: r.size)
    return nil
  }

  @inline(__always) func opGasprice(_ sp: inout StackPointer) { push(&sp, gasPrice) }

  @inline(__always) func opExtcodesize(_ sp: inout StackPointer, _ gas: inout Int) throws(StateReadError) -> HaltReason? {
    let a = Address(evmWord: sp[-1])
    if let h = chargeAccountAccess(a, &gas) { return h }
    sp[-1] = U256(UInt64(try host.code(a).size))
    return nil
  }

  @inline(__always) func opExtcodecopy(_ sp: inout StackPointer, _ mem: inout Memory, _ gas: inout Int) throws(StateReadError) -> HaltReason? {
    let (h, left) = try extcodecopyOutlined(sp, &mem, gas)
    gas = left
    sp -= 4
    return h
  }

  /// EXTCODECOPY's body out of line, `sp` and `gas` by value (see `sstoreOutlined`).
  @inline(never)
  func extcodecopyOutlined(_ sp: StackPointer, _ mem: inout Memory, _ gas: Int) throws(StateReadError) -> (HaltReason?, Int) {
    let a = Address(evmWord: sp[-1])
    guard let r = memoryRange(sp[-2], sp[-4]) else { return (.outOfGas, gas) }
    let srcOffset = sp[-3]
    var g = gas
    if let h = chargeAccountAccess(a, &g) { return (h, g) }
    if let h = chargeCopy(r, &mem, &g) { return (h, g) }
    if r.size == 0 { return (nil, g) }
    let c = try host.code(a)
    copyPadded(to: mem.base + r.offset, from: UnsafeRawBufferPointer(start: c.code, count: c.size), offset: srcOffset, size: r.size)
    return (nil, g)
  }

  @inline(__always) func opReturndatasize(_ sp: inout StackPointer, _ returnData: [UInt8]) { push(&sp, U256(UInt64(returnData.count))) }

  @inline(__always) func opReturndatacopy(_ sp: inout StackPointer, _ mem: inout Memory, _ gas: inout Int, _ returnData: [UInt8]) -> HaltReason? {
    guard let r = memoryRange(sp[-1], sp[-3]) else { return .outOfGas }
    let srcOffset = sp[-2]
    sp -= 3
    // EIP-211: reading past the return data is an exceptional halt.
    let (end, o) = srcOffset.addingReportingOverflow(U256(UInt64(r.size)))
    if o || end > U256(UInt64(returnData.count)) { return .returnDataOutOfBounds }
    if let h = chargeCopy(r, &mem, &gas) { return h }
    let dest = mem.base + r.offset
    returnData.withUnsafeBytes { copyPadded(to: dest, from: $0, offset: srcOffset, size: r.size) }
    return nil
  }

  @inline(__always) func opExtcodehash(_ sp: inout StackPointer, _ gas: inout Int) throws(StateReadError) -> HaltReason? {
    let a = Address(evmWord: sp[-1])
    if let h = chargeAccountAccess(a, &gas) { return h }
    let acct = try host.account(a)
    sp[-1] = acct.exists && !acct.isEmpty ? U256(acct.codeHash) : U256(0, 0, 0, 0)
    return nil
  }

  // MARK: Block information

  /// BLOCKHASH: one of the 256 most recent blocks, else zero.
  @inline(__always) func opBlockhash(_ sp: inout StackPointer) throws(StateReadError) {
    let n = sp[-1]
    var h = U256(0, 0, 0, 0)
    if n.fits64 && n.w0 < block.number && block.number - n.w0 <= 256 {
      h = U256(try host.reader.blockHash(n.w0))
    }
    sp[-1] = h
  }

  @inline(__always) func opCoinbase(_ sp: inout StackPointer) { push(&sp, block.coinbase.evmWord) }
  @inline(__always) func opTimestamp(_ sp: inout StackPointer) { push(&sp, U256(block.timestamp)) }
  @inline(__always) func opNumber(_ sp: inout StackPointer) { push(&sp, U256(block.number)) }
  /// PREVRANDAO from Paris (EIP-4399), DIFFICULTY before.
  @inline(__always) func opPrevrandao(_ sp: inout StackPointer) { push(&sp, fork >= .paris ? U256(block.prevRandao) : block.difficulty) }
  @inline(__always) func opGaslimit(_ sp: inout StackPointer) { push(&sp, U256(block.gasLimit)) }
  @inline(__always) func opChainid(_ sp: inout StackPointer) { push(&sp, block.chainID) }
  @inline(__always) func opSelfbalance(_ sp: inout StackPointer, _ msg: Message) throws(StateReadError) { push(&sp, try host.balance(msg.target)) }
  @inline(__always) func opBasefee(_ sp: inout StackPointer) { push(&sp, block.baseFee) }

  /// BLOBHASH (EIP-4844): the transaction's `i`th versioned hash, else zero.
  @inline(__always) func opBlobhash(_ sp: inout StackPointer) {
    let i = sp[-1]
    sp[-1] = i.fits64 && i.w0 < UInt64(blobHashes.count) ? U256(blobHashes[Int(i.w0)]) : U256(0, 0, 0, 0)
  }

  @inline(__always) func opBlobbasefee(_ sp: inout StackPointer) { push(&sp, block.blobBaseFee) }
}
