import Chain
import Cryptography
import EVM
import Foundation
import Primitives
import TestSupport
import Testing

// ethereum/tests TransactionTests: each file holds one case, `txbytes` plus a `result` per fork
// with `hash`, `sender` and `intrinsicGas`, or an `exception`. A case is checked by decoding the
// canonical bytes, `validate(fork:chainID: 1)` and `sender(fork:)`.

/// The fork names the fixtures use.
private let fixtureForks: [String: Fork] = [
  "Frontier": .frontier, "Homestead": .homestead, "EIP150": .tangerineWhistle,
  "EIP158": .spuriousDragon, "Byzantium": .byzantium, "Constantinople": .constantinople,
  "ConstantinopleFix": .petersburg, "Istanbul": .istanbul, "Berlin": .berlin, "London": .london,
  "Paris": .paris, "Shanghai": .shanghai, "Cancun": .cancun, "Prague": .prague,
]

/// Cases that cannot pass, each with its reason (none at present).
private let knownFailures: [String: String] = [:]

/// Which of our errors may answer each fixture exception: rejecting for the right reason, not
/// just rejecting. Decoding problems are one class (the fixtures name the field; we name it too,
/// but in our own words).
private func acceptableKinds(for exception: String) -> Set<String> {
  let name = exception.replacingOccurrences(of: "TransactionException.", with: "")
  switch name {
  case "TYPE_NOT_SUPPORTED": return ["typeNotActive", "decode"]
  case "INVALID_SIGNATURE_VRS", "EC_RECOVERY_FAIL":
    // A v, r or s wider than 256 bits fails to decode here (it fits no U256).
    return ["invalidV", "invalidYParity", "rOutOfRange", "sOutOfRange", "highS", "recoveryFailed",
            "replayProtectionNotActive", "signatureField"]
  case "INVALID_CHAINID": return ["wrongChainID", "invalidV", "signatureField"]
  case "INTRINSIC_GAS_TOO_LOW": return ["intrinsicGasTooLow"]
  case "NONCE_TOO_BIG": return ["nonceTooHigh"]
  case "GASLIMIT_PRICE_PRODUCT_OVERFLOW": return ["gasCostOverflow"]
  case "PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS_2": return ["priorityFeeAboveFeeCap"]
  case "INITCODE_SIZE_EXCEEDED": return ["initcodeTooLarge"]
  default:
    // RLP_*, ADDRESS_TOO_*, *_OVERFLOW (a field wider than its type): malformed encoding.
    return ["decode", "signatureField"]
  }
}

private func kind(of error: TransactionError) -> String {
  switch error {
  case .invalidField(let name, _) where ["v", "yParity", "r", "s"].contains(name): return "signatureField"
  case .empty, .rlp, .unsupportedType, .invalidEnvelope, .wrongFieldCount, .invalidField, .missingRecipient:
    return "decode"
  case .invalidV: return "invalidV"
  case .invalidYParity: return "invalidYParity"
  case .rOutOfRange: return "rOutOfRange"
  case .sOutOfRange: return "sOutOfRange"
  case .highS: return "highS"
  case .recoveryFailed: return "recoveryFailed"
  case .invalidPrivateKey: return "invalidPrivateKey"
  case .typeNotActive: return "typeNotActive"
  case .replayProtectionNotActive: return "replayProtectionNotActive"
  case .wrongChainID: return "wrongChainID"
  case .nonceTooHigh: return "nonceTooHigh"
  case .intrinsicGasTooLow: return "intrinsicGasTooLow"
  case .initcodeTooLarge: return "initcodeTooLarge"
  case .priorityFeeAboveFeeCap: return "priorityFeeAboveFeeCap"
  case .gasCostOverflow: return "gasCostOverflow"
  case .noBlobs, .invalidBlobHashVersion, .emptyAuthorizationList: return "typeFields"
  case .blobNetworkForm, .invalidBlobSidecar: return "decode"
  case .gasLimitAboveCap: return "gasLimitAboveCap"
  case .tooManyBlobs: return "typeFields"
  }
}

