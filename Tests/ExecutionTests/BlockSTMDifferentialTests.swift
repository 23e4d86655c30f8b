import EVM
import Execution
import Foundation
import Primitives
import State
import Testing
import Trie
import TestSupport

// Differential tests: Block-STM against SerialExecutor on random blocks with a chosen conflict
// rate (shared senders and recipients, hot storage slots, creations, reverts, selfdestructs,
// coinbase reads). Every block must give identical outcomes, write sets and state roots at
// every thread count. STRATA_STM_BLOCKS scales the number of blocks (default below).

/// Bytecode of the test contracts.
enum TestContracts {
  /// Increments slot calldata[0..32], logs, then reverts when calldata[32..64] is non-zero.
  static let hotCounter: [UInt8] = [
    0x60, 0x00, 0x35,        // PUSH1 0 CALLDATALOAD          slot
    0x80, 0x54,              // DUP1 SLOAD                    slot v
    0x60, 0x01, 0x01,        // PUSH1 1 ADD                   slot v+1
    0x90, 0x55,              // SWAP1 SSTORE
    0x60, 0x00, 0x60, 0x00, 0xa0,  // PUSH1 0 PUSH1 0 LOG0
    0x60, 0x20, 0x35,        // PUSH1 32 CALLDATALOAD
    0x60, 0x17, 0x57,        // PUSH1 23 JUMPI
    0x00,                    // STOP
    0x5b,                    // 23: JUMPDEST
    0x60, 0x00, 0x60, 0x00, 0xfd,  // PUSH1 0 PUSH1 0 REVERT
  ]

  /// Stores BALANCE(COINBASE) at slot CALLER, and logs it.
  static let coinbaseReader: [UInt8] = [
    0x41, 0x31,              // COINBASE BALANCE
    0x80, 0x33, 0x55,        // DUP1 CALLER SSTORE
    0x60, 0x00, 0x52,        // PUSH1 0 MSTORE
    0x60, 0x20, 0x60, 0x00, 0xa0,  // PUSH1 32 PUSH1 0 LOG0
    0x00,
  ]

  /// SELFDESTRUCT to the address in calldata[0..32] (deletes before Cancun, EIP-6780 after).
  static let selfDestructor: [UInt8] = [0x60, 0x00, 0x35, 0xff]

  /// Child initcode: SSTORE(0, 42), returns the one-byte runtime code 0x00.
  static let storingChildInit: [UInt8] = [0x60, 0x2a, 0x60, 0x00, 0x55, 0x60, 0x01, 0x60, 0x00, 0xf3]

  /// CREATE2(value 0, storingChildInit, salt calldata[0..32]); stores the address at slot 0.
  static let create2Factory: [UInt8] = {
    var c: [UInt8] = [0x69] + storingChildInit      // PUSH10 initcode
    c += [0x60, 0x00, 0x52]                         // PUSH1 0 MSTORE (bytes 22..<32)
    c += [0x60, 0x00, 0x35]                         // PUSH1 0 CALLDATALOAD   salt
    c += [0x60, 0x0a, 0x60, 0x16, 0x60, 0x00]       // PUSH1 10 PUSH1 22 PUSH1 0
    c += [0xf5, 0x60, 0x00, 0x55, 0x00]             // CREATE2 PUSH1 0 SSTORE STOP
    return c
  }()

  /// CREATE of a child whose initcode is CALLER SELFDESTRUCT (created and destroyed at once).
  static let ephemeralFactory: [UInt8] = [
    0x61, 0x33, 0xff, 0x60, 0x00, 0x52,             // PUSH2 0x33ff PUSH1 0 MSTORE
    0x60, 0x02, 0x60, 0x1e, 0x60, 0x00, 0xf0, 0x50, // PUSH1 2 PUSH1 30 PUSH1 0 CREATE POP
    0x00,
  ]
}

