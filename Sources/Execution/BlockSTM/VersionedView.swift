import EVM
import Primitives
import State
import Synchronization

/// Code deployed during the block, by hash. Code is content-addressed, so any incarnation's
/// deployment is right for every reader that found the hash; entries are never removed.
final class DeployedCode: Sendable {
  private let map = Locked<[Hash: [UInt8]]>([:])
  private let isEmpty = Atomic<Bool>(true)

  func insert(_ hash: Hash, _ bytes: [UInt8]) {
    map.withLock { $0[hash] = bytes }
    // Releasing: pairs with the acquiring load in `lookup`; the map itself is mutex-ordered.
    isEmpty.store(false, ordering: .releasing)
  }

  func lookup(_ hash: Hash) -> [UInt8]? {
    if isEmpty.load(ordering: .acquiring) { return nil }
    return map.withLock { $0[hash] }
  }
}

/// The base snapshot shared by the workers.
///
/// SAFETY: the executor only calls `StateReader` methods on it from the workers, and requires
/// the reader to allow concurrent reads (InMemoryState, OverlayReader over such a reader with no
/// writer during the parallel phase, or a store read view opened for shared reading).
struct SharedBase: @unchecked Sendable {
  let reader: any StateReader
}

/// The `StateReader` one incarnation executes against (one per worker, reused).
///
/// Reads the highest write below its transaction from the multi-version memory, or the base
/// snapshot; records each read with the version it saw; throws `.blocked(on:)` when the write it
/// would read is an ESTIMATE, which the EVM passes through unchanged.
final class VersionedView: StateReader {
  let memory: MVMemory
  let base: any StateReader
  let coinbase: Address
  let deployed: DeployedCode
  /// EIP-161 (Spurious Dragon): a zero fee deletes an existing empty coinbase.
  let clearsEmptyAccounts: Bool

  private(set) var tx: TxIndex = 0
  /// This incarnation's reads, in order (handed to the memory when it finishes).
  var reads: [ReadEntry] = []
  /// The first value read of each account: what the incarnation's writes are compared with.
  private(set) var accountsRead: [Address: Account?] = [:]
  /// Whether this incarnation read the coinbase account.
  private(set) var readCoinbase = false

  init(memory: MVMemory, base: any StateReader, coinbase: Address, deployed: DeployedCode, clearsEmptyAccounts: Bool) {
    self.memory = memory; self.base = base; self.coinbase = coinbase; self.deployed = deployed
    self.clearsEmptyAccounts = clearsEmptyAccounts
  }

  /// Starts an incarnation of `tx`.
  func begin(_ tx: TxIndex) {
    self.tx = tx
    reads = []
    reads.reserveCapacity(32)
    accountsRead.removeAll(keepingCapacity: true)
    readCoinbase = false
  }

  // MARK: StateReader

  func account(_ address: Address) throws(StateReadError) -> Account? {
    let result = address == coinbase ? try readCoinbaseAccount() : try readAccount(address)
    if accountsRead.index(forKey: address) == nil { accountsRead[address] = .some(result) }
    return result
  }

