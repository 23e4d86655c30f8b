// libFuzzer target for the input parsers of MODEXP (0x05: EIP-198 lengths, EIP-7823 bounds,
// EIP-7883 pricing) and P256VERIFY (0x100, EIP-7951), run as Osaka transactions through the EVM.
// tools/fuzz.sh builds it from the library modules (`tools/fuzz.sh precompile 60`).
//
// The first input byte picks the precompile (even: MODEXP, odd: P256VERIFY); the rest is the
// call data. Properties: nothing traps; MODEXP with any length above 1024 fails, and a success
// returns exactly the modulus length; P256VERIFY always succeeds with empty output or the word
// 1, which agrees with Crypto's P256.check, and charges the same gas either way.

import Cryptography
import EVM
import Primitives
import State

let caller = Address(low: 0xca11)
let funded: InMemoryState = {
  var s = InMemoryState()
  s.accounts[caller] = Account(nonce: 0, balance: U256(1) << 200, codeHash: .emptyKeccak)
  return s
}()

/// The 32-byte big-endian word at `offset` of `data` (zero-padded), saturated to Int.max / 4.
func lengthWord(_ data: [UInt8], _ offset: Int) -> Int {
  var word = [UInt8](repeating: 0, count: 32)
  for i in 0..<32 where offset + i < data.count { word[i] = data[offset + i] }
  let value = U256(bigEndian: word[...])
  return value.fitsUInt64 && value.w0 < UInt64(Int.max / 4) ? Int(value.w0) : Int.max / 4
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size >= 1 else { return 0 }
  let data = Array(UnsafeBufferPointer(start: bytes + 1, count: size - 1))
  let p256 = bytes[0] & 1 == 1
  let target = Address(low: p256 ? 0x100 : 5)
  let evm = VirtualMachine(block: BlockEnv(fork: .osaka, gasLimit: 30_000_000, baseFee: .zero))
  let tx = TxEnv(caller: caller, to: target, data: data, gasLimit: 16_000_000, gasPrice: .zero)
  guard let r = try? evm.transact(tx, state: funded) else { fatalError("transaction rejected: \(data.count) bytes") }
  if p256 {
    guard r.status == .success else { fatalError("P256VERIFY failed on \(data.hexString)") }
    let valid = P256.check(data) == nil
    let expected: [UInt8] = valid ? [UInt8](repeating: 0, count: 31) + [1] : []
    if r.output != expected { fatalError("P256VERIFY output \(r.output.hexString), check says \(valid)") }
  } else {
    let lengths = (lengthWord(data, 0), lengthWord(data, 32), lengthWord(data, 64))
    let over = lengths.0 > 1024 || lengths.1 > 1024 || lengths.2 > 1024
    if over && r.status == .success { fatalError("MODEXP succeeded with lengths \(lengths)") }
    if r.status == .success && r.output.count != lengths.2 {
      fatalError("MODEXP output of \(r.output.count) bytes for modulus length \(lengths.2)")
    }
  }
  return 0
}
