import COpenSSL
import Cryptography
import Foundation
import Primitives

/// Keccak-256 against OpenSSL's SHA3-256 (same permutation, optimised C) in one process;
/// RIPEMD-160 against libcrypto's; U256 mul/div/mulmod; RLP decode throughput.
func benchPrimitives() {
  benchRIPEMD160()
  benchKeccak()
  benchU256AndRLP()
}

/// `strata-bench keccak-perm`: STRATA_KECCAK_PERMS (default 100,000) permutations and nothing
/// else, for instruction counts: run it under callgrind with two counts and divide the
/// difference of the totals by the difference of the counts.
func benchKeccakPermutations() {
  let n = ProcessInfo.processInfo.environment["STRATA_KECCAK_PERMS"].flatMap { Int($0) } ?? 100_000
  let lanes = UnsafeMutablePointer<UInt64>.allocate(capacity: 25)
  defer { lanes.deallocate() }
  for i in 0..<25 { lanes[i] = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 }
  for _ in 0..<n { keccakF1600Permute(lanes) }
  print("keccak-perm: \(n) permutations, lane 0 = \(lanes[0])")
}

/// Keccak-256 against OpenSSL's SHA3-256 at 32 bytes, 64 bytes (a mapping slot), one block and
/// 64 KiB.
func benchKeccak() {
  print("== Keccak-256 vs OpenSSL SHA3-256 (thread CPU time, median of 7 runs)")
  forEachInputSize([32, 64, 136, 65_536], megabytes: 64) { size, input, iterations in
    let ours = measureThreadCPU {
      var acc: UInt64 = 0
      input.withUnsafeBytes { buf in
        for _ in 0..<iterations { acc &+= Keccak256.hash(buf).w0 }
      }
      blackHole(acc)
    }
    let ctx = EVP_MD_CTX_new()!
    let md = EVP_sha3_256()
    let theirs = measureThreadCPU {
      var out = [UInt8](repeating: 0, count: 32)
      var len: UInt32 = 0
      var acc: UInt8 = 0
      input.withUnsafeBytes { buf in
        for _ in 0..<iterations {
          EVP_DigestInit_ex(ctx, md, nil)
          EVP_DigestUpdate(ctx, buf.baseAddress, buf.count)
          EVP_DigestFinal_ex(ctx, &out, &len)
          acc &+= out[0]
        }
      }
      blackHole(acc)
    }
    EVP_MD_CTX_free(ctx)
    print(hashComparison(size: size, iterations: iterations, ("keccak", ours), ("openssl sha3", theirs)))
  }
}

func benchU256AndRLP() {

  print("== U256 (median of 7 runs)")
  var rng = SystemRandomNumberGenerator()
  let operands = (0..<1024).map { _ in U256(rng.next(), rng.next(), rng.next(), rng.next()) }
  let divisors = (0..<1024).map { i in U256(rng.next(), rng.next(), i % 2 == 0 ? rng.next() : 0, 0) }
  let n = 4_000_000
  func report(_ name: String, _ body: () -> U256) {
    let t = measure { blackHole(body()) }
    print("  \(name): \(fmt(t.median * 1e9 / Double(n), 2)) ns/op")
  }
  report("mul") {
    var acc = U256.one
    for i in 0..<n { acc = acc &* operands[i & 1023] }
    return acc
  }
  report("div") {
    var acc = U256.zero
    for i in 0..<n { acc = acc ^ (operands[i & 1023] / divisors[(i >> 3) & 1023]) }
    return acc
  }
  report("mulmod") {
    var acc = U256.zero
    for i in 0..<n { acc = acc ^ operands[i & 1023].mulMod(operands[(i + 1) & 1023], divisors[(i >> 3) & 1023]) }
    return acc
  }

  print("== RLP decode (median of 7 runs)")
  // A block-body-like list: 1,000 lists of (nonce, gas price, gas, 20-byte to, value, 100-byte data, v, r, s).
  var e = RLPEncoder(reservingCapacity: 200_000)
  e.list { outer in
    for i in 0..<1000 {
      outer.list { tx in
        tx.append(UInt64(i)); tx.append(UInt64(1_000_000_000)); tx.append(UInt64(21_000))
        tx.append(bytes: [UInt8](repeating: 0xaa, count: 20)); tx.append(U256(UInt64(i) * 1_000_000_007))
        tx.append(bytes: [UInt8](repeating: 0x11, count: 100)); tx.append(UInt64(37))
        tx.append(bytes: [UInt8](repeating: 0x77, count: 32)); tx.append(bytes: [UInt8](repeating: 0x66, count: 32))
      }
    }
  }
  let encoded = e.bytes
  let reps = 200
  let t = measure {
    var acc: UInt64 = 0
    for _ in 0..<reps {
      let root = try! RLPItem(decoding: encoded)
      var txs = try! root.listReader()
      while let tx = try! txs.next() {
        var f = try! tx.listReader()
        acc &+= try! f.required().uint64()
        acc &+= try! f.required().uint64()
        acc &+= try! f.required().uint64()
        acc &+= try! f.required().address().w0
        acc &+= try! f.required().u256().w0
        acc &+= UInt64(try! f.required().bytes().count)
        acc &+= try! f.required().uint64()
        acc &+= try! f.required().u256().w0
        acc &+= try! f.required().u256().w0
      }
    }
    blackHole(acc)
  }
  print("  decode+fields: \(fmt(Double(encoded.count * reps) / t.median / 1e6)) MB/s (\(encoded.count) B list of 1,000 txs, ±\(fmt(t.spread * 100))%)")
}

