import Cryptography
import Primitives
import State
import Testing
@testable import EVM

/// Osaka's EVM changes: CLZ (EIP-7939), MODEXP bounds and pricing (EIP-7823, EIP-7883) and the
/// P256VERIFY precompile at 0x100 (EIP-7951), each absent before Osaka.
@Suite struct OsakaEVMTests {
  /// Calls the precompile at `address` in `fork` with `input` and `gas`: (success, output, gas used).
  func callPrecompile(_ address: UInt32, _ input: [UInt8], gas: Int = 1_000_000, fork: Fork) throws -> (Bool, [UInt8], Int) {
    let evm = VirtualMachine(block: BlockEnv(fork: fork))
    evm.beginTransaction(reader: TestState(), origin: sender, gasPrice: .zero, blobHashes: [])
    let msg = Message(caller: sender, target: Address(low: address), codeAddress: Address(low: address), value: .zero,
                      input: input, gas: gas, depth: 1, isStatic: false, transfersValue: true)
    let r = try evm.callMessage(msg)
    return (r.status == .success, r.output, gas - r.gasLeft)
  }

  // MARK: CLZ

  @Test(arguments: [
    (U256.zero, U256(256)), (U256.one, U256(255)), (U256(1) << 255, U256.zero), (U256.max, U256.zero),
    (U256(0xff), U256(248)), (U256(1) << 64, U256(191)), (U256(1) << 128 | U256(1), U256(127)),
  ])
  func clz(value: U256, expected: U256) throws {
    let r = try exec(Asm().push(value).op(.clz).returnTop(), fork: .osaka)
    #expect(r.status == .success)
    #expect(r.word == expected, "clz(\(value))")
  }

  @Test func clzGasAndStack() throws {
    let code = Asm().push(1).op(.clz)
    let (used, _, result, _) = try frameGas(code, fork: .osaka)
    #expect(result.status == .success)
    #expect(used == 3 + 5)  // PUSH1 + CLZ
    // An empty stack underflows.
    let (_, _, underflow, _) = try frameGas(Asm().op(.clz), fork: .osaka)
    #expect(underflow.status != .success)
    #expect(OpcodeInfo.table(for: .osaka)[0x1e].staticGas == 5)
  }

  @Test func clzUndefinedBeforeOsaka() throws {
    #expect(!OpcodeInfo.table(for: .prague)[0x1e].defined)
    #expect(OpcodeInfo.table(for: .osaka)[0x1e].defined)
    let r = try exec(Asm().push(1).op(.clz).returnTop(), fork: .prague)
    #expect(r.status != .success)
  }

  // MARK: MODEXP

  static func modexpInput(base: [UInt8], exponent: [UInt8], modulus: [UInt8]) -> [UInt8] {
    U256(base.count).bigEndianBytes + U256(exponent.count).bigEndianBytes + U256(modulus.count).bigEndianBytes
      + base + exponent + modulus
  }

  @Test func modexpOsakaPricing() throws {
    // 3^5 mod 7, one-byte operands: complexity 16 × 2 iterations = 32, raised to the 500 minimum.
    let small = Self.modexpInput(base: [3], exponent: [5], modulus: [7])
    #expect(Precompiles.modexpGas(small, fork: .osaka) == 500)
    #expect(Precompiles.modexpGas(small, fork: .prague) == 200)
    let (ok, out, used) = try callPrecompile(5, small, fork: .osaka)
    #expect(ok && out == [5] && used == 500)

    // 32-byte operands, exponent 2^255: complexity 16 (not above 32 bytes), 255 iterations, no divisor.
    let b32 = U256(3).bigEndianBytes, m32 = U256(1000).bigEndianBytes
    let e32 = (U256(1) << 255).bigEndianBytes
    #expect(Precompiles.modexpGas(Self.modexpInput(base: b32, exponent: e32, modulus: m32), fork: .osaka) == 16 * 255)

    // 64-byte operands: 2 × 8² = 128; a 64-byte exponent whose first word is 1: 16 × 32 iterations.
    let b64 = [UInt8](repeating: 0, count: 63) + [2], m64 = [UInt8](repeating: 0xff, count: 64)
    let e64 = U256(1).bigEndianBytes + [UInt8](repeating: 0, count: 32)
    let input = Self.modexpInput(base: b64, exponent: e64, modulus: m64)
    #expect(Precompiles.modexpGas(input, fork: .osaka) == 128 * 16 * 32)
    // Berlin's rule for the same: 8² × (8 × 32) / 3.
    #expect(Precompiles.modexpGas(input, fork: .prague) == 64 * 8 * 32 / 3)
  }

