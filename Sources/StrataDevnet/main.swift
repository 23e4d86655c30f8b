// strata-devnet: writes the demo chain — genesis/devnet.json and data/devnet.rlp — with the
// project's own code: transactions signed by Strata's secp256k1 wrapper, blocks built by its
// executor and tries. Usage: strata-devnet GENESIS_OUT BLOCKS_OUT
import Chain
import Cryptography
import EVM
import Foundation
import Primitives

/// A failed step of the generation, printed as one line.
struct DevnetError: Error, CustomStringConvertible {
  var step: String
  var reason: String
  var description: String { "\(step): \(reason)" }
}

/// Runs `body`, naming `what` in the error it throws.
func step<R>(_ what: String, _ body: () throws -> R) throws(DevnetError) -> R {
  do { return try body() } catch {
    // Foundation's errors print as a multi-line dictionary; their localized text is one line.
    let reason = error is CocoaError ? (error as NSError).localizedDescription : "\(error)"
    throw DevnetError(step: what, reason: reason)
  }
}

let args = CommandLine.arguments
guard args.count == 3 else {
  FileHandle.standardError.write(Data("usage: strata-devnet GENESIS_OUT BLOCKS_OUT\n".utf8))
  exit(2)
}
do {
  print(try generate(genesisOut: args[1], blocksOut: args[2]))
} catch {
  FileHandle.standardError.write(Data("strata-devnet: error: \(error)\n".utf8))
  exit(1)
}

