import Foundation
import Primitives
import Trie

/// Why a genesis file was rejected. Each case prints as one line naming the field.
public enum GenesisError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The file could not be read.
  case unreadable(path: String, reason: String)
  /// The text is not JSON.
  case invalidJSON(reason: String)
  /// A required field is absent; `field` is its dotted path, e.g. `alloc.0x….balance`.
  case missingField(String)
  /// A field has the wrong type or an unparsable value.
  case invalidField(String, reason: String)

  public var description: String {
    switch self {
    case .unreadable(let path, let reason): return "genesis: cannot read \(path): \(reason)"
    case .invalidJSON(let reason): return "genesis: not valid JSON: \(reason)"
    case .missingField(let field): return "genesis: missing field \(field)"
    case .invalidField(let field, let reason): return "genesis: invalid \(field): \(reason)"
    }
  }
}

/// A genesis file in geth's JSON format: the chain configuration, the genesis header fields and
/// the initial allocation.
///
/// Quantities may be `0x` hex strings, decimal strings or JSON numbers; byte fields are `0x` hex.
/// Unknown fields are ignored (as geth does).
public struct GenesisFile: Decodable, Sendable {
  public var config: GenesisConfig
  public var nonce: UInt64
  public var timestamp: UInt64
  public var extraData: [UInt8]
  public var gasLimit: UInt64
  public var difficulty: U256
  public var mixHash: Hash
  public var coinbase: Address
  public var number: UInt64
  public var gasUsed: UInt64
  public var parentHash: Hash
  /// EIP-1559: present from London on.
  public var baseFeePerGas: U256?
  /// EIP-4844: present from Cancun on.
  public var excessBlobGas: UInt64?
  public var blobGasUsed: UInt64?
  /// EIP-4788 parent beacon block root, when given.
  public var parentBeaconBlockRoot: Hash?
  /// The initial accounts.
  public var alloc: [Address: GenesisAccount]

  /// Reads and decodes the genesis file at `path`.
  /// - Throws: `GenesisError` naming the file, the JSON problem or the bad field.
  public static func load(path: String) throws(GenesisError) -> GenesisFile {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
    }
    return try decode(data)
  }

  /// Decodes genesis JSON.
  /// - Throws: `GenesisError` for malformed JSON or a bad field.
  public static func decode(_ data: Data) throws(GenesisError) -> GenesisFile {
    do {
      return try JSONDecoder().decode(GenesisFile.self, from: data)
    } catch let error as DecodingError {
      throw GenesisError(error)
    } catch {
      throw .invalidJSON(reason: "\(error)")
    }
  }

  enum Keys: String, CodingKey {
    case config, nonce, timestamp, extraData, gasLimit, difficulty, mixHash, coinbase, number, gasUsed
    case parentHash, baseFeePerGas, excessBlobGas, blobGasUsed, parentBeaconBlockRoot, alloc
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: Keys.self)
    config = try c.decodeIfPresent(GenesisConfig.self, forKey: .config) ?? GenesisConfig()
    nonce = try c.quantity64(.nonce) ?? 0
    timestamp = try c.quantity64(.timestamp) ?? 0
    extraData = try c.hexBytes(.extraData) ?? []
    guard let gasLimit = try c.quantity64(.gasLimit) else { throw c.missing(.gasLimit) }
    self.gasLimit = gasLimit
    guard let difficulty = try c.quantity256(.difficulty) else { throw c.missing(.difficulty) }
    self.difficulty = difficulty
    mixHash = try c.hash(.mixHash) ?? .zero
    coinbase = try c.address(.coinbase) ?? .zero
    number = try c.quantity64(.number) ?? 0
    gasUsed = try c.quantity64(.gasUsed) ?? 0
    parentHash = try c.hash(.parentHash) ?? .zero
    baseFeePerGas = try c.quantity256(.baseFeePerGas)
    excessBlobGas = try c.quantity64(.excessBlobGas)
    blobGasUsed = try c.quantity64(.blobGasUsed)
    parentBeaconBlockRoot = try c.hash(.parentBeaconBlockRoot)

    guard c.contains(.alloc) else { throw c.missing(.alloc) }
    let raw = try c.decode([String: GenesisAccount].self, forKey: .alloc)
    var alloc: [Address: GenesisAccount] = [:]
    alloc.reserveCapacity(raw.count)
    for (key, account) in raw {
      guard let address = try? Address(hex: key) else {
        throw DecodingError.dataCorrupted(.init(
          codingPath: c.codingPath + [Keys.alloc, AnyKey(key)],
          debugDescription: "not a 20-byte hex address"))
      }
      guard alloc.updateValue(account, forKey: address) == nil else {
        throw DecodingError.dataCorrupted(.init(
          codingPath: c.codingPath + [Keys.alloc, AnyKey(key)], debugDescription: "address given twice"))
      }
    }
    self.alloc = alloc
  }

  /// The accounts sorted by address.
  public var sortedAlloc: [(address: Address, account: GenesisAccount)] {
    alloc.map { (address: $0.key, account: $0.value) }.sorted { $0.address < $1.address }
  }

  /// The state root of the allocation: each account's storage trie over its non-zero slots, then
  /// the secure account trie over RLP[nonce, balance, storageRoot, codeHash].
  /// - Parameter onNode: receives every hashed node of the account trie (to persist it).
  public func stateRoot(onNode: ((Hash, ArraySlice<UInt8>) -> Void)? = nil) -> Hash {
    TrieRoot.stateRoot(alloc.map { address, account in
      (address: address, nonce: account.nonce, balance: account.balance,
       storageRoot: account.storageRoot, codeHash: account.codeHash)
    }, onNode: onNode)
  }
}

