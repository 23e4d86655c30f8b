import Primitives
import State

/// What a system call did: its writes, how it ended and what it returned.
public struct SystemCallOutput: Sendable {
  /// The call's writes (the system address left out); empty when it failed.
  public var writes: WriteSet
  public var status: ExecutionStatus
  /// The returned data (EIP-7002/7251: the block's requests of the contract's type).
  public var output: [UInt8]
}

extension VirtualMachine {
  /// 0xff…fe: the caller of system calls (EIP-4788, and Prague's EIP-2935/7002/7251).
  public static let systemAddress = Address(
    w0: 0xffff_ffff_ffff_ffff, w1: 0xffff_ffff_ffff_ffff, w2: UInt32(0xffff_fffe).bigEndian)

  /// Gas given to a system call.
  public static let systemCallGas = 30_000_000

  /// A system call (EIP-4788's beacon-roots and EIP-2935's history updates before the block's
  /// transactions, EIP-7002's and EIP-7251's request dequeues after them): a message from the
  /// system address to `target` with `data`, no value, 30M gas, outside any transaction — no
  /// nonce, no fee, no gas counted against the block, and the system address itself left
  /// untouched.
  /// - Returns: the call's writes, status and output, or nil when `target` has no code (the
  ///   call is skipped; for 7002/7251 that makes the block invalid, the caller's rule).
  /// - Throws: a state read failure (`.blocked(on:)` included).
  public func systemCall(to target: Address, data: [UInt8], state: any StateReader) throws(StateReadError) -> SystemCallOutput? {
    beginTransaction(reader: state, origin: VirtualMachine.systemAddress, gasPrice: .zero, blobHashes: [])
    defer { host.end() }
    guard let account = try state.account(target), account.codeHash != .emptyKeccak else { return nil }
    let msg = Message(caller: VirtualMachine.systemAddress, target: target, codeAddress: target, value: .zero, input: data,
                      gas: VirtualMachine.systemCallGas, depth: 0, isStatic: false, transfersValue: false)
    let frame = try callMessage(msg)
    var ws = host.makeWriteSet(clearsEmptyAccounts: schedule.clearsEmptyAccounts)
    ws.accounts.removeAll { $0.address == VirtualMachine.systemAddress }
    return SystemCallOutput(writes: ws, status: frame.status, output: frame.output)
  }
}
