import EVM
import Primitives

/// The 2048-bit logs bloom of receipts and headers.
public struct Bloom: Hashable, Sendable, CustomStringConvertible {
  public var bytes: [UInt8]

  public init() { bytes = [UInt8](repeating: 0, count: 256) }

  public init(_ bytes: some Collection<UInt8>) {
    precondition(bytes.count == 256, "a bloom has 256 bytes")
    self.bytes = Array(bytes)
  }

  /// Sets the three bits of `data`'s Keccak-256 (yellow paper M3:2048).
  public mutating func add(_ data: some Sequence<UInt8>) {
    let h = Keccak256.hash(data).bytes
    for i in stride(from: 0, to: 6, by: 2) {
      let bit = (Int(h[i]) << 8 | Int(h[i + 1])) & 2047
      bytes[255 - bit / 8] |= UInt8(1) << UInt8(bit % 8)
    }
  }

  public mutating func add(_ log: Log) {
    add(log.address.bytes)
    for t in log.topics { add(t.bytes) }
  }

  public mutating func formUnion(_ other: Bloom) {
    for i in 0..<256 { bytes[i] |= other.bytes[i] }
  }

  public var description: String { Hex.encode(bytes) }
}

// Logs are the EVM's `Log` (address, topics, data); the chain layer adds their RLP form.
extension Log: RLPEncodable {
  public func encode(to e: inout RLPEncoder) {
    e.list { l in
      l.append(address)
      l.list { t in for topic in topics { t.append(topic) } }
      l.append(bytes: data)
    }
  }

  public init(rlp item: RLPItem) throws(RLPError) {
    var r = try item.listReader()
    let address = try r.required().address()
    var topics: [Hash] = []
    var tr = try r.required().listReader()
    while let t = try tr.next() { topics.append(try t.hash()) }
    let data = Array(try r.required().bytes())
    try r.finish()
    self.init(address: address, topics: topics, data: data)
  }
}
