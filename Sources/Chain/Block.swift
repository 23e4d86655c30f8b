import Primitives

/// A block: header, transactions, ommers (uncles) and, from Shanghai, withdrawals.
public struct Block: Sendable {
  public var header: Header
  public var transactions: [Transaction]
  public var ommers: [Header]
  public var withdrawals: [Withdrawal]?

  public init(header: Header, transactions: [Transaction] = [], ommers: [Header] = [], withdrawals: [Withdrawal]? = nil) {
    self.header = header; self.transactions = transactions; self.ommers = ommers; self.withdrawals = withdrawals
  }

  public var hash: Hash { header.hash }
  public var number: UInt64 { header.number }
}

extension Block: RLPEncodable {
  /// rlp([header, transactions, ommers(, withdrawals)]) — the form `geth export` writes.
  public func encode(to e: inout RLPEncoder) {
    e.list { l in
      header.encode(to: &l)
      l.list { t in for tx in transactions { tx.encode(to: &t) } }
      l.list { o in for u in ommers { u.encode(to: &o) } }
      if let withdrawals { l.list { w in for x in withdrawals { x.encode(to: &w) } } }
    }
  }

  /// Decodes one block item; transaction errors name the transaction's index.
  public init(rlp item: RLPItem) throws(BlockError) {
    var r = try rlp { () throws(RLPError) in try item.listReader() }
    header = try rlp { () throws(RLPError) in try Header(rlp: try r.required()) }
    var txs: [Transaction] = []
    var tr = try rlp { () throws(RLPError) in try r.required().listReader() }
    while let t = try rlp({ () throws(RLPError) in try tr.next() }) {
      do throws(TransactionError) {
        txs.append(try Transaction(blockBodyItem: t))
      } catch {
        throw .transaction(index: txs.count, .decoding(error))
      }
    }
    transactions = txs
    ommers = try rlp { () throws(RLPError) in
      var ommers: [Header] = []
      var or = try r.required().listReader()
      while let o = try or.next() { ommers.append(try Header(rlp: o)) }
      return ommers
    }
    withdrawals = try rlp { () throws(RLPError) in
      guard let w = try r.next() else { return nil }
      var ws: [Withdrawal] = []
      var wr = try w.listReader()
      while let x = try wr.next() { ws.append(try Withdrawal(rlp: x)) }
      return ws
    }
    try rlp { () throws(RLPError) in try r.finish() }
  }

  public init(rlpEncoded bytes: [UInt8]) throws(BlockError) {
    let item: RLPItem
    do { item = try RLPItem(decoding: bytes) } catch { throw .rlp(error) }
    try self.init(rlp: item)
  }
}

/// Runs one step of decoding a block: its RLP error becomes the block's.
private func rlp<T>(_ step: () throws(RLPError) -> T) throws(BlockError) -> T {
  do { return try step() } catch { throw .rlp(error) }
}