/// Crypto's RIPEMD-160 (the one precompile 0x03 runs) against libcrypto's, at the sizes the
/// precompile sees: a 32-byte word, a 128-byte input, and 64 KiB for throughput.
func benchRIPEMD160() {
  print("== RIPEMD-160: Crypto vs libcrypto (median of 7 runs)")
  forEachInputSize([32, 128, 65_536], megabytes: 16) { size, input, iterations in
    let ours = measure {
      var acc: UInt8 = 0
      for _ in 0..<iterations { acc &+= RIPEMD160.hash(input)[0] }
      blackHole(acc)
    }
    guard RIPEMD160.libcryptoHash(input) != nil else {
      print(hashComparison(size: size, iterations: iterations, ("crypto", ours), nil)
        + ", libcrypto: no RIPEMD-160 in the default provider")
      return
    }
    let theirs = measure {
      var acc: UInt8 = 0
      for _ in 0..<iterations { acc &+= RIPEMD160.libcryptoHash(input)?[0] ?? 0 }
      blackHole(acc)
    }
    print(hashComparison(size: size, iterations: iterations, ("crypto", ours), ("libcrypto", theirs)))
  }
}

/// Calls `body` for each size with an input of that many bytes and how many times to hash it:
/// about `megabytes` MB per timing (inputs under 256 bytes count as 256).
func forEachInputSize(_ sizes: [Int], megabytes: Int, _ body: (_ size: Int, _ input: [UInt8], _ iterations: Int) -> Void) {
  for size in sizes {
    body(size, [UInt8](repeating: 0x5a, count: size), max(1, megabytes * 1024 * 1024 / max(size, 256)))
  }
}

/// One line comparing two timings of `iterations` hashes of `size` bytes each: MB/s and ns per
/// hash of both (the spread of the first), and the ratio of their throughputs.
func hashComparison(
  size: Int, iterations: Int, _ ours: (name: String, time: (median: Double, spread: Double)),
  _ theirs: (name: String, time: (median: Double, spread: Double))?
) -> String {
  func mb(_ t: Double) -> Double { Double(size * iterations) / t / 1e6 }
  func ns(_ t: Double) -> String { fmt(t * 1e9 / Double(iterations), 0) }
  var line = "  \(size) B: \(ours.name) \(fmt(mb(ours.time.median))) MB/s (\(ns(ours.time.median)) ns/hash, "
    + "±\(fmt(ours.time.spread * 100))%)"
  if let theirs {
    line += ", \(theirs.name) \(fmt(mb(theirs.time.median))) MB/s (\(ns(theirs.time.median)) ns/hash), "
      + "ratio \(fmt(mb(ours.time.median) / mb(theirs.time.median), 2))×"
  }
  return line
}
