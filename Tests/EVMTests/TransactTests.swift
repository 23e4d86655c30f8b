import Cryptography
import Primitives
import State
import Testing
@testable import EVM

@Suite struct TransactTests {
  @Test func plainTransfer() throws {
    let state = TestState()
    state.set(sender, balance: U256(1_000_000_000), nonce: 5)
    let r = try run(state, to: other, value: U256(1000), gas: 30000)
    #expect(r.status == .success)
    #expect(r.gasUsed == 21000)
    // The fee recipient was not read: its fee is a credit.
    #expect(r.writeSet.credits == [BalanceCredit(address: coinbase, value: U256(21000 * 3))])
    state.apply(r.writeSet)
    #expect(state.accounts[sender]?.nonce == 6)
    #expect(state.accounts[sender]?.balance == U256(1_000_000_000 - 1000 - 21000 * 10))
    #expect(state.accounts[other]?.balance == U256(1000))
    #expect(state.accounts[coinbase]?.balance == U256(63000))
    #expect(r.writeSet.accounts.count == 2)
  }

  @Test func feeRecipientIsCreditedUnread() throws {
    let state = TestState()
    let evm = VirtualMachine(block: BlockEnv(coinbase: coinbase, baseFee: U256(7)))
    state.set(sender, balance: U256(1_000_000_000))
    let r = try evm.transact(TxEnv(caller: sender, to: other, gasLimit: 21000, gasPrice: U256(10)), state: state)
    #expect(r.writeSet.credits == [BalanceCredit(address: coinbase, value: U256(63000))])
    #expect(!r.writeSet.accounts.contains { $0.address == coinbase })
  }

  @Test func feeRecipientReadByTheTransactionIsWrittenInPlace() throws {
    let state = TestState()
    state.set(coinbase, balance: U256(5))
    let r = try run(state, to: coinbase, value: U256(1000), gas: 30000)
    #expect(r.writeSet.credits.isEmpty)
    #expect(r.writeSet.accounts.first { $0.address == coinbase }?.account?.balance == U256(5 + 1000 + 21000 * 3))
  }

  @Test func zeroFeeIsATouchThatDeletesAnEmptyFeeRecipient() throws {
    let state = TestState()
    state.set(sender, balance: U256(1_000_000_000))
    state.set(coinbase)  // exists, empty
    let evm = VirtualMachine(block: BlockEnv(coinbase: coinbase, baseFee: U256(10)))
    let r = try evm.transact(TxEnv(caller: sender, to: other, gasLimit: 21000, gasPrice: U256(10)), state: state)
    #expect(r.writeSet.credits == [BalanceCredit(address: coinbase, value: .zero)])
    var changes = StateChanges()
    try r.writeSet.apply(to: &changes, base: state, clearsEmptyAccounts: true)
    #expect(changes.accounts[coinbase] == .some(nil))
    // Before Spurious Dragon a zero fee leaves an existing empty coinbase as it is…
    let frontier = VirtualMachine(block: BlockEnv(fork: .homestead, coinbase: coinbase, baseFee: U256(10)))
    let old = try frontier.transact(TxEnv(caller: sender, to: other, gasLimit: 21000, gasPrice: U256(10)), state: state)
    var oldChanges = StateChanges()
    try old.writeSet.apply(to: &oldChanges, base: state, clearsEmptyAccounts: false)
    #expect(oldChanges.accounts[coinbase] == nil)
    // …and creates a missing one, empty (geth's AddBalance of zero; eest test_zero_gas_price_and_touching).
    let fresh = TestState()
    fresh.set(sender, balance: U256(1_000_000_000))
    let created = try frontier.transact(TxEnv(caller: sender, to: other, gasLimit: 21000, gasPrice: U256(10)), state: fresh)
    var createdChanges = StateChanges()
    try created.writeSet.apply(to: &createdChanges, base: fresh, clearsEmptyAccounts: false)
    #expect(createdChanges.accounts[coinbase] == .some(Account()))
  }

