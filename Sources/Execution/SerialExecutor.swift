import EVM
import Primitives
import State

/// What the block gives its executor besides the transactions.
public struct BlockContext: Sendable {
  public var env: BlockEnv
  /// EIP-4788: the root the beacon-roots system call stores before the transactions (Cancun on).
  public var parentBeaconBlockRoot: Hash?
  /// EIP-4895: (address, gwei) credited after the transactions.
  public var withdrawals: [(address: Address, amountGwei: UInt64)]
  /// EIP-4844: the most blob gas a block may use.
  public var maxBlobGas: UInt64
  /// Pre-merge block and ommer rewards: (beneficiary, wei) credited last.
  public var rewards: [(address: Address, amount: U256)]
  /// An irregular state change applied before the transactions (the DAO fork block's).
  public var drain: BalanceDrain?
  /// EIP-2935: the parent's hash, stored through the history contract before the transactions
  /// (Prague on).
  public var parentHash: Hash?

  public init(env: BlockEnv, parentBeaconBlockRoot: Hash? = nil, withdrawals: [(address: Address, amountGwei: UInt64)] = [],
              maxBlobGas: UInt64 = 6 * 131_072, rewards: [(address: Address, amount: U256)] = [],
              drain: BalanceDrain? = nil, parentHash: Hash? = nil) {
    self.env = env; self.parentBeaconBlockRoot = parentBeaconBlockRoot; self.withdrawals = withdrawals
    self.maxBlobGas = maxBlobGas; self.rewards = rewards; self.drain = drain; self.parentHash = parentHash
  }
}

/// EIP-7685: one type's requests of a block, as a request contract's system call returned
/// them (EIP-7002 withdrawals, EIP-7251 consolidations).
public struct ExecutionRequest: Sendable, Equatable {
  public var type: UInt8
  public var data: [UInt8]
  public init(type: UInt8, data: [UInt8]) { self.type = type; self.data = data }
}

/// Why a checked system call (EIP-7002, EIP-7251) makes its block invalid.
public enum SystemCallFault: Error, Equatable, Sendable, CustomStringConvertible {
  /// The request contract has no code.
  case noCode(Address)
  /// The call halted or reverted.
  case failed(Address, ExecutionStatus)

  public var description: String {
    switch self {
    case .noCode(let a): return "system contract \(a) has no code"
    case .failed(let a, let status): return "system call to \(a) failed: \(status)"
    }
  }
}

/// An irregular state change: every balance of `accounts` moved to `beneficiary`. Each account
/// named, and the beneficiary, exists afterwards even when it did not before (as geth's
/// `ApplyDAOHardFork` and execution-specs' `apply_dao` leave them).
public struct BalanceDrain: Sendable, Equatable {
  public var accounts: [Address]
  public var beneficiary: Address
  public init(accounts: [Address], beneficiary: Address) {
    self.accounts = accounts; self.beneficiary = beneficiary
  }
}

/// One transaction's outcome, in block order.
public struct TransactionOutcome: Sendable {
  public var succeeded: Bool
  /// Gas charged (after the refund).
  public var gasUsed: UInt64
  public var cumulativeGasUsed: UInt64
  public var logs: [Log]
  public var createdAddress: Address?
}

/// The result of executing a block's transactions: ordered outcomes and one write set.
public struct BlockExecution: Sendable {
  public var outcomes: [TransactionOutcome]
  public var writes: StateChanges
  public var gasUsed: UInt64
  public var blobGasUsed: UInt64
  /// EIP-7002/7251: the request contracts' outputs, in type order (Prague on; empty outputs
  /// included). Deposit requests (EIP-6110) come from the receipts' logs instead.
  public var systemRequests: [ExecutionRequest] = []
}

/// Why the executor refuses a transaction: a rule of the block it is in, or of the EVM against
/// the state it read. Either makes the whole block invalid.
public enum TransactionRejection: Error, Equatable, Sendable, CustomStringConvertible {
  /// Invalid against the state it read (nonce, balance, intrinsic gas, sender code, …).
  case evm(InvalidTransaction)
  /// Its gas limit (`needed`) exceeds the gas the block has left after the transactions
  /// before it (`available`).
  case blockGasExceeded(needed: UInt64, available: UInt64)
  /// EIP-4844: the block's blob gas with this transaction's (`used`) exceeds the maximum.
  case blobGasExceeded(used: UInt64, max: UInt64)

