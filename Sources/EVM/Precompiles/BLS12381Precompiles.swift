import Cryptography

extension VirtualMachine {
  /// The EIP-2537 precompiles 0x0b…0x11: gas first (a shortfall halts out of gas), then the
  /// operation; any invalid input fails the call, consuming all gas.
  func runBLS12381Precompile(_ index: UInt32, input: [UInt8], gas: Int) -> FrameResult {
    typealias E = BLS12381.EIP2537
    let cost: Int
    switch index {
    case 11: cost = E.g1AddGas
    case 12: cost = E.g1MSMGas(input.count)
    case 13: cost = E.g2AddGas
    case 14: cost = E.g2MSMGas(input.count)
    case 15: cost = E.pairingGas(input.count)
    case 16: cost = E.mapFpToG1Gas
    case 17: cost = E.mapFp2ToG2Gas
    default: return .halt(.precompileFailure)
    }
    if cost > gas { return .halt(.outOfGas) }
    let output: [UInt8]?
    switch index {
    case 11: output = E.g1Add(input)
    case 12: output = E.g1MSM(input)
    case 13: output = E.g2Add(input)
    case 14: output = E.g2MSM(input)
    case 15: output = E.pairingCheck(input)
    case 16: output = E.mapFpToG1(input)
    default: output = E.mapFp2ToG2(input)
    }
    guard let output else { return .halt(.precompileFailure) }
    return FrameResult(status: .success, gasLeft: gas - cost, output: output)
  }
}
