import Foundation
import Primitives
import TestSupport
import Trie

/// Trie benchmarks (issue 4):
/// 1. the state root of 1,000,000 random accounts from scratch, with the one-pass builder;
/// 2. 1,000 updated accounts applied incrementally to a 1M-account trie and to a 10,000-account
///    trie held in an in-memory node store. The update cost should follow the changed paths, not
///    the size of the state.
/// Prints times and the peak resident set size (VmHWM).
func benchTrie() {
  print("== trie")
  var rng = BenchTrieRNG(seed: 0x7472_6965)

  // 1. One-pass root of 1M accounts.
  let accounts = BenchTrieAccounts.random(count: 1_000_000, using: &rng)
  let clock = ContinuousClock()
  var encoded: [(Hash, [UInt8])] = []
  let cpu0 = benchTrieThreadCPU()
  let tPrepare = clock.measure {
    encoded = accounts.map { ($0.key, $0.rlp) }
    encoded.sort { $0.0 < $1.0 }
  }
  let cpu1 = benchTrieThreadCPU()
  var root1M = Hash.zero
  let tBuild = clock.measure {
    var builder = TrieRootBuilder()
    for (k, v) in encoded { builder.add(key: k, value: v) }
    root1M = builder.finish()
  }
  let cpu2 = benchTrieThreadCPU()
  print("one-pass root, 1,000,000 accounts: wall \(ms(tPrepare + tBuild)) ms "
        + "(keccak keys + encode + sort \(ms(tPrepare)) ms, builder \(ms(tBuild)) ms); "
        + String(format: "CPU %.1f ms (%.1f + %.1f)", (cpu2 - cpu0) * 1e3, (cpu1 - cpu0) * 1e3, (cpu2 - cpu1) * 1e3)
        + "; root \(root1M)")
  encoded = []

  // 2. Incremental updates on a 1M and a 10k trie, rounds interleaved so that machine load
  // falls on both alike.
  var big = BenchTrieIncremental(accounts: accounts)
  var small = BenchTrieIncremental(accounts: Array(accounts.prefix(10_000)))
  print("node stores built from the one-pass builder: 1M in \(ms(big.storeBuild)) ms (\(big.store.count) nodes), "
        + "10k in \(ms(small.storeBuild)) ms (\(small.store.count) nodes)")
  for _ in 0..<9 {
    big.round(updates: 1_000, using: &rng)
    small.round(updates: 1_000, using: &rng)
  }
  for (name, r) in [("1,000,000", big), ("   10,000", small)] {
    print("incremental, 1,000 updated accounts on \(name): wall min \(ms(r.min)) ms, median \(ms(r.median)) ms; "
          + String(format: "CPU min %.1f ms, median %.1f ms", r.cpuMin * 1e3, r.cpuMedian * 1e3)
          + " (update + commit + store writes; \(r.nodesWritten) nodes written per round)")
  }
  let verified = big.verify() && small.verify()
  print(String(format: "incremental 1M / 10k ratio: wall %.2f× (min) %.2f× (median), CPU %.2f× (min) %.2f× (median)%@",
               seconds(big.min) / seconds(small.min), seconds(big.median) / seconds(small.median),
               big.cpuMin / small.cpuMin, big.cpuMedian / small.cpuMedian,
               verified ? "; final roots verified against the one-pass builder" : "; ROOT MISMATCH"))
  print("peak RSS (VmHWM): \(benchTriePeakRSS())")
}

private func ms(_ d: Duration) -> String {
  let c = d.components
  return String(format: "%.1f", Double(c.seconds) * 1e3 + Double(c.attoseconds) / 1e15)
}

/// CPU seconds consumed by the calling thread.
private func benchTrieThreadCPU() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

private func seconds(_ d: Duration) -> Double {
  Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// VmHWM from /proc/self/status ("n/a" where there is none).
private func benchTriePeakRSS() -> String {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return "n/a" }
  for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
    return line.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces)
  }
  return "n/a"
}

