import Primitives
import State

/// The Ethereum Virtual Machine for one block: executes transactions against a `StateReader`
/// and reports what each changed.
///
/// One instance serves the transactions of a block one after another (it is not thread-safe;
/// Block-STM gives each worker its own). It owns the block's rules (fork, gas schedule, opcode
/// table), the `Host` (the transaction's accounts, slots, warm sets, journal, logs, refund and
/// credits) and the interpreter's buffers (a stack and a memory per call depth), which are kept
/// and reused across transactions. Each call frame's registers (stack pointer, pc, gas, memory)
/// live in `run`, the interpreter loop.
///
/// Frames nest by recursion: a depth-1024 call chain needs several MB of thread stack (run
/// execution on the main thread or a thread created with ≥ 16 MB of stack).
public final class VirtualMachine {
  public let block: BlockEnv
  public let schedule: GasSchedule
  public var fork: Fork { block.fork }
  /// The opcode table of the fork (256 entries).
  @usableFromInline let table: UnsafeMutablePointer<OpcodeInfo>
  /// The `opcode` column of `table` alone (256 bytes): what the interpreter dispatches on, one
  /// byte load per instruction instead of a 12-byte row's address arithmetic.
  @usableFromInline let opcodes: UnsafeMutablePointer<Opcode>
  /// The transaction's host state.
  let host: Host

  // Per transaction.
  var origin: Address = .zero
  var gasPrice: U256 = .zero
  var blobHashes: [Hash] = []

  // Reused across transactions.
  var stacks: [UnsafeMutablePointer<U256>] = []
  var memories: [(base: UnsafeMutableRawPointer, capacity: Int)] = []

  public static let stackLimit = 1024
  public static let depthLimit = 1024

  /// - Parameter block: the block environment; its `fork` selects the rules.
  public init(block: BlockEnv) {
    self.block = block
    self.schedule = GasSchedule(fork: block.fork)
    table = .allocate(capacity: 256)
    table.initialize(from: OpcodeInfo.table(for: block.fork), count: 256)
    opcodes = .allocate(capacity: 256)
    for i in 0..<256 { (opcodes + i).initialize(to: table[i].opcode) }
    // Byzantium's 1…8 grew from 1…4; Istanbul adds BLAKE2f, Cancun the point evaluation,
    // Prague the seven BLS12-381 precompiles 0x0b…0x11 (EIP-2537).
    let precompiles: UInt32 = block.fork >= .prague ? 17 : block.fork >= .cancun ? 10 : block.fork >= .istanbul ? 9 : block.fork >= .byzantium ? 8 : 4
    host = Host(precompileCount: precompiles, opcodeTable: UnsafePointer(table))
    host.hasP256Verify = block.fork >= .osaka
  }

  deinit {
    table.deallocate()
    opcodes.deallocate()
    for s in stacks { s.deallocate() }
    for m in memories { m.base.deallocate() }
  }

  /// Starts a transaction (or a system call): resets the host and the transaction context.
  func beginTransaction(reader: any StateReader, origin: Address, gasPrice: U256, blobHashes: [Hash]) {
    host.begin(reader: reader)
    self.origin = origin
    self.gasPrice = gasPrice
    self.blobHashes = blobHashes
  }

  // MARK: - Buffers

  /// The stack buffer of frame `depth` (allocated once, reused).
  @inline(__always)
  func stackBuffer(depth: Int) -> UnsafeMutablePointer<U256> {
    while stacks.count <= depth { stacks.append(.allocate(capacity: VirtualMachine.stackLimit)) }
    return stacks[depth]
  }

  func memoryBuffer(depth: Int) -> (base: UnsafeMutableRawPointer, capacity: Int) {
    while memories.count <= depth {
      memories.append((UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 32), 4096))
    }
    return memories[depth]
  }

  func returnMemoryBuffer(depth: Int, _ base: UnsafeMutableRawPointer, _ capacity: Int) {
    memories[depth] = (base, capacity)
  }
}