/// One random world and its block generator.
struct RandomWorld {
  var rng: SeededGenerator
  /// 0…1: the chance that a choice goes to the small hot set.
  var conflictRate: Double
  var state = InMemoryState()
  var senders: [Address] = []
  var nonces: [Address: UInt64] = [:]
  var recipients: [Address] = []
  var hotCounter = Address(low: 0xC0_0001)
  var coinbaseReader = Address(low: 0xC0_0002)
  var create2Factory = Address(low: 0xC0_0003)
  var ephemeralFactory = Address(low: 0xC0_0004)
  var destructors: [Address] = (0..<6).map { Address(low: 0xD0_0000 + UInt32($0)) }
  var coinbases: [Address] = []
  var number: UInt64 = 1
  /// Transactions per block.
  var txCount: ClosedRange<Int> = 2...48
  /// Every transaction increments the same slot (a chain of conflicts).
  var hotOnly = false
  /// The chance of each deliberately invalid transaction kind.
  var invalidRate = 0.003

  static let eth = U256(1_000_000_000_000_000_000)

  init(seed: UInt64, conflictRate: Double) {
    rng = SeededGenerator(seed: seed)
    self.conflictRate = conflictRate
    for i in 0..<40 {
      let a = Address(low: 0x1000 + UInt32(i))
      senders.append(a)
      state.accounts[a] = Account(balance: U256(1000) &* Self.eth)
      nonces[a] = 0
    }
    recipients = (0..<40).map { Address(low: 0x2000 + UInt32($0)) }
    for r in recipients.prefix(20) { state.accounts[r] = Account(balance: U256(5)) }
    func deploy(_ a: Address, _ code: [UInt8], balance: U256 = .zero) {
      let h = state.setCode(code)
      state.accounts[a] = Account(nonce: 1, balance: balance, codeHash: h)
    }
    deploy(hotCounter, TestContracts.hotCounter)
    deploy(coinbaseReader, TestContracts.coinbaseReader)
    deploy(create2Factory, TestContracts.create2Factory)
    deploy(ephemeralFactory, TestContracts.ephemeralFactory)
    for d in destructors { deploy(d, TestContracts.selfDestructor, balance: U256(777)) }
    for i in 0..<8 { state.setStorage(hotCounter, U256(i), U256(100 + i)) }
    // Coinbases: absent, funded, one of the senders, an existing empty account.
    let emptyCoinbase = Address(low: 0xCB_0003)
    state.accounts[emptyCoinbase] = Account()
    coinbases = [Address(low: 0xCB_0001), senders[0], recipients[0], emptyCoinbase, Address(low: 0xCB_0002)]
    state.accounts[Address(low: 0xCB_0002)] = Account(balance: U256(123))
  }

  mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

  mutating func pick<T>(_ xs: [T], hot: Int) -> T {
    if chance(conflictRate) { return xs[Int.random(in: 0..<min(hot, xs.count), using: &rng)] }
    return xs.randomElement(using: &rng)!
  }

  static func word(_ x: U256) -> [UInt8] { x.bigEndianBytes }

