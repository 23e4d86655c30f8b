import Primitives
import State
import Trie

/// Applies a block's state changes to the store: the incremental tries (storage tries of the
/// changed accounts, then the account trie) with their new nodes, then the flat tables.
public enum StateCommitter {
  /// What a block's changes make of the stored state: the new root, the trie nodes to store,
  /// and the changes with each remaining account's new storage root.
  public struct Prepared: Sendable {
    public var root: Hash
    public var nodes: [TrieNodeWrite]
    public var changes: StateChanges
  }

  /// Computes and stores the new state in one go (serially, through the batch's view).
  /// - Returns: the new state root.
  public static func commit(_ changes: StateChanges, parentRoot: Hash, into batch: inout WriteBatch) throws(StoreError) -> Hash {
    let prepared = try prepare(changes, parentRoot: parentRoot, views: [batch.view], run: nil)
    try store(prepared, into: &batch)
    return prepared.root
  }

  /// Writes what `prepare` computed.
  public static func store(_ prepared: Prepared, into batch: inout WriteBatch) throws(StoreError) {
    try batch.putTrieNodes(prepared.nodes)
    try batch.apply(prepared.changes)
  }

  /// Storage tries with at least this many changed slots are updated subtree by subtree in
  /// parallel; smaller ones are shared out whole among the parts.
  static let parallelStorageSlots = 256
  /// Blocks touching fewer accounts are computed serially.
  static let parallelAccounts = 64

  /// The new state root, nodes and final changes of `changes` over the state whose root is
  /// `parentRoot`, read through `views` (views of one snapshot of that state). With `run` and
  /// several views, the accounts' flat reads, storage tries and account-trie keys are shared out
  /// among the views, a large storage trie and the account trie are updated by subtree in
  /// parallel (`MerkleTrie.updateAndCommit`); the result is the serial one.
  public static func prepare(
    _ changes: StateChanges, parentRoot: Hash, views: [ReadView], run: ParallelRunner?
  ) throws(StoreError) -> Prepared {
    var touched = Set(changes.accounts.keys)
    touched.formUnion(changes.storage.keys)
    touched.formUnion(changes.clearedStorage)
    // Sorted for a deterministic order of node writes.
    let addresses = touched.sorted()
    let parts = run != nil && views.count > 1 && addresses.count >= parallelAccounts ? views.count : 1

    let runner: ParallelRunner = parts > 1 ? run ?? runInline : runInline
    let partViews = Array(views.prefix(parts))
    // Part p takes the accounts p, p + parts, p + 2·parts, …
    let shares = try runParts(parts, run: runner) { (p) throws(StoreError) -> [AccountEntry] in
      var out: [AccountEntry] = []
      for i in stride(from: p, to: addresses.count, by: parts) {
        out.append(try entry(addresses[i], changes: changes, view: partViews[p], deferLargeStorage: parts > 1))
      }
      return out
    }

    var nodes: [TrieNodeWrite] = []
    var final = changes
    var updates: [(key: Hash, value: [UInt8])] = []
    updates.reserveCapacity(addresses.count)
    for i in addresses.indices {
      var e = shares[i % parts][i / parts]
      if let slots = e.largeStorage {
        // A large storage trie: by subtree, on every view.
        let storageUpdates = slots.sorted { $0.key < $1.key }.map { (slot, value) in
          (key: SecureKey.storage(slot), value: value.isZero ? [] : SecureKey.storageValue(value))
        }
        let c = try trie { () throws(TrieError) in
          try MerkleTrie<ReadView>.updateAndCommit(root: e.account!.storageRoot, storageUpdates, stores: partViews, run: runner)
        }
        e.account!.storageRoot = c.root
        e.nodes += c.nodes
      }
      nodes += e.nodes
      if let account = e.account {
        final.accounts[addresses[i]] = .some(account)
        updates.append((e.key, AccountRLP.encode(nonce: account.nonce, balance: account.balance,
                                                 storageRoot: account.storageRoot, codeHash: account.codeHash)))
      } else {
        updates.append((e.key, []))
      }
    }
    // One view: the serial update.
    let c = try trie { () throws(TrieError) in
      try MerkleTrie<ReadView>.updateAndCommit(root: parentRoot, updates, stores: partViews, run: runner)
    }
    nodes += c.nodes
    return Prepared(root: c.root, nodes: nodes, changes: final)
  }