/// The test suites' seeded generator: a fixed seed gives the same accounts on every run.
typealias BenchTrieRNG = SeededGenerator

struct BenchTrieAccounts {
  var address: Address
  var nonce: UInt64
  var balance: U256

  var key: Hash { SecureKey.account(address) }
  var rlp: [UInt8] {
    AccountRLP.encode(nonce: nonce, balance: balance, storageRoot: .emptyTrieRoot, codeHash: .emptyKeccak)
  }

  static func random(count: Int, using rng: inout BenchTrieRNG) -> [BenchTrieAccounts] {
    (0..<count).map { _ in
      BenchTrieAccounts(
        address: Address(w0: rng.next(), w1: rng.next(), w2: UInt32(truncatingIfNeeded: rng.next())),
        nonce: rng.next() % 1000,
        balance: U256(rng.next() >> 8, rng.next() & 0xffff, 0, 0))
    }
  }
}

/// A trie in an in-memory node store, built in one pass, then updated in timed rounds.
struct BenchTrieIncremental {
  var accounts: [BenchTrieAccounts]
  let store: InMemoryTrieNodeStore
  var root: Hash
  var storeBuild: Duration
  var times: [Duration] = []
  /// CPU time of this thread per round: steadier than wall time on a shared machine.
  var cpuTimes: [Double] = []
  var nodesWritten = 0

  init(accounts: [BenchTrieAccounts]) {
    self.accounts = accounts
    let store = InMemoryTrieNodeStore(minimumCapacity: accounts.count * 2)  // no rehash while timing
    self.store = store
    var root = Hash.zero
    storeBuild = ContinuousClock().measure {
      let sorted = accounts.map { ($0.key, $0.rlp) }.sorted { $0.0 < $1.0 }
      var builder = TrieRootBuilder { hash, node in store.put(hash, Array(node)) }
      for (k, v) in sorted { builder.add(key: k, value: v) }
      root = builder.finish()
    }
    self.root = root
  }

  /// Changes `updates` distinct accounts (nonce and balance) and times update + commit + writing
  /// the new nodes to the store, starting from the committed root.
  mutating func round(updates: Int, using rng: inout BenchTrieRNG) {
    var picked = Set<Int>()
    while picked.count < updates { picked.insert(Int(rng.next() % UInt64(accounts.count))) }
    var changed: [BenchTrieAccounts] = []
    for i in picked {
      accounts[i].nonce += 1
      accounts[i].balance = U256(rng.next() >> 8, 0, 0, 0)
      changed.append(accounts[i])
    }
    var commit = TrieCommit(root: .zero, nodes: [])
    let (store, root) = (self.store, self.root)
    let cpuStart = benchTrieThreadCPU()
    let t = ContinuousClock().measure {
      var trie = MerkleTrie(store: store, root: root)
      for a in changed {
        try! trie.setAccount(a.address, nonce: a.nonce, balance: a.balance,
                             storageRoot: .emptyTrieRoot, codeHash: .emptyKeccak)
      }
      commit = trie.commit()
      store.apply(commit)
    }
    cpuTimes.append(benchTrieThreadCPU() - cpuStart)
    times.append(t)
    nodesWritten = commit.nodes.count
    self.root = commit.root
  }

  var min: Duration { times.min()! }
  var median: Duration { times.sorted()[times.count / 2] }
  var cpuMin: Double { cpuTimes.min()! }
  var cpuMedian: Double { cpuTimes.sorted()[cpuTimes.count / 2] }

  /// The committed root equals a from-scratch build of the updated accounts.
  func verify() -> Bool {
    root == TrieRoot.stateRoot(accounts.map {
      (address: $0.address, nonce: $0.nonce, balance: $0.balance, storageRoot: Hash.emptyTrieRoot, codeHash: Hash.emptyKeccak)
    })
  }
}
