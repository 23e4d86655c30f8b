import Foundation
import Primitives
@testable import LMDBStore
import State
import TestSupport

/// A fresh temporary directory, removed when the test's body returns.
@discardableResult
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-state-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: url) }
  return try body(url.path)
}

extension Address {
  static func test(_ n: UInt32) -> Address { Address(low: n) }
}

extension Hash {
  static func test(_ n: UInt64) -> Hash { Hash(w0: 0, w1: 0, w2: 0, w3: n.bigEndian) }
}

/// Reads a few things through any `StateReader` (the executors' view of state).
func readThrough<R: StateReader>(_ r: R, _ address: Address, slot: U256, block: UInt64) throws
  -> (account: Account?, code: [UInt8], value: U256, blockHash: Hash)
{
  let a = try r.account(address)
  let code = try r.code(a?.codeHash ?? .emptyKeccak)
  return (a, code, try r.storage(address, slot), try r.blockHash(block))
}