  /// A reader that lets plain transfers credit their recipient unread (as Block-STM's view does).
  final class CreditingState: StateReader {
    let base: TestState
    init(_ base: TestState) { self.base = base }
    func account(_ address: Address) throws(StateReadError) -> Account? { try base.account(address) }
    func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] { try base.code(codeHash) }
    func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 { try base.storage(address, slot) }
    func blockHash(_ number: UInt64) throws(StateReadError) -> Hash { try base.blockHash(number) }
    func canCreditUnread(_ address: Address) throws(StateReadError) -> Bool {
      guard let a = base.accounts[address] else { return false }
      return a.codeHash == .emptyKeccak
    }
  }

  @Test func plainTransferCreditsItsRecipientUnreadWhenTheReaderAllows() throws {
    let state = TestState()
    state.set(sender, balance: U256(1_000_000_000))
    state.set(other, balance: U256(1))
    let evm = VirtualMachine(block: BlockEnv(coinbase: coinbase, baseFee: U256(7)))
    let tx = TxEnv(caller: sender, to: other, value: U256(1000), gasLimit: 21000, gasPrice: U256(10))
    let lazy = try evm.transact(tx, state: CreditingState(state))
    #expect(lazy.writeSet.credits.contains(BalanceCredit(address: other, value: U256(1000))))
    #expect(!lazy.writeSet.accounts.contains { $0.address == other })
    // The same state either way once applied.
    let eager = try evm.transact(tx, state: state)
    var a = StateChanges(), b = StateChanges()
    try lazy.writeSet.apply(to: &a, base: state, clearsEmptyAccounts: true)
    try eager.writeSet.apply(to: &b, base: state, clearsEmptyAccounts: true)
    #expect(a == b)
    #expect(a.accounts[other]??.balance == U256(1001))
  }

  @Test func invalidTransactions() throws {
    let state = TestState()
    state.set(sender, balance: U256(100_000), nonce: 1)
    let evm = VirtualMachine(block: BlockEnv())
    #expect(throws: TransactError.invalid(.nonceMismatch(expected: 1, got: 0))) {
      try evm.transact(TxEnv(caller: sender, to: other, gasLimit: 21000, nonce: 0), state: state)
    }
    #expect(throws: TransactError.invalid(.intrinsicGasTooLow(limit: 20000, intrinsic: 21000))) {
      try evm.transact(TxEnv(caller: sender, to: other, gasLimit: 20000), state: state)
    }
    #expect(throws: TransactError.invalid(.insufficientFunds(balance: U256(100_000), needed: U256(210_000)))) {
      try evm.transact(TxEnv(caller: sender, to: other, gasLimit: 21000, gasPrice: U256(10)), state: state)
    }
    state.set(contract, balance: U256(1) << 80, code: [0x00])
    #expect(throws: TransactError.invalid(.senderHasCode)) {
      try evm.transact(TxEnv(caller: contract, to: other, gasLimit: 21000), state: state)
    }
  }

  @Test func intrinsicGas() {
    #expect(VirtualMachine.intrinsicGas(data: [0, 1, 0, 2], isCreate: false, accessList: [], fork: .cancun) == 21000 + 8 + 32)
    let al = [AccessListEntry(address: other, storageKeys: [U256(1), U256(2)])]
    #expect(VirtualMachine.intrinsicGas(data: [], isCreate: false, accessList: al, fork: .cancun) == 21000 + 2400 + 3800)
    #expect(VirtualMachine.intrinsicGas(data: [UInt8](repeating: 1, count: 33), isCreate: true, accessList: [], fork: .cancun)
      == 21000 + 32000 + 33 * 16 + 4)
    #expect(VirtualMachine.intrinsicGas(data: [UInt8](repeating: 1, count: 33), isCreate: true, accessList: [], fork: .paris)
      == 21000 + 32000 + 33 * 16)
  }

  @Test func failedTransactionKeepsNonceAndFee() throws {
    let state = TestState()
    state.set(contract, code: Asm().push(1).push(0).op(.sstore).push(0).push(0).op(.revert).bytes)
    let r = try exec(Asm(), state: state)
    #expect(r.status == .revert)
    #expect(r.writeSet.storage.isEmpty)
    #expect(state.accounts[sender]?.nonce == 1)
    #expect(state.accounts[sender]?.balance == (U256(1) << 100) &- U256(r.gasUsed * 10))
    let h = try exec(Asm().raw([0xfe]), state: TestState(), gas: 100_000)
    #expect(h.gasUsed == 100_000)
  }

  @Test func blobFeeIsCharged() throws {
    let state = TestState()
    state.set(contract, code: [0x00])
    state.set(sender, balance: U256(1) << 60)
    let r = try run(state, to: contract, blobHashes: [U256(1).hash])
    state.apply(r.writeSet)
    let expected = (U256(1) << 60) &- U256(21000 * 10) &- U256(131072 * 3)
    #expect(state.accounts[sender]?.balance == expected)
  }

  @Test func writeSetReportsChangedSlotsOnly() throws {
    let state = TestState()
    state.set(contract, code: Asm().push(1).push(0).op(.sstore).push(5).push(1).op(.sstore).push(0).push(1).op(.sstore).bytes,
              storage: [U256(0): U256(1)])
    let r = try exec(Asm(), state: state)
    #expect(r.writeSet.storage.isEmpty)  // slot 0 unchanged, slot 1 restored to 0
  }
}

