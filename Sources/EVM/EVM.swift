import Primitives
import State

/// The Ethereum Virtual Machine for one block: executes transactions against a `StateReader`
/// and reports what each changed.
///
/// One instance serves the transactions of a block one after another (it is not thread-safe;
/// Block-STM gives each worker its own). Per transaction it keeps a cache of the accounts and
/// slots read through the reader, with the original values (EIP-2200), warm sets (EIP-2929),
/// transient storage (EIP-1153), logs, the refund counter and a journal for nested reverts.
/// Buffers (stacks, memories, analysed code) are kept and reused across transactions.
///
/// Frames nest by recursion: a depth-1024 call chain needs several MB of thread stack (run
/// execution on the main thread or a thread created with ≥ 16 MB of stack).
public final class EVM {
  public let block: BlockEnv
  public let schedule: GasSchedule
  public var fork: Fork { block.fork }
  /// The opcode table of the fork (256 entries).
  @usableFromInline let table: UnsafeMutablePointer<OpcodeInfo>

  // Per transaction.
  var reader: any StateReader = EmptyReader()
  var origin: Address = .zero
  var gasPrice: U256 = .zero
  var blobHashes: [Hash] = []
  var accounts = AccountTable()
  /// EIP-2929 warm addresses (precompiles are always warm and not listed). Kept apart from
  /// `accounts` so that warming never reads an account (Block-STM: warming the coinbase must not
  /// make a transaction depend on the coinbase balance).
  var warmAccounts: Set<Address> = []
  /// EIP-2930 access-list slots: warm when first loaded.
  var prewarmedSlots: Set<SlotKey> = []
  var storage: [SlotKey: SlotState] = [:]
  var transient: [SlotKey: U256] = [:]
  var journal: [JournalEntry] = []
  var logs: [Log] = []
  var refund = 0

  // Reused across transactions.
  var codeCache: [Hash: CodeAnalysis] = [:]
  var stacks: [UnsafeMutablePointer<U256>] = []
  var memories: [(base: UnsafeMutableRawPointer, capacity: Int)] = []
  /// Highest precompile address of the fork (0 before Byzantium's 1…8 grew from 1…4).
  let precompileCount: UInt32

  public static let stackLimit = 1024
  public static let depthLimit = 1024

  /// - Parameter block: the block environment; its `fork` selects the rules.
  public init(block: BlockEnv) {
    self.block = block
    self.schedule = GasSchedule(fork: block.fork)
    table = .allocate(capacity: 256)
    table.initialize(from: OpcodeInfo.table(for: block.fork), count: 256)
    precompileCount = block.fork >= .cancun ? 10 : block.fork >= .istanbul ? 9 : block.fork >= .byzantium ? 8 : 4
  }

  deinit {
    table.deallocate()
    for s in stacks { s.deallocate() }
    for m in memories { m.base.deallocate() }
  }

  // MARK: - Per-transaction reset

  func beginTransaction(reader: any StateReader, origin: Address, gasPrice: U256, blobHashes: [Hash]) {
    self.reader = reader
    self.origin = origin
    self.gasPrice = gasPrice
    self.blobHashes = blobHashes
    accounts.removeAll(keepingCapacity: true)
    warmAccounts.removeAll(keepingCapacity: true)
    prewarmedSlots.removeAll(keepingCapacity: true)
    storage.removeAll(keepingCapacity: true)
    transient.removeAll(keepingCapacity: true)
    journal.removeAll(keepingCapacity: true)
    logs.removeAll(keepingCapacity: true)
    refund = 0
  }

  // MARK: - Accounts

  /// Runs `body` on the cached account of `address` in place (loading it through the reader
  /// the first time): one hash lookup, and no copy of the account state in or out (the
  /// accessors of the hot paths go through here; copying the state and looking it up again for
  /// each field read or set was a tenth of a transfer's instructions).
  @inline(__always)
  func withAccount<R>(_ address: Address, _ body: (inout AccountState) -> R) throws(StateReadError) -> R {
    if let i = accounts.storage.index(forKey: address) { return body(&accounts.storage.values[i]) }
    var a = AccountState(try reader.account(address))
    let r = body(&a)
    accounts.storage[address] = a
    return r
  }

  /// Loads `address` into the cache (reading it through the reader the first time).
  @inline(__always)
  func load(_ address: Address) throws(StateReadError) {
    try withAccount(address) { _ in }
  }

  /// A copy of the cached account (loading it if needed).
  @inline(__always)
  func account(_ address: Address) throws(StateReadError) -> AccountState {
    try withAccount(address) { $0 }
  }

  /// EIP-2929: marks `address` accessed; returns true when it was cold.
  @inline(__always)
  func warmAccount(_ address: Address) throws(StateReadError) -> Bool {
    if precompileIndex(address) != nil { return false }
    if warmAccounts.insert(address).inserted {
      journal.append(.accountWarmed(address))
      return true
    }
    return false
  }

  func balance(_ address: Address) throws(StateReadError) -> U256 {
    try withAccount(address) { $0.balance }
  }