/// One account of a genesis allocation.
public struct GenesisAccount: Decodable, Equatable, Sendable {
  public var balance: U256
  public var nonce: UInt64
  public var code: [UInt8]
  /// Slot → value; zero values are kept here but absent from the storage trie.
  public var storage: [U256: U256]

  public init(balance: U256, nonce: UInt64 = 0, code: [UInt8] = [], storage: [U256: U256] = [:]) {
    self.balance = balance; self.nonce = nonce; self.code = code; self.storage = storage
  }

  /// Keccak-256 of the code.
  public var codeHash: Hash { code.isEmpty ? .emptyKeccak : Keccak256.hash(code) }

  /// The root of the storage trie over the non-zero slots.
  public var storageRoot: Hash {
    storage.isEmpty ? .emptyTrieRoot : TrieRoot.storageRoot(storage.map { (slot: $0.key, value: $0.value) })
  }

  enum Keys: String, CodingKey { case balance, nonce, code, storage }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: Keys.self)
    guard let balance = try c.quantity256(.balance) else { throw c.missing(.balance) }
    self.balance = balance
    nonce = try c.quantity64(.nonce) ?? 0
    code = try c.hexBytes(.code) ?? []
    storage = [:]
    if let raw = try c.decodeIfPresent([String: String].self, forKey: .storage) {
      for (k, v) in raw {
        let path = c.codingPath + [Keys.storage, AnyKey(k)]
        guard let slot = parseWord(k) else {
          throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "slot \"\(k)\" is not a 32-byte hex word"))
        }
        guard let value = parseWord(v) else {
          throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "value \"\(v)\" is not a 32-byte hex word"))
        }
        storage[slot] = value
      }
    }
  }
}

/// The `config` object: chain id, fork activations, and what else geth writes there.
public struct GenesisConfig: Decodable, Equatable, Sendable {
  public var chainId: UInt64?
  /// Block-number activations by geth's key (`homesteadBlock`, `londonBlock`, …).
  public var blocks: [String: UInt64] = [:]
  /// Timestamp activations by geth's key (`shanghaiTime`, `cancunTime`, …).
  public var times: [String: UInt64] = [:]
  public var daoForkSupport: Bool?
  public var terminalTotalDifficulty: U256?
  public var terminalTotalDifficultyPassed: Bool?
  public var depositContractAddress: Address?
  /// EIP-7840 blob parameters by fork name (`cancun`, `prague`, …).
  public var blobSchedule: [String: BlobParameters] = [:]

  public struct BlobParameters: Decodable, Equatable, Sendable {
    public var target: UInt64
    public var max: UInt64
    public var baseFeeUpdateFraction: UInt64

    /// Why these parameters cannot run a chain, or nil. geth rejects a zero update fraction (the
    /// blob base fee divides by it); blob counts whose gas (× 131072) does not fit the 64-bit
    /// header fields could never be reached by a header, so they are rejected here too rather
    /// than carried into the validator.
    var problem: String? {
      if baseFeeUpdateFraction == 0 { return "baseFeeUpdateFraction must be non-zero" }
      let limit = UInt64.max / HeaderValidator.gasPerBlob
      if max > limit { return "max \(max) blobs exceeds \(limit) (its blob gas overflows 64 bits)" }
      if target > limit { return "target \(target) blobs exceeds \(limit) (its blob gas overflows 64 bits)" }
      return nil
    }
  }

  public init() {}

  /// The activation block of `key` (e.g. `"londonBlock"`), if scheduled.
  public func block(_ key: String) -> UInt64? { blocks[key] }
  /// The activation timestamp of `key` (e.g. `"cancunTime"`), if scheduled.
  public func time(_ key: String) -> UInt64? { times[key] }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: AnyKey.self)
    for key in c.allKeys {
      switch key.stringValue {
      case "chainId": chainId = try c.quantity64(key)
      case "daoForkSupport": daoForkSupport = try c.decodeIfPresent(Bool.self, forKey: key)
      case "terminalTotalDifficulty": terminalTotalDifficulty = try c.quantity256(key)
      case "terminalTotalDifficultyPassed": terminalTotalDifficultyPassed = try c.decodeIfPresent(Bool.self, forKey: key)
      case "depositContractAddress": depositContractAddress = try c.address(key)
      case "blobSchedule":
        blobSchedule = try c.decodeIfPresent([String: BlobParameters].self, forKey: key) ?? [:]
        for (fork, p) in blobSchedule.sorted(by: { $0.key < $1.key }) {
          if let problem = p.problem { throw c.corrupt(key, "\(fork): \(problem)") }
        }
      case let k where k.hasSuffix("Block"):
        if let v = try c.quantity64(key) { blocks[k] = v }
      case let k where k.hasSuffix("Time"):
        if let v = try c.quantity64(key) { times[k] = v }
      default:
        continue  // engine sections (ethash, clique), hashes such as eip150Hash: not needed
      }
    }
  }
}

