// BN254 (alt_bn128) precompile timings, EIP-196/197 (release build). Called from main.swift.

import Cryptography

/// Times the ECADD, ECMUL (full 256-bit scalar) and 2-pair ECPAIRING precompiles on valid
/// inputs from go-ethereum's precompile test vectors; prints the median per call.
func benchBN254() {
  // bn256Add.json chfast1.
  let addInput = benchBytes(
    "18b18acfb4c2c30276db5411368e7185b311dd124691610c5d3b74034e093dc9063c909c4720840cb5134cb9f59fa749755796819658d32efc0d288198f37266"
      + "07c2b7f58a84bd6145f00c9c2bc0bb1a187f20ff2c92963a88019e7c6a014eed06614e20c147e940f2d70da3f74c9a17df361706a4485c742bd6788478fa17d7")
  // bn256ScalarMul.json cdetrio1 (scalar 2²⁵⁶ − 1).
  let mulInput = benchBytes(
    "1a87b0584ce92f4593d161480614f2989035225609f08058ccfa3d0f940febe31a2f3c951f6dadcc7ee9007dff81504b0fcd6d7cf59996efdc33d92bf7f9f8f6"
      + "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")
  // bn256Pairing.json two_point_match_2: e(G1, G2) · e(G1, −G2) = 1.
  let g1 = "0000000000000000000000000000000000000000000000000000000000000001"
    + "0000000000000000000000000000000000000000000000000000000000000002"
  let g2x = "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
    + "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
  let pairingInput = benchBytes(
    g1 + g2x
      + "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa"
      + g1 + g2x
      + "275dc4a288d1afb3cbb1ac09187524c7db36395df7be3b99e673b13a075a65ec1d9befcd05a5323e6da4d435f3b617cdb3af83285c2df711ef39c01571827f9d")

  let add = medianMicrosPerCall("benchBN254", runs: 15, batch: 2000) { BN254.add(addInput) != nil }
  let mul = medianMicrosPerCall("benchBN254", runs: 15, batch: 200) { BN254.mul(mulInput) != nil }
  let pairing = medianMicrosPerCall("benchBN254", runs: 15, batch: 5) { BN254.pairingCheck(pairingInput)?.last == 1 }
  print(
    "bn254 (median of 15; wall / thread CPU): add \(fmt(add.wall, 2)) / \(fmt(add.cpu, 2)) µs, "
      + "mul \(fmt(mul.wall, 2)) / \(fmt(mul.cpu, 2)) µs, "
      + "2-pair pairing check \(fmt(pairing.wall / 1000, 2)) / \(fmt(pairing.cpu / 1000, 2)) ms")
}