  /// The analysed code of `address` (empty for accounts without code).
  func code(_ address: Address) throws(StateReadError) -> CodeAnalysis {
    let (loaded, hash) = try withAccount(address) { ($0.code, $0.codeHash) }
    if let loaded { return loaded }
    let c: CodeAnalysis
    if hash == .emptyKeccak {
      c = .empty
    } else if let cached = codeCache[hash] {
      c = cached
    } else {
      c = CodeAnalysis(try reader.code(hash))
      codeCache[hash] = c
    }
    accounts[address]!.code = c
    return c
  }

  func setBalance(_ address: Address, _ value: U256) throws(StateReadError) {
    try setField(address, undo: { .balanceSet(address, old: $0.balance) }) { $0.balance = value }
  }

  func setNonce(_ address: Address, _ value: UInt64) throws(StateReadError) {
    try setField(address, undo: { .nonceSet(address, old: $0.nonce) }) { $0.nonce = value }
  }

  /// Sets one field of `address` in place (`set`), journaling `undo` of the account as it was,
  /// or the whole account when it did not exist (setting a field brings it into existence).
  @inline(__always)
  private func setField(_ address: Address, undo: (borrowing AccountState) -> JournalEntry,
                        _ set: (inout AccountState) -> Void) throws(StateReadError) {
    let entry = try withAccount(address) { (a: inout AccountState) -> JournalEntry in
      let entry: JournalEntry = a.exists ? undo(a) : .accountReplaced(address, old: a)
      a.exists = true
      set(&a)
      return entry
    }
    journal.append(entry)
  }

  /// Moves `value` wei; the caller has checked the sender's balance.
  func transfer(from: Address, to: Address, _ value: U256) throws(StateReadError) {
    if value.isZero { return }
    let fromBalance = try balance(from)
    try setBalance(from, fromBalance &- value)
    let toBalance = try balance(to)
    try setBalance(to, toBalance &+ value)
  }

  /// EIP-161: marks `address` touched (an empty touched account is deleted at the end).
  func touch(_ address: Address) throws(StateReadError) {
    let wasTouched = try withAccount(address) { (a: inout AccountState) -> Bool in
      defer { a.touched = true }
      return a.touched
    }
    if !wasTouched { journal.append(.touched(address)) }
  }

  // MARK: - Storage

  /// SLOAD: the current value and whether the slot was cold (it is warm afterwards).
  @inline(__always)
  func sload(_ address: Address, _ slot: U256) throws(StateReadError) -> (value: U256, cold: Bool) {
    let key = SlotKey(address: address, slot: slot)
    if let s = storage[key] {
      if s.warm { return (s.current, false) }
      storage[key]!.warm = true
      journal.append(.slotWarmed(key))
      return (s.current, true)
    }
    let v = try readOriginal(key)
    storage[key] = SlotState(original: v, current: v, warm: true)
    if prewarmedSlots.contains(key) { return (v, false) }
    journal.append(.slotWarmed(key))
    return (v, true)
  }

  /// The value at the start of the transaction; zero for an account created in it.
  func readOriginal(_ key: SlotKey) throws(StateReadError) -> U256 {
    if let i = accounts.storage.index(forKey: key.address), accounts.storage.values[i].created { return .zero }
    return try reader.storage(key.address, key.slot)
  }

  /// The slot's state, loading it (cold) when absent.
  @inline(__always)
  func slot(_ key: SlotKey) throws(StateReadError) -> SlotState {
    if let s = storage[key] { return s }
    let v = try readOriginal(key)
    let s = SlotState(original: v, current: v, warm: prewarmedSlots.contains(key))
    storage[key] = s
    return s
  }

  // MARK: - Journal

  @inline(__always)
  func checkpoint() -> Checkpoint {
    Checkpoint(journalCount: journal.count, logCount: logs.count, refund: refund)
  }

  /// Undoes everything since `cp`.
  func revert(to cp: Checkpoint) {
    while journal.count > cp.journalCount {
      switch journal.removeLast() {
      case .accountWarmed(let a): warmAccounts.remove(a)
      case .slotWarmed(let k): storage[k]!.warm = false
      case .storageSet(let k, let old): storage[k]!.current = old
      case .transientSet(let k, let old): transient[k] = old
      case .balanceSet(let a, let old): accounts[a]!.balance = old
      case .nonceSet(let a, let old): accounts[a]!.nonce = old
      case .touched(let a): accounts[a]!.touched = false
      case .accountReplaced(let a, let old): accounts[a] = old
      case .selfdestructed(let a): accounts[a]!.selfdestructed = false
      }
    }
    if logs.count > cp.logCount { logs.removeSubrange(cp.logCount...) }
    refund = cp.refund
  }

  // MARK: - Buffers

  /// The stack buffer of frame `depth` (allocated once, reused).
  @inline(__always)
  func stackBuffer(depth: Int) -> UnsafeMutablePointer<U256> {
    while stacks.count <= depth { stacks.append(.allocate(capacity: EVM.stackLimit)) }
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

/// The reader of a fresh `EVM` before its first transaction: holds nothing.
struct EmptyReader: StateReader {
  func account(_ address: Address) throws(StateReadError) -> Account? { nil }
  func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] { [] }
  func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 { .zero }
  func blockHash(_ number: UInt64) throws(StateReadError) -> Hash { .zero }
}