  /// A random block: context and transactions (nonces follow the state unless `sabotage`).
  mutating func nextBlock() -> (BlockContext, [TxEnv]) {
    let fork: Fork = chance(0.3) ? .shanghai : .cancun
    let coinbase = chance(0.15) ? coinbases.randomElement(using: &rng)! : coinbases[0]
    let baseFee = U256(7)
    let count = Int.random(in: txCount, using: &rng)
    let gasLimit: UInt64 = chance(0.03) ? UInt64.random(in: 200_000...2_000_000, using: &rng) : 30_000_000
    var env = BlockEnv(fork: fork, coinbase: coinbase, number: number, timestamp: 1000 + number, gasLimit: gasLimit,
                       baseFee: baseFee, chainID: 1)
    env.prevRandao = Hash(w0: number, w1: 1, w2: 2, w3: 3)
    number += 1
    var txs: [TxEnv] = []
    for _ in 0..<count {
      let coinbaseFunded = (state.accounts[coinbase]?.balance ?? .zero) > Self.eth
      let sender = coinbaseFunded && chance(0.05) ? coinbase : pick(senders, hot: 3)
      if state.accounts[sender] == nil || nonces[sender] == nil { nonces[sender] = state.accounts[sender]?.nonce ?? 0 }
      let tip = chance(0.1) ? U256.zero : U256(UInt64.random(in: 1...5, using: &rng))
      var tx = TxEnv(caller: sender, to: nil, gasLimit: 150_000, gasPrice: baseFee &+ tip, nonce: nonces[sender]!)
      switch hotOnly ? 40 : Int.random(in: 0..<100, using: &rng) {
      case 0..<35:  // value transfer
        let to: Address = chance(0.1) ? coinbase : pick(recipients + senders, hot: 2)
        tx.to = to
        tx.value = U256(UInt64.random(in: 0...1_000_000, using: &rng))
        tx.gasLimit = 21_000 + (chance(0.5) ? 0 : 10_000)
      case 35..<60:  // hot counter, sometimes reverting
        tx.to = hotCounter
        let slot = chance(conflictRate) ? U256(UInt64.random(in: 0..<2, using: &rng)) : U256(UInt64.random(in: 0..<64, using: &rng))
        tx.data = Self.word(slot) + Self.word(chance(0.15) ? U256(1) : .zero)
      case 60..<68:  // coinbase reader
        tx.to = coinbaseReader
      case 68..<75:  // selfdestruct
        tx.to = destructors.randomElement(using: &rng)!
        tx.data = Self.word(pick(recipients + [coinbase], hot: 2).word)
        tx.value = chance(0.5) ? U256(10) : .zero
      case 75..<82:  // CREATE2 factory (same salt again: collision)
        tx.to = create2Factory
        tx.data = Self.word(U256(UInt64.random(in: 0..<(chance(conflictRate) ? 2 : 1000), using: &rng)))
        tx.gasLimit = 200_000
      case 82..<88:  // created and destroyed in one transaction
        tx.to = ephemeralFactory
        tx.value = chance(0.3) ? U256(5) : .zero
        tx.gasLimit = 200_000
      case 88..<96:  // contract creation transaction
        tx.to = nil
        tx.data = TestContracts.storingChildInit
        tx.gasLimit = 120_000
      default:  // call to an empty or fresh account, touching it
        tx.to = Address(low: 0x3000 + UInt32.random(in: 0..<4, using: &rng))
        tx.value = .zero
      }
      // Occasionally an invalid transaction: nonce ahead, or a huge gas price.
      if chance(invalidRate) { tx.nonce = nonces[sender]! + 1 }
      if chance(invalidRate) { tx.gasPrice = U256(1) << 200 }
      nonces[sender]! += 1
      txs.append(tx)
    }
    return (BlockContext(env: env, withdrawals: chance(0.2) ? [(address: recipients[1], amountGwei: UInt64(3)), (address: Address(low: 0x4000), amountGwei: UInt64(0))] : []), txs)
  }

  /// After a block: keep the generator's nonces in line with the state that was committed.
  mutating func commit(_ changes: StateChanges?) {
    if let changes { state.apply(changes) }
    for a in nonces.keys { nonces[a] = state.accounts[a]?.nonce ?? 0 }
  }
}

/// Why two executions differ, or nil when they are identical.
func difference(_ a: Result<BlockExecution, ExecutionError>, _ b: Result<BlockExecution, ExecutionError>) -> String? {
  switch (a, b) {
  case (.failure(let x), .failure(let y)):
    return x == y ? nil : "errors: serial \(x), parallel \(y)"
  case (.failure(let x), .success): return "serial failed (\(x)), parallel succeeded"
  case (.success, .failure(let y)): return "serial succeeded, parallel failed (\(y))"
  case (.success(let x), .success(let y)):
    if x.outcomes.count != y.outcomes.count { return "outcome count \(x.outcomes.count) vs \(y.outcomes.count)" }
    for (i, (o, p)) in zip(x.outcomes, y.outcomes).enumerated() {
      if o.succeeded != p.succeeded || o.gasUsed != p.gasUsed || o.cumulativeGasUsed != p.cumulativeGasUsed
        || o.logs != p.logs || o.createdAddress != p.createdAddress {
        return "tx \(i): serial \(o), parallel \(p)"
      }
    }
    if x.gasUsed != y.gasUsed || x.blobGasUsed != y.blobGasUsed { return "block gas differs" }
    if x.writes != y.writes { return "write sets differ:\n serial \(x.writes)\n parallel \(y.writes)" }
    return nil
  }
}

