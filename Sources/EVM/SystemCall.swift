import Primitives
import State

extension VirtualMachine {
  /// 0xff…fe: the caller of system calls (EIP-4788, and Prague's EIP-2935/7002/7251).
  public static let systemAddress = Address(
    w0: 0xffff_ffff_ffff_ffff, w1: 0xffff_ffff_ffff_ffff, w2: UInt32(0xffff_fffe).bigEndian)

  /// Gas given to a system call.
  public static let systemCallGas = 30_000_000

  /// A system call before the block's transactions (EIP-4788's beacon-roots update): a message
  /// from the system address to `target` with `data`, no value, 30M gas, outside any transaction
  /// — no nonce, no fee, no gas counted against the block, and the system address itself left
  /// untouched.
  /// - Returns: the writes of the call, or nil when `target` has no code (the call is skipped).
  /// - Throws: a state read failure (`.blocked(on:)` included).
  public func systemCall(to target: Address, data: [UInt8], state: any StateReader) throws(StateReadError) -> WriteSet? {
    beginTransaction(reader: state, origin: VirtualMachine.systemAddress, gasPrice: .zero, blobHashes: [])
    defer { host.end() }
    guard let account = try state.account(target), account.codeHash != .emptyKeccak else { return nil }
    let msg = Message(caller: VirtualMachine.systemAddress, target: target, codeAddress: target, value: .zero, input: data,
                      gas: VirtualMachine.systemCallGas, depth: 0, isStatic: false, transfersValue: false)
    _ = try callMessage(msg)
    var ws = host.makeWriteSet(clearsEmptyAccounts: schedule.clearsEmptyAccounts)
    ws.accounts.removeAll { $0.address == VirtualMachine.systemAddress }
    return ws
  }
}
