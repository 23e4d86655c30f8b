import Primitives
import State
import Testing
@testable import EVM

@Suite struct SstoreTests {
  /// EIP-3529's table (London+, slot already warm): code, used gas, refund, original value.
  static let cases: [(String, Int, Int, Int)] = [
    ("60006000556000600055", 212, 0, 0),
    ("60006000556001600055", 20112, 0, 0),
    ("60016000556000600055", 20112, 19900, 0),
    ("60016000556002600055", 20112, 0, 0),
    ("60016000556001600055", 20112, 0, 0),
    ("60006000556000600055", 3012, 4800, 1),
    ("60006000556001600055", 3012, 2800, 1),
    ("60006000556002600055", 3012, 0, 1),
    ("60026000556000600055", 3012, 4800, 1),
    ("60026000556003600055", 3012, 0, 1),
    ("60026000556001600055", 3012, 2800, 1),
    ("60026000556002600055", 3012, 0, 1),
    ("60016000556000600055", 3012, 4800, 1),
    ("60016000556002600055", 3012, 0, 1),
    ("60016000556001600055", 212, 0, 1),
    ("600160005560006000556001600055", 40118, 19900, 0),
    ("600060005560016000556000600055", 5918, 7600, 1),
  ]

  @Test(arguments: 0..<cases.count)
  func eip3529Table(index: Int) throws {
    let (hex, gas, refund, original) = SstoreTests.cases[index]
    let state = TestState()
    state.set(contract, code: try Hex.decode(hex), storage: original == 0 ? [:] : [U256(0): U256(original)])
    let (used, r, result, _) = try frameGas(Asm(), state: state, warmSlots: [U256(0)])
    #expect(result.status == .success)
    #expect(used == gas, "\(hex)")
    #expect(r == refund, "\(hex)")
  }

  @Test func coldSlotCosts2100More() throws {
    let (used, _, _, _) = try frameGas(Asm().push(1).push(0).op(.sstore))
    #expect(used == 6 + 2100 + 20000)
  }

  @Test func stipendGuard() throws {
    // EIP-2200: SSTORE with ≤ 2300 gas left halts even for a no-op write.
    let code = Asm().push(0).push(0).op(.sstore)
    let (_, _, r, _) = try frameGas(code, gas: 6 + 2300, warmSlots: [U256(0)])
    #expect(r.status == .halt(.outOfGas))
    let (used, _, r2, _) = try frameGas(code, gas: 6 + 2301, warmSlots: [U256(0)])
    #expect(r2.status == .success)
    #expect(used == 6 + 100)
  }

  /// Flat metering before Constantinople and again in Petersburg: 20000 to set a zero slot,
  /// 5000 for any other write (a no-op included), 15000 refunded for clearing; no stipend guard.
  @Test(arguments: [Fork.frontier, .byzantium, .petersburg])
  func flatMetering(fork: Fork) throws {
    let state = TestState()
    state.set(contract, code: Asm().push(1).push(0).op(.sstore).push(1).push(0).op(.sstore).bytes,
              storage: [:])
    let (used, refund, r, _) = try frameGas(Asm(), state: state, fork: fork)
    #expect(r.status == .success)
    #expect(used == 12 + 20000 + 5000)
    #expect(refund == 0)
    let clearing = TestState()
    clearing.set(contract, code: Asm().push(0).push(0).op(.sstore).bytes, storage: [U256(0): U256(1)])
    let (usedClear, refundClear, _, _) = try frameGas(Asm(), state: clearing, fork: fork)
    #expect(usedClear == 6 + 5000)
    #expect(refundClear == 15000)
    let (_, _, low, _) = try frameGas(Asm().push(0).push(0).op(.sstore), fork: fork, gas: 6 + 5000)
    #expect(low.status == .success)
  }

  /// EIP-1283 (Constantinople): a no-op write costs 200, without EIP-2200's stipend guard.
  @Test func constantinopleNetMetering() throws {
    let state = TestState()
    state.set(contract, code: Asm().push(1).push(0).op(.sstore).bytes, storage: [U256(0): U256(1)])
    let (used, _, r, _) = try frameGas(Asm(), state: state, fork: .constantinople, gas: 6 + 200)
    #expect(r.status == .success)
    #expect(used == 6 + 200)
  }