private struct Outcome {
  var validPassed = 0, validFailed = 0, invalidRejected = 0, invalidAccepted = 0
}

private struct FileResult {
  var perFork: [String: Outcome] = [:]
  var failures: [String] = []
  var roundTrips = 0
}

private func transactionFixtureFiles() -> [URL] {
  guard let root = Fixtures.ethereumTests else { return [] }
  return Fixtures.jsonFiles(under: root.appendingPathComponent("TransactionTests"))
}

/// Runs every case of one fixture file.
private func check(file: URL) throws -> FileResult {
  var out = FileResult()
  let data = try Data(contentsOf: file)
  let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  for (name, value) in json.sorted(by: { $0.key < $1.key }) {
    let test = try #require(value as? [String: Any])
    let txHex = try #require(test["txbytes"] as? String)
    let results = try #require(test["result"] as? [String: [String: String]])
    let bytes = (try? Hex.decode(txHex)) ?? []
    let decoded = Result { () throws(TransactionError) in try Transaction(canonicalBytes: bytes) }
    var anyValid = false
    for (forkName, expected) in results.sorted(by: { $0.key < $1.key }) {
      guard let fork = fixtureForks[forkName] else {
        out.failures.append("\(name) [\(forkName)]: unknown fork name")
        continue
      }
      var outcome = out.perFork[forkName] ?? Outcome()
      let actual: Result<(Transaction, Address), TransactionError> = decoded.flatMap { tx in
        do throws(TransactionError) {
          // As clients order it: type, chain id and signature values; recovery; then the gas rules.
          try tx.validateSignature(fork: fork, chainID: U256(1))
          let sender = try tx.sender(fork: fork)
          try tx.validateFields(fork: fork)
          return .success((tx, sender))
        } catch {
          return .failure(error)
        }
      }
      let label = "\(file.lastPathComponent) \(name) [\(forkName)]"
      if let exception = expected["exception"] {
        switch actual {
        case .failure(let error):
          outcome.invalidRejected += 1
          if !acceptableKinds(for: exception).contains(kind(of: error)) {
            out.failures.append("\(label): rejected for another reason: \(error), expected \(exception)")
          }
        case .success(let (_, sender)):
          outcome.invalidAccepted += 1
          if knownFailures[name] == nil {
            out.failures.append("\(label): accepted (sender \(sender)), expected \(exception)")
          }
        }
      } else {
        anyValid = true
        switch actual {
        case .failure(let error):
          outcome.validFailed += 1
          if knownFailures[name] == nil { out.failures.append("\(label): rejected: \(error)") }
        case .success(let (tx, sender)):
          var problems: [String] = []
          if let hash = expected["hash"], tx.hash.description != hash.lowercased() {
            problems.append("hash: got \(tx.hash), expected \(hash)")
          }
          if let want = expected["sender"], sender.description != want.lowercased() {
            problems.append("sender: got \(sender), expected \(want)")
          }
          if let gasHex = expected["intrinsicGas"], let want = UInt64(gasHex.dropFirst(2), radix: 16),
             tx.intrinsicGas(fork: fork) != want
          {
            problems.append("intrinsic gas: got \(tx.intrinsicGas(fork: fork)), expected \(want)")
          }
          if problems.isEmpty {
            outcome.validPassed += 1
          } else {
            outcome.validFailed += 1
            out.failures.append("\(label): " + problems.joined(separator: "; "))
          }
        }
      }
      out.perFork[forkName] = outcome
    }
    // Round trips for every case valid in some fork: canonical bytes, and the block-body form.
    if anyValid, case .success(let tx) = decoded {
      if tx.canonicalBytes != bytes {
        out.failures.append("\(name): canonical re-encoding differs: \(tx.canonicalBytes.hexString)")
      }
      let body = tx.rlpEncoded
      do {
        let again = try Transaction(blockBodyItem: try RLPItem(decoding: body))
        if again != tx { out.failures.append("\(name): block-body round trip changed the transaction") }
      } catch {
        out.failures.append("\(name): block-body form does not decode: \(error)")
      }
      out.roundTrips += 1
    }
  }
  return out
}

