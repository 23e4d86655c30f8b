import EVM
import Execution
import Primitives
import State
import Testing
@testable import Chain

/// Rules of the pre-Merge chain: the DAO fork and the Merge by total difficulty.
@Suite struct PreMergeRuleTests {
  // MARK: The DAO fork

  /// The fork block moves every drained balance to the refund contract, creating the accounts
  /// that did not exist, and leaves other accounts alone.
  @Test func daoDrainMovesBalancesToTheRefundContract() throws {
    let first = DAOFork.drainList[0], second = DAOFork.drainList[1], absent = DAOFork.drainList[2]
    let bystander = Address([UInt8](repeating: 0x42, count: 20))
    var state = InMemoryState()
    state.accounts[first] = Account(nonce: 1, balance: U256(1_000))
    state.accounts[second] = Account(balance: U256(234))
    state.accounts[DAOFork.refundContract] = Account(balance: U256(5))
    state.accounts[bystander] = Account(balance: U256(77))
    let context = BlockContext(env: BlockEnv(fork: .homestead, number: 5, gasLimit: 1_000_000),
                               drain: DAOFork.drain)
    let writes = try SerialExecutor.execute([], context: context, state: state).writes
    #expect((writes.accounts[DAOFork.refundContract] ?? nil)?.balance == U256(1_239))
    #expect(writes.accounts[first] == Account(nonce: 1, balance: .zero))
    #expect(writes.accounts[second] == Account(balance: .zero))
    #expect(writes.accounts[absent] == Account())
    #expect(writes.accounts[bystander] == nil)
    #expect(DAOFork.drainList.count == 116)
  }

  /// Only the fork block of a supporting chain drains.
  @Test func drainOnlyAtTheForkBlockOfASupportingChain() throws {
    var config = ChainConfig.allActive(upTo: .homestead)
    config.daoForkBlock = 5
    config.daoForkSupport = true
    #expect(try drain(config, number: 5) == DAOFork.drain)
    #expect(try drain(config, number: 4) == nil)
    #expect(try drain(config, number: 6) == nil)
    config.daoForkSupport = false
    #expect(try drain(config, number: 5) == nil)
  }

  func drain(_ config: ChainConfig, number: UInt64) throws -> BalanceDrain? {
    var header = Header(number: number, gasLimit: 1_000_000, timestamp: number * 10)
    header.extraData = config.daoForkSupport ? DAOFork.extraData : []
    let block = Block(header: header, transactions: [], ommers: [])
    let (_, context, _) = try BlockProcessor(config: config).validateTransactions(block, fork: .homestead, prepared: nil)
    return context.drain
  }

  /// Ten blocks from the fork carry "dao-hard-fork" on a supporting chain, and not on an opposing one.
  @Test func daoExtraDataRule() throws {
    var config = ChainConfig.allActive(upTo: .homestead)
    config.daoForkBlock = 5
    config.daoForkSupport = true
    func header(_ number: UInt64, _ extra: [UInt8]) -> Header {
      var h = Header(number: number, gasLimit: 1_000_000, timestamp: number)
      h.extraData = extra
      return h
    }
    try HeaderValidator.checkDAOExtraData(header(4, []), config: config)
    try HeaderValidator.checkDAOExtraData(header(5, DAOFork.extraData), config: config)
    try HeaderValidator.checkDAOExtraData(header(14, DAOFork.extraData), config: config)
    try HeaderValidator.checkDAOExtraData(header(15, []), config: config)
    #expect(throws: BlockError.invalidHeader(.daoForkExtraData(supporting: true))) {
      try HeaderValidator.checkDAOExtraData(header(14, Array("dao-hard-fork!".utf8)), config: config)
    }
    config.daoForkSupport = false
    try HeaderValidator.checkDAOExtraData(header(5, []), config: config)
    #expect(throws: BlockError.invalidHeader(.daoForkExtraData(supporting: false))) {
      try HeaderValidator.checkDAOExtraData(header(9, DAOFork.extraData), config: config)
    }
  }

  // MARK: The Merge by total difficulty

  /// Paris from the first block whose parent's total difficulty reached the terminal total
  /// difficulty; the terminal PoW block itself is London.
  @Test func terminalTotalDifficultySelectsParis() {
    var config = ChainConfig.allActive(upTo: .london)
    config.terminalTotalDifficulty = U256(0xC0000)
    #expect(config.fork(number: 7, timestamp: 70, parentTotalDifficulty: U256(0xBFFFF)) == .london)
    #expect(config.fork(number: 7, timestamp: 70, parentTotalDifficulty: U256(0xC0000)) == .paris)
    #expect(config.fork(number: 7, timestamp: 70, parentTotalDifficulty: U256(0xC0001)) == .paris)
    #expect(config.fork(number: 7, timestamp: 70, parentTotalDifficulty: nil) == .london)
    #expect(config.fork(number: 7, timestamp: 70) == .london)
  }

  /// A PoW block after the terminal total difficulty is rejected.
  @Test func powBlockAfterTerminalTotalDifficultyIsRejected() throws {
    var config = ChainConfig.allActive(upTo: .london)
    config.terminalTotalDifficulty = U256(0xC0000)
    let parent = Header(difficulty: U256(0x20000), number: 6, gasLimit: 1_000_000, timestamp: 60,
                        baseFeePerGas: U256(7))
    var child = Header(parentHash: parent.hash, difficulty: U256(0x20000), number: 7, gasLimit: 1_000_000,
                       timestamp: 70, baseFeePerGas: HeaderValidator.expectedBaseFee(parent: parent, parentIsLondon: true))
    try HeaderValidator.validate(child, parent: parent, config: config, parentTotalDifficulty: U256(0xBFFFF))
    #expect(throws: BlockError.invalidHeader(.difficultyAfterMerge(U256(0x20000)))) {
      try HeaderValidator.validate(child, parent: parent, config: config, parentTotalDifficulty: U256(0xC0000))
    }
    child.difficulty = .zero
    try HeaderValidator.validate(child, parent: parent, config: config, parentTotalDifficulty: U256(0xC0000))
    // …and a proof-of-stake block before it.
    #expect(throws: BlockError.invalidHeader(.proofOfStakeBeforeTerminalDifficulty(
      parentTotalDifficulty: U256(0xBFFFF), terminal: U256(0xC0000)))) {
      try HeaderValidator.validate(child, parent: parent, config: config, parentTotalDifficulty: U256(0xBFFFF))
    }
  }
}
