import Chain
import EVM
import Primitives

// geth's JSON shapes for headers, blocks, transactions, receipts and logs.

/// Where a transaction sits: its block, or nil for a pending one.
struct TxPosition {
  var blockHash: Hash
  var blockNumber: UInt64
  var index: Int
  var baseFee: U256?
}

enum Format {
  static func header(_ h: Header, hash: Hash, size: Int?) -> [(String, JSON)] {
    var o: [(String, JSON)] = [
      ("hash", Out.hash(hash)),
      ("parentHash", Out.hash(h.parentHash)),
      ("sha3Uncles", Out.hash(h.ommersHash)),
      ("miner", Out.address(h.coinbase)),
      ("stateRoot", Out.hash(h.stateRoot)),
      ("transactionsRoot", Out.hash(h.transactionsRoot)),
      ("receiptsRoot", Out.hash(h.receiptsRoot)),
      ("logsBloom", Out.data(h.logsBloom.bytes)),
      ("difficulty", Out.quantity(h.difficulty)),
      ("number", Out.quantity(h.number)),
      ("gasLimit", Out.quantity(h.gasLimit)),
      ("gasUsed", Out.quantity(h.gasUsed)),
      ("timestamp", Out.quantity(h.timestamp)),
      ("extraData", Out.data(h.extraData)),
      ("mixHash", Out.hash(h.mixHash)),
      ("nonce", .string(Hex.encode(withUnsafeBytes(of: h.nonce.bigEndian) { Array($0) }))),
    ]
    if let v = h.baseFeePerGas { o.append(("baseFeePerGas", Out.quantity(v))) }
    if let v = h.withdrawalsRoot { o.append(("withdrawalsRoot", Out.hash(v))) }
    if let v = h.blobGasUsed { o.append(("blobGasUsed", Out.quantity(v))) }
    if let v = h.excessBlobGas { o.append(("excessBlobGas", Out.quantity(v))) }
    if let v = h.parentBeaconBlockRoot { o.append(("parentBeaconBlockRoot", Out.hash(v))) }
    if let v = h.requestsHash { o.append(("requestsHash", Out.hash(v))) }
    if let size { o.append(("size", Out.quantity(size))) }
    return o
  }

  static func block(_ block: Block, hash: Hash, full: Bool, senders: (Int) -> Address?) -> JSON {
    var o = header(block.header, hash: hash, size: block.rlpEncoded.count)
    if full {
      o.append(("transactions", .array(block.transactions.enumerated().map { i, tx in
        transaction(tx, from: senders(i), at: TxPosition(blockHash: hash, blockNumber: block.number, index: i, baseFee: block.header.baseFeePerGas))
      })))
    } else {
      o.append(("transactions", .array(block.transactions.map { Out.hash($0.hash) })))
    }
    o.append(("uncles", .array(block.ommers.map { Out.hash($0.hash) })))
    if let w = block.withdrawals {
      o.append(("withdrawals", .array(w.map(withdrawal))))
    }
    return .object(o)
  }

  static func withdrawal(_ w: Withdrawal) -> JSON {
    .object([
      ("index", Out.quantity(w.index)), ("validatorIndex", Out.quantity(w.validatorIndex)),
      ("address", Out.address(w.address)), ("amount", Out.quantity(w.amountGwei)),
    ])
  }

  static func effectiveGasPrice(_ tx: Transaction, baseFee: U256?) -> U256 {
    switch tx.type {
    case .legacy, .accessList: return tx.gasPrice
    default:
      guard let baseFee else { return tx.maxFeePerGas }
      let (tipped, overflow) = baseFee.addingReportingOverflow(tx.maxPriorityFeePerGas)
      return overflow || tx.maxFeePerGas < tipped ? tx.maxFeePerGas : tipped
    }
  }

  static func accessList(_ list: [Chain.AccessListEntry]) -> JSON {
    .array(list.map { e in
      .object([("address", Out.address(e.address)), ("storageKeys", .array(e.storageKeys.map(Out.hash)))])
    })
  }

