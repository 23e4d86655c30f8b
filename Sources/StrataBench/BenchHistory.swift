import Chain
import Foundation
import LMDBStore
import Primitives

/// Account and storage reads at the head and at an old block, on a store `strata import` wrote
/// (STRATA_HISTORY_DATADIR): one query per read snapshot (as a CLI call or an RPC request
/// makes), and many reads on one snapshot. Median of 11 runs (each reading the sample 40 times) over the same sample of keys the
/// chain changed.
func benchHistory() {
  guard let datadir = ProcessInfo.processInfo.environment["STRATA_HISTORY_DATADIR"] else {
    print("history: set STRATA_HISTORY_DATADIR to an imported store (skipped)")
    return
  }
  do {
    let chain = try ChainStore(path: datadir, readOnly: true)
    let q = chain.query
    let head = try q.head().number
    let old = ProcessInfo.processInfo.environment["STRATA_HISTORY_BLOCK"].flatMap { UInt64($0) } ?? head / 10
    // A sample of accounts and slots the chain changed (their history is not empty).
    var accounts: [Address] = []
    var slots: [(Address, U256)] = []
    try chain.store.read { view in
      try view.scan(.accountHistory) { k, _ in
        if k.count == 28 { accounts.append(Address(Array(k[0..<20]))) }
        return accounts.count < 500
      }
      try view.scan(.storageHistory) { k, _ in
        if k.count == 60 { slots.append((Address(Array(k[0..<20])), U256(bigEndian: Array(k[20..<52])))) }
        return slots.count < 500
      }
    }
    accounts = Array(Set(accounts))
    print("history: \(datadir): head \(head), old block \(old), \(accounts.count) accounts, \(slots.count) slots")
    // Each run reads the sample `rounds` times (a run of a few milliseconds).
    let rounds = 40
    func report(_ what: String, _ reads: Int, _ body: () -> Void) {
      guard reads > 0 else { return }
      let (median, spread) = measure(runs: 11) { for _ in 0..<rounds { body() } }
      let padded = what.padding(toLength: 46, withPad: " ", startingAt: 0)
      print(String(format: "  %@ %8.2f µs/read  (spread %.0f%%)", padded, median / Double(reads * rounds) * 1e6, spread * 100))
    }
    for (label, block) in [("head", BlockID.latest), ("block \(old)", BlockID.number(old))] {
      report("account at \(label), a snapshot per read", accounts.count) {
        for a in accounts { _ = try? q.account(a, at: block) }
      }
      report("storage at \(label), a snapshot per read", slots.count) {
        for (a, s) in slots { _ = try? q.storage(a, slot: s, at: block) }
      }
      report("account at \(label), one snapshot", accounts.count) {
        _ = try? q.snapshot { s throws(QueryError) in for a in accounts { _ = try s.account(a, at: block) } }
      }
      report("storage at \(label), one snapshot", slots.count) {
        _ = try? q.snapshot { snap throws(QueryError) in for (a, s) in slots { _ = try snap.storage(a, slot: s, at: block) } }
      }
      // What the EVM does: one StateReader at the block, then plain reads.
      report("account at \(label), StateReader", accounts.count) {
        _ = try? q.withState(at: block) { state, _ throws(QueryError) in for a in accounts { _ = try? state.account(a) } }
      }
      report("storage at \(label), StateReader", slots.count) {
        _ = try? q.withState(at: block) { state, _ throws(QueryError) in for (a, s) in slots { _ = try? state.storage(a, s) } }
      }
    }
  } catch {
    print("history: \(error)")
  }
}