func run(_ body: () throws(ExecutionError) -> BlockExecution) -> Result<BlockExecution, ExecutionError> {
  do { return .success(try body()) } catch { return .failure(error) }
}

@Suite struct BlockSTMDifferentialTests {
  static var blocksPerRate: Int {
    Int(ProcessInfo.processInfo.environment["STRATA_STM_BLOCKS"] ?? "") ?? 60
  }

  @Test(arguments: [0.0, 0.2, 0.6, 1.0])
  func parallelEqualsSerial(conflictRate: Double) throws {
    var world = RandomWorld(seed: 0x5EED_0000 &+ UInt64(conflictRate * 1000), conflictRate: conflictRate)
    var compared = 0, failedBlocks = 0, serialPaths = 0
    var totals = BlockSTMStats()
    for blockNumber in 0..<Self.blocksPerRate {
      let (context, txs) = world.nextBlock()
      let serial = run { () throws(ExecutionError) in try SerialExecutor.execute(txs, context: context, state: world.state) }
      for threads in [2, 4, 8] {
        var stats = BlockSTMStats()
        let parallel = run { () throws(ExecutionError) in
          let (e, s) = try BlockSTMExecutor.execute(txs, context: context, state: world.state, threads: threads, minTransactions: 2, minAverageGasLimit: 0)
          stats = s
          return e
        }
        if let d = difference(serial, parallel) {
          Issue.record("conflict rate \(conflictRate), block \(blockNumber), \(threads) threads: \(d)")
          return
        }
        if case .success(let s) = serial, case .success(let p) = parallel {
          var a = world.state, b = world.state
          a.apply(s.writes)
          b.apply(p.writes)
          #expect(a == b)
          #expect(a.computeStateRoot() == b.computeStateRoot())
        }
        if stats.serialReason != nil { serialPaths += 1 }
        totals.incarnations += stats.incarnations
        totals.transactions += stats.serialReason == nil ? stats.transactions : 0
        totals.validationAborts += stats.validationAborts
        totals.dependencySuspensions += stats.dependencySuspensions
        totals.nonceSuspensions += stats.nonceSuspensions
        totals.coinbaseReaders += stats.coinbaseReaders
        totals.deferredCredits += stats.deferredCredits
        compared += 1
      }
      if case .success(let s) = serial { world.commit(s.writes) } else { failedBlocks += 1; world.commit(nil) }
    }
    print("Block-STM differential, conflict rate \(conflictRate): \(Self.blocksPerRate) blocks × 3 thread counts = "
          + "\(compared) comparisons (\(failedBlocks) invalid blocks, \(serialPaths) serial fallbacks); "
          + "\(totals.transactions) txs, \(totals.incarnations) incarnations, \(totals.validationAborts) aborts, "
          + "\(totals.dependencySuspensions) dependency suspensions, \(totals.nonceSuspensions) nonce suspensions, "
          + "\(totals.coinbaseReaders) coinbase readers, \(totals.deferredCredits) deferred credits")
  }

  /// Large blocks: Block-STM cuts them into windows (a probe, then serial stretches while
  /// conflicts dominate): the result must not depend on the cut.
  @Test(arguments: [(0.1, false, 0.4), (1.0, false, 0.0), (1.0, true, 0.4), (1.0, true, -1)])
  func largeBlocksInWindows(conflictRate: Double, hotOnly: Bool, threshold: Double) throws {
    var world = RandomWorld(seed: 0xB16 &+ UInt64(conflictRate * 10) &+ (hotOnly ? 7 : 0), conflictRate: conflictRate)
    world.txCount = 100...320
    world.invalidRate = 0.0002
    world.hotOnly = hotOnly
    var serialTxs = 0, windows = 0
    for blockNumber in 0..<max(3, Self.blocksPerRate / 6) {
      let (context, txs) = world.nextBlock()
      let serial = run { () throws(ExecutionError) in try SerialExecutor.execute(txs, context: context, state: world.state) }
      for threads in [2, 4] {
        var stats = BlockSTMStats()
        let parallel = run { () throws(ExecutionError) in
          let (e, s) = try BlockSTMExecutor.execute(txs, context: context, state: world.state, threads: threads,
                                                    minAverageGasLimit: 0, conflictThreshold: threshold)
          stats = s
          return e
        }
        if let d = difference(serial, parallel) {
          Issue.record("large block \(blockNumber), \(threads) threads: \(d)")
          return
        }
        serialTxs += stats.serialTransactions
        windows += stats.windows
      }
      if case .success(let s) = serial { world.commit(s.writes) } else { world.commit(nil) }
    }
    print("Block-STM large blocks, conflict \(conflictRate), hot only \(hotOnly), threshold \(threshold): \(windows) windows, \(serialTxs) txs in serial windows")
  }