/// Writes the genesis file and the block file; returns the summary JSON printed on success.
func generate(genesisOut: String, blocksOut: String) throws(DevnetError) -> String {
  /// Deterministic development keys: keccak("strata-dev-<i>").
  let keys: [[UInt8]] = (0..<12).map { Keccak256.hash(Array("strata-dev-\($0)".utf8)).bytes }
  var addresses: [Address] = []
  for key in keys { addresses.append(try step("address of a key") { try Secp256k1.address(ofPrivateKey: key) }) }
  let chainID: UInt64 = 1337

  // A token with the ERC-20 `transfer(address,uint256)` entry and Transfer event; balances live at
  // slot = holder address. The constructor gives the deployer 10^24 units.
  func hex(_ s: String) throws(DevnetError) -> [UInt8] {
    try step("hex literal") { try Hex.decode(String(s.filter { !$0.isWhitespace })) }
  }
  let tokenRuntime = try hex("""
    6000 35 60e0 1c 63a9059cbb 14 6014 57 6000 6000 fd
    5b 33 54 6024 35 80 82 10 6063 57 80 82 03 33 55 6004 35 80 54 82 01 81 55 81 6000 52 33
    7f ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef
    6020 6000 a3 6001 6000 52 6020 6000 f3
    5b 6000 6000 fd
    """)
  // The counter every caller increments: slot 0 += 1 (every call conflicts with every other).
  let counterRuntime = try hex("6000 54 6001 01 6000 55 00")

  func initcode(_ runtime: [UInt8], constructor: [UInt8] = []) -> [UInt8] {
    // constructor ‖ PUSH1 len DUP1 PUSH1 offset PUSH1 0 CODECOPY PUSH1 0 RETURN ‖ runtime
    let copierLength = 11
    let offset = constructor.count + copierLength
    return constructor + [0x60, UInt8(runtime.count), 0x80, 0x60, UInt8(offset), 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3] + runtime
  }
  let supply = try hex("d3c21bcecceda1000000")  // 10^24
  let tokenInit = initcode(tokenRuntime, constructor: [0x69] + supply + [0x33, 0x55])  // PUSH10 supply CALLER SSTORE

  // Genesis: Cancun from block 0, the EIP-4788 beacon-roots contract, 12 funded accounts.
  let beaconRootsCode = "0x3373fffffffffffffffffffffffffffffffffffffffe14604d57602036146024575f5ffd5b5f35801560495762001fff810690815414603c575f5ffd5b62001fff01545f5260205ff35b5f5ffd5b62001fff42064281555f359062001fff015500"
  var alloc: [String: Any] = [
    "0x000f3df6d732807ef1319fb7b8bb8522d0beac02": ["balance": "0x0", "nonce": "0x1", "code": beaconRootsCode],
  ]
  for a in addresses { alloc[a.description] = ["balance": "1000000000000000000000"] }  // 1000 ether
  let genesisJSON: [String: Any] = [
    "config": [
      "chainId": chainID, "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0, "eip158Block": 0,
      "byzantiumBlock": 0, "constantinopleBlock": 0, "petersburgBlock": 0, "istanbulBlock": 0,
      "berlinBlock": 0, "londonBlock": 0, "mergeNetsplitBlock": 0, "terminalTotalDifficulty": 0,
      "shanghaiTime": 0, "cancunTime": 0,
      "blobSchedule": ["cancun": ["target": 3, "max": 6, "baseFeeUpdateFraction": 3338477]],
    ],
    "nonce": "0x0", "timestamp": "0x65f00000", "extraData": "0x737472617461", "gasLimit": "0x1c9c380",
    "difficulty": "0x0", "mixHash": "0x0000000000000000000000000000000000000000000000000000000000000000",
    "coinbase": "0x0000000000000000000000000000000000000000", "baseFeePerGas": "0x3b9aca00", "alloc": alloc,
  ]
  let genesisData = try step("encode genesis") {
    try JSONSerialization.data(withJSONObject: genesisJSON, options: [.prettyPrinted, .sortedKeys])
  }
  try step("write \(genesisOut)") { try genesisData.write(to: URL(fileURLWithPath: genesisOut)) }
  let genesis = try step("decode genesis") { try GenesisFile.decode(genesisData) }
  var builder = BlockBuilder(config: genesis.chainConfig, genesis: genesis)

  var nonces = [UInt64](repeating: 0, count: keys.count)
  func tx(_ from: Int, to: Address?, value: U256 = .zero, data: [UInt8] = [], gas: UInt64 = 21_000, dynamic: Bool = true) throws(DevnetError) -> Transaction {
    var t = Transaction(type: dynamic ? .dynamicFee : .legacy, chainID: U256(chainID), nonce: nonces[from],
                        gasPrice: U256(3_000_000_000), maxPriorityFeePerGas: U256(1_000_000_000),
                        maxFeePerGas: U256(5_000_000_000), gasLimit: gas, to: to, value: value, data: data)
    nonces[from] += 1
    try step("sign") { try t.sign(privateKey: keys[from]) }
    return t
  }
  let coinbase = try step("coinbase") { try Address(hex: "0x00000000000000000000000000000000c0ffee01") }
  let recipients = (0..<10).map { Address(Keccak256.hash(Array("recipient-\($0)".utf8)).bytes[12..<32]) }

  var blocks: [Block] = []
  // 1: plain transfers, half legacy EIP-155, half EIP-1559, a quarter to brand-new addresses.
  var block1: [Transaction] = []
  for i in 0..<10 {
    let to: Address = i % 4 == 0 ? recipients[i] : addresses[(i + 1) % 10]
    let value = U256(UInt64(i + 1) * 1_000_000_000_000_000)
    block1.append(try tx(i, to: to, value: value, dynamic: i % 2 == 0))
  }
  blocks.append(try step("build block 1") { try builder.build(block1, coinbase: coinbase) })
  // 2: deploy the token (account 0) and the counter (account 1).
  let token = createAddress(sender: addresses[0], nonce: nonces[0])
  let counter = createAddress(sender: addresses[1], nonce: nonces[1])
  let block2 = [
    try tx(0, to: nil, data: tokenInit, gas: 300_000),
    try tx(1, to: nil, data: initcode(counterRuntime), gas: 100_000),
  ]
  blocks.append(try step("build block 2") { try builder.build(block2, coinbase: coinbase) })
  // 3: token transfers from the deployer, and counter increments from everyone (conflicting).
  func transferCall(_ to: Address, _ amount: UInt64) -> [UInt8] {
    [0xa9, 0x05, 0x9c, 0xbb] + [UInt8](repeating: 0, count: 12) + to.bytes + U256(amount).bigEndianBytes
  }
  var block3: [Transaction] = []
  for i in 0..<8 { block3.append(try tx(0, to: token, data: transferCall(addresses[i + 2], 1_000 * UInt64(i + 1)), gas: 80_000)) }
  for i in 2..<10 { block3.append(try tx(i, to: counter, gas: 60_000)) }
  blocks.append(try step("build block 3") { try builder.build(block3, coinbase: coinbase) })
  // 4: holders pass tokens on, more increments, and two withdrawals.
  var block4: [Transaction] = []
  for i in 2..<8 { block4.append(try tx(i, to: token, data: transferCall(addresses[i + 1], 100), gas: 80_000)) }
  for i in 8..<12 { block4.append(try tx(i, to: counter, gas: 60_000)) }
  let withdrawals = [
    Withdrawal(index: 0, validatorIndex: 7, address: addresses[10], amountGwei: 32_000_000_000),
    Withdrawal(index: 1, validatorIndex: 9, address: recipients[9], amountGwei: 1),
  ]
  blocks.append(try step("build block 4") { try builder.build(block4, coinbase: coinbase, withdrawals: withdrawals) })

  var out = Data()
  for b in blocks { out.append(contentsOf: b.rlpEncoded) }
  try step("write \(blocksOut)") { try out.write(to: URL(fileURLWithPath: blocksOut)) }
  let summary: [String: Any] = [
    "genesis": genesisOut, "blocks": blocksOut, "count": blocks.count, "head": builder.parent.hash.description,
    "stateRoot": builder.parent.stateRoot.description, "token": token.description, "counter": counter.description,
    "holder": addresses[2].description, "transactions": blocks.map(\.transactions.count).reduce(0, +),
  ]
  let summaryJSON = try step("encode summary") {
    try JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])
  }
  return String(decoding: summaryJSON, as: UTF8.self)
}
