import Primitives
import State
import Testing
@testable import EVM

// What Block-STM relies on the EVM for: which accounts a transaction reads (the deferred
// coinbase credit must not read the coinbase), and one EVM serving many transactions.

/// Records which accounts were read (Block-STM's versioned view records reads like this).
final class RecordingState: StateReader {
  let base: TestState
  var accountReads: Set<Address> = []
  init(_ base: TestState) { self.base = base }
  func account(_ address: Address) throws(StateReadError) -> Account? {
    accountReads.insert(address)
    return try base.account(address)
  }
  func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] { try base.code(codeHash) }
  func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 { try base.storage(address, slot) }
  func blockHash(_ number: UInt64) throws(StateReadError) -> Hash { try base.blockHash(number) }
}

@Suite struct BlockSTMFacingTests {
  @Test func deferredCoinbaseCreditNeverReadsCoinbase() throws {
    let state = TestState()
    state.set(sender, balance: U256(1) << 80)
    state.set(contract, code: Asm().push(1).push(0).op(.sstore).bytes)
    let recorder = RecordingState(state)
    let evm = VirtualMachine(block: BlockEnv(coinbase: coinbase, baseFee: U256(7)))
    let r = try evm.transact(TxEnv(caller: sender, to: contract, gasLimit: 100_000, gasPrice: U256(10)), state: recorder)
    #expect(r.status == .success)
    #expect(!recorder.accountReads.contains(coinbase))
    #expect(r.writeSet.credits == [BalanceCredit(address: coinbase, value: U256(r.gasUsed * 3))])
  }

  @Test func coinbaseReadOnlyWhenCodeReadsIt() throws {
    let state = TestState()
    state.set(sender, balance: U256(1) << 80)
    state.set(contract, code: Asm().op(.coinbase).op(.balance).bytes)
    let recorder = RecordingState(state)
    let evm = VirtualMachine(block: BlockEnv(coinbase: coinbase, baseFee: U256(7)))
    let r = try evm.transact(TxEnv(caller: sender, to: contract, gasLimit: 100_000, gasPrice: U256(10)), state: recorder)
    #expect(recorder.accountReads.contains(coinbase))
    #expect(r.writeSet.credits.isEmpty)  // read, so its fee is written in place
  }

  @Test func evmIsReusableAcrossTransactions() throws {
    let state = TestState()
    state.set(sender, balance: U256(1) << 80)
    state.set(contract, code: Asm().push(0).op(.sload).push(1).op(.add).push(0).op(.sstore).bytes)
    let evm = VirtualMachine(block: BlockEnv(coinbase: coinbase, baseFee: U256(7)))
    for i in 1...3 {
      let r = try evm.transact(TxEnv(caller: sender, to: contract, gasLimit: 100_000, gasPrice: U256(10), nonce: UInt64(i - 1)),
                               state: state)
      state.apply(r.writeSet)
      #expect(state.slot(contract, 0) == U256(i))
    }
  }
}