  public var description: String {
    switch self {
    case .evm(let e): return e.description
    case .blockGasExceeded(let needed, let available):
      return "gas limit \(needed) exceeds the block's remaining gas \(available)"
    case .blobGasExceeded(let used, let max): return "blob gas \(used) exceeds the block maximum \(max)"
    }
  }
}

/// Why a block's execution failed: an invalid transaction makes the whole block invalid.
public enum ExecutionError: Error, Equatable, Sendable, CustomStringConvertible {
  case invalidTransaction(index: Int, reason: TransactionRejection)
  case state(StateReadError)
  /// A request contract's system call failed (EIP-7002, EIP-7251): the block is invalid.
  case systemCall(SystemCallFault)

  public var description: String {
    switch self {
    case .invalidTransaction(let i, let r): return "transaction \(i): \(r)"
    case .systemCall(let f): return f.description
    case .state(let e): return e.description
    }
  }
}

/// Executes a block's transactions one after another: the reference Block-STM must equal.
public enum SerialExecutor {
  /// - Parameters:
  ///   - transactions: the block's transactions, senders recovered, stateless checks done.
  ///   - context: block environment, system-call input, withdrawals.
  ///   - state: the state after the parent block.
  /// - Throws: `ExecutionError` naming the first invalid transaction.
  ///   - afterTransaction: called after each transaction with the block's writes so far
  ///     (pre-Byzantium receipts carry the state root at that point).
  public static func execute(
    _ transactions: [TxEnv], context: BlockContext, state: any StateReader,
    afterTransaction: ((Int, StateChanges) -> Void)? = nil
  ) throws(ExecutionError) -> BlockExecution {
    let run = try Run(context: context, state: state, expectedTransactions: transactions.count)
    for (i, tx) in transactions.enumerated() {
      try run.execute(tx, index: i)
      afterTransaction?(i, run.writes)
    }
    return try run.finish()
  }

  /// The serial executor one transaction at a time, for a caller that hands the transactions
  /// over as they become ready (import executes a block's first transactions while the
  /// senders of the later ones are still being recovered). `execute(_:context:state:)` is
  /// exactly this over a whole list.
  public final class Run {
    private let context: BlockContext
    private let overlay: OverlayReader
    private let vm: VirtualMachine
    private var outcomes: [TransactionOutcome] = []
    private var cumulative: UInt64 = 0
    private var blobGas: UInt64 = 0

    /// Starts the block: the system calls before the transactions (EIP-4788, EIP-2935).
    public init(context: BlockContext, state: any StateReader, expectedTransactions: Int = 0) throws(ExecutionError) {
      self.context = context
      overlay = OverlayReader(base: state)
      vm = VirtualMachine(block: context.env)
      outcomes.reserveCapacity(expectedTransactions)
      do {
        try applyPreTransactionSystemCalls(vm: vm, context: context, overlay: overlay)
      } catch {
        throw .state(error)
      }
    }

    /// The block's writes so far.
    public var writes: StateChanges { overlay.writes }

    /// Executes the next transaction, `index` in the block, and adds its writes.
    public func execute(_ tx: TxEnv, index: Int) throws(ExecutionError) {
      let (outcome, writes) = try executeOne(tx, index: index, vm: vm, context: context, reader: overlay,
                                             cumulativeGas: cumulative, blobGasUsed: &blobGas)
      cumulative += outcome.gasUsed
      var o = outcome
      o.cumulativeGasUsed = cumulative
      outcomes.append(o)
      try apply(writes, to: overlay, fork: context.env.fork)
    }

    /// Ends the block: withdrawals, rewards and the system calls after the transactions.
    public func finish() throws(ExecutionError) -> BlockExecution {
      let requests = try applyPostTransactionChanges(vm: vm, context: context, overlay: overlay)
      return BlockExecution(outcomes: outcomes, writes: overlay.writes, gasUsed: cumulative, blobGasUsed: blobGas,
                            systemRequests: requests)
    }
  }