  /// Many senders with chains of transactions each: nonce dependencies everywhere.
  @Test func senderChains() throws {
    var world = RandomWorld(seed: 77, conflictRate: 0.9)
    for _ in 0..<max(5, Self.blocksPerRate / 4) {
      let (context, txs) = world.nextBlock()
      let serial = run { () throws(ExecutionError) in try SerialExecutor.execute(txs, context: context, state: world.state) }
      for threads in [2, 8] {
        let parallel = run { () throws(ExecutionError) in
          try BlockSTMExecutor.execute(txs, context: context, state: world.state, threads: threads, minTransactions: 2, minAverageGasLimit: 0).0
        }
        if let d = difference(serial, parallel) { Issue.record("\(threads) threads: \(d)"); return }
      }
      if case .success(let s) = serial { world.commit(s.writes) } else { world.commit(nil) }
    }
  }

  /// A zero fee deletes an existing empty coinbase (EIP-161): settled by the serial path.
  @Test func zeroFeeToAnEmptyCoinbase() throws {
    var world = RandomWorld(seed: 11, conflictRate: 0)
    let coinbase = Address(low: 0xCB_0009)
    world.state.accounts[coinbase] = Account()
    world.state.setStorage(coinbase, U256(1), U256(2))
    let context = BlockContext(env: BlockEnv(coinbase: coinbase, baseFee: U256(7)))
    var txs = (1...6).map { i in
      TxEnv(caller: world.senders[i], to: world.recipients[i], value: U256(1), gasLimit: 21_000, gasPrice: U256(7), nonce: 0)
    }
    txs.append(TxEnv(caller: world.senders[9], to: world.coinbaseReader, gasLimit: 100_000, gasPrice: U256(9), nonce: 0))
    for fork in [Fork.cancun, .shanghai] {
      var c = context
      c.env.fork = fork
      let serial = run { () throws(ExecutionError) in try SerialExecutor.execute(txs, context: c, state: world.state) }
      var stats = BlockSTMStats()
      let parallel = run { () throws(ExecutionError) in
        let (e, s) = try BlockSTMExecutor.execute(txs, context: c, state: world.state, threads: 4, minAverageGasLimit: 0)
        stats = s
        return e
      }
      #expect(difference(serial, parallel) == nil)
      #expect(stats.serialReason != nil)
    }
  }

  /// Fees are credits on the fee recipient like any other: a transaction reading the fee
  /// recipient sums the fees of the transactions before it, whether the account exists or the
  /// credits bring it into existence.
  @Test func readerOfTheFeeRecipientSeesTheFeesBefore() throws {
    let world = RandomWorld(seed: 13, conflictRate: 0)
    for coinbase in [Address(low: 0xCB_0001), Address(low: 0xCB_0002), world.recipients[0]] {
      let context = BlockContext(env: BlockEnv(coinbase: coinbase, baseFee: U256(7)))
      var txs = (1...6).map { i in
        TxEnv(caller: world.senders[i], to: world.recipients[i], value: U256(1), gasLimit: 21_000, gasPrice: U256(8), nonce: 0)
      }
      txs.append(TxEnv(caller: world.senders[9], to: world.coinbaseReader, gasLimit: 100_000, gasPrice: U256(9), nonce: 0))
      txs.append(TxEnv(caller: world.senders[10], to: world.recipients[11], value: U256(1), gasLimit: 21_000, gasPrice: U256(8), nonce: 0))
      txs.append(TxEnv(caller: world.senders[11], to: world.coinbaseReader, gasLimit: 100_000, gasPrice: U256(9), nonce: 0))
      let serial = run { () throws(ExecutionError) in try SerialExecutor.execute(txs, context: context, state: world.state) }
      for threads in [2, 4] {
        let parallel = run { () throws(ExecutionError) in
          try BlockSTMExecutor.execute(txs, context: context, state: world.state, threads: threads, minAverageGasLimit: 0).0
        }
        #expect(difference(serial, parallel) == nil, "coinbase \(coinbase), \(threads) threads")
      }
    }
  }

