// strata-bench: release-built benchmarks. `strata-bench` runs all; `strata-bench NAME…` some.
// Names: primitives.
let all: [(String, () -> Void)] = [
  ("primitives", benchPrimitives),
]
let wanted = Set(CommandLine.arguments.dropFirst())
for (name, run) in all where wanted.isEmpty || wanted.contains(name) {
  run()
}
