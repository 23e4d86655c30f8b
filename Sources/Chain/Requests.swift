import Cryptography
import EVM
import Primitives

/// EIP-7685 execution-layer requests of one block: deposits (EIP-6110, parsed from the deposit
/// contract's logs), withdrawal requests (EIP-7002) and consolidation requests (EIP-7251), the
/// latter two returned by the request contracts' system calls at the end of the block.
public enum Requests {
  /// EIP-6110 request type.
  public static let depositType: UInt8 = 0x00
  /// EIP-7002 request type.
  public static let withdrawalType: UInt8 = 0x01
  /// EIP-7251 request type.
  public static let consolidationType: UInt8 = 0x02

  /// Mainnet's deposit contract, 0x00000000219ab540356cBB839Cbe05303d7705Fa: the default when
  /// the genesis names none (as the execution-spec-tests fixtures assume).
  public static let mainnetDepositContract = Address([
    0x00, 0x00, 0x00, 0x00, 0x21, 0x9a, 0xb5, 0x40, 0x35, 0x6c,
    0xbb, 0x83, 0x9c, 0xbe, 0x05, 0x30, 0x3d, 0x77, 0x05, 0xfa,
  ])

  /// keccak256("DepositEvent(bytes,bytes,bytes,bytes,bytes)"): the deposit log's first topic.
  public static let depositEventTopic = Hash([
    0x64, 0x9b, 0xbc, 0x62, 0xd0, 0xe3, 0x13, 0x42, 0xaf, 0xea,
    0x4e, 0x5c, 0xd8, 0x2d, 0x40, 0x49, 0xe7, 0xe1, 0xee, 0x91,
    0x2f, 0xc0, 0x88, 0x9a, 0xa7, 0x90, 0x80, 0x3b, 0xe3, 0x90,
    0x38, 0xc5,
  ])

  /// The ABI layout of `DepositEvent`'s data: five dynamic `bytes`, each as (head offset, size).
  /// The data is 576 bytes: five offsets, then each field as a length word and its padded bytes.
  static let depositFields: [(offset: Int, size: Int)] = [(160, 48), (256, 32), (320, 8), (384, 96), (512, 8)]
  static let depositEventLength = 576

  /// The deposit requests' data (pubkey ‖ withdrawal credentials ‖ amount ‖ signature ‖ index,
  /// 192 bytes each) of every `DepositEvent` log `contract` emitted, in block order.
  /// - Throws: `RequestFault.malformedDepositLog` for a log whose data is not the ABI layout
  ///   the deposit contract writes (EIP-6110: the block is invalid).
  public static func depositData(logs: some Sequence<Log>, contract: Address) throws(RequestFault) -> [UInt8] {
    var out: [UInt8] = []
    for log in logs where log.address == contract {
      guard let topic = log.topics.first, topic == depositEventTopic else { continue }
      try appendDeposit(log.data, to: &out)
    }
    return out
  }

  static func appendDeposit(_ data: [UInt8], to out: inout [UInt8]) throws(RequestFault) {
    guard data.count == depositEventLength else {
      throw .malformedDepositLog("data of \(data.count) bytes, expected \(depositEventLength)")
    }
    // A 32-byte big-endian word at `at` that equals `value` (all high bytes zero).
    func word(_ at: Int, is value: Int) -> Bool {
      for i in at..<(at + 24) where data[i] != 0 { return false }
      var v = 0
      for i in (at + 24)..<(at + 32) { v = v << 8 | Int(data[i]) }
      return v == value
    }
    for (i, f) in depositFields.enumerated() where !word(32 * i, is: f.offset) {
      throw .malformedDepositLog("field \(i) offset is not \(f.offset)")
    }
    for (i, f) in depositFields.enumerated() where !word(f.offset, is: f.size) {
      throw .malformedDepositLog("field \(i) size is not \(f.size)")
    }
    for f in depositFields { out += data[(f.offset + 32)..<(f.offset + 32 + f.size)] }
  }

  /// EIP-7685: sha256 over the sha256 of each non-empty request list prefixed with its type
  /// byte, in ascending type order. No requests hash to sha256 of the empty string.
  /// - Parameter requests: (type, data) in ascending type order; empty data is left out.
  public static func hash(_ requests: [(type: UInt8, data: [UInt8])]) -> Hash {
    var digests: [UInt8] = []
    for r in requests where !r.data.isEmpty {
      digests += SHA256.hash([r.type] + r.data).bytes
    }
    return SHA256.hash(digests)
  }
}

/// Why a block's requests make it invalid.
public enum RequestFault: Error, Equatable, Sendable, CustomStringConvertible {
  /// EIP-6110: a deposit contract log whose data is not the `DepositEvent` layout.
  case malformedDepositLog(String)

  public var description: String {
    switch self {
    case .malformedDepositLog(let why): return "malformed deposit log: \(why)"
    }
  }
}
