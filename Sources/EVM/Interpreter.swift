import Primitives
import State

extension VirtualMachine {
  /// Runs `analysis` for `msg`: the interpreter loop.
  ///
  /// One `switch` on the byte's `Opcode` (the fork's table: `.invalid` where undefined), one
  /// line per opcode; the bodies are the
  /// `@inline(__always)` functions of `Instructions/`, by family. The stack height and the
  /// static gas are checked once per basic block, at its entry, from the code analysis (see
  /// ``CodeAnalysis``: pc 0, each JUMPDEST, after a JUMPI not taken and after the instructions
  /// that read the gas left), so bodies read the stack unchecked; an undefined byte ends its
  /// block and dispatches to `.invalid`. The frame's registers (`sp`, `pc`, `gas`, the
  /// memory, the last return data) are locals here, handed to the bodies `inout`. Exceptional
  /// halts are results; only a `StateReadError` from the reader is thrown.
  func run(_ msg: Message, code analysis: CodeAnalysis) throws(StateReadError) -> FrameResult {
    let code = UnsafePointer(analysis.code)
    let opcodes = UnsafePointer(self.opcodes)
    let stackBase = stackBuffer(depth: msg.depth)
    let buffer = memoryBuffer(depth: msg.depth)
    var mem = Memory(base: buffer.base, capacity: buffer.capacity)
    defer { returnMemoryBuffer(depth: msg.depth, mem.base, mem.capacity) }
    var sp: StackPointer = stackBase  // next free slot; the top is sp[-1]
    var pc = 0
    var gas = msg.gas
    var returnData: [UInt8] = []

    // The first block (a JUMPDEST at 0 enters its own).
    if code[0] != 0x5b, let h = enterBlock(analysis, 0, sp, stackBase, &gas) { return .halt(h) }
    while true {
      switch opcodes[Int(code[pc])] {
      case .stop: return opStop(gas)
      case .add: opAdd(&sp)
      case .mul: opMul(&sp)
      case .sub: opSub(&sp)
      case .div: opDiv(&sp)
      case .sdiv: opSdiv(&sp)
      case .mod: opMod(&sp)
      case .smod: opSmod(&sp)
      case .addmod: opAddmod(&sp)
      case .mulmod: opMulmod(&sp)
      case .exp: if let h = opExp(&sp, &gas) { return .halt(h) }
      case .signextend: opSignextend(&sp)
      case .lt: opLt(&sp)
      case .gt: opGt(&sp)
      case .slt: opSlt(&sp)
      case .sgt: opSgt(&sp)
      case .eq: opEq(&sp)
      case .iszero: opIszero(&sp)
      case .and: opAnd(&sp)
      case .or: opOr(&sp)
      case .xor: opXor(&sp)
      case .not: opNot(&sp)
      case .byte: opByte(&sp)
      case .shl: opShl(&sp)
      case .shr: opShr(&sp)
      case .sar: opSar(&sp)
      case .clz: opClz(&sp)
      case .keccak256: if let h = opKeccak256(&sp, &mem, &gas) { return .halt(h) }
      case .address: opAddress(&sp, msg)
      case .balance: if let h = try opBalance(&sp, &gas) { return .halt(h) }
      case .origin: opOrigin(&sp)
      case .caller: opCaller(&sp, msg)
      case .callvalue: opCallvalue(&sp, msg)
      case .calldataload: opCalldataload(&sp, msg)
      case .calldatasize: opCalldatasize(&sp, msg)
      case .calldatacopy: if let h = opCalldatacopy(&sp, &mem, &gas, msg) { return .halt(h) }
      case .codesize: opCodesize(&sp, analysis)
      case .codecopy: if let h = opCodecopy(&sp, &mem, &gas, analysis) { return .halt(h) }
      case .gasprice: opGasprice(&sp)
      case .extcodesize: if let h = try opExtcodesize(&sp, &gas) { return .halt(h) }
      case .extcodecopy: if let h = try opExtcodecopy(&sp, &mem, &gas) { return .halt(h) }
      case .returndatasize: opReturndatasize(&sp, returnData)
      case .returndatacopy: if let h = opReturndatacopy(&sp, &mem, &gas, returnData) { return .halt(h) }
      case .extcodehash: if let h = try opExtcodehash(&sp, &gas) { return .halt(h) }
      case .blockhash: try opBlockhash(&sp)
      case .coinbase: opCoinbase(&sp)
      case .timestamp: opTimestamp(&sp)
      case .number: opNumber(&sp)
      case .prevrandao: opPrevrandao(&sp)
      case .gaslimit: opGaslimit(&sp)
      case .chainid: opChainid(&sp)
      case .selfbalance: try opSelfbalance(&sp, msg)
      case .basefee: opBasefee(&sp)
      case .blobhash: opBlobhash(&sp)
      case .blobbasefee: opBlobbasefee(&sp)
      case .pop: opPop(&sp)
      case .mload: if let h = opMload(&sp, &mem, &gas) { return .halt(h) }
      case .mstore: if let h = opMstore(&sp, &mem, &gas) { return .halt(h) }
      case .mstore8: if let h = opMstore8(&sp, &mem, &gas) { return .halt(h) }
      case .sload: if let h = try opSload(&sp, &gas, msg) { return .halt(h) }
      case .sstore:
        if let h = try opSstore(&sp, &gas, msg) { return .halt(h) }
        if let h = enterBlockAfter(analysis, pc, sp, stackBase, &gas) { return .halt(h) }
      case .jump: if let h = opJump(&sp, &pc, analysis) { return .halt(h) }; continue
      case .jumpi: if let h = opJumpi(&sp, &pc, &gas, stackBase, analysis) { return .halt(h) }; continue
      case .pc: opPc(&sp, pc)
      case .msize: opMsize(&sp, mem)
      case .gas:
        opGas(&sp, gas)
        if let h = enterBlockAfter(analysis, pc, sp, stackBase, &gas) { return .halt(h) }
      case .jumpdest: if let h = enterBlock(analysis, pc, sp, stackBase, &gas) { return .halt(h) }
      case .tload: opTload(&sp, msg)
      case .tstore: if let h = opTstore(&sp, msg) { return .halt(h) }
      case .mcopy: if let h = opMcopy(&sp, &mem, &gas) { return .halt(h) }
      case .push0: opPush0(&sp)
      case .push1: opPush(1, &sp, code, &pc); continue
      case .push2: opPush(2, &sp, code, &pc); continue
      case .push3: opPush(3, &sp, code, &pc); continue
      case .push4: opPush(4, &sp, code, &pc); continue
      case .push5: opPush(5, &sp, code, &pc); continue
      case .push6: opPush(6, &sp, code, &pc); continue
      case .push7: opPush(7, &sp, code, &pc); continue
      case .push8: opPush(8, &sp, code, &pc); continue
      case .push9: opPush(9, &sp, code, &pc); continue
      case .push10: opPush(10, &sp, code, &pc); continue
      case .push11: opPush(11, &sp, code, &pc); continue
      case .push12: opPush(12, &sp, code, &pc); continue
      case .push13: opPush(13, &sp, code, &pc); continue
      case .push14: opPush(14, &sp, code, &pc); continue
      case .push15: opPush(15, &sp, code, &pc); continue
      case .push16: opPush(16, &sp, code, &pc); continue
      case .push17: opPush(17, &sp, code, &pc); continue
      case .push18: opPush(18, &sp, code, &pc); continue
      case .push19: opPush(19, &sp, code, &pc); continue
      case .push20: opPush(20, &sp, code, &pc); continue
      case .push21: opPush(21, &sp, code, &pc); continue
      case .push22: opPush(22, &sp, code, &pc); continue
      case .push23: opPush(23, &sp, code, &pc); continue
      case .push24: opPush(24, &sp, code, &pc); continue
      case .push25: opPush(25, &sp, code, &pc); continue
      case .push26: opPush(26, &sp, code, &pc); continue
      case .push27: opPush(27, &sp, code, &pc); continue
      case .push28: opPush(28, &sp, code, &pc); continue
      case .push29: opPush(29, &sp, code, &pc); continue
      case .push30: opPush(30, &sp, code, &pc); continue
      case .push31: opPush(31, &sp, code, &pc); continue
      case .push32: opPush(32, &sp, code, &pc); continue
      case .dup1: opDup(1, &sp)
      case .dup2: opDup(2, &sp)
      case .dup3: opDup(3, &sp)
      case .dup4: opDup(4, &sp)
      case .dup5: opDup(5, &sp)
      case .dup6: opDup(6, &sp)
      case .dup7: opDup(7, &sp)
      case .dup8: opDup(8, &sp)
      case .dup9: opDup(9, &sp)
      case .dup10: opDup(10, &sp)
      case .dup11: opDup(11, &sp)
      case .dup12: opDup(12, &sp)
      case .dup13: opDup(13, &sp)
      case .dup14: opDup(14, &sp)
      case .dup15: opDup(15, &sp)
      case .dup16: opDup(16, &sp)
      case .swap1: opSwap(1, &sp)
      case .swap2: opSwap(2, &sp)
      case .swap3: opSwap(3, &sp)
      case .swap4: opSwap(4, &sp)
      case .swap5: opSwap(5, &sp)
      case .swap6: opSwap(6, &sp)
      case .swap7: opSwap(7, &sp)
      case .swap8: opSwap(8, &sp)
      case .swap9: opSwap(9, &sp)
      case .swap10: opSwap(10, &sp)
      case .swap11: opSwap(11, &sp)
      case .swap12: opSwap(12, &sp)
      case .swap13: opSwap(13, &sp)
      case .swap14: opSwap(14, &sp)
      case .swap15: opSwap(15, &sp)
      case .swap16: opSwap(16, &sp)
      case .log0: if let h = opLog(0, &sp, &mem, &gas, msg) { return .halt(h) }
      case .log1: if let h = opLog(1, &sp, &mem, &gas, msg) { return .halt(h) }
      case .log2: if let h = opLog(2, &sp, &mem, &gas, msg) { return .halt(h) }
      case .log3: if let h = opLog(3, &sp, &mem, &gas, msg) { return .halt(h) }
      case .log4: if let h = opLog(4, &sp, &mem, &gas, msg) { return .halt(h) }
      case .create:
        if let h = try opCreate(.create, &sp, &mem, &gas, &returnData, msg) { return .halt(h) }
        if let h = enterBlockAfter(analysis, pc, sp, stackBase, &gas) { return .halt(h) }
      case .call:
        if let h = try opCall(.call, &sp, &mem, &gas, &returnData, msg) { return .halt(h) }
        if let h = enterBlockAfter(analysis, pc, sp, stackBase, &gas) { return .halt(h) }
      case .callcode:
        if let h = try opCall(.callcode, &sp, &mem, &gas, &returnData, msg) { return .halt(h) }
        if let h = enterBlockAfter(analysis, pc, sp, stackBase, &gas) { return .halt(h) }
      case .`return`: return opReturn(.success, sp, &mem, gas)
      case .delegatecall:
        if let h = try opCall(.delegatecall, &sp, &mem, &gas, &returnData, msg) { return .halt(h) }
        if let h = enterBlockAfter(analysis, pc, sp, stackBase, &gas) { return .halt(h) }
      case .create2:
        if let h = try opCreate(.create2, &sp, &mem, &gas, &returnData, msg) { return .halt(h) }
        if let h = enterBlockAfter(analysis, pc, sp, stackBase, &gas) { return .halt(h) }
      case .staticcall:
        if let h = try opCall(.staticcall, &sp, &mem, &gas, &returnData, msg) { return .halt(h) }
        if let h = enterBlockAfter(analysis, pc, sp, stackBase, &gas) { return .halt(h) }
      case .revert: return opReturn(.revert, sp, &mem, gas)
      case .invalid: return .halt(.invalidOpcode)
      case .selfdestruct: return try opSelfdestruct(sp, gas, msg)
      }
      pc &+= 1
    }
  }
}

/// Enters the basic block starting at `pc`: its stack bounds, then its static gas.
@inline(__always)
func enterBlock(_ analysis: CodeAnalysis, _ pc: Int, _ sp: StackPointer, _ base: StackPointer, _ gas: inout Int) -> HaltReason? {
  let b = analysis.block(at: pc)
  let heightBytes = UnsafeRawPointer(sp) - UnsafeRawPointer(base)
  if heightBytes < Int(b.minStackBytes) { return .stackUnderflow }
  if heightBytes > Int(b.maxStackBytes) { return .stackOverflow }
  gas &-= Int(b.gas)
  if gas < 0 { return .outOfGas }
  return nil
}

/// Enters the block after the instruction at `pc` (one byte long: a JUMPI not taken or a gas
/// reader), unless that is a JUMPDEST, which enters its own.
@inline(__always)
func enterBlockAfter(_ analysis: CodeAnalysis, _ pc: Int, _ sp: StackPointer, _ base: StackPointer, _ gas: inout Int) -> HaltReason? {
  if analysis.code[pc &+ 1] == 0x5b { return nil }
  return enterBlock(analysis, pc &+ 1, sp, base, &gas)
}