  @Test func modexpBounds() throws {
    // 1024-byte base: within EIP-7823's bound, priced 2 × 128² × 1.
    let atBound = Self.modexpInput(base: [UInt8](repeating: 1, count: 1024), exponent: [], modulus: [])
    let (ok, out, used) = try callPrecompile(5, atBound, fork: .osaka)
    #expect(ok && out.isEmpty && used == 2 * 128 * 128)
    for (b, e, m) in [(1025, 0, 0), (0, 1025, 0), (0, 0, 1025)] {
      let input = Self.modexpInput(base: [UInt8](repeating: 1, count: b), exponent: [UInt8](repeating: 1, count: e),
                                   modulus: [UInt8](repeating: 1, count: m))
      #expect(!Precompiles.modexpLengthsWithinBounds(input))
      let (okOsaka, _, usedOsaka) = try callPrecompile(5, input, gas: 5_000_000, fork: .osaka)
      #expect(!okOsaka && usedOsaka == 5_000_000, "lengths \(b), \(e), \(m): all gas consumed")
    }
    // Before Osaka the same 1025-byte base is only priced.
    let over = Self.modexpInput(base: [UInt8](repeating: 1, count: 1025), exponent: [], modulus: [])
    let (okPrague, _, _) = try callPrecompile(5, over, fork: .prague)
    #expect(okPrague)
    // A length word far above 1024 (and above 64 bits) also fails, without a crash.
    let huge = U256.max.bigEndianBytes + U256.zero.bigEndianBytes + U256.zero.bigEndianBytes
    let (okHuge, _, _) = try callPrecompile(5, huge, fork: .osaka)
    #expect(!okHuge)
  }

  // MARK: P256VERIFY

  static let p256Input: [UInt8] = (try? Hex.decode(
    "53d3a3ec772e87371336b512e4ab25c709e0929e11043d73f2c969a5f1e8a6de"
      + "45f1100a583520ab224e21322c26d64da05940ed1fa7b6cebb063e7df8b6ebeb"
      + "0a3dbede9dfcd80d41922f0fbd16660c08f586d684b5fa43485a706ed71142ed"
      + "c3550b9e474e884f3524bad0ea51e4d1e8ca610eada5d351f1c3b48f584da1de"
      + "6479e15c012943a71d61105605a4f39834f533d665fa95bafdc70d0bd2b13b22")) ?? []

  @Test func p256VerifyPrecompile() throws {
    let (ok, out, used) = try callPrecompile(0x100, Self.p256Input, fork: .osaka)
    #expect(ok && out == [UInt8](repeating: 0, count: 31) + [1] && used == 6900)
    // An invalid signature: success, empty output, the gas still charged.
    var bad = Self.p256Input
    bad[5] ^= 0x40
    let (okBad, outBad, usedBad) = try callPrecompile(0x100, bad, fork: .osaka)
    #expect(okBad && outBad.isEmpty && usedBad == 6900)
    let (okShort, outShort, _) = try callPrecompile(0x100, Array(Self.p256Input.prefix(128)), fork: .osaka)
    #expect(okShort && outShort.isEmpty)
    // Too little gas: all of it consumed, failure.
    let (okGas, _, usedGas) = try callPrecompile(0x100, Self.p256Input, gas: 6899, fork: .osaka)
    #expect(!okGas && usedGas == 6899)
  }

  @Test func p256VerifyOnlyFromOsaka() throws {
    // Before Osaka 0x100 is an empty account: success, no output, no gas.
    let (ok, out, used) = try callPrecompile(0x100, Self.p256Input, fork: .prague)
    #expect(ok && out.isEmpty && used == 0)
    // From Osaka it is warm like every precompile.
    let osaka = VirtualMachine(block: BlockEnv(fork: .osaka))
    #expect(osaka.host.precompileIndex(Address(low: 0x100)) == 0x100)
    #expect(!osaka.host.warmAccount(Address(low: 0x100)))
    let prague = VirtualMachine(block: BlockEnv(fork: .prague))
    #expect(prague.host.precompileIndex(Address(low: 0x100)) == nil)
    #expect(osaka.host.precompileIndex(Address(low: 0x101)) == nil)
  }
}