  /// Adds one transaction's write set to the block's writes in `overlay`: its credits are
  /// read through the overlay and added (`WriteSet.apply(to:base:clearsEmptyAccounts:)`).
  public static func apply(_ writes: WriteSet, to overlay: OverlayReader, fork: Fork) throws(ExecutionError) {
    do {
      try writes.apply(to: &overlay.writes, base: overlay.base, clearsEmptyAccounts: fork >= .spuriousDragon)
    } catch {
      throw .state(error)
    }
  }

  /// Executes transaction `index` against `reader` after the block-level checks that depend on
  /// the transactions before it (remaining block gas, blob gas).
  /// - Returns: the outcome (its `cumulativeGasUsed` left for the caller) and the write set,
  ///   credits included, for the caller to apply in order.
  public static func executeOne(
    _ tx: TxEnv, index: Int, vm: VirtualMachine, context: BlockContext, reader: any StateReader,
    cumulativeGas: UInt64, blobGasUsed: inout UInt64
  ) throws(ExecutionError) -> (TransactionOutcome, WriteSet) {
    try admit(tx, index: index, context: context, cumulativeGas: cumulativeGas, blobGasUsed: &blobGasUsed)
    let result: ExecutionResult
    do {
      result = try vm.transact(tx, state: reader)
    } catch {
      switch error {
      case .state(let e): throw .state(e)
      case .invalid(let e): throw .invalidTransaction(index: index, reason: .evm(e))
      }
    }
    let outcome = TransactionOutcome(
      succeeded: result.status == .success, gasUsed: result.gasUsed, cumulativeGasUsed: 0,
      logs: result.logs, createdAddress: result.createdAddress)
    return (outcome, result.writeSet)
  }

  /// The block-level checks on transaction `index` that depend on the transactions before it
  /// (shared by the serial and the Block-STM executor): its gas limit within the block's
  /// remaining gas, and (EIP-4844) the block's blob gas within the maximum. Adds its blob gas
  /// to `blobGasUsed`.
  /// - Throws: `ExecutionError.invalidTransaction` with `.blockGasExceeded` or `.blobGasExceeded`.
  public static func admit(
    _ tx: TxEnv, index: Int, context: BlockContext, cumulativeGas: UInt64, blobGasUsed: inout UInt64
  ) throws(ExecutionError) {
    let available = context.env.gasLimit - cumulativeGas
    guard tx.gasLimit <= available else {
      throw .invalidTransaction(index: index, reason: .blockGasExceeded(needed: tx.gasLimit, available: available))
    }
    let blobGas = UInt64(tx.blobHashes.count) * VirtualMachine.gasPerBlob
    guard blobGasUsed + blobGas <= context.maxBlobGas else {
      throw .invalidTransaction(index: index, reason: .blobGasExceeded(used: blobGasUsed + blobGas, max: context.maxBlobGas))
    }
    blobGasUsed += blobGas
  }

  /// Before the transactions: an irregular balance drain (the DAO fork block), (EIP-4788) the
  /// parent beacon block root stored through the beacon-roots contract, and (EIP-2935, Prague)
  /// the parent hash stored through the history contract. Either call is skipped when its
  /// contract has no code, and a failing one changes nothing.
  public static func applyPreTransactionSystemCalls(vm: VirtualMachine, context: BlockContext, overlay: OverlayReader) throws(StateReadError) {
    if let drain = context.drain { try apply(drain, to: overlay) }
    if context.env.fork >= .cancun, let root = context.parentBeaconBlockRoot {
      if let call = try vm.systemCall(to: beaconRootsAddress, data: root.bytes, state: overlay) {
        try call.writes.apply(to: &overlay.writes, base: overlay.base, clearsEmptyAccounts: true)
      }
    }
    if context.env.fork >= .prague, let parentHash = context.parentHash {
      if let call = try vm.systemCall(to: historyStorageAddress, data: parentHash.bytes, state: overlay) {
        try call.writes.apply(to: &overlay.writes, base: overlay.base, clearsEmptyAccounts: true)
      }
    }
  }

  /// Moves every balance of `drain.accounts` to `drain.beneficiary`, writing each account.
  static func apply(_ drain: BalanceDrain, to overlay: OverlayReader) throws(StateReadError) {
    var beneficiary = try overlay.account(drain.beneficiary) ?? Account()
    for address in drain.accounts {
      if address == drain.beneficiary { continue }
      var account = try overlay.account(address) ?? Account()
      beneficiary.balance = beneficiary.balance &+ account.balance
      account.balance = .zero
      overlay.writes.setAccount(address, account)
    }
    overlay.writes.setAccount(drain.beneficiary, beneficiary)
  }

