import Primitives

/// Ethash, the proof of work of Ethereum before the Merge (the Ethash specification, revision
/// 23): the epoch's seed hash, its cache (RandMemoHash over Keccak-512), dataset items computed
/// from the cache with FNV, and hashimoto over a header's seal hash and nonce. Only light
/// verification: each dataset item a hashimoto run needs is computed from the cache, never
/// the whole multi-gigabyte dataset.
///
/// Words are little-endian 32-bit integers; items are 64 bytes (16 words).
public enum Ethash {
  /// Blocks per epoch: each epoch has its own seed, cache and dataset sizes.
  public static let epochLength: UInt64 = 30_000
  static let wordBytes = 4
  static let hashBytes = 64
  static let mixBytes = 128
  static let datasetBytesInit = 1 << 30
  static let datasetBytesGrowth = 1 << 23
  static let cacheBytesInit = 1 << 24
  static let cacheBytesGrowth = 1 << 17
  static let datasetParents = 256
  static let cacheRounds = 3
  static let accesses = 64

  /// The epoch of block `number`.
  public static func epoch(ofBlock number: UInt64) -> Int { Int(number / epochLength) }

  /// The cache size of `epoch` in bytes: the largest multiple of 64 bytes below
  /// 16 MiB + 128 KiB × epoch whose item count is prime.
  public static func cacheSize(epoch: Int) -> Int {
    var size = cacheBytesInit + cacheBytesGrowth * epoch - hashBytes
    while !isPrime(size / hashBytes) { size -= 2 * hashBytes }
    return size
  }

  /// The dataset size of `epoch` in bytes: the largest multiple of 128 bytes below
  /// 1 GiB + 8 MiB × epoch whose count of 128-byte rows is prime.
  public static func datasetSize(epoch: Int) -> Int {
    var size = datasetBytesInit + datasetBytesGrowth * epoch - mixBytes
    while !isPrime(size / mixBytes) { size -= 2 * mixBytes }
    return size
  }

  /// Trial division (the numbers are below 2^25: a few thousand divisions at most).
  static func isPrime(_ n: Int) -> Bool {
    if n < 2 { return false }
    if n % 2 == 0 { return n == 2 }
    var d = 3
    while d * d <= n {
      if n % d == 0 { return false }
      d += 2
    }
    return true
  }

  /// The seed of `epoch`: Keccak-256 applied `epoch` times to 32 zero bytes.
  public static func seedHash(epoch: Int) -> Hash {
    var seed = Hash.zero
    for _ in 0..<epoch { seed = Keccak256.hash(seed.bytes) }
    return seed
  }

  /// FNV-1 step as ethash uses it (multiply, then XOR; modulo 2^32).
  @inline(__always) static func fnv(_ a: UInt32, _ b: UInt32) -> UInt32 { (a &* 0x0100_0193) ^ b }

  /// `a % n` without a division (Lemire, Kaser and Kurz, "Faster remainder by direct
  /// computation", 2019): `reciprocal` is `ModReciprocal(n)`. A hardware division costs more
  /// than the rest of a parent step, and hashimoto takes 32,768 remainders by the cache's item
  /// count per seal.
  @inline(__always) static func remainder(_ a: UInt32, _ divisor: ModReciprocal) -> UInt32 {
    let low = divisor.m &* UInt64(a)
    return UInt32(truncatingIfNeeded: low.multipliedFullWidth(by: UInt64(divisor.n)).high)
  }

  /// A 32-bit divisor `n` (above zero) with its 64-bit reciprocal ⌈2⁶⁴ / n⌉ (0 for n = 1,
  /// which gives remainder 0), exact for every 32-bit dividend.
  struct ModReciprocal {
    let n: UInt32
    let m: UInt64
    init(_ n: UInt32) {
      precondition(n > 0, "ModReciprocal: zero divisor")
      self.n = n
      self.m = UInt64.max / UInt64(n) &+ 1
    }
  }

  /// One epoch's verification cache: `count` items of 16 words.
  public final class Cache: Sendable {
    public let epoch: Int
    /// The cache's words; `count × 16` of them.
    public let words: [UInt32]
    /// Items (64 bytes each).
    public var count: Int { words.count / 16 }
    /// The epoch's full dataset size in bytes (hashimoto draws its row indices from it).
    public let datasetSize: Int