  /// Transfers to one account credit it without reading it (no conflicts between them); the
  /// account's own transactions read the sum, and could not pay without the credits.
  @Test func transfersToOneAccountAreDeferredCredits() throws {
    let world = RandomWorld(seed: 5, conflictRate: 0)
    let eth = RandomWorld.eth
    let hub = world.senders[39]  // 1000 ETH
    let context = BlockContext(env: BlockEnv(coinbase: Address(low: 0xCB_0001), baseFee: U256(7)))
    var txs: [TxEnv] = []
    var hubNonce: UInt64 = 0
    for i in 0..<36 {
      if i == 12 || i == 30 {
        // 1005 ETH needs 5 of the credits before it; 18 ETH needs those after the first spend.
        let value = i == 12 ? U256(1005) &* eth : U256(18) &* eth
        txs.append(TxEnv(caller: hub, to: world.recipients[5], value: value, gasLimit: 21_000, gasPrice: U256(7), nonce: hubNonce))
        hubNonce += 1
      } else {
        txs.append(TxEnv(caller: world.senders[i], to: hub, value: eth, gasLimit: 21_000, gasPrice: U256(8), nonce: 0))
      }
    }
    // One to a new account (created, not deferred).
    txs.append(TxEnv(caller: world.senders[36], to: Address(low: 0x9999), value: U256(3), gasLimit: 21_000, gasPrice: U256(8), nonce: 0))
    let serial = run { () throws(ExecutionError) in try SerialExecutor.execute(txs, context: context, state: world.state) }
    guard case .success(let s) = serial else { Issue.record("serial failed: \(serial)"); return }
    #expect(s.outcomes.allSatisfy { $0.succeeded })
    for threads in [2, 4, 8] {
      var stats = BlockSTMStats()
      let parallel = run { () throws(ExecutionError) in
        let (e, st) = try BlockSTMExecutor.execute(txs, context: context, state: world.state, threads: threads, minAverageGasLimit: 0)
        stats = st
        return e
      }
      #expect(difference(serial, parallel) == nil, "\(threads) threads")
      #expect(stats.serialReason == nil)
      // Every transfer but the one creating its recipient (the hub's two included).
      #expect(stats.deferredCredits == 36, "\(threads) threads: \(stats)")
    }
  }

  @Test func smallBlocksAndOneThreadTakeTheSerialPath() throws {
    let world = RandomWorld(seed: 3, conflictRate: 0)
    let context = BlockContext(env: BlockEnv(coinbase: Address(low: 0xCB_0001), baseFee: U256(7)))
    let txs = (1...5).map { i in
      TxEnv(caller: world.senders[i], to: world.recipients[i], value: U256(1), gasLimit: 21_000, gasPrice: U256(8), nonce: 0)
    }
    let (_, one) = try BlockSTMExecutor.execute(txs, context: context, state: world.state, threads: 1)
    #expect(one.serialReason != nil)
    let (_, small) = try BlockSTMExecutor.execute(Array(txs.prefix(1)), context: context, state: world.state, threads: 4)
    #expect(small.serialReason != nil)
    let (_, light) = try BlockSTMExecutor.execute(txs, context: context, state: world.state, threads: 4)
    #expect(light.serialReason == "light transactions")
    let (_, forced) = try BlockSTMExecutor.execute(txs, context: context, state: world.state, threads: 4, minAverageGasLimit: 0)
    #expect(forced.serialReason == nil)
  }
}
