/// EVM opcodes by their specification names.
public enum Opcode: UInt8, Sendable {
  case stop = 0x00, add, mul, sub, div, sdiv, mod, smod, addmod, mulmod, exp, signextend
  case lt = 0x10, gt, slt, sgt, eq, iszero, and, or, xor, not, byte, shl, shr, sar, clz
  case keccak256 = 0x20
  case address = 0x30, balance, origin, caller, callvalue, calldataload, calldatasize, calldatacopy,
    codesize, codecopy, gasprice, extcodesize, extcodecopy, returndatasize, returndatacopy, extcodehash
  case blockhash = 0x40, coinbase, timestamp, number, prevrandao, gaslimit, chainid, selfbalance,
    basefee, blobhash, blobbasefee
  case pop = 0x50, mload, mstore, mstore8, sload, sstore, jump, jumpi, pc, msize, gas, jumpdest,
    tload, tstore, mcopy, push0
  case push1 = 0x60, push2, push3, push4, push5, push6, push7, push8, push9, push10, push11, push12,
    push13, push14, push15, push16, push17, push18, push19, push20, push21, push22, push23, push24,
    push25, push26, push27, push28, push29, push30, push31, push32
  case dup1 = 0x80, dup2, dup3, dup4, dup5, dup6, dup7, dup8, dup9, dup10, dup11, dup12, dup13,
    dup14, dup15, dup16
  case swap1 = 0x90, swap2, swap3, swap4, swap5, swap6, swap7, swap8, swap9, swap10, swap11, swap12,
    swap13, swap14, swap15, swap16
  case log0 = 0xa0, log1, log2, log3, log4
  case create = 0xf0, call, callcode, `return`, delegatecall, create2
  case staticcall = 0xfa
  case revert = 0xfd, invalid, selfdestruct
}

/// One row of the opcode table: static gas and stack bounds checked once before the body runs.
///
/// The bounds are kept in bytes of stack (32 per item) so the interpreter compares them with a
/// pointer difference directly. The row also carries the byte as an `Opcode`, which the
/// interpreter's switch dispatches on: a defined byte's case, read from the row it loads anyway
/// (`Opcode(rawValue:)` would add a second table lookup per instruction).
@frozen public struct OpcodeInfo: Sendable {
  /// Gas charged before the body (the dynamic part is charged by the body).
  public var staticGas: Int32
  /// 32 × the items the opcode pops: the stack must hold at least this many bytes. `0xFFFF`
  /// for an opcode undefined in the fork, so that the check always fails.
  public var minStackBytes: UInt16
  /// 32 × the highest stack height at which the opcode may start without overflowing 1024.
  public var maxStackBytes: UInt16
  /// The opcode (`.invalid` for a byte undefined in the fork: the stack check refuses it first).
  public var opcode: Opcode
  /// Items the opcode pushes (for the code analysis' per-block stack bounds).
  public var outputs: UInt8

  /// False for opcodes undefined in the fork.
  public var defined: Bool { minStackBytes != 0xFFFF }
  /// Items the opcode pops.
  public var inputs: Int { Int(minStackBytes) / 32 }

  public static let undefined = OpcodeInfo(staticGas: 0, minStackBytes: 0xFFFF, maxStackBytes: 0, opcode: .invalid)

  init(staticGas: Int32, minStackBytes: UInt16, maxStackBytes: UInt16, opcode: Opcode) {
    self.staticGas = staticGas; self.minStackBytes = minStackBytes; self.maxStackBytes = maxStackBytes
    self.opcode = opcode; self.outputs = 0
  }

  init(_ opcode: Opcode, _ gas: Int, _ inputs: Int, _ outputs: Int) {
    self.opcode = opcode
    self.staticGas = Int32(gas)
    self.minStackBytes = UInt16(inputs * 32)
    self.maxStackBytes = UInt16((1024 - max(0, outputs - inputs)) * 32)
    self.outputs = UInt8(outputs)
  }