    /// A cache from its words (read back from disk); nil when their count is not the epoch's.
    public init?(epoch: Int, words: [UInt32]) {
      guard words.count * 4 == Ethash.cacheSize(epoch: epoch) else { return nil }
      self.epoch = epoch
      self.words = words
      self.datasetSize = Ethash.datasetSize(epoch: epoch)
    }

    /// Generates the cache of `epoch` (about a million Keccak-512 hashes for epoch 0).
    public init(epoch: Int) {
      self.epoch = epoch
      self.datasetSize = Ethash.datasetSize(epoch: epoch)
      let n = Ethash.cacheSize(epoch: epoch) / Ethash.hashBytes
      let seed = Ethash.seedHash(epoch: epoch)
      words = [UInt32](unsafeUninitializedCapacity: n * 16) { buffer, initialized in
        let base = UnsafeMutableRawPointer(buffer.baseAddress!)
        // Sequential fill: item 0 = Keccak-512(seed), item i = Keccak-512(item i − 1).
        seed.withUnsafeBytes { Keccak512.hash($0.baseAddress!, count: 32, into: base) }
        for i in 1..<n {
          Keccak512.hash(base + (i - 1) * 64, count: 64, into: base + i * 64)
        }
        // RandMemoHash rounds, in place: item i = Keccak-512(item i − 1 XOR item v), where v
        // is item i's first word modulo n (item i − 1 already updated in this round).
        let w = buffer.baseAddress!
        let items = ModReciprocal(UInt32(n))
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { tmp in
          let t = tmp.baseAddress!
          for _ in 0..<Ethash.cacheRounds {
            for i in 0..<n {
              let v = Int(Ethash.remainder(UInt32(littleEndian: w[i * 16]), items))
              let prev = i == 0 ? n - 1 : i - 1
              for k in 0..<16 { t[k] = w[prev * 16 + k] ^ w[v * 16 + k] }
              Keccak512.hash(UnsafeRawPointer(t), count: 64, into: base + i * 64)
            }
          }
        }
        // Words are little-endian; on a big-endian host they are swapped once here.
        for k in 0..<(n * 16) { w[k] = UInt32(littleEndian: w[k]) }
        initialized = n * 16
      }
    }

    /// Dataset items `indices[0..<m]` (16 words each), computed from the cache into `out`.
    /// One item's 256 parent reads depend on one another (the next parent's index comes from
    /// the mix so far), so an item alone waits on one cache miss at a time; the items here are
    /// independent and advance in lockstep, which keeps `m` misses in flight.
    @inline(__always)
    func datasetItems(_ indices: UnsafePointer<UInt32>, _ m: Int, cache: UnsafePointer<UInt32>,
                      into out: UnsafeMutablePointer<SIMD16<UInt32>>) {
      let n = ModReciprocal(UInt32(count))
      let raw = UnsafeRawPointer(cache)
      let words = UnsafeMutableRawPointer(out).assumingMemoryBound(to: UInt32.self)
      for t in 0..<m {
        let index = indices[t]
        out[t] = raw.loadUnaligned(fromByteOffset: Int(Ethash.remainder(index, n)) &* 64, as: SIMD16<UInt32>.self)
        out[t][0] ^= index
        Ethash.keccak512Words(words + t * 16)
      }
      let prime = SIMD16<UInt32>(repeating: 0x0100_0193)
      for j in 0..<UInt32(Ethash.datasetParents) {
        let lane = Int(j % 16)
        for t in 0..<m {
          let x = out[t]
          let parent = Int(Ethash.remainder(Ethash.fnv(indices[t] ^ j, x[lane]), n)) &* 64
          out[t] = (x &* prime) ^ raw.loadUnaligned(fromByteOffset: parent, as: SIMD16<UInt32>.self)
        }
      }
      for t in 0..<m { Ethash.keccak512Words(words + t * 16) }
    }

    /// Hashimoto with dataset items computed from this cache: the mix digest and the result
    /// for a header's seal hash (the header without mix hash and nonce) and its nonce.
    public func hashimotoLight(sealHash: Hash, nonce: UInt64) -> (mixDigest: Hash, result: Hash) {
      hashimotoLight([(sealHash, nonce)])[0]
    }

