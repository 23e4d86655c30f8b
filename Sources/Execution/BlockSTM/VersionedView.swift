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
final class VersionedView: StateReader, DeferredCreditReader {
  let memory: MVMemory
  let base: any StateReader
  let coinbase: Address
  let deployed: DeployedCode
  /// EIP-161 (Spurious Dragon): a zero fee deletes an existing empty coinbase.
  let clearsEmptyAccounts: Bool

  private(set) var tx: TxIndex = 0
  /// This incarnation's reads, in order (handed to the memory when it finishes).
  var reads: [ReadEntry] = []
  /// The coinbase entries walked, when this incarnation read the coinbase account.
  var coinbaseReads: [ReadOrigin]? = nil
  /// The recipient's account in the base snapshot, when `existsWithoutCode` fetched it there
  /// (settle starts a deferred credit from it when no earlier transaction changed the account).
  private(set) var recipientBase: Account?? = nil
  /// The first value read of each account: what the incarnation's writes are compared with.
  private(set) var accountsRead: [Address: Account?] = [:]

  init(memory: MVMemory, base: any StateReader, coinbase: Address, deployed: DeployedCode, clearsEmptyAccounts: Bool) {
    self.memory = memory; self.base = base; self.coinbase = coinbase; self.deployed = deployed
    self.clearsEmptyAccounts = clearsEmptyAccounts
  }

  /// Starts an incarnation of `tx`.
  func begin(_ tx: TxIndex) {
    self.tx = tx
    reads = []
    reads.reserveCapacity(16)
    coinbaseReads = nil
    recipientBase = nil
    accountsRead.removeAll(keepingCapacity: true)
  }

  /// The account as first read by this incarnation (`.some(nil)`: read as absent; nil: not read).
  func accountRead(_ address: Address) -> Account?? { accountsRead[address] }

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
    let key = SlotKey(address: address, slot: slot)
    let slotRead = memory.readSlot(key, below: tx)
    let resetRead = memory.readReset(address, below: tx)
    let slotOrigin = try Self.origin(slotRead), resetOrigin = try Self.origin(resetRead)
    var slotValue: U256? = nil
    if case .value(_, let v) = slotRead { slotValue = v.word }
    reads.append(.storage(key, slot: slotOrigin, reset: resetOrigin))
    // A slot written at or after the last reset keeps its value; a reset wipes older ones.
    if let slotValue, slotOrigin.tx >= resetOrigin.tx { return slotValue }
    if !resetOrigin.isBase { return .zero }
    return try base.storage(address, slot)
  }

  func blockHash(_ number: UInt64) throws(StateReadError) -> Hash {
    try base.blockHash(number)
  }

  // MARK: DeferredCreditReader

  func existsWithoutCode(_ address: Address) throws(StateReadError) -> Bool {
    let (existence, codeHash) = memory.readExistenceAndCode(address, below: tx)
    reads.append(.recipient(address, existence: try Self.origin(existence), codeHash: try Self.origin(codeHash)))
    var cached: Account?? = nil
    if case .value(_, let v) = existence {
      guard v.exists else { return false }
    } else if try baseAccount(address, &cached) == nil {
      return false
    }
    defer { recipientBase = cached }
    if case .value(_, let v) = codeHash { return v.hash == .emptyKeccak }
    return (try baseAccount(address, &cached)?.codeHash ?? .emptyKeccak) == .emptyKeccak
  }

  /// The origin a read records; an ESTIMATE suspends the incarnation on its transaction.
  private static func origin(_ read: VersionedRead) throws(StateReadError) -> ReadOrigin {
    switch read {
    case .estimate(let b): throw .blocked(on: b)
    case .value(let o, _): return o
    case .notFound: return .base
    }
  }

  // MARK: Accounts

  /// The base snapshot's account at `address`, fetched at most once per read (`cache` keeps it).
  private func baseAccount(_ address: Address, _ cache: inout Account??) throws(StateReadError) -> Account? {
    if let b = cache { return b }
    let b = try base.account(address)
    cache = .some(b)
    return b
  }

  private func readAccount(_ address: Address) throws(StateReadError) -> Account? {
    let ((existence, nonce, balance, codeHash), credits) = memory.readAccount(address, below: tx)
    // Every field's origin is recorded, whichever were needed: validation compares all four.
    let origins = AccountOrigins(existence: try Self.origin(existence), nonce: try Self.origin(nonce),
                                 balance: try Self.origin(balance), codeHash: try Self.origin(codeHash))
    let creditsTop = try Self.origin(credits.top)
    reads.append(.account(address, origins))
    if !creditsTop.isBase { reads.append(.credited(address, sum: credits.sum, top: creditsTop)) }

    // The base account, when some field was not written in the block (fetched at most once).
    var cached: Account?? = nil

    // Existence first: an absent account has no other fields.
    let storageRoot: Hash
    if case .value(_, let v) = existence {
      guard v.exists else { return nil }
      storageRoot = v.hash
    } else {
      guard let b = try baseAccount(address, &cached) else { return nil }
      storageRoot = b.storageRoot
    }
    // A field absent from both sides is an inconsistent speculative read (a creation removed
    // under us): any value will do, validation fails it.
    var account = Account(storageRoot: storageRoot)
    if case .value(_, let v) = nonce { account.nonce = v.word.w0 } else { account.nonce = try baseAccount(address, &cached)?.nonce ?? 0 }
    if case .value(_, let v) = balance { account.balance = v.word } else { account.balance = try baseAccount(address, &cached)?.balance ?? .zero }
    account.balance = account.balance &+ credits.sum
    if case .value(_, let v) = codeHash { account.codeHash = v.hash } else { account.codeHash = try baseAccount(address, &cached)?.codeHash ?? .emptyKeccak }
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
    let origins = chain.map { $0.0 }
    if let first = coinbaseReads, first != origins {
      // Read twice and saw different chains: one of them is stale; make validation fail.
      coinbaseReads = first + [ReadOrigin(tx: -2, incarnation: -2)]
    } else {
      coinbaseReads = origins
    }
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