  /// The 256-entry table for `fork`.
  public static func table(for fork: Fork) -> [OpcodeInfo] {
    var t = [OpcodeInfo](repeating: .undefined, count: 256)
    func set(_ op: UInt8, _ gas: Int, _ i: Int, _ o: Int, since: Fork = .frontier) {
      if fork >= since, let opcode = Opcode(rawValue: op) { t[Int(op)] = OpcodeInfo(opcode, gas, i, o) }
    }
    let warmCold = fork >= .berlin
    let s = GasSchedule(fork: fork)
    set(0x00, 0, 0, 0)
    set(0x01, 3, 2, 1); set(0x02, 5, 2, 1); set(0x03, 3, 2, 1); set(0x04, 5, 2, 1)
    set(0x05, 5, 2, 1); set(0x06, 5, 2, 1); set(0x07, 5, 2, 1); set(0x08, 8, 3, 1)
    set(0x09, 8, 3, 1); set(0x0a, 10, 2, 1); set(0x0b, 5, 2, 1)
    for op: UInt8 in 0x10...0x14 { set(op, 3, 2, 1) }
    set(0x15, 3, 1, 1); set(0x16, 3, 2, 1); set(0x17, 3, 2, 1); set(0x18, 3, 2, 1)
    set(0x19, 3, 1, 1); set(0x1a, 3, 2, 1)
    set(0x1b, 3, 2, 1, since: .constantinople); set(0x1c, 3, 2, 1, since: .constantinople)
    set(0x1d, 3, 2, 1, since: .constantinople)
    set(0x1e, 5, 1, 1, since: .osaka)  // CLZ (EIP-7939)
    set(0x20, 30, 2, 1)
    set(0x30, 2, 0, 1); set(0x31, warmCold ? 0 : s.balanceFlat, 1, 1); set(0x32, 2, 0, 1)
    set(0x33, 2, 0, 1); set(0x34, 2, 0, 1); set(0x35, 3, 1, 1); set(0x36, 2, 0, 1)
    set(0x37, 3, 3, 0); set(0x38, 2, 0, 1); set(0x39, 3, 3, 0); set(0x3a, 2, 0, 1)
    set(0x3b, warmCold ? 0 : s.extcodeFlat, 1, 1); set(0x3c, warmCold ? 0 : s.extcodeFlat, 4, 0)
    set(0x3d, 2, 0, 1, since: .byzantium); set(0x3e, 3, 3, 0, since: .byzantium)
    set(0x3f, warmCold ? 0 : s.extcodehashFlat, 1, 1, since: .constantinople)
    set(0x40, 20, 1, 1); set(0x41, 2, 0, 1); set(0x42, 2, 0, 1); set(0x43, 2, 0, 1)
    set(0x44, 2, 0, 1); set(0x45, 2, 0, 1)
    set(0x46, 2, 0, 1, since: .istanbul); set(0x47, 5, 0, 1, since: .istanbul)
    set(0x48, 2, 0, 1, since: .london)
    set(0x49, 3, 1, 1, since: .cancun); set(0x4a, 2, 0, 1, since: .cancun)
    set(0x50, 2, 1, 0); set(0x51, 3, 1, 1); set(0x52, 3, 2, 0); set(0x53, 3, 2, 0)
    set(0x54, warmCold ? 0 : s.sloadFlat, 1, 1); set(0x55, 0, 2, 0)
    set(0x56, 8, 1, 0); set(0x57, 10, 2, 0); set(0x58, 2, 0, 1); set(0x59, 2, 0, 1)
    set(0x5a, 2, 0, 1); set(0x5b, 1, 0, 0)
    set(0x5c, 100, 1, 1, since: .cancun); set(0x5d, 100, 2, 0, since: .cancun)
    set(0x5e, 3, 3, 0, since: .cancun)
    set(0x5f, 2, 0, 1, since: .shanghai)
    for op in 0x60...0x7f { set(UInt8(op), 3, 0, 1) }
    for n in 1...16 { set(UInt8(0x7f + n), 3, n, n + 1) }
    for n in 1...16 { set(UInt8(0x8f + n), 3, n + 1, n + 1) }
    for n in 0...4 { set(UInt8(0xa0 + n), 375 * (n + 1), n + 2, 0) }
    set(0xf0, s.create, 3, 1)
    set(0xf1, warmCold ? 0 : s.callFlat, 7, 1); set(0xf2, warmCold ? 0 : s.callFlat, 7, 1)
    set(0xf3, 0, 2, 0)
    set(0xf4, warmCold ? 0 : s.callFlat, 6, 1, since: .homestead)
    set(0xf5, s.create, 4, 1, since: .constantinople)
    set(0xfa, warmCold ? 0 : s.callFlat, 6, 1, since: .byzantium)
    set(0xfd, 0, 2, 0, since: .byzantium)
    set(0xff, s.selfdestructBase, 1, 0)
    return t
  }
}
