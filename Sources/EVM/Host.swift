import Primitives
import State

/// The host state of one transaction: what the interpreter reads and writes outside its frame.
///
/// Holds the accounts and slots read through the `StateReader` (with their original values,
/// EIP-2200), the warm sets (EIP-2929), transient storage (EIP-1153), logs, the refund counter,
/// the journal that undoes a reverted frame, and the balance credits owed to accounts the
/// transaction never read. Reset per transaction by `begin`; the analysed-code cache is kept
/// across transactions. Not thread-safe: one per `VirtualMachine`.
final class Host {
  var reader: any StateReader = EmptyReader()
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
  /// Balance additions to accounts this transaction did not read (see `credit`).
  var credits: [BalanceCredit] = []
  /// Analysed code by hash, kept across transactions.
  var codeCache: [Hash: CodeAnalysis] = [:]
  /// Highest precompile address of the fork (precompiles are always warm).
  let precompileCount: UInt32

  /// EIP-7951 (Osaka): P256VERIFY at 0x100, outside the contiguous 1…`precompileCount`.
  var hasP256Verify = false

  /// The fork's opcode table, for analysing code (owned by the `VirtualMachine`).
  let opcodeTable: UnsafePointer<OpcodeInfo>

  init(precompileCount: UInt32, opcodeTable: UnsafePointer<OpcodeInfo>) {
    self.precompileCount = precompileCount
    self.opcodeTable = opcodeTable
  }

  /// Starts a transaction reading `reader`: everything but the code cache is cleared.
  func begin(reader: any StateReader) {
    self.reader = reader
    accounts.removeAll(keepingCapacity: true)
    warmAccounts.removeAll(keepingCapacity: true)
    prewarmedSlots.removeAll(keepingCapacity: true)
    storage.removeAll(keepingCapacity: true)
    transient.removeAll(keepingCapacity: true)
    journal.removeAll(keepingCapacity: true)
    logs.removeAll(keepingCapacity: true)
    credits.removeAll(keepingCapacity: true)
    refund = 0
  }

  /// Drops the reader at the end of a transaction (the host must not keep a view alive).
  func end() { reader = EmptyReader() }

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

  /// Whether this transaction has read `address` (it is in the cache).
  @inline(__always) func isLoaded(_ address: Address) -> Bool {
    accounts.storage.index(forKey: address) != nil
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

  /// The 1-based precompile number of `address`, or nil.
  @inline(__always)
  func precompileIndex(_ address: Address) -> UInt32? {
    guard address.w0 == 0 && address.w1 == 0 else { return nil }
    let n = UInt32(bigEndian: address.w2)
    if n == Precompiles.p256VerifyIndex { return hasP256Verify ? n : nil }
    return n >= 1 && n <= precompileCount ? n : nil
  }

  /// EIP-2929: marks `address` accessed; returns true when it was cold.
  @inline(__always)
  func warmAccount(_ address: Address) -> Bool {
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
      c = CodeAnalysis(try reader.code(hash), table: opcodeTable)
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

  /// EIP-7702: sets the code of `address` to `bytes` (an authority's designator, or none),
  /// journaled; the write set carries the new code.
  func setCode(_ address: Address, _ bytes: [UInt8]) throws(StateReadError) {
    try load(address)
    journal.append(.accountReplaced(address, old: accounts[address]!))
    accounts[address]!.exists = true
    accounts[address]!.codeHash = bytes.isEmpty ? .emptyKeccak : Keccak256.hash(bytes)
    accounts[address]!.code = bytes.isEmpty ? .empty : CodeAnalysis(bytes, table: opcodeTable)
    accounts[address]!.codeDeployed = !bytes.isEmpty
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

  /// Makes `address` exist (empty) when it does not, journaled: before EIP-161 a call or a
  /// SELFDESTRUCT beneficiary comes into existence even when no value reaches it.
  func createIfMissing(_ address: Address) throws(StateReadError) {
    guard try !account(address).exists else { return }
    journal.append(.accountReplaced(address, old: accounts[address]!))
    accounts[address]!.exists = true
  }

  /// EIP-161: marks `address` touched (an empty touched account is deleted at the end).
  func touch(_ address: Address) throws(StateReadError) {
    let wasTouched = try withAccount(address) { (a: inout AccountState) -> Bool in
      defer { a.touched = true }
      return a.touched
    }
    if !wasTouched { journal.append(.touched(address)) }
  }

  /// Adds `value` to the balance of `address` without reading it, when this transaction has not
  /// read it (pevm's lazy addresses): the credit goes to the write set, and whoever applies the
  /// write set reads the account then (Block-STM makes it a delta, so that fee and transfer
  /// credits to one account do not conflict). When the account is already loaded, it is added
  /// in place. A zero `value` is a touch: from Spurious Dragon (`clearsEmptyAccounts`) it
  /// deletes an existing empty account (EIP-161); before, it creates a missing account empty
  /// (a zero fee still brings the coinbase into existence, as geth's AddBalance does).
  ///
  /// Not journaled: called only outside every frame (the fee, a plain transfer).
  func credit(_ address: Address, _ value: U256, clearsEmptyAccounts: Bool) throws(StateReadError) {
    if isLoaded(address) {
      if !value.isZero {
        try setBalance(address, try balance(address) &+ value)
      } else if clearsEmptyAccounts {
        try touch(address)
      } else {
        try createIfMissing(address)
      }
      return
    }
    // One credit per account: Block-STM keeps one delta per account and transaction.
    if let i = credits.firstIndex(where: { $0.address == address }) {
      credits[i].value = credits[i].value &+ value
    } else {
      credits.append(BalanceCredit(address: address, value: value))
    }
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

  // MARK: - Write set

  /// The changes of the transaction: accounts that differ from what was read (deletions
  /// included), slots whose value changed, and the credits to accounts it did not read.
  /// Unordered.
  func makeWriteSet(clearsEmptyAccounts: Bool) -> WriteSet {
    var ws = WriteSet()
    ws.accounts.reserveCapacity(accounts.storage.count)
    var deleted: Set<Address> = []
    for (address, a) in accounts.storage {
      let delete = a.selfdestructed || (clearsEmptyAccounts && a.touched && !a.isAlive)
      if delete || !a.exists {
        if a.original != nil {
          ws.accounts.append(AccountWrite(address: address, account: nil, code: nil, created: false))
        }
        if delete { deleted.insert(address) }
        continue
      }
      let o = a.original
      if o == nil || o!.nonce != a.nonce || o!.balance != a.balance || o!.codeHash != a.codeHash || a.created {
        let account = Account(nonce: a.nonce, balance: a.balance, codeHash: a.codeHash,
                              storageRoot: a.created ? .emptyTrieRoot : (o?.storageRoot ?? .emptyTrieRoot))
        ws.accounts.append(AccountWrite(address: address, account: account,
                                        code: a.codeDeployed ? a.code?.bytes : nil, created: a.created))
      }
    }
    for (key, s) in storage where s.current != s.original && !deleted.contains(key.address) {
      ws.storage.append(StorageWrite(address: key.address, slot: key.slot, value: s.current))
    }
    ws.credits = credits
    return ws
  }
}

/// The reader of a host between transactions: holds nothing.
struct EmptyReader: StateReader {
  func account(_ address: Address) throws(StateReadError) -> Account? { nil }
  func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] { [] }
  func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 { .zero }
  func blockHash(_ number: UInt64) throws(StateReadError) -> Hash { .zero }
}