  /// After the transactions: withdrawals and pre-merge rewards (`applyCredits`), then from
  /// Prague the request contracts' system calls (EIP-7002 withdrawals, EIP-7251
  /// consolidations), which must have code and succeed.
  /// - Returns: the request contracts' outputs, in type order (empty before Prague).
  /// - Throws: `.systemCall` when a request contract has no code or its call fails; `.state`
  ///   when a read fails.
  public static func applyPostTransactionChanges(
    vm: VirtualMachine, context: BlockContext, overlay: OverlayReader
  ) throws(ExecutionError) -> [ExecutionRequest] {
    do {
      try applyCredits(context: context, overlay: overlay)
    } catch {
      throw .state(error)
    }
    guard context.env.fork >= .prague else { return [] }
    var requests: [ExecutionRequest] = []
    for (type, address) in [(UInt8(0x01), withdrawalRequestAddress), (UInt8(0x02), consolidationRequestAddress)] {
      let call: SystemCallOutput?
      do {
        call = try vm.systemCall(to: address, data: [], state: overlay)
      } catch {
        throw .state(error)
      }
      guard let call else { throw .systemCall(.noCode(address)) }
      guard call.status == .success else { throw .systemCall(.failed(address, call.status)) }
      do {
        try call.writes.apply(to: &overlay.writes, base: overlay.base, clearsEmptyAccounts: true)
      } catch {
        throw .state(error)
      }
      requests.append(ExecutionRequest(type: type, data: call.output))
    }
    return requests
  }

  /// Withdrawals (gwei → wei) and pre-merge rewards, after the transactions. A zero-amount
  /// credit to an account that does not exist leaves it absent (EIP-161 touch rules).
  static func applyCredits(context: BlockContext, overlay: OverlayReader) throws(StateReadError) {
    var credits: [(Address, U256)] = context.withdrawals.map { ($0.address, U256($0.amountGwei) &* U256(1_000_000_000)) }
    credits += context.rewards.map { ($0.address, $0.amount) }
    for (address, amount) in credits {
      var account = try overlay.account(address)
      if account == nil {
        if amount.isZero && context.env.fork >= .spuriousDragon { continue }
        account = Account()
      }
      account!.balance = account!.balance &+ amount
      overlay.writes.setAccount(address, account!)
    }
  }

  /// 0x0000F90827F1C53a10cb7A02335B175320002935 (EIP-2935).
  public static let historyStorageAddress = Address([
    0x00, 0x00, 0xF9, 0x08, 0x27, 0xF1, 0xC5, 0x3a, 0x10, 0xcb,
    0x7A, 0x02, 0x33, 0x5B, 0x17, 0x53, 0x20, 0x00, 0x29, 0x35,
  ])

  /// 0x00000961Ef480Eb55e80D19ad83579A64c007002 (EIP-7002).
  public static let withdrawalRequestAddress = Address([
    0x00, 0x00, 0x09, 0x61, 0xEf, 0x48, 0x0E, 0xb5, 0x5e, 0x80,
    0xD1, 0x9a, 0xd8, 0x35, 0x79, 0xA6, 0x4c, 0x00, 0x70, 0x02,
  ])

  /// 0x0000BBdDc7CE488642fb579F8B00f3a590007251 (EIP-7251).
  public static let consolidationRequestAddress = Address([
    0x00, 0x00, 0xBB, 0xdD, 0xc7, 0xCE, 0x48, 0x86, 0x42, 0xfb,
    0x57, 0x9F, 0x8B, 0x00, 0xf3, 0xa5, 0x90, 0x00, 0x72, 0x51,
  ])

  /// 0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02 (EIP-4788).
  public static let beaconRootsAddress = Address([
    0x00, 0x0F, 0x3d, 0xf6, 0xD7, 0x32, 0x80, 0x7E, 0xf1, 0x31,
    0x9f, 0xB7, 0xB8, 0xbB, 0x85, 0x22, 0xd0, 0xBe, 0xac, 0x02,
  ])
}
