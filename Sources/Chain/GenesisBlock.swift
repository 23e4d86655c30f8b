import EVM
import Foundation
import Primitives
import State

extension GenesisFile {
  /// The chain configuration of the `config` object.
  public var chainConfig: ChainConfig { ChainConfig(config) }

  /// The genesis state as a write set over an empty state.
  public var stateChanges: StateChanges {
    var c = StateChanges()
    for (address, a) in alloc {
      let codeHash = c.setCode(a.code)
      c.setAccount(address, Account(nonce: a.nonce, balance: a.balance, codeHash: codeHash))
      for (slot, value) in a.storage where !value.isZero { c.setStorage(address, slot, value) }
    }
    return c
  }

  /// The genesis state in memory, storage roots included (for benchmarks and tests that
  /// execute against it without a store).
  public var inMemoryState: InMemoryState {
    var state = InMemoryState()
    for (address, account) in alloc {
      let codeHash = state.setCode(account.code)
      state.accounts[address] = Account(nonce: account.nonce, balance: account.balance, codeHash: codeHash,
                                        storageRoot: account.storageRoot)
      for (slot, value) in account.storage where !value.isZero { state.setStorage(address, slot, value) }
    }
    return state
  }

  /// The genesis header as geth builds it: the fields of the file, the fork-dependent fields of
  /// the forks active at block 0 (base fee 1 gwei unless given, empty withdrawals root, zero blob
  /// gas, zero beacon root), and `stateRoot`.
  public func header(stateRoot: Hash) -> Header {
    let config = chainConfig
    let fork = config.fork(number: number, timestamp: timestamp)
    var h = Header(
      parentHash: parentHash, coinbase: coinbase, stateRoot: stateRoot, difficulty: difficulty,
      number: number, gasLimit: gasLimit, gasUsed: gasUsed, timestamp: timestamp,
      extraData: extraData, mixHash: mixHash, nonce: nonce)
    if fork >= .london { h.baseFeePerGas = baseFeePerGas ?? U256(HeaderValidator.initialBaseFee) }
    if fork >= .shanghai { h.withdrawalsRoot = .emptyTrieRoot }
    if fork >= .cancun {
      h.blobGasUsed = blobGasUsed ?? 0
      h.excessBlobGas = excessBlobGas ?? 0
      h.parentBeaconBlockRoot = parentBeaconBlockRoot ?? .zero
    }
    // EIP-7685: SHA-256 of no requests.
    if fork >= .prague { h.requestsHash = try? Hash(hex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") }
    return h
  }
}
