// strata-bench: release-built benchmarks. `strata-bench` runs all; `strata-bench NAME…` some.
let all: [(String, () -> Void)] = [
  ("primitives", benchPrimitives),
  ("transactions", benchTransactions),
  ("trie", benchTrie),
  ("bn254", benchBN254),
  ("bls", benchBLS),
  ("precompiles", benchPrecompiles),
  ("evm", benchEVM),
  ("blockstm", benchBlockSTM),
]
let wanted = Set(CommandLine.arguments.dropFirst())
for name in wanted where !all.contains(where: { $0.0 == name }) {
  print("strata-bench: unknown benchmark '\(name)'; known: \(all.map(\.0).joined(separator: ", "))")
}
for (name, run) in all where wanted.isEmpty || wanted.contains(name) {
  run()
}
