// strata-bench: release-built benchmarks. `strata-bench` runs all; `strata-bench NAME…` some.
let all: [(String, () -> Void)] = [
  ("primitives", benchPrimitives),
  ("keccak", benchKeccak),
  ("keccak-perm", benchKeccakPermutations),
  ("transactions", benchTransactions),
  ("trie", benchTrie),
  ("bn254", benchBN254),
  ("p256", benchP256),
  ("bls", benchBLS),
  ("precompiles", benchPrecompiles),
  ("evm", benchEVM),
  ("blockstm", benchBlockSTM),
  ("history", benchHistory),
  ("ethash", benchEthash),
  ("blockstm-predict", benchBlockSTMPredict),
]
let wanted = Set(CommandLine.arguments.dropFirst())
for name in wanted where !all.contains(where: { $0.0 == name }) {
  print("strata-bench: unknown benchmark '\(name)'; known: \(all.map(\.0).joined(separator: ", "))")
}
// keccak and keccak-perm (parts of primitives) and blockstm-predict run only when named.
for (name, run) in all where wanted.isEmpty ? !name.hasPrefix("keccak") && name != "blockstm-predict" : wanted.contains(name) {
  run()
}