// MARK: - Field parsing

struct AnyKey: CodingKey {
  var stringValue: String
  var intValue: Int? { nil }
  init(_ s: String) { stringValue = s }
  init?(stringValue: String) { self.stringValue = stringValue }
  init?(intValue: Int) { return nil }
}

/// A 32-byte word in hex, with or without `0x`, leading zeros allowed.
func parseWord(_ s: String) -> U256? {
  var digits = Array(s.utf8)
  if digits.count >= 2, digits[0] == 0x30, digits[1] == 0x78 || digits[1] == 0x58 { digits.removeFirst(2) }
  guard !digits.isEmpty, digits.count <= 64 else { return nil }
  return try? U256(hexDigits: digits[...])
}

extension KeyedDecodingContainer {
  func missing(_ key: Key) -> DecodingError {
    .keyNotFound(key, .init(codingPath: codingPath, debugDescription: "required"))
  }

  func corrupt(_ key: Key, _ message: String) -> DecodingError {
    .dataCorruptedError(forKey: key, in: self, debugDescription: message)
  }

  /// A 256-bit quantity: `0x` hex or decimal string, or a JSON number; nil when absent or null.
  func quantity256(_ key: Key) throws -> U256? {
    guard contains(key), try !decodeNil(forKey: key) else { return nil }
    if let s = try? decode(String.self, forKey: key) {
      do { return try U256(parsing: s) } catch { throw corrupt(key, "\"\(s)\": \(error)") }
    }
    if let n = try? decode(UInt64.self, forKey: key) { return U256(n) }
    if let d = try? decode(Decimal.self, forKey: key) {
      // Large integral JSON numbers (a terminal total difficulty) arrive as Decimal.
      let text = "\(d)"
      if let v = try? U256(parsing: text) { return v }
      throw corrupt(key, "\(text) is not a non-negative integer")
    }
    throw corrupt(key, "expected a number or a numeric string")
  }

  /// A 64-bit quantity: `0x` hex or decimal string, or a JSON number; nil when absent or null.
  func quantity64(_ key: Key) throws -> UInt64? {
    guard let v = try quantity256(key) else { return nil }
    guard v.fitsUInt64 else { throw corrupt(key, "\(v) does not fit in 64 bits") }
    return v.w0
  }

  /// `0x` hex bytes; nil when absent or null.
  func hexBytes(_ key: Key) throws -> [UInt8]? {
    guard contains(key), try !decodeNil(forKey: key) else { return nil }
    let s = try decode(String.self, forKey: key)
    do { return try Hex.decode(s) } catch { throw corrupt(key, "\(error)") }
  }

  func hash(_ key: Key) throws -> Hash? {
    guard contains(key), try !decodeNil(forKey: key) else { return nil }
    let s = try decode(String.self, forKey: key)
    do { return try Hash(hex: s) } catch { throw corrupt(key, "\(error)") }
  }

  func address(_ key: Key) throws -> Address? {
    guard contains(key), try !decodeNil(forKey: key) else { return nil }
    let s = try decode(String.self, forKey: key)
    do { return try Address(hex: s) } catch { throw corrupt(key, "\(error)") }
  }
}

extension GenesisError {
  /// One line from a decoding error: the dotted field path and what was wrong.
  init(_ error: DecodingError) {
    func path(_ p: [any CodingKey]) -> String {
      p.isEmpty ? "(top level)" : p.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case .keyNotFound(let key, let ctx):
      self = .missingField(path(ctx.codingPath + [key]))
    case .valueNotFound(let type, let ctx):
      self = .invalidField(path(ctx.codingPath), reason: "null where \(type) was expected")
    case .typeMismatch(let type, let ctx):
      self = .invalidField(path(ctx.codingPath), reason: "expected \(type)")
    case .dataCorrupted(let ctx):
      if ctx.codingPath.isEmpty {
        let underlying = ctx.underlyingError.map { "\($0)" } ?? ctx.debugDescription
        self = .invalidJSON(reason: underlying.replacingOccurrences(of: "\n", with: " "))
      } else {
        self = .invalidField(path(ctx.codingPath), reason: ctx.debugDescription)
      }
    @unknown default:
      self = .invalidJSON(reason: "\(error)")
    }
  }
}
