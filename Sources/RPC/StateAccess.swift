import Foundation
import LMDBStore
import Primitives
import State
import Trie

/// Where the server reads the state after a given block: the narrow seam between the method
/// handlers and the store's history. At the head it is the flat tables (one B-tree lookup per
/// account or slot).
protocol StateSource: Sendable {
  /// A reader of the state after block `number` (hash `hash`, state root `stateRoot`) on `view`.
  func reader(view: ReadView, number: UInt64, hash: Hash, stateRoot: Hash, isHead: Bool) -> any StateReader
}

/// The store's change sets (LMDBStore's history) for canonical blocks: one seek in a history
/// index and one change-set read per account or slot.
struct ChangeSetSource: StateSource {
  func reader(view: ReadView, number: UInt64, hash: Hash, stateRoot: Hash, isHead: Bool) -> any StateReader {
    if isHead { return view }
    if (try? view.canonicalHash(number)) == hash, let state = try? view.state(afterBlock: number) { return state }
    return TrieStateReader(view: view, stateRoot: stateRoot)
  }
}

/// The state trie under the block's root, which the store keeps whole (trie nodes are
/// append-only, keyed by hash): any stored block, canonical or not. eth_getProof reads it too.
struct TrieSource: StateSource {
  func reader(view: ReadView, number: UInt64, hash: Hash, stateRoot: Hash, isHead: Bool) -> any StateReader {
    isHead ? view : TrieStateReader(view: view, stateRoot: stateRoot)
  }
}

/// The state under one state root, read through the trie nodes in the store.
final class TrieStateReader: StateReader {
  let view: ReadView
  let stateRoot: Hash
  /// Accounts read so far (their storage roots serve slot reads).
  private var accounts: [Address: Account?] = [:]

  init(view: ReadView, stateRoot: Hash) {
    self.view = view
    self.stateRoot = stateRoot
  }

  func account(_ address: Address) throws(StateReadError) -> Account? {
    if let cached = accounts[address] { return cached }
    let trie = MerkleTrie(store: view, root: stateRoot)
    let found: Account?
    do {
      found = try trie.account(address).map {
        Account(nonce: $0.nonce, balance: $0.balance, codeHash: $0.codeHash, storageRoot: $0.storageRoot)
      }
    } catch {
      throw .backend(error.description)
    }
    accounts[address] = found
    return found
  }

  func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] { try view.code(codeHash) }

  func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 {
    guard let account = try self.account(address), account.storageRoot != .emptyTrieRoot else { return .zero }
    do { return try MerkleTrie(store: view, root: account.storageRoot).storage(slot) } catch {
      throw .backend(error.description)
    }
  }

  func blockHash(_ number: UInt64) throws(StateReadError) -> Hash { try view.blockHash(number) }
}

/// A reader over another that records what it was asked (the access-list tracer's view of a
/// call), can replace accounts and slots (state overrides), and gives up past a deadline (the
/// call time limit: every account or slot read checks the clock).
final class CallStateReader: StateReader {
  let base: any StateReader
  let deadline: UInt64
  var accessed: [Address: Set<U256>] = [:]
  var accountOverrides: [Address: Account?] = [:]
  var codeOverrides: [Hash: [UInt8]] = [:]
  /// Slots replaced (an address with `replacesStorage` reads zero for every slot not listed).
  var storageOverrides: [Address: [U256: U256]] = [:]
  var replacesStorage: Set<Address> = []
  /// Set when the deadline passed.
  private(set) var timedOut = false

  init(base: any StateReader, deadline: UInt64) {
    self.base = base
    self.deadline = deadline
  }

  private func checkClock() throws(StateReadError) {
    if DispatchTime.now().uptimeNanoseconds > deadline {
      timedOut = true
      throw .backend("execution aborted (timeout)")
    }
  }

  func account(_ address: Address) throws(StateReadError) -> Account? {
    try checkClock()
    if accessed[address] == nil { accessed[address] = [] }
    if let o = accountOverrides[address] { return o }
    return try base.account(address)
  }

  func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] {
    if let c = codeOverrides[codeHash] { return c }
    return try base.code(codeHash)
  }

  func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 {
    try checkClock()
    accessed[address, default: []].insert(slot)
    if let slots = storageOverrides[address], let v = slots[slot] { return v }
    if replacesStorage.contains(address) { return .zero }
    return try base.storage(address, slot)
  }

  func blockHash(_ number: UInt64) throws(StateReadError) -> Hash { try base.blockHash(number) }
}

/// Runs work on a thread of its own with a stack deep enough for the EVM's 1024 nested frames
/// (it recurses per call frame); the caller waits.
enum LargeStack {
  static let size = 64 << 20

  static func run<T>(_ body: () -> T) -> T {
    var result: T?
    withoutActuallyEscaping(body) { escapable in
      let job = Job { result = escapable() }
      if !start(job) { job.body() }
    }
    return result!
  }

  /// Starts `body` on a new detached thread; false when no thread could be started.
  static func detach(_ body: @escaping @Sendable () -> Void) -> Bool {
    start(Job(body), join: false)
  }

  /// Runs `job` on a new thread (and waits for it when `join`); false when no thread could be
  /// started.
  private static func start(_ job: Job, join: Bool = true) -> Bool {
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    pthread_attr_setstacksize(&attr, size)
    defer { pthread_attr_destroy(&attr) }
    let context = Unmanaged.passRetained(job).toOpaque()
    var thread = pthread_t()
    let started = pthread_create(&thread, &attr, { raw in
      guard let raw else { return nil }
      Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().body()
      return nil
    }, context)
    if started != 0 {
      Unmanaged<Job>.fromOpaque(context).release()
      return false
    }
    if join { pthread_join(thread, nil) } else { pthread_detach(thread) }
    return true
  }

  private final class Job: @unchecked Sendable {
    // SAFETY: run by one thread, which the caller joins before reading what it wrote.
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
  }
}