@Suite struct PrecompileTests {
  /// Calls precompile `n` with `input` through a contract; returns (success, output).
  func callPrecompile(_ n: UInt32, _ input: [UInt8], gas: Int = 100_000) throws -> (Bool, [UInt8], Int) {
    let evm = VirtualMachine(block: BlockEnv())
    let state = TestState()
    evm.beginTransaction(reader: state, origin: sender, gasPrice: .zero, blobHashes: [])
    let msg = Message(caller: sender, target: Address(low: n), codeAddress: Address(low: n), value: .zero, input: input,
                      gas: gas, depth: 1, isStatic: false, transfersValue: true)
    let r = try evm.callMessage(msg)
    return (r.status == .success, r.output, gas - r.gasLeft)
  }

  @Test func identity() throws {
    let (ok, out, used) = try callPrecompile(4, [1, 2, 3])
    #expect(ok && out == [1, 2, 3] && used == 15 + 3)
    let (ok2, _, used2) = try callPrecompile(4, [UInt8](repeating: 0, count: 33))
    #expect(ok2 && used2 == 15 + 6)
    let (ok3, _, used3) = try callPrecompile(4, [1], gas: 17)
    #expect(!ok3 && used3 == 17)
  }

  @Test func hashes() throws {
    let (ok, out, used) = try callPrecompile(2, Array("abc".utf8))
    #expect(ok && used == 72)
    #expect(out == (try Hex.decode("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")))
    let (ok2, out2, used2) = try callPrecompile(3, [])
    #expect(ok2 && used2 == 600)
    #expect(out2 == [UInt8](repeating: 0, count: 12) + (try Hex.decode("9c1185a5c5e9fc54612808977ee8f548b2258d31")))
  }

  @Test func ecrecover() throws {
    let key = [UInt8](repeating: 0, count: 31) + [1]
    let hash = Keccak256.hash(Array("strata".utf8))
    let sig = try Secp256k1.sign(messageHash: hash, privateKey: key)
    let input = hash.bytes + U256(UInt64(27 + sig.recoveryID)).bigEndianBytes + sig.r.bigEndianBytes + sig.s.bigEndianBytes
    let (ok, out, used) = try callPrecompile(1, input)
    #expect(ok && used == 3000)
    #expect(out == [UInt8](repeating: 0, count: 12) + (try Secp256k1.address(ofPrivateKey: key)).bytes)
    // A bad v: success with empty output.
    var bad = input
    bad[63] = 29
    let (ok2, out2, _) = try callPrecompile(1, bad)
    #expect(ok2 && out2.isEmpty)
  }

  @Test func modexp() throws {
    // 3^5 mod 7 = 5 with 1-byte lengths: EIP-2565 minimum 200 gas.
    let input = U256(1).bigEndianBytes + U256(1).bigEndianBytes + U256(1).bigEndianBytes + [3, 5, 7]
    let (ok, out, used) = try callPrecompile(5, input)
    #expect(ok && out == [5] && used == 200)
    // EIP-2565 worked example shape: 32-byte base/mod, exponent 2^255: complexity 16, iterations 255 → 1360.
    let big = U256(32).bigEndianBytes + U256(32).bigEndianBytes + U256(32).bigEndianBytes
      + U256(3).bigEndianBytes + (U256(1) << 255).bigEndianBytes + U256(1000).bigEndianBytes
    #expect(Precompiles.modexpGas(big, fork: .cancun) == 16 * 255 / 3)
    // Huge lengths are out of gas, not a crash.
    let huge = U256.max.bigEndianBytes + U256.max.bigEndianBytes + U256.max.bigEndianBytes
    let (ok3, _, _) = try callPrecompile(5, huge)
    #expect(!ok3)
  }

  @Test func bn254AndBlakeGas() throws {
    // BN254 add of two zero points: 150 gas, the zero point.
    let (ok, out, used) = try callPrecompile(6, [UInt8](repeating: 0, count: 128))
    #expect(ok && used == 150 && out == [UInt8](repeating: 0, count: 64))
    let (okm, _, usedm) = try callPrecompile(7, [UInt8](repeating: 0, count: 96))
    #expect(okm && usedm == 6000)
    // Empty pairing input: 45000, true.
    let (okp, outp, usedp) = try callPrecompile(8, [])
    #expect(okp && usedp == 45000 && outp == U256(1).bigEndianBytes)
    // Bad pairing length fails, consuming everything.
    let (okb, _, usedb) = try callPrecompile(8, [UInt8](repeating: 0, count: 100))
    #expect(!okb && usedb == 100_000)
    // BLAKE2F: gas = rounds; wrong length fails.
    var blake = [UInt8](repeating: 0, count: 213)
    blake[3] = 12
    let (okf, outf, usedf) = try callPrecompile(9, blake)
    #expect(okf && usedf == 12 && outf.count == 64)
    let (okf2, _, _) = try callPrecompile(9, [UInt8](repeating: 0, count: 212))
    #expect(!okf2)
  }

  @Test func pointEvaluationBadInputFails() throws {
    let (ok, _, used) = try callPrecompile(10, [UInt8](repeating: 0, count: 192))
    #expect(!ok && used == 100_000)
  }
}