    /// Hashimoto for several seals at once, in lockstep: their dataset items are computed
    /// together (two rows' items per seal and access), so a thread keeps several independent
    /// cache misses in flight. The same results as one call per seal.
    public func hashimotoLight(_ seals: [(sealHash: Hash, nonce: UInt64)]) -> [(mixDigest: Hash, result: Hash)] {
      let k = seals.count
      if k == 0 { return [] }
      return words.withUnsafeBufferPointer { cacheBuffer in
        let cache = cacheBuffer.baseAddress!
        let seeds = UnsafeMutablePointer<UInt32>.allocate(capacity: k * 16)
        let mixes = UnsafeMutablePointer<UInt32>.allocate(capacity: k * 32)
        let indices = UnsafeMutablePointer<UInt32>.allocate(capacity: k * 2)
        let items = UnsafeMutablePointer<SIMD16<UInt32>>.allocate(capacity: k * 2)
        defer { seeds.deallocate(); mixes.deallocate(); indices.deallocate(); items.deallocate() }
        // Seed: Keccak-512(seal hash ‖ nonce as 8 little-endian bytes), 16 words; the mix
        // starts as the seed twice.
        for (t, seal) in seals.enumerated() {
          var input = seal.sealHash.bytes
          withUnsafeBytes(of: seal.nonce.littleEndian) { input += $0 }
          let s = seeds + t * 16
          input.withUnsafeBytes { Keccak512.hash($0.baseAddress!, count: 40, into: UnsafeMutableRawPointer(s)) }
          for w in 0..<16 { s[w] = UInt32(littleEndian: s[w]) }
          for w in 0..<32 { mixes[t * 32 + w] = s[w % 16] }
        }
        let rows = UInt32(datasetSize / Ethash.mixBytes)
        let itemWords = UnsafeMutableRawPointer(items).assumingMemoryBound(to: UInt32.self)
        for i in 0..<UInt32(Ethash.accesses) {
          for t in 0..<k {
            let p = Ethash.fnv(i ^ seeds[t * 16], mixes[t * 32 + Int(i % 32)]) % rows * 2
            indices[2 * t] = p
            indices[2 * t + 1] = p + 1
          }
          datasetItems(indices, 2 * k, cache: cache, into: items)
          for t in 0..<k {
            for w in 0..<32 { mixes[t * 32 + w] = Ethash.fnv(mixes[t * 32 + w], itemWords[t * 32 + w]) }
          }
        }
        return (0..<k).map { t in
          let mix = mixes + t * 32
          // Compressed mix, serialised as little-endian words: the mix digest; the result is
          // Keccak-256(seed ‖ mix digest).
          var digest = [UInt8]()
          digest.reserveCapacity(32)
          for w in 0..<8 {
            let c = Ethash.fnv(Ethash.fnv(Ethash.fnv(mix[w * 4], mix[w * 4 + 1]), mix[w * 4 + 2]), mix[w * 4 + 3])
            withUnsafeBytes(of: c.littleEndian) { digest += $0 }
          }
          var final = [UInt8]()
          final.reserveCapacity(96)
          for w in 0..<16 { withUnsafeBytes(of: seeds[t * 16 + w].littleEndian) { final += $0 } }
          final += digest
          return (Hash(digest), Keccak256.hash(final))
        }
      }
    }
  }

  /// Keccak-512 of 16 words in place (as little-endian bytes).
  @inline(__always)
  static func keccak512Words(_ w: UnsafeMutablePointer<UInt32>) {
    for k in 0..<16 { w[k] = w[k].littleEndian }
    Keccak512.hash(UnsafeRawPointer(w), count: 64, into: UnsafeMutableRawPointer(w))
    for k in 0..<16 { w[k] = UInt32(littleEndian: w[k]) }
  }

  /// Whether `result` meets `difficulty`: result ≤ 2^256 / difficulty (a zero difficulty
  /// never does).
  public static func meetsDifficulty(_ result: Hash, difficulty: U256) -> Bool {
    if difficulty.isZero { return false }
    if difficulty == U256(1) { return true }
    // 2^256 / d is (2^256 − 1) / d, plus one when d divides 2^256 (a power of two).
    var target = U256.max / difficulty
    if (difficulty & (difficulty &- U256(1))).isZero { target = target &+ U256(1) }
    return U256(bigEndian: result.bytes) <= target
  }
}
