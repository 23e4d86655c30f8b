import EVM
import Primitives
import State

/// A `StateReader` that sees `writes` on top of `base`: how each transaction of a serially
/// executed block reads the effects of the ones before it, and how each Block-STM worker reads
/// the block so far over its own reader (one overlay per worker: it never crosses threads). A
/// class so that the VM holding it as its reader does not force a copy of the write
/// dictionaries on every update.
public final class OverlayReader: StateReader {
  public let base: any StateReader
  public var writes: StateChanges

  public init(base: any StateReader, writes: StateChanges = StateChanges()) {
    self.base = base
    self.writes = writes
  }

  public func account(_ address: Address) throws(StateReadError) -> Account? {
    if let a = writes.accounts[address] { return a }
    return try base.account(address)
  }

  public func code(_ codeHash: Hash) throws(StateReadError) -> [UInt8] {
    if let c = writes.code[codeHash] { return c }
    return try base.code(codeHash)
  }

  public func storage(_ address: Address, _ slot: U256) throws(StateReadError) -> U256 {
    if let v = writes.storage[address]?[slot] { return v }
    if writes.clearedStorage.contains(address) { return .zero }
    return try base.storage(address, slot)
  }

  public func blockHash(_ number: UInt64) throws(StateReadError) -> Hash {
    try base.blockHash(number)
  }
}