  @Test func staticSstoreHalts() throws {
    let (_, _, r, _) = try frameGas(Asm().push(1).push(0).op(.sstore), isStatic: true)
    #expect(r.status == .halt(.staticWrite))
  }

  @Test func refundCappedAtOneFifth() throws {
    // Clearing a slot refunds 4800, capped at gasUsed / 5.
    let state = TestState()
    state.set(contract, code: Asm().push(0).push(0).op(.sstore).bytes, storage: [U256(0): U256(1)])
    let r = try exec(Asm(), state: state)
    let before = 21000 + 6 + 2100 + 2900
    #expect(r.gasRefunded == UInt64(min(4800, before / 5)))
    #expect(r.gasUsed == UInt64(before) - r.gasRefunded)
    #expect(state.slot(contract, 0) == .zero)
  }
}

@Suite struct AccessTests {
  @Test func warmAndColdAccounts() throws {
    // BALANCE of a cold address 2600, again 100.
    let (used, _, _, _) = try frameGas(Asm().push(other).op(.balance).push(other).op(.balance))
    #expect(used == 3 + 2600 + 3 + 100)
    // The contract itself is warm.
    #expect(try frameGas(Asm().op(.address).op(.balance)).used == 2 + 100)
    // EXTCODESIZE, EXTCODEHASH, EXTCODECOPY.
    #expect(try frameGas(Asm().push(other).op(.extcodesize)).used == 3 + 2600)
    #expect(try frameGas(Asm().push(other).op(.extcodehash)).used == 3 + 2600)
    #expect(try frameGas(Asm().push(0).push(0).push(0).push(other).op(.extcodecopy)).used == 12 + 2600)
  }

  @Test func coldSload() throws {
    let (used, _, _, _) = try frameGas(Asm().push(5).op(.sload).push(5).op(.sload))
    #expect(used == 3 + 2100 + 3 + 100)
  }

  @Test func accessListWarms() throws {
    let state = TestState()
    let code = Asm().push(other).op(.balance).push(5).op(.sload)
    state.set(contract, code: code.bytes)
    let cold = try run(state, to: contract)
    let warm = try run(state, to: contract, accessList: [AccessListEntry(address: other),
                                                         AccessListEntry(address: contract, storageKeys: [U256(5)])])
    #expect(cold.gasUsed == 21000 + 6 + 2600 + 2100)
    #expect(warm.gasUsed == 21000 + 2 * 2400 + 1900 + 6 + 100 + 100)
  }

  @Test func precompilesAndCoinbaseAreWarm() throws {
    #expect(try exec(Asm().push(Address(low: 4)).op(.balance)).gasUsed == 21000 + 3 + 100)
    #expect(try exec(Asm().op(.coinbase).op(.balance)).gasUsed == 21000 + 2 + 100)
    // Before Shanghai the coinbase is cold (EIP-3651).
    #expect(try exec(Asm().op(.coinbase).op(.balance), fork: .paris).gasUsed == 21000 + 2 + 2600)
  }

  @Test func extcodehashOfEmptyAndMissing() throws {
    let state = TestState()
    state.set(other, balance: U256(1))
    let empty = Address(low: 0xe0)
    state.set(empty)
    state.set(Address(low: 0xc0de), code: [0x00])
    #expect(try exec(Asm().push(other).op(.extcodehash).returnTop(), state: state).word == U256(Hash.emptyKeccak))
    let s2 = TestState(); s2.set(empty)
    #expect(try exec(Asm().push(empty).op(.extcodehash).returnTop(), state: s2).word == .zero)
    #expect(try exec(Asm().push(Address(low: 0x999)).op(.extcodehash).returnTop()).word == .zero)
    let s3 = TestState(); s3.set(Address(low: 0xc0de), code: [0x00])
    #expect(try exec(Asm().push(Address(low: 0xc0de)).op(.extcodehash).returnTop(), state: s3).word == U256(Keccak256.hash([UInt8(0)])))
  }
}