@Suite struct TransactionTests {
  static let files = transactionFixtureFiles()

  @Test(arguments: files)
  func fixture(_ file: URL) throws {
    let result = try check(file: file)
    for failure in result.failures { Issue.record(Comment(rawValue: failure)) }
  }

  /// All files at once, printing valid/invalid counts per fork.
  @Test func summary() throws {
    guard Fixtures.ethereumTests != nil else {
      Fixtures.warnMissing("ethereum/tests TransactionTests")
      Issue.record("TransactionTests fixtures are missing")
      return
    }
    let files = Self.files
    #expect(files.count > 200, "expected the 210 TransactionTests files, found \(files.count)")
    var perFork: [String: Outcome] = [:]
    var failures = 0, roundTrips = 0
    for file in files {
      let r = try check(file: file)
      failures += r.failures.count
      roundTrips += r.roundTrips
      for (fork, o) in r.perFork {
        var t = perFork[fork] ?? Outcome()
        t.validPassed += o.validPassed; t.validFailed += o.validFailed
        t.invalidRejected += o.invalidRejected; t.invalidAccepted += o.invalidAccepted
        perFork[fork] = t
      }
    }
    var lines = ["TransactionTests: \(files.count) files, \(roundTrips) round trips, \(failures) failures"]
    let order = fixtureForks.sorted { $0.value < $1.value }.map(\.key)
    for fork in order {
      guard let o = perFork[fork] else { continue }
      lines.append(
        "  \(fork.padding(toLength: 18, withPad: " ", startingAt: 0)) valid \(o.validPassed)/\(o.validPassed + o.validFailed)"
          + "  invalid rejected \(o.invalidRejected)/\(o.invalidRejected + o.invalidAccepted)")
    }
    print(lines.joined(separator: "\n"))
    #expect(failures == 0)
  }
}

// MARK: - Unit tests for every type

private let key1 = [UInt8](repeating: 0, count: 31) + [1]
private let key2 = [UInt8](repeating: 0x46, count: 32)