  /// One touched account: its state-trie key, its account after the block (nil: deleted) with
  /// its new storage root, and the storage trie's new nodes; a large storage trie is left in
  /// `largeStorage` (its root still the starting one) when `deferLargeStorage`.
  private static func entry(
    _ address: Address, changes: StateChanges, view: ReadView, deferLargeStorage: Bool
  ) throws(StoreError) -> AccountEntry {
    var e = AccountEntry(key: SecureKey.account(address))
    guard var account = startingAccount(address, changes: changes, old: try view.loadAccount(address)) else { return e }
    if let slots = changes.storage[address], !slots.isEmpty {
      if deferLargeStorage && slots.count >= parallelStorageSlots {
        e.largeStorage = slots
      } else {
        var storageTrie = MerkleTrie(store: view, root: account.storageRoot)
        for (slot, value) in slots.sorted(by: { $0.key < $1.key }) {
          try trie { () throws(TrieError) in try storageTrie.setStorage(slot, value) }
        }
        let c = storageTrie.commit()
        e.nodes = c.nodes
        account.storageRoot = c.root
      }
    }
    e.account = account
    return e
  }
}

extension StateCommitter {
  /// The account `address` holds after `changes` over `old` (nil: none), with the storage
  /// root it starts from: the old one, or the empty root when its storage is wiped. Its storage
  /// trie (when `changes` writes slots) updates that root.
  static func startingAccount(_ address: Address, changes: StateChanges, old: Account?) -> Account? {
    let new: Account?
    if let entry = changes.accounts[address] { new = entry } else { new = old }
    guard var account = new else { return nil }
    let wiped = changes.clearedStorage.contains(address) || old == nil || changes.accounts[address] == .some(nil)
    account.storageRoot = wiped ? Hash.emptyTrieRoot : (old?.storageRoot ?? .emptyTrieRoot)
    return account
  }

  /// The part of `prepare(changes, …).changes` known before any trie is updated, read through
  /// `view` (the parent state): the storage, cleared storage and code, and every touched account
  /// whose storage root does not change (no slot written) or that is gone. `late` names the
  /// accounts left out: their storage roots come from their storage tries (`lateChanges`).
  /// Writing both (`WriteBatch.apply`, `recordStateHistory`), early first, stores what writing
  /// `prepare`'s changes at once would.
  public static func earlyChanges(_ changes: StateChanges, view: ReadView) throws(StoreError)
    -> (changes: StateChanges, late: Set<Address>)
  {
    var touched = Set(changes.accounts.keys)
    touched.formUnion(changes.storage.keys)
    touched.formUnion(changes.clearedStorage)
    var early = changes
    var late = Set<Address>()
    for address in touched {
      guard let account = startingAccount(address, changes: changes, old: try view.loadAccount(address)) else {
        continue  // gone: as `prepare` leaves it
      }
      if let slots = changes.storage[address], !slots.isEmpty {
        early.accounts.removeValue(forKey: address)
        late.insert(address)
      } else {
        early.accounts[address] = .some(account)
      }
    }
    return (early, late)
  }

  /// The accounts `earlyChanges` left out, as `prepared` has them (new storage roots).
  public static func lateChanges(_ prepared: Prepared, late: Set<Address>) -> StateChanges {
    var out = StateChanges()
    for address in late {
      if let account = prepared.changes.accounts[address] { out.accounts[address] = account }
    }
    return out
  }
}

/// A trie failure while committing: a missing or malformed node is a corrupt store.
private func trie<R>(_ body: () throws(TrieError) -> R) throws(StoreError) -> R {
  do { return try body() } catch { throw .trie(error) }
}

/// One touched account's share of `StateCommitter.prepare`.
private struct AccountEntry: Sendable {
  var key: Hash
  var account: Account? = nil
  var nodes: [TrieNodeWrite] = []
  var largeStorage: [U256: U256]? = nil
}

