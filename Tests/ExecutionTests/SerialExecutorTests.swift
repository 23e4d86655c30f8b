import Execution
import EVM
import Primitives
import Testing

@Suite struct SerialExecutorTests {
  @Test func beaconRootsAddressIsEIP4788s() throws {
    #expect(SerialExecutor.beaconRootsAddress == (try Address(hex: "000F3df6D732807Ef1319fB7B8bB8522d0Beac02")))
  }
}

/// The block-level rules the executors check before running a transaction reject it with a
/// typed reason that prints the rule with both values.
@Suite struct TransactionRejectionTests {
  let sender = Address(low: 0x1000)

  @Test func gasLimitAboveTheBlocksRemainingGas() {
    let context = BlockContext(env: BlockEnv(gasLimit: 100_000))
    let tx = TxEnv(caller: sender, to: sender, gasLimit: 60_000)
    var blobGas: UInt64 = 0
    #expect(throws: ExecutionError.invalidTransaction(index: 3, reason: .blockGasExceeded(needed: 60_000, available: 50_000))) {
      try SerialExecutor.admit(tx, index: 3, context: context, cumulativeGas: 50_000, blobGasUsed: &blobGas)
    }
    #expect(ExecutionError.invalidTransaction(index: 3, reason: .blockGasExceeded(needed: 60_000, available: 50_000)).description
      == "transaction 3: gas limit 60000 exceeds the block's remaining gas 50000")
  }

  @Test func blobGasAboveTheBlockMaximum() throws {
    let context = BlockContext(env: BlockEnv(), maxBlobGas: 2 * 131_072)
    let tx = TxEnv(caller: sender, to: sender, gasLimit: 21_000, blobHashes: [.zero, .zero])
    var blobGas: UInt64 = 0
    try SerialExecutor.admit(tx, index: 0, context: context, cumulativeGas: 0, blobGasUsed: &blobGas)
    #expect(blobGas == 2 * 131_072)
    #expect(throws: ExecutionError.invalidTransaction(index: 1, reason: .blobGasExceeded(used: 4 * 131_072, max: 2 * 131_072))) {
      try SerialExecutor.admit(tx, index: 1, context: context, cumulativeGas: 21_000, blobGasUsed: &blobGas)
    }
    #expect(TransactionRejection.blobGasExceeded(used: 4 * 131_072, max: 2 * 131_072).description
      == "blob gas 524288 exceeds the block maximum 262144")
  }

  @Test func evmRejectionKeepsTheEVMsText() {
    let e = InvalidTransaction.nonceMismatch(expected: 1, got: 0)
    #expect(TransactionRejection.evm(e).description == e.description)
  }
}