@Suite struct TypedTransactionTests {
  /// EIP-155's worked example: the signing hash, the signature and the signed bytes.
  @Test func eip155Example() throws {
    var tx = Transaction(
      type: .legacy, chainID: U256(1), nonce: 9, gasPrice: U256(20_000_000_000), gasLimit: 21_000,
      to: try Address(hex: "0x3535353535353535353535353535353535353535"),
      value: try U256(parsing: "1000000000000000000"))
    #expect(tx.signingHash == (try Hash(hex: "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53")))
    try tx.sign(privateKey: key2)
    #expect(tx.v == U256(37))
    #expect(tx.r == (try U256(parsing: "18515461264373351373200002665853028612451056578545711640558177340181847433846")))
    #expect(tx.s == (try U256(parsing: "46948507304638947509940763649030358759909902576025900602547168820602576006531")))
    #expect(tx.canonicalBytes.hexString
      == "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83")
    #expect(try tx.sender(fork: .cancun) == (try Address(hex: "0x9d8a62f656a8d1615c1294fd71e9cfb3e4855a4f")))
    #expect(try Transaction(canonicalBytes: tx.canonicalBytes) == tx)
  }

  static let samples: [Transaction] = {
    let to = Address(low: 0xbeef)
    let list = [
      AccessListEntry(address: Address(low: 7), storageKeys: [Hash.zero, Hash.emptyKeccak]),
      AccessListEntry(address: Address(low: 8), storageKeys: []),
    ]
    var blobHash = Hash.emptyKeccak.bytes
    blobHash[0] = 0x01
    return [
      Transaction(type: .legacy, nonce: 1, gasPrice: U256(10), gasLimit: 60_000, to: nil, data: [0x60, 0, 0]),
      Transaction(type: .legacy, chainID: U256(1), nonce: 2, gasPrice: U256(10), gasLimit: 50_000, to: to, value: U256(5)),
      Transaction(type: .accessList, chainID: U256(1), nonce: 3, gasPrice: U256(7), gasLimit: 90_000, to: to,
                  data: [1, 2, 3], accessList: list),
      Transaction(type: .dynamicFee, chainID: U256(1), nonce: 4, maxPriorityFeePerGas: U256(2),
                  maxFeePerGas: U256(100), gasLimit: 90_000, to: nil, data: [0, 0, 1], accessList: list),
      Transaction(type: .blob, chainID: U256(1), nonce: 5, maxPriorityFeePerGas: U256(2), maxFeePerGas: U256(100),
                  gasLimit: 90_000, to: to, accessList: list, maxFeePerBlobGas: U256(3),
                  blobVersionedHashes: [Hash(blobHash), Hash(blobHash)]),
      Transaction(type: .setCode, chainID: U256(1), nonce: 6, maxPriorityFeePerGas: U256(2), maxFeePerGas: U256(100),
                  gasLimit: 90_000, to: to, accessList: [],
                  authorizationList: [Authorization(chainID: U256(1), address: Address(low: 9), nonce: 0, yParity: 0, r: .zero, s: .zero)]),
    ]
  }()

  @Test(arguments: samples)
  func signRecoverRoundTrip(_ unsigned: Transaction) throws {
    let tx = try unsigned.signed(privateKey: key1)
    let expected = try Secp256k1.address(ofPrivateKey: key1)
    #expect(try tx.sender(fork: .prague) == expected)
    try tx.validate(fork: .prague, chainID: U256(1))
    // Canonical bytes: the type byte, then a list.
    let bytes = tx.canonicalBytes
    if tx.type == .legacy { #expect(bytes[0] >= 0xc0) } else { #expect(bytes[0] == tx.type.rawValue) }
    #expect(try Transaction(canonicalBytes: bytes) == tx)
    #expect(tx.hash == Keccak256.hash(bytes))
    // Block-body form: a list for legacy, a string holding the canonical bytes otherwise.
    let item = try RLPItem(decoding: tx.rlpEncoded)
    #expect(item.isList == (tx.type == .legacy))
    #expect(try Transaction(blockBodyItem: item) == tx)
    // A changed field changes the signing hash, so the sender changes.
    var other = tx
    other.nonce += 1
    #expect((try? other.sender(fork: .prague)) != expected)
  }

  /// The field order of types 3 and 4 as EIP-4844 and EIP-7702 list them.
  @Test func typedFieldOrder() throws {
    let blob = try Self.samples[4].signed(privateKey: key1)
    let items = try RLPItem(decoding: Array(blob.canonicalBytes.dropFirst())).listItems()
    #expect(items.count == 14)
    #expect(try items[9].u256() == U256(3))  // max_fee_per_blob_gas
    #expect(try items[10].listItems().count == 2)  // blob_versioned_hashes
    let setCode = try Self.samples[5].signed(privateKey: key1)
    let fields = try RLPItem(decoding: Array(setCode.canonicalBytes.dropFirst())).listItems()
    #expect(fields.count == 13)
    let auth = try fields[9].listItems()[0].listItems()
    #expect(auth.count == 6)
    #expect(try auth[1].address() == Address(low: 9))
  }

  @Test func authorizationSigning() throws {
    var auth = Authorization(chainID: U256(1), address: Address(low: 0x42), nonce: 7, yParity: 0, r: .zero, s: .zero)
    try auth.sign(privateKey: key2)
    #expect(try auth.authority() == (try Secp256k1.address(ofPrivateKey: key2)))
    var high = auth
    high.s = Secp256k1.order &- auth.s
    high.yParity ^= 1
    #expect(throws: TransactionError.highS) { try high.authority() }
    high.yParity = 2
    #expect(throws: TransactionError.invalidYParity(U256(2))) { try high.authority() }
  }

  @Test func rejections() throws {
    let signed = try Self.samples[3].signed(privateKey: key1)
    // Type not yet active.
    #expect(throws: TransactionError.typeNotActive(.dynamicFee)) { try signed.validate(fork: .berlin, chainID: U256(1)) }
    #expect(throws: TransactionError.wrongChainID(expected: U256(5), got: U256(1))) {
      try signed.validate(fork: .cancun, chainID: U256(5))
    }
    // High s: rejected from Homestead; the flipped signature still recovers before it.
    var high = signed
    high.s = Secp256k1.order &- signed.s
    high.v = U256(1) &- signed.v
    #expect(throws: TransactionError.highS) { try high.sender(fork: .homestead) }
    #expect(try high.sender(fork: .frontier) == signed.sender(fork: .frontier))
    var zeroR = signed
    zeroR.r = .zero
    #expect(throws: TransactionError.rOutOfRange) { try zeroR.sender(fork: .cancun) }
    var badParity = signed
    badParity.v = U256(2)
    #expect(throws: TransactionError.invalidYParity(U256(2))) { try badParity.sender(fork: .cancun) }
    // Blob and set-code transactions cannot create.
    var blobBytes = try Self.samples[4].signed(privateKey: key1)
    blobBytes.to = nil
    #expect(throws: TransactionError.missingRecipient(.blob)) { try Transaction(canonicalBytes: blobBytes.canonicalBytes) }
    // Envelopes.
    #expect(throws: TransactionError.empty) { try Transaction(canonicalBytes: []) }
    #expect(throws: TransactionError.unsupportedType(5)) { try Transaction(canonicalBytes: [0x05, 0xc0]) }
    let legacy = try Self.samples[1].signed(privateKey: key1)
    var wrapped = RLPEncoder()
    wrapped.append(bytes: legacy.canonicalBytes)
    #expect(throws: (any Error).self) { try Transaction(blockBodyItem: try RLPItem(decoding: wrapped.bytes)) }
    // Intrinsic gas below the limit.
    var cheap = Self.samples[0]
    cheap.gasLimit = 21_000
    try cheap.sign(privateKey: key1)
    #expect(throws: TransactionError.intrinsicGasTooLow(gasLimit: 21_000, required: 53_000 + 16 + 2 * 4 + 2)) {
      try cheap.validate(fork: .shanghai, chainID: U256(1))
    }
  }

  @Test func intrinsicGasRules() {
    let tx = Transaction(type: .legacy, gasLimit: 100_000, to: nil, data: [0, 1, 2])
    #expect(tx.intrinsicGas(fork: .frontier) == 21_000 + 4 + 2 * 68)
    #expect(tx.intrinsicGas(fork: .homestead) == 53_000 + 4 + 2 * 68)
    #expect(tx.intrinsicGas(fork: .istanbul) == 53_000 + 4 + 2 * 16)
    #expect(tx.intrinsicGas(fork: .shanghai) == 53_000 + 4 + 2 * 16 + 2)
    #expect(tx.floorDataGas() == 21_000 + 10 * (1 + 2 * 4))
  }

  /// Batch recovery agrees with one-by-one recovery and keeps failures in place.
  @Test(arguments: [1, 2, 3, 8])
  func batchRecovery(threads: Int) throws {
    var txs: [Transaction] = []
    var expected: [Address?] = []
    for i in 0..<103 {
      var key = [UInt8](repeating: 0, count: 32)
      key[31] = UInt8(i % 250 + 1); key[0] = 0x11
      var tx = try Self.samples[i % Self.samples.count].signed(privateKey: key)
      if i % 17 == 5 { tx.r = .zero }
      txs.append(tx)
      expected.append(i % 17 == 5 ? nil : try Secp256k1.address(ofPrivateKey: key))
    }
    let results = recoverSenders(txs, fork: .prague, threads: threads)
    #expect(results.count == txs.count)
    for (i, r) in results.enumerated() {
      switch r {
      case .success(let a): #expect(a == expected[i], "index \(i)")
      case .failure(let e): #expect(expected[i] == nil, "index \(i): \(e)")
      }
    }
    #expect(recoverSenders([], fork: .cancun, threads: threads).isEmpty)
  }
}

