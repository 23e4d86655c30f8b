import Foundation
import Primitives
import Testing
@testable import Chain

/// `strata init` with an Osaka genesis (Prague's system contracts in `alloc`, blob schedule with
/// a BPO fork), then `strata block 0` and `strata head`: the new header fields are printed.
@Suite struct OsakaGenesisCLITests {
  /// A small Osaka-at-genesis chain. The four system contracts carry stand-in code (the init
  /// path stores whatever code alloc gives); one funded account.
  static let genesis = #"""
    {
      "config": {
        "chainId": 4242, "homesteadBlock": 0, "eip150Block": 0, "eip155Block": 0, "eip158Block": 0,
        "byzantiumBlock": 0, "constantinopleBlock": 0, "petersburgBlock": 0, "istanbulBlock": 0,
        "berlinBlock": 0, "londonBlock": 0, "mergeNetsplitBlock": 0,
        "terminalTotalDifficulty": 0, "terminalTotalDifficultyPassed": true,
        "shanghaiTime": 0, "cancunTime": 0, "pragueTime": 0, "osakaTime": 0, "bpo1Time": 1000,
        "depositContractAddress": "0x00000000219ab540356cbb839cbe05303d7705fa",
        "blobSchedule": {
          "cancun": { "target": 3, "max": 6, "baseFeeUpdateFraction": 3338477 },
          "prague": { "target": 6, "max": 9, "baseFeeUpdateFraction": 5007716 },
          "osaka": { "target": 6, "max": 9, "baseFeeUpdateFraction": 5007716 },
          "bpo1": { "target": 10, "max": 15, "baseFeeUpdateFraction": 8346193 }
        }
      },
      "nonce": "0x0", "timestamp": "0x0", "extraData": "0x", "gasLimit": "0x2255100",
      "difficulty": "0x0", "mixHash": "0x0000000000000000000000000000000000000000000000000000000000000000",
      "coinbase": "0x0000000000000000000000000000000000000000",
      "baseFeePerGas": "0x3b9aca00", "excessBlobGas": "0x0", "blobGasUsed": "0x0",
      "alloc": {
        "0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02": { "balance": "0x0", "nonce": "0x1", "code": "0x3373fffffffffffffffffffffffffffffffffffffffe14" },
        "0x0000F90827F1C53a10cb7A02335B175320002935": { "balance": "0x0", "nonce": "0x1", "code": "0x3373fffffffffffffffffffffffffffffffffffffffe1460" },
        "0x00000961Ef480Eb55e80D19ad83579A64c007002": { "balance": "0x0", "nonce": "0x1", "code": "0x3373fffffffffffffffffffffffffffffffffffffffe1460cb" },
        "0x0000BBdDc7CE488642fb579F8B00f3a590007251": { "balance": "0x0", "nonce": "0x1", "code": "0x3373fffffffffffffffffffffffffffffffffffffffe1460d3" },
        "0x8a8eafb1cf62bfbeb1741769dae1a9dd47996192": { "balance": "0xde0b6b3a7640000" }
      }
    }
    """#

  /// The `strata` executable built beside this test binary.
  static var strata: URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("strata")
  }

  /// Runs `strata` with `arguments`: (exit status, stdout, stderr).
  static func run(_ arguments: [String]) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = strata
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
  }

  @Test func initAndPrintOsakaGenesis() throws {
    guard FileManager.default.isExecutableFile(atPath: Self.strata.path) else {
      Issue.record("strata executable not found at \(Self.strata.path): build it with --build-tests")
      return
    }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-osaka-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let genesisPath = dir.appendingPathComponent("genesis.json").path
    try Data(Self.genesis.utf8).write(to: URL(fileURLWithPath: genesisPath))
    let datadir = dir.appendingPathComponent("data").path

    let (initStatus, initOut, initErr) = try Self.run(["init", "--datadir", datadir, genesisPath])
    #expect(initStatus == 0, "strata init: \(initErr)")
    let initJSON = try #require(try JSONSerialization.jsonObject(with: Data(initOut.utf8)) as? [String: Any])

    // The in-process genesis agrees with what init stored.
    let file = try GenesisFile.decode(Data(Self.genesis.utf8))
    #expect(file.chainConfig.fork(number: 0, timestamp: 0) == .osaka)
    #expect(file.chainConfig.blobParameters(.osaka, timestamp: 1000).max == 15)
    let header = file.header(stateRoot: file.stateRoot())
    #expect(initJSON["genesisHash"] as? String == header.hash.description)
    #expect(initJSON["stateRoot"] as? String == file.stateRoot().description)

    for args in [["block", "--datadir", datadir, "0"], ["head", "--datadir", datadir]] {
      let (status, out, err) = try Self.run(args)
      #expect(status == 0, "strata \(args[0]): \(err)")
      let o = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
      #expect(o["hash"] as? String == header.hash.description)
      // EIP-7685: SHA-256 of no requests.
      #expect(o["requestsHash"] as? String == "0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
      #expect(o["blobGasUsed"] as? Int == 0)
      #expect(o["excessBlobGas"] as? Int == 0)
      #expect(o["parentBeaconBlockRoot"] as? String == Hash.zero.description)
      #expect(o["withdrawalsRoot"] as? String == Hash.emptyTrieRoot.description)
      #expect(o["baseFeePerGas"] as? String == "1000000000")
    }
    // A bad genesis: one line on stderr, non-zero exit.
    let badPath = dir.appendingPathComponent("bad.json").path
    try Data(#"{"config":{"osakaTime":0,"blobSchedule":{"osaka":{"target":1,"max":2,"baseFeeUpdateFraction":0}}},"gasLimit":"0x1","difficulty":"0x0","alloc":{}}"#.utf8)
      .write(to: URL(fileURLWithPath: badPath))
    let (badStatus, _, badErr) = try Self.run(["init", "--datadir", dir.appendingPathComponent("bad").path, badPath])
    #expect(badStatus != 0)
    #expect(badErr.hasPrefix("error:") && badErr.split(separator: "\n").count == 1, "\(badErr)")
  }
}
