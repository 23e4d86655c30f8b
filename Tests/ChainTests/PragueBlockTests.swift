import Chain
import Cryptography
import EVM
import Execution
import Foundation
import Primitives
import State
import Testing

/// A Prague block end to end: the builder computes the requests hash from the request
/// contracts' outputs, the processor checks it, and a failing request contract makes the
/// block invalid on both sides.
@Suite struct PragueBlockTests {
  /// MSTORE8(0, 0xab); RETURN(0, 1): one byte of "requests".
  static let returnsOneByte = "0x60ab5f5360015ff3"
  /// PUSH0 PUSH0 REVERT.
  static let reverts = "0x5f5ffd"

  static func genesis(consolidationCode: String) throws -> GenesisFile {
    let json = """
      {"config": {"chainId": 1, "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0, "eip158Block": 0,
        "byzantiumBlock": 0, "constantinopleBlock": 0, "petersburgBlock": 0, "istanbulBlock": 0, "berlinBlock": 0,
        "londonBlock": 0, "mergeNetsplitBlock": 0, "terminalTotalDifficulty": 0, "shanghaiTime": 0,
        "cancunTime": 0, "pragueTime": 0},
       "gasLimit": "0x1c9c380", "difficulty": "0x0", "timestamp": "0x0",
       "alloc": {
        "0x00000961Ef480Eb55e80D19ad83579A64c007002": {"balance": "0x0", "nonce": "0x1", "code": "\(returnsOneByte)"},
        "0x0000BBdDc7CE488642fb579F8B00f3a590007251": {"balance": "0x0", "nonce": "0x1", "code": "\(consolidationCode)"}
       }}
      """
    return try GenesisFile.decode(Data(json.utf8))
  }

  @Test func builtRequestsHashIsCheckedOnImport() throws {
    let genesis = try Self.genesis(consolidationCode: "0x00")
    var builder = BlockBuilder(config: genesis.chainConfig, genesis: genesis)
    let parent = builder.parent
    let base = builder.state
    let block = try builder.build([], coinbase: Address(low: 0xc0))
    // Withdrawal requests [0xab], no consolidations (left out of the hash).
    let expected = SHA256.hash(SHA256.hash([0x01, 0xab]).bytes)
    #expect(block.header.requestsHash == expected)

    let processor = BlockProcessor(config: genesis.chainConfig)
    let executed = try processor.execute(block, parent: parent, on: base)
    #expect(executed.execution.systemRequests == [ExecutionRequest(type: 1, data: [0xab]), ExecutionRequest(type: 2, data: [])])

    var tampered = block
    tampered.header.requestsHash = SHA256.hash([])
    #expect(throws: BlockExecutionError.invalid(.mismatch(.requestsHash, expected: .hash(SHA256.hash([])), got: .hash(expected)))) {
      try processor.execute(tampered, parent: parent, on: base)
    }
  }

  @Test func failingRequestContractInvalidatesTheBlock() throws {
    let good = try Self.genesis(consolidationCode: "0x00")
    var builder = BlockBuilder(config: good.chainConfig, genesis: good)
    let parent = builder.parent
    let block = try builder.build([], coinbase: Address(low: 0xc0))

    let bad = try Self.genesis(consolidationCode: Self.reverts)
    let failure = BlockExecutionError.invalid(.systemCall(.failed(SerialExecutor.consolidationRequestAddress, .revert)))
    #expect(throws: failure) {
      try BlockProcessor(config: bad.chainConfig).execute(block, parent: parent, on: bad.inMemoryState)
    }
    #expect(throws: failure) {
      try BlockProcessor(config: bad.chainConfig, threads: 2, alwaysParallel: true)
        .execute(block, parent: parent, on: bad.inMemoryState)
    }
    var badBuilder = BlockBuilder(config: bad.chainConfig, genesis: bad)
    #expect(throws: failure) { try badBuilder.build([], coinbase: Address(low: 0xc0)) }
    #expect(failure.description == "invalid block: system call to \(SerialExecutor.consolidationRequestAddress) failed: revert")
  }
}