// MARK: - Transactions inside BlockchainTests blocks

/// Every transaction in the blocks of a few BlockchainTests folders (all types 0–3 appear),
/// decoded from the block body: the sender and fields match the fixture's JSON, and the
/// block-body encoding re-encodes byte for byte.
@Suite struct BlockBodyTransactionTests {
  static let folders = [
    "BlockchainTests/ValidBlocks",
    "BlockchainTests/GeneralStateTests/Cancun/stEIP4844-blobtransactions",
    "BlockchainTests/GeneralStateTests/Pyspecs/cancun/eip4844_blobs",
  ]

  @Test func blockBodies() throws {
    guard let root = Fixtures.ethereumTests else {
      Fixtures.warnMissing("ethereum/tests BlockchainTests")
      Issue.record("BlockchainTests fixtures are missing")
      return
    }
    var perType: [TransactionType: Int] = [:]
    var failures: [String] = []
    var allTxs: [Transaction] = []
    var allSenders: [Address] = []
    for folder in Self.folders {
      let files = Fixtures.jsonFiles(under: root.appendingPathComponent(folder))
      #expect(!files.isEmpty, "no fixtures under \(folder)")
      for file in files {
        let json = try #require(
          try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        for (name, value) in json {
          guard let test = value as? [String: Any], let blocks = test["blocks"] as? [[String: Any]] else { continue }
          let network = test["network"] as? String ?? "Cancun"
          // Transition networks start at the earlier fork; only Frontier lacks the low-s rule.
          let fork: Fork = network.hasPrefix("Frontier") ? .frontier : (fixtureForks[network] ?? .cancun)
          for block in blocks where block["expectException"] == nil {
            guard let rlpHex = block["rlp"] as? String, let expected = block["transactions"] as? [[String: Any]] else { continue }
            let label = "\(file.lastPathComponent) \(name)"
            do {
              let blockItem = try RLPItem(decoding: try Hex.decode(rlpHex))
              let body = try blockItem.listItems()
              let items = try body[1].listItems()
              guard items.count == expected.count else {
                failures.append("\(label): \(items.count) transactions in the RLP, \(expected.count) in the JSON")
                continue
              }
              for (item, want) in zip(items, expected) {
                let tx = try Transaction(blockBodyItem: item)
                perType[tx.type, default: 0] += 1
                if tx.rlpEncoded != Array(item.encoded) { failures.append("\(label): re-encoding differs") }
                let sender = try tx.sender(fork: fork)
                if let s = want["sender"] as? String, sender.description != s.lowercased() {
                  failures.append("\(label): sender \(sender), expected \(s)")
                }
                func same(_ key: String, _ value: U256) -> Bool {
                  guard let hex = want[key] as? String, let v = try? U256(parsing: hex) else { return true }
                  return v == value
                }
                if !same("nonce", U256(tx.nonce)) || !same("gasLimit", U256(tx.gasLimit)) || !same("value", tx.value)
                  || !same("r", tx.r) || !same("s", tx.s) || !same("v", tx.v)
                  || !same("maxFeePerBlobGas", tx.maxFeePerBlobGas)
                  || !same(tx.type == .legacy || tx.type == .accessList ? "gasPrice" : "maxFeePerGas", tx.feeCap)
                {
                  failures.append("\(label): a field differs from the JSON")
                }
                if let hashes = want["blobVersionedHashes"] as? [String],
                   hashes.map({ $0.lowercased() }) != tx.blobVersionedHashes.map(\.description)
                {
                  failures.append("\(label): blob versioned hashes differ")
                }
                allTxs.append(tx)
                allSenders.append(sender)
              }
            } catch {
              failures.append("\(label): \(error)")
            }
          }
        }
      }
    }
    print("Block-body transactions: " + perType.sorted { $0.key.rawValue < $1.key.rawValue }
      .map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    #expect(perType[.blob, default: 0] > 100, "expected the EIP-4844 blocks' blob transactions")
    for f in failures.prefix(50) { Issue.record(Comment(rawValue: f)) }
    #expect(failures.isEmpty, "\(failures.count) failures")
    // Batch recovery over all of them agrees with one-by-one recovery.
    let batch = recoverSenders(allTxs, fork: .cancun, threads: 2)
    #expect(batch.map { try? $0.get() } == allSenders.map { Optional($0) })
  }
}
