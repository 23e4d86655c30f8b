import Chain
import EVM
import Execution
import Primitives
import State
import Testing

/// EIP-7702 end to end: a set-code transaction's authorization writes the designator, calls
/// to the authority run the delegate's code in the authority's context, and EXTCODESIZE,
/// EXTCODEHASH see the 23-byte designator; serial and Block-STM agree.
@Suite struct DelegationTests {
  /// Private key 1 and its address.
  static let authorityKey: [UInt8] = Array(repeating: 0, count: 31) + [1]
  static let authority = try! Address(hex: "7E5F4552091A69125d5DfCb7b8C2659029395Bdf")
  static let sender = Address(low: 0x1000)
  static let delegate = Address(low: 0xde1e)
  static let probe = Address(low: 0x9999)

  /// SSTORE(0, SLOAD(0) + 1).
  static let counter: [UInt8] = [0x5f, 0x54, 0x60, 0x01, 0x01, 0x5f, 0x55, 0x00]
  /// SSTORE(1, EXTCODESIZE(authority)); SSTORE(2, CALL(gas, authority, 0, 0, 0, 0, 0));
  /// SSTORE(3, EXTCODEHASH(authority)).
  static var prober: [UInt8] {
    let a = [0x73] + authority.bytes  // PUSH20 authority
    return a + [0x3b, 0x60, 0x01, 0x55]
      + [0x5f, 0x5f, 0x5f, 0x5f, 0x5f] + a + [0x5a, 0xf1, 0x60, 0x02, 0x55]
      + a + [0x3f, 0x60, 0x03, 0x55, 0x00]
  }

  static func state() -> InMemoryState {
    var s = InMemoryState()
    s.accounts[delegate] = Account(nonce: 1, codeHash: s.setCode(counter))
    s.accounts[probe] = Account(nonce: 1, codeHash: s.setCode(prober))
    // Prague's request contracts must have code.
    for a in [SerialExecutor.withdrawalRequestAddress, SerialExecutor.consolidationRequestAddress] {
      s.accounts[a] = Account(nonce: 1, codeHash: s.setCode([0x00]))
    }
    return s
  }

  static func authorization(to address: Address, nonce: UInt64) throws -> Authorization {
    var auth = Authorization(chainID: 1, address: address, nonce: nonce, yParity: 0, r: .zero, s: .zero)
    try auth.sign(privateKey: authorityKey)
    return auth
  }

  static func envs(_ txs: [Transaction]) -> [TxEnv] {
    txs.map { BlockProcessor.txEnv($0, sender: sender, baseFee: .zero, fork: .prague) }
  }

  @Test func delegationRoundTrip() throws {
    let auth = try Self.authorization(to: Self.delegate, nonce: 0)
    #expect(try auth.authority() == Self.authority)
    let txs = [
      Transaction(type: .setCode, chainID: 1, nonce: 0, gasLimit: 200_000, to: Self.authority, authorizationList: [auth]),
      Transaction(type: .dynamicFee, chainID: 1, nonce: 1, gasLimit: 200_000, to: Self.probe),
    ]
    let context = BlockContext(env: BlockEnv(fork: .prague))
    let base = Self.state()
    let execution = try SerialExecutor.execute(Self.envs(txs), context: context, state: base)
    #expect(execution.outcomes.map(\.succeeded) == [true, true])
    var post = base
    post.apply(execution.writes)

    let designator: [UInt8] = [0xef, 0x01, 0x00] + Self.delegate.bytes
    #expect(Delegation.designator(Self.delegate) == designator)
    let account = try #require(post.accounts[Self.authority])
    #expect(account.codeHash == Keccak256.hash(designator))
    #expect(account.nonce == 1)
    #expect(post.codes[account.codeHash] == designator)
    // The delegate's code ran in the authority's storage twice: the transaction's own call,
    // then the probe's CALL.
    #expect(post.storage[Self.authority]?[U256(0)] == U256(2))
    #expect(post.storage[Self.delegate]?[U256(0)] == nil)
    #expect(post.storage[Self.probe]?[U256(1)] == U256(23))
    #expect(post.storage[Self.probe]?[U256(2)] == U256(1))
    #expect(post.storage[Self.probe]?[U256(3)] == U256(Keccak256.hash(designator)))

    // Block-STM on every transaction gives the same writes.
    let (parallel, _) = try BlockSTMExecutor.execute(Self.envs(txs), context: context, state: base, threads: 2,
                                                     minTransactions: 2, minAverageGasLimit: 0)
    #expect(parallel.writes == execution.writes)
    #expect(parallel.gasUsed == execution.gasUsed)
  }

  @Test func zeroAddressClearsTheDelegationAndBadTuplesAreSkipped() throws {
    var base = Self.state()
    let designator = Delegation.designator(Self.delegate)
    base.accounts[Self.authority] = Account(nonce: 3, codeHash: base.setCode(designator))
    var wrongChain = try Self.authorization(to: Self.probe, nonce: 3)
    wrongChain.chainID = 5  // the signature no longer matches either: skipped either way
    let wrongNonce = try Self.authorization(to: Self.probe, nonce: 7)
    let clear = try Self.authorization(to: .zero, nonce: 3)
    let tx = Transaction(type: .setCode, chainID: 1, nonce: 0, gasLimit: 200_000, to: Self.sender,
                         authorizationList: [wrongChain, wrongNonce, clear])
    let context = BlockContext(env: BlockEnv(fork: .prague))
    let execution = try SerialExecutor.execute(Self.envs([tx]), context: context, state: base)
    var post = base
    post.apply(execution.writes)
    let account = try #require(post.accounts[Self.authority])
    #expect(account.codeHash == .emptyKeccak)
    #expect(account.nonce == 4)
    // 21000 + 3 × 25000 intrinsic, less the refund for the one existing authority applied
    // (12500), capped at a fifth of the gas used.
    let used = UInt64(21_000 + 3 * 25_000)
    #expect(execution.gasUsed == used - min(used / 5, 12_500))
  }
}
