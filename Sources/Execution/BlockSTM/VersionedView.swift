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

/// The `StateReader` one incarnation executes against (one per worker, reused).
///
/// Reads the highest write below its transaction from the multi-version memory, or the base
/// snapshot; records each read with the version it saw; throws `.blocked(on:)` when the write it
/// would read is an ESTIMATE, which the EVM passes through unchanged. The fee recipient is
/// read like any account: the fees of the transactions below are credits on it.
///
/// `base` is the worker's own reader of the window's base state: nothing here crosses threads
/// but the memory and the deployed code, both `Sendable`.
final class VersionedView: StateReader {
  let memory: MVMemory
  let base: any StateReader
  let deployed: DeployedCode

  private(set) var tx: TxIndex = 0
  /// This incarnation's reads, in order (handed to the memory when it finishes).
  var reads = ScratchList<ReadEntry>()
  /// The first value read of each account: what the incarnation's writes are compared with.
  /// An account that only credits brought into existence is recorded as absent: no version
  /// says it exists, so a write of it must write every field.
  /// In reading order, searched linearly (a handful for most transactions; hashing every
  /// address cost more); `accountsReadIndex` indexes them once there are more than 16.
  private var accountsRead = ScratchList<(address: Address, account: Account?)>()
  private var accountsReadIndex: [Address: Int] = [:]
  /// Set by `readAccount` when its account exists through credits alone.
  private var createdByCreditsOnly = false

  init(memory: MVMemory, base: any StateReader, deployed: DeployedCode) {
    self.memory = memory; self.base = base; self.deployed = deployed
  }

  /// Starts an incarnation of `tx`.
  func begin(_ tx: TxIndex) {
    self.tx = tx
    // Kept: the memory copies a finished incarnation's reads (into the worker's arena).
    reads.removeAll()
    accountsRead.removeAll()
    if !accountsReadIndex.isEmpty { accountsReadIndex.removeAll(keepingCapacity: true) }
  }

  /// The account as first read by this incarnation (`.some(nil)`: read as absent; nil: not read).
  func accountRead(_ address: Address) -> Account?? {
    if accountsRead.count > 16 {
      guard let i = accountsReadIndex[address] else { return nil }
      return .some(accountsRead[i].account)
    }
    for e in accountsRead.elements where e.address == address { return .some(e.account) }
    return nil
  }

  // MARK: StateReader

  func account(_ address: Address) throws(StateReadError) -> Account? {
    createdByCreditsOnly = false
    let result = try readAccount(address)
    if accountRead(address) == nil {
      accountsRead.append((address, createdByCreditsOnly ? nil : result))
      if accountsRead.count > 16 {
        if accountsReadIndex.isEmpty {
          for (i, e) in accountsRead.elements.enumerated() { accountsReadIndex[e.address] = i }
        } else {
          accountsReadIndex[address] = accountsRead.count - 1
        }
      }
    }
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

  /// A plain transfer's recipient is credited unread when it exists without code: reads its
  /// existence and code hash only (a `.recipient` entry), so that transfers to one account do
  /// not conflict; only a reader of its balance depends on them.
  func canCreditUnread(_ address: Address) throws(StateReadError) -> Bool {
    let (existence, codeHash) = memory.readExistenceAndCode(address, below: tx)
    reads.append(.recipient(address, existence: try Self.origin(existence), codeHash: try Self.origin(codeHash)))
    var cached: Account?? = nil
    if case .value(_, let v) = existence {
      guard v.exists else { return false }
    } else if try baseAccount(address, &cached) == nil {
      return false
    }
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

    // Existence first: an absent account has no other fields, unless credits above its
    // deletion (or above the base, where it is absent) bring it into existence.
    let storageRoot: Hash
    if case .value(_, let v) = existence {
      guard v.exists else { return createdByCredits(credits.sum) }
      storageRoot = v.hash
    } else {
      guard let b = try baseAccount(address, &cached) else { return createdByCredits(credits.sum) }
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

  /// An absent account after credits summing to `sum`: a non-zero credit creates it (zero
  /// credits, EIP-161 touches, are not versioned: settle decides them in order).
  private func createdByCredits(_ sum: U256) -> Account? {
    if sum.isZero { return nil }
    createdByCreditsOnly = true
    return Account(balance: sum)
  }
}
