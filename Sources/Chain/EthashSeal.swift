import Cryptography
import Execution
import Foundation
import Primitives

/// Checks the ethash seal (mix hash and nonce) of proof-of-work headers, as geth's import does:
/// hashimoto-light over the epoch's cache, which is generated once and kept on disk
/// (`directory/cache-EPOCH`: the cache's little-endian words, then their Keccak-256) so that a
/// later import loads it instead. Thread-safe: import verifies several headers at once.
public final class EthashVerifier: Sendable {
  /// Where caches are kept; nil keeps them in memory only.
  public let directory: String?
  /// Caches in memory, most recently used last (at most `keep`). Behind a pthread lock
  /// (`Locked`), which ThreadSanitizer sees, rather than `Mutex`, whose futex it does not.
  private let caches = Locked<[Ethash.Cache]>([])
  private static let keep = 3

  public init(directory: String?) { self.directory = directory }

  /// Why a seal is rejected.
  public enum SealError: Error, Equatable, Sendable, CustomStringConvertible {
    case mixDigest(got: Hash, header: Hash)
    case difficulty(result: Hash, difficulty: U256)

    public var description: String {
      switch self {
      case .mixDigest(let got, let header):
        return "invalid proof of work: mix digest \(got), header's mix hash \(header)"
      case .difficulty(let result, let difficulty):
        return "invalid proof of work: result \(result) above the target of difficulty \(difficulty)"
      }
    }
  }

  /// Whether `header` needs a seal check: a proof-of-work block (difficulty above zero; from
  /// the Merge on it is zero) other than genesis.
  public static func isSealed(_ header: Header) -> Bool {
    header.number > 0 && !header.difficulty.isZero
  }

  /// Checks `header`'s seal: hashimoto-light of its seal hash and nonce must give its mix hash,
  /// and a result within its difficulty's target.
  public func verify(_ header: Header) -> SealError? {
    let cache = self.cache(epoch: Ethash.epoch(ofBlock: header.number))
    let (mix, result) = cache.hashimotoLight(sealHash: header.sealHash, nonce: header.nonce)
    if mix != header.mixHash { return .mixDigest(got: mix, header: header.mixHash) }
    if !Ethash.meetsDifficulty(result, difficulty: header.difficulty) {
      return .difficulty(result: result, difficulty: header.difficulty)
    }
    return nil
  }

  /// Checks several headers' seals at once (`Ethash.Cache.hashimotoLight` in lockstep, which
  /// keeps several cache misses in flight); the verdicts in order.
  public func verify(_ headers: [Header]) -> [SealError?] {
    var verdicts = [SealError?](repeating: nil, count: headers.count)
    var i = 0
    while i < headers.count {
      // A run of headers of one epoch.
      let epoch = Ethash.epoch(ofBlock: headers[i].number)
      var end = i + 1
      while end < headers.count, Ethash.epoch(ofBlock: headers[end].number) == epoch { end += 1 }
      let run = headers[i..<end]
      let results = cache(epoch: epoch).hashimotoLight(run.map { ($0.sealHash, $0.nonce) })
      for (k, (header, (mix, result))) in zip(run, results).enumerated() {
        if mix != header.mixHash {
          verdicts[i + k] = .mixDigest(got: mix, header: header.mixHash)
        } else if !Ethash.meetsDifficulty(result, difficulty: header.difficulty) {
          verdicts[i + k] = .difficulty(result: result, difficulty: header.difficulty)
        }
      }
      i = end
    }
    return verdicts
  }

  /// The cache of `epoch`: from memory, else from disk, else generated (and saved). Callers
  /// wanting another epoch meanwhile wait (an import moves through epochs in order).
  public func cache(epoch: Int) -> Ethash.Cache {
    caches.withLock { list in
      if let i = list.firstIndex(where: { $0.epoch == epoch }) {
        let c = list.remove(at: i)
        list.append(c)
        return c
      }
      let c = load(epoch: epoch) ?? generate(epoch: epoch)
      list.append(c)
      if list.count > Self.keep { list.removeFirst() }
      return c
    }
  }

  /// The cache file of `epoch`.
  public func path(epoch: Int) -> String? {
    directory.map { ($0 as NSString).appendingPathComponent("cache-\(epoch)") }
  }

  /// Reads `epoch`'s cache from disk; nil when absent, of the wrong size, or not matching its
  /// checksum (it is generated again then).
  private func load(epoch: Int) -> Ethash.Cache? {
    guard let path = path(epoch: epoch), let data = FileManager.default.contents(atPath: path) else { return nil }
    let size = Ethash.cacheSize(epoch: epoch)
    guard data.count == size + 32 else { return nil }
    let (words, sum): ([UInt32], Hash) = data.withUnsafeBytes { raw in
      let words = [UInt32](unsafeUninitializedCapacity: size / 4) { buffer, n in
        for k in 0..<(size / 4) { buffer[k] = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: k * 4, as: UInt32.self)) }
        n = size / 4
      }
      return (words, Keccak256.hash(UnsafeRawBufferPointer(rebasing: raw[0..<size])))
    }
    guard sum == Hash(Array(data[size..<(size + 32)])) else { return nil }
    return Ethash.Cache(epoch: epoch, words: words)
  }

  /// Generates `epoch`'s cache and writes it to disk (write to a temporary file, then rename:
  /// a crash leaves no half file). A failing write only costs the next import the generation.
  private func generate(epoch: Int) -> Ethash.Cache {
    let cache = Ethash.Cache(epoch: epoch)
    guard let directory, let path = path(epoch: epoch) else { return cache }
    var bytes = [UInt8]()
    bytes.reserveCapacity(cache.words.count * 4 + 32)
    for w in cache.words { withUnsafeBytes(of: w.littleEndian) { bytes += $0 } }
    bytes += Keccak256.hash(bytes).bytes
    let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      try Data(bytes).write(to: URL(fileURLWithPath: temporary))
      if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
      try FileManager.default.moveItem(atPath: temporary, toPath: path)
    } catch {
      try? FileManager.default.removeItem(atPath: temporary)
    }
    return cache
  }
}

extension Header {
  /// The hash ethash seals: Keccak-256 of the header's RLP without mix hash and nonce (with the
  /// base fee when the header has one, as geth's seal hash of a London proof-of-work block).
  public var sealHash: Hash {
    var e = RLPEncoder()
    e.list { l in
      l.append(parentHash); l.append(ommersHash); l.append(coinbase); l.append(stateRoot)
      l.append(transactionsRoot); l.append(receiptsRoot); l.append(bytes: logsBloom.bytes)
      l.append(difficulty); l.append(number); l.append(gasLimit); l.append(gasUsed)
      l.append(timestamp); l.append(bytes: extraData)
      if let baseFeePerGas { l.append(baseFeePerGas) }
    }
    return Keccak256.hash(e.bytes)
  }
}
