// swift-tools-version:6.0
import PackageDescription

// Release builds use whole-module optimisation (SwiftPM's default for -c release); the hot
// modules are additionally built with -enforce-exclusivity=unchecked where measured to pay off.
let package = Package(
  name: "Strata",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "strata", targets: ["strata"]),
    .executable(name: "strata-bench", targets: ["StrataBench"]),
    .executable(name: "strata-devnet", targets: ["StrataDevnet"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/attaswift/BigInt", from: "6.0.0"),
    // The JSON-RPC server (RPC): HTTP on SwiftNIO, and /metrics in Prometheus format.
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.0.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
  ],
  targets: [
    // System libraries, found through pkg-config; tools/setup.sh installs them.
    .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
    .systemLibrary(name: "CSecp256k1", pkgConfig: "libsecp256k1", providers: [.apt(["libsecp256k1-dev"])]),
    .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

    .target(name: "Primitives"),
    // Ethereum's cryptography (secp256k1, BN254, BLS12-381, KZG, P-256, ethash, RIPEMD-160, …).
    // Not `Crypto`: swift-crypto, which Hummingbird's dependencies bring into the package graph,
    // declares a target of that name, and two targets may not share one.
    .target(name: "Cryptography", dependencies: ["Primitives", "CSecp256k1", "COpenSSL"]),
    .target(name: "Trie", dependencies: ["Primitives"]),
    // The state model (no LMDB): the reader seam, accounts, write sets, the in-memory state.
    .target(name: "State", dependencies: ["Primitives", "Trie"]),
    // The LMDB store: tables, read views, write batches, the state commit (tries + flat tables).
    // LMDB.swift is the one file that calls C.
    .target(name: "LMDBStore", dependencies: ["Primitives", "Trie", "State", "CLMDB"]),
    // EVM: -enforce-exclusivity=unchecked (the host's dictionaries and the machine's buffers are
    // class properties, each access otherwise checked at run time). Measured 2026-12-01, callgrind
    // instructions per block (StrataBench blockstm, serial): without it eth_transfers
    // 14.81M -> 22.84M (+54%), erc20_transfers 29.66M -> 35.64M (+20%).
    .target(name: "EVM", dependencies: ["Primitives", "Cryptography", "State"],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
    // Execution: the same flag, for Block-STM's class properties (the versioned view, the
    // overlays). Measured 2026-12-01 without it: Block-STM eth_transfers 31.94M -> 35.19M (+10%),
    // erc20_transfers 47.52M -> 50.66M (+7%); serial +2–3%.
    .target(name: "Execution", dependencies: ["Primitives", "Cryptography", "State", "EVM"],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
    .target(name: "Chain", dependencies: ["Primitives", "Cryptography", "Trie", "State", "LMDBStore", "EVM", "Execution"]),
    // Fixture runners (ethereum/tests BlockchainTests), discovery, the skip list and the summary,
    // shared by `strata blocktest` and ConformanceTests.
    .target(name: "Conformance", dependencies: ["Chain", "EVM", "Execution", "Primitives", "State", "LMDBStore"]),
    // The JSON-RPC server: method dispatch over ChainQuery (no HTTP in it), the Hummingbird
    // server around it, and the rpc-compat runner.
    .target(
      name: "RPC",
      dependencies: [
        "Chain", "Cryptography", "EVM", "Execution", "Primitives", "State", "LMDBStore", "Trie",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ]),
    .executableTarget(
      name: "strata",
      dependencies: [
        "Chain", "Conformance", "Execution", "EVM", "Primitives", "State", "LMDBStore", "RPC",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "StrataBench",
      dependencies: ["Primitives", "Cryptography", "Trie", "State", "EVM", "Execution", "Chain", "LMDBStore", "COpenSSL", "TestSupport"]),

    .executableTarget(name: "StrataDevnet", dependencies: ["Chain", "Cryptography", "EVM", "Primitives"]),
    .target(name: "TestSupport", dependencies: ["Primitives"], path: "Tests/TestSupport"),
    .testTarget(
      name: "PrimitivesTests",
      dependencies: ["Primitives", "TestSupport", "COpenSSL", .product(name: "BigInt", package: "BigInt")]),
    .testTarget(name: "CryptoTests", dependencies: ["Cryptography", "Primitives", "TestSupport"]),
    .testTarget(name: "EVMTests", dependencies: ["EVM", "State", "Primitives", "Cryptography", "TestSupport"]),
    .testTarget(name: "TrieTests", dependencies: ["Trie", "Primitives", "TestSupport"]),
    .testTarget(name: "StateTests", dependencies: ["State", "LMDBStore", "Trie", "Primitives", "TestSupport"]),
    .testTarget(
      name: "ChainTests",
      dependencies: ["Chain", "Execution", "State", "LMDBStore", "Cryptography", "EVM", "Primitives", "Trie", "TestSupport"]),
    .testTarget(name: "ConformanceTests", dependencies: ["Conformance"]),
    .testTarget(name: "RPCTests", dependencies: ["RPC", "Chain", "Cryptography", "Primitives", "LMDBStore", "TestSupport"]),
    .testTarget(name: "ExecutionTests", dependencies: ["Execution", "EVM", "State", "Primitives", "Trie", "TestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
