import Primitives

/// The static gas and stack bounds of one basic block, checked once when the block is entered.
///
/// Bounds are in bytes of stack (32 per item), compared with the stack pointer's distance from
/// the frame's base, like the opcode table's.
@frozen public struct BlockInfo: Sendable {
  /// The static gas of every instruction in the block.
  public var gas: Int64
  /// The block needs at least this many bytes of stack at entry (its deepest read).
  public var minStackBytes: Int32
  /// The block overflows the 1024-item stack when entered above this height (may be negative:
  /// the block always overflows).
  public var maxStackBytes: Int32

  public static let empty = BlockInfo(gas: 0, minStackBytes: 0, maxStackBytes: 1024 * 32)
}

/// Bytecode prepared for the interpreter: padded with 33 zero bytes (so a PUSH32 at the end reads
/// zeros and running off the end meets STOP), a JUMPDEST bitmap that skips PUSH data, and the
/// basic blocks with their static gas and stack bounds (evmone's advanced analysis, kept on the
/// side of the bytecode, which the interpreter still runs byte by byte).
///
/// A block ends after JUMP, JUMPI, STOP, RETURN, REVERT, SELFDESTRUCT and an undefined byte (they
/// leave the straight line), before a JUMPDEST (a jump may enter there), and after the
/// instructions that read the gas left — GAS, SSTORE (the EIP-2200 stipend check), the CALLs and
/// CREATEs (all but one 64th) — so that each of them sees exactly what opcode-by-opcode charging
/// leaves. Charging a block's static gas at its entry instead of instruction by instruction only
/// moves an out-of-gas (or a stack underflow or overflow) earlier within the block: an
/// exceptional halt consumes the frame's gas and reverts what the frame did, whichever of its
/// instructions it stops at, so the results are the same.
///
/// The interpreter enters a block at pc 0, at each JUMPDEST (its body), after a JUMPI not taken
/// and after the gas readers above (unless a JUMPDEST follows, which enters its own).
///
/// Built once per code hash by the ``Host``, for the fork's opcode table.
public final class CodeAnalysis: @unchecked Sendable {
  // SAFETY (@unchecked Sendable): the buffers are written only in init and freed in deinit;
  // the object is immutable in between, so sharing it across threads is safe.
  /// The code followed by 33 zero bytes.
  @usableFromInline let code: UnsafeMutablePointer<UInt8>
  /// One bit per code byte: set where a JUMPDEST opcode (not push data) stands.
  @usableFromInline let jumpdests: UnsafeMutablePointer<UInt64>
  /// For each code position where a block starts (and `size`), the index of its `blocks` entry.
  @usableFromInline let blockAt: UnsafeMutablePointer<UInt32>
  @usableFromInline let blocks: UnsafeMutablePointer<BlockInfo>
  public let size: Int

  public static let padding = 33

  /// - Parameters:
  ///   - bytes: the code.
  ///   - table: the fork's opcode table (static gas, stack use, which bytes are defined).
  init(_ bytes: [UInt8], table: UnsafePointer<OpcodeInfo>) {
    let size = bytes.count
    let code = UnsafeMutablePointer<UInt8>.allocate(capacity: size + CodeAnalysis.padding)
    code.initialize(repeating: 0, count: size + CodeAnalysis.padding)
    bytes.withUnsafeBufferPointer { src in
      if size > 0 { code.update(from: src.baseAddress!, count: size) }
    }
    self.size = size
    self.code = code
    let words = (size + 63) / 64 + 1
    jumpdests = .allocate(capacity: words)
    jumpdests.initialize(repeating: 0, count: words)
    blockAt = .allocate(capacity: size + 1)
    blockAt.initialize(repeating: 0, count: size + 1)

    var found: [BlockInfo] = [.empty]  // index 0: the empty block (STOP past the end)
    var pc = 0
    while pc < size {
      // One block from `pc`.
      let start = pc
      var gas: Int64 = 0
      var height = 0, deepest = 0, highest = 0
      while pc < size {
        let op = code[pc]
        if op == 0x5b {
          if pc != start { break }  // a JUMPDEST starts its own block
          jumpdests[pc >> 6] |= 1 << UInt64(pc & 63)
        }
        let info = table[Int(op)]
        pc += 1
        guard info.defined else { break }  // halts (invalid opcode)
        let inputs = Int(info.minStackBytes) >> 5
        deepest = Swift.max(deepest, inputs - height)
        height += Int(info.outputs) - inputs
        highest = Swift.max(highest, height)
        gas += Int64(info.staticGas)
        if op >= 0x60 && op <= 0x7f { pc += Int(op) - 0x5f }
        if CodeAnalysis.endsBlock(op) { break }
      }
      blockAt[start] = UInt32(found.count)
      found.append(BlockInfo(gas: gas, minStackBytes: Int32(deepest * 32), maxStackBytes: Int32((1024 - highest) * 32)))
    }
    // blockAt[size] stays 0: a gas reader or JUMPI at the very end continues into STOP.
    blocks = .allocate(capacity: found.count)
    blocks.initialize(from: found, count: found.count)
  }

  /// Convenience for code outside a fork context (tests, the empty code): Cancun's table.
  public convenience init(_ bytes: [UInt8]) {
    self.init(bytes, table: CodeAnalysis.cancunTable)
  }

  // SAFETY: written once by the lazy initialiser, read-only afterwards.
  nonisolated(unsafe) private static let cancunTable: UnsafePointer<OpcodeInfo> = {
    let t = UnsafeMutablePointer<OpcodeInfo>.allocate(capacity: 256)
    t.initialize(from: OpcodeInfo.table(for: .cancun), count: 256)
    return UnsafePointer(t)
  }()

  /// True for the opcodes after which the next instruction starts a block: those that leave
  /// the straight line and those that read the gas left.
  @inline(__always) static func endsBlock(_ op: UInt8) -> Bool {
    switch op {
    case 0x00, 0x56, 0x57, 0xf3, 0xfd, 0xfe, 0xff: return true  // STOP JUMP JUMPI RETURN REVERT INVALID SELFDESTRUCT
    case 0x5a, 0x55: return true  // GAS, SSTORE
    case 0xf0, 0xf1, 0xf2, 0xf4, 0xf5, 0xfa: return true  // CREATE CALL CALLCODE DELEGATECALL CREATE2 STATICCALL
    default: return false
    }
  }

  deinit {
    code.deallocate()
    jumpdests.deallocate()
    blockAt.deallocate()
    blocks.deallocate()
  }

  /// True when `dest` is a valid jump destination.
  @inlinable @inline(__always)
  func isJumpdest(_ dest: Int) -> Bool {
    // SAFETY: dest < size, and the bitmap holds (size + 63) / 64 + 1 words.
    dest < size && (jumpdests[dest >> 6] >> UInt64(dest & 63)) & 1 == 1
  }

  /// The block that starts at `pc` (a block start, or `size`).
  @inlinable @inline(__always)
  func block(at pc: Int) -> BlockInfo {
    // SAFETY: pc ≤ size, and blockAt holds size + 1 entries, each a valid index into blocks.
    blocks[Int(blockAt[pc])]
  }

  /// The code bytes (without padding).
  public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: code, count: size)) }

  /// An empty code object shared by accounts without code (one block: STOP, fork-independent).
  public static let empty = CodeAnalysis([])
}