  func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] {
    if codeHash == .emptyKeccak { return [] }
    if let c = deployed.lookup(codeHash) { return c }
    return try base.code(codeHash)
  }

  func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 {
    let slotRead = memory.read(.storage(address, slot), below: tx)
    let resetRead = memory.read(.storageReset(address), below: tx)
    if case .estimate(let b) = slotRead { throw .blocked(on: b) }
    if case .estimate(let b) = resetRead { throw .blocked(on: b) }
    var slotOrigin = ReadOrigin.base, resetOrigin = ReadOrigin.base
    var slotValue: U256? = nil
    if case .value(let o, let v) = slotRead {
      slotOrigin = o
      guard case .storage(let x) = v else { fatalError("Block-STM: wrong value kind at a storage key") }
      slotValue = x
    }
    if case .value(let o, _) = resetRead { resetOrigin = o }
    reads.append(.location(.storage(address, slot), slotOrigin))
    reads.append(.location(.storageReset(address), resetOrigin))
    // A slot written at or after the last reset keeps its value; a reset wipes older ones.
    if let slotValue, slotOrigin.tx >= resetOrigin.tx { return slotValue }
    if !resetOrigin.isBase { return .zero }
    return try base.storage(address, slot)
  }

  func blockHash(_ number: UInt64) throws(StateReadError) -> Hash {
    try base.blockHash(number)
  }

  // MARK: Accounts

  private func readAccount(_ address: Address) throws(StateReadError) -> Account? {
    var baseAccount: Account?? = nil  // fetched at most once
    func fromBase() throws(StateReadError) -> Account? {
      if let b = baseAccount { return b }
      let b = try base.account(address)
      baseAccount = .some(b)
      return b
    }

    let (existence, nonce, balance, codeHash) = memory.readAccountFields(address, below: tx)
    // Existence first: an absent account has no other fields.
    let storageRoot: Hash
    switch existence {
    case .estimate(let b): throw .blocked(on: b)
    case .value(let o, let v):
      reads.append(.location(.existence(address), o))
      guard case .existence(let root) = v else { fatalError("Block-STM: wrong value kind at an existence key") }
      guard let root else { return nil }
      storageRoot = root
    case .notFound:
      reads.append(.location(.existence(address), .base))
      guard let b = try fromBase() else { return nil }
      storageRoot = b.storageRoot
    }

    // A field absent from both sides is an inconsistent speculative read (a creation removed
    // under us): any value will do, validation fails it.
    var account = Account(storageRoot: storageRoot)
    switch nonce {
    case .estimate(let b): throw .blocked(on: b)
    case .value(let o, let v):
      reads.append(.location(.nonce(address), o))
      if case .nonce(let n) = v { account.nonce = n }
    case .notFound:
      reads.append(.location(.nonce(address), .base))
      account.nonce = try fromBase()?.nonce ?? 0
    }
    switch balance {
    case .estimate(let b): throw .blocked(on: b)
    case .value(let o, let v):
      reads.append(.location(.balance(address), o))
      if case .balance(let x) = v { account.balance = x }
    case .notFound:
      reads.append(.location(.balance(address), .base))
      account.balance = try fromBase()?.balance ?? .zero
    }
    switch codeHash {
    case .estimate(let b): throw .blocked(on: b)
    case .value(let o, let v):
      reads.append(.location(.codeHash(address), o))
      if case .codeHash(let h) = v { account.codeHash = h }
    case .notFound:
      reads.append(.location(.codeHash(address), .base))
      account.codeHash = try fromBase()?.codeHash ?? .emptyKeccak
    }
    return account
  }

  /// The coinbase as serial execution would see it before this transaction: the last account
  /// an earlier transaction wrote (or the base), plus every fee credited since, in order.
  private func readCoinbaseAccount() throws(StateReadError) -> Account? {
    let chain: [(ReadOrigin, CoinbaseEntry)]
    switch memory.coinbaseChain(below: tx) {
    case .failure(let blocked): throw .blocked(on: blocked.tx)
    case .success(let c): chain = c
    }
    readCoinbase = true
    reads.append(.coinbase(chain.map { $0.0 }))
    // Start from the last account an earlier transaction wrote (the lowest entry walked), or
    // the base; credit that entry's fee after its write, then each later one's, in order.
    var account: Account?
    if let last = chain.last, let written = last.1.written {
      account = written
    } else {
      account = try base.account(coinbase)
    }
    for (_, entry) in chain.reversed() {
      account = Self.credit(account, fee: entry.fee, clearsEmptyAccounts: clearsEmptyAccounts).account
    }
    return account
  }

  /// The coinbase after one transaction's fee credit, as `EVM.transact` with `creditCoinbase`
  /// does it: a non-zero fee adds to the balance (creating the account); a zero fee touches it,
  /// which deletes an existing empty account from Spurious Dragon on (EIP-161).
  static func credit(_ account: Account?, fee: U256, clearsEmptyAccounts: Bool) -> (account: Account?, deleted: Bool) {
    if fee.isZero {
      if clearsEmptyAccounts, let a = account, a.isEmpty { return (nil, true) }
      return (account, false)
    }
    var a = account ?? Account()
    a.balance = a.balance &+ fee
    return (a, false)
  }
}