  /// A transaction; `at` is nil for a pending one.
  static func transaction(_ tx: Transaction, from: Address?, at: TxPosition?) -> JSON {
    var o: [(String, JSON)] = [
      ("blockHash", at.map { Out.hash($0.blockHash) } ?? .null),
      ("blockNumber", at.map { Out.quantity($0.blockNumber) } ?? .null),
      ("from", Out.address(from ?? .zero)),
      ("gas", Out.quantity(tx.gasLimit)),
      ("gasPrice", Out.quantity(at != nil ? effectiveGasPrice(tx, baseFee: at?.baseFee) : tx.feeCap)),
    ]
    if tx.type != .legacy && tx.type != .accessList {
      o.append(("maxFeePerGas", Out.quantity(tx.maxFeePerGas)))
      o.append(("maxPriorityFeePerGas", Out.quantity(tx.maxPriorityFeePerGas)))
    }
    if tx.type == .blob { o.append(("maxFeePerBlobGas", Out.quantity(tx.maxFeePerBlobGas))) }
    o += [
      ("hash", Out.hash(tx.hash)),
      ("input", Out.data(tx.data)),
      ("nonce", Out.quantity(tx.nonce)),
      ("to", Out.address(tx.to)),
      ("transactionIndex", at.map { Out.quantity($0.index) } ?? .null),
      ("value", Out.quantity(tx.value)),
      ("type", Out.quantity(UInt64(tx.type.rawValue))),
    ]
    if tx.type != .legacy { o.append(("accessList", accessList(tx.accessList))) }
    if let c = tx.chainID { o.append(("chainId", Out.quantity(c))) }
    if tx.type == .blob { o.append(("blobVersionedHashes", .array(tx.blobVersionedHashes.map(Out.hash)))) }
    if tx.type == .setCode {
      o.append(("authorizationList", .array(tx.authorizationList.map { a in
        .object([
          ("chainId", Out.quantity(a.chainID)), ("address", Out.address(a.address)), ("nonce", Out.quantity(a.nonce)),
          ("yParity", Out.quantity(UInt64(a.yParity))), ("r", Out.quantity(a.r)), ("s", Out.quantity(a.s)),
        ])
      })))
    }
    o += [("v", Out.quantity(tx.v)), ("r", Out.quantity(tx.r)), ("s", Out.quantity(tx.s))]
    if tx.type != .legacy { o.append(("yParity", Out.quantity(tx.v))) }
    return .object(o)
  }

  static func log(_ log: Log, logIndex: Int, txHash: Hash, txIndex: Int, blockHash: Hash, blockNumber: UInt64) -> JSON {
    .object([
      ("address", Out.address(log.address)),
      ("topics", .array(log.topics.map(Out.hash))),
      ("data", Out.data(log.data)),
      ("blockNumber", Out.quantity(blockNumber)),
      ("transactionHash", Out.hash(txHash)),
      ("transactionIndex", Out.quantity(txIndex)),
      ("blockHash", Out.hash(blockHash)),
      ("logIndex", Out.quantity(logIndex)),
      ("removed", .bool(false)),
    ])
  }

  /// The receipt of transaction `index` of `block`; `receipts` are the block's; `firstLog` the
  /// block-wide index of its first log.
  static func receipt(block: Block, hash: Hash, receipts: [Receipt], index: Int, firstLog: Int, from: Address?,
                      blobBaseFee: U256?) -> JSON {
    let tx = block.transactions[index]
    let r = receipts[index]
    let previous = index > 0 ? receipts[index - 1].cumulativeGasUsed : 0
    let txHash = tx.hash
    var o: [(String, JSON)] = [
      ("blockHash", Out.hash(hash)),
      ("blockNumber", Out.quantity(block.number)),
      ("contractAddress", tx.to == nil ? Out.address(from.map { createAddress(sender: $0, nonce: tx.nonce) }) : .null),
      ("cumulativeGasUsed", Out.quantity(r.cumulativeGasUsed)),
      ("effectiveGasPrice", Out.quantity(effectiveGasPrice(tx, baseFee: block.header.baseFeePerGas))),
      ("from", Out.address(from ?? .zero)),
      ("gasUsed", Out.quantity(r.cumulativeGasUsed &- previous)),
      ("logs", .array(r.logs.enumerated().map {
        log($0.element, logIndex: firstLog + $0.offset, txHash: txHash, txIndex: index, blockHash: hash, blockNumber: block.number)
      })),
      ("logsBloom", Out.data(r.bloom.bytes)),
    ]
    if let root = r.postState {
      o.append(("root", Out.hash(root)))
    } else {
      o.append(("status", Out.quantity(UInt64(r.succeeded ? 1 : 0))))
    }
    o += [
      ("to", Out.address(tx.to)),
      ("transactionHash", Out.hash(txHash)),
      ("transactionIndex", Out.quantity(index)),
      ("type", Out.quantity(UInt64(r.type.rawValue))),
    ]
    if tx.type == .blob {
      o.append(("blobGasUsed", Out.quantity(UInt64(tx.blobVersionedHashes.count) * VirtualMachine.gasPerBlob)))
      o.append(("blobGasPrice", Out.quantity(blobBaseFee ?? .zero)))
    }
    return .object(o)
  }
}
