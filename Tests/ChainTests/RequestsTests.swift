import Chain
import Cryptography
import EVM
import Execution
import Primitives
import Testing

/// EIP-7685 requests: the hash over typed lists, EIP-6110 deposit logs, the request contracts.
@Suite struct RequestsTests {
  @Test func addressesAreTheEIPs() throws {
    #expect(SerialExecutor.historyStorageAddress == (try Address(hex: "0000F90827F1C53a10cb7A02335B175320002935")))
    #expect(SerialExecutor.withdrawalRequestAddress == (try Address(hex: "00000961Ef480Eb55e80D19ad83579A64c007002")))
    #expect(SerialExecutor.consolidationRequestAddress == (try Address(hex: "0000BBdDc7CE488642fb579F8B00f3a590007251")))
    #expect(Requests.mainnetDepositContract == (try Address(hex: "00000000219ab540356cBB839Cbe05303d7705Fa")))
    #expect(Requests.depositEventTopic == Keccak256.hash(Array("DepositEvent(bytes,bytes,bytes,bytes,bytes)".utf8)))
  }

  @Test func noRequestsHashToTheEmptySHA256() throws {
    let empty = try Hash(hex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(Requests.hash([]) == empty)
    // Empty lists are left out, whatever their type.
    #expect(Requests.hash([(0, []), (1, []), (2, [])]) == empty)
  }

  @Test func requestsHashIsSHA256OfTypedListDigests() {
    let deposits: [UInt8] = Array(repeating: 0x11, count: 192)
    let consolidations: [UInt8] = Array(repeating: 0x22, count: 116)
    let inner = SHA256.hash([0x00] + deposits).bytes + SHA256.hash([0x02] + consolidations).bytes
    #expect(Requests.hash([(0, deposits), (1, []), (2, consolidations)]) == SHA256.hash(inner))
    // The type byte is hashed with its list: the same data under another type differs.
    #expect(Requests.hash([(1, deposits)]) != Requests.hash([(0, deposits)]))
  }

  /// The ABI encoding the deposit contract logs: five offsets, then each field's length and
  /// its bytes padded to 32.
  static func depositLogData(pubkey: UInt8, amount: UInt8) -> [UInt8] {
    func word(_ v: Int) -> [UInt8] { U256(UInt64(v)).bigEndianBytes }
    func padded(_ b: [UInt8]) -> [UInt8] { b + Array(repeating: 0, count: (32 - b.count % 32) % 32) }
    var d = word(160) + word(256) + word(320) + word(384) + word(512)
    d += word(48) + padded(Array(repeating: pubkey, count: 48))
    d += word(32) + padded(Array(repeating: 0xcc, count: 32))
    d += word(8) + padded(Array(repeating: amount, count: 8))
    d += word(96) + padded(Array(repeating: 0x5a, count: 96))
    d += word(8) + padded(Array(repeating: 0x01, count: 8))
    return d
  }

  @Test func depositLogsBecomeDepositRequests() throws {
    let contract = Requests.mainnetDepositContract
    let logs = [
      Log(address: contract, topics: [Requests.depositEventTopic], data: Self.depositLogData(pubkey: 0xaa, amount: 0x07)),
      // Another topic, or another contract: not deposits.
      Log(address: contract, topics: [.zero], data: [1, 2, 3]),
      Log(address: Address(low: 9), topics: [Requests.depositEventTopic], data: [1]),
      Log(address: contract, topics: [Requests.depositEventTopic], data: Self.depositLogData(pubkey: 0xbb, amount: 0x08)),
    ]
    let data = try Requests.depositData(logs: logs, contract: contract)
    #expect(data.count == 2 * 192)
    #expect(Array(data[0..<48]) == Array(repeating: 0xaa, count: 48))
    #expect(Array(data[48..<80]) == Array(repeating: 0xcc, count: 32))
    #expect(Array(data[80..<88]) == Array(repeating: 0x07, count: 8))
    #expect(Array(data[88..<184]) == Array(repeating: 0x5a, count: 96))
    #expect(Array(data[184..<192]) == Array(repeating: 0x01, count: 8))
    #expect(Array(data[192..<240]) == Array(repeating: 0xbb, count: 48))
  }

  @Test func malformedDepositLogsAreRejected() {
    let contract = Requests.mainnetDepositContract
    var badOffset = Self.depositLogData(pubkey: 0xaa, amount: 1)
    badOffset[31] = 161
    var badSize = Self.depositLogData(pubkey: 0xaa, amount: 1)
    badSize[320 + 31] = 9
    for data in [badOffset, badSize, Array(Self.depositLogData(pubkey: 0xaa, amount: 1).dropLast())] {
      #expect(throws: RequestFault.self) {
        try Requests.depositData(logs: [Log(address: contract, topics: [Requests.depositEventTopic], data: data)],
                                 contract: contract)
      }
    }
  }

  @Test func systemCallFailureIsAnInvalidBlock() {
    let fault = SystemCallFault.failed(SerialExecutor.withdrawalRequestAddress, .revert)
    #expect(BlockExecutionError(ExecutionError.systemCall(fault)) == .invalid(.systemCall(fault)))
  }
}
