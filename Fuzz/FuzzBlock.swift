// libFuzzer target for whole blocks: decode → validate → execute on the in-memory state, through
// Chain's BlockProcessor (the path import takes, minus the store). tools/fuzz.sh builds it from
// the library modules (`tools/fuzz.sh block 600`); the seed corpus is data/devnet.rlp's blocks.
//
// The input is a chain: concatenated RLP blocks (as `import` reads them), at most four, each
// imported on the state the previous one left, starting from the devnet genesis
// (genesis/devnet.json: Cancun from block 0, 12 funded accounts, the beacon-roots contract).
// Properties: nothing traps; a block that decodes re-encodes to exactly its bytes; a block the
// processor accepts has the hash its header gives and as many receipts as transactions.

import Chain
import EVM
import Foundation
import Primitives
import State

/// The devnet genesis: configuration, header and state, loaded once.
let parentChain: (config: ChainConfig, header: Header, state: InMemoryState) = {
  guard let genesis = try? GenesisFile.load(path: "genesis/devnet.json") else {
    fatalError("FuzzBlock: run from the package root (genesis/devnet.json not found)")
  }
  var state = genesis.inMemoryState
  let header = genesis.header(stateRoot: state.computeStateRoot())
  state.blockHashes[0] = header.hash
  return (genesis.chainConfig, header, state)
}()

/// STRATA_FUZZ_VERBOSE=1: say on stderr what became of each block (to check the seeds pass).
let verbose = ProcessInfo.processInfo.environment["STRATA_FUZZ_VERBOSE"] != nil

/// Splits off the first RLP list of `bytes`: its length from the prefix, nil when malformed or
/// short (the decoder, not this split, is under test).
func firstItem(_ bytes: ArraySlice<UInt8>) -> Int? {
  guard let b = bytes.first, b >= 0xc0 else { return nil }
  if b <= 0xf7 { return 1 + Int(b - 0xc0) <= bytes.count ? 1 + Int(b - 0xc0) : nil }
  let n = Int(b - 0xf7)
  guard n <= 4, bytes.count > n else { return nil }
  var length = 0
  for byte in bytes.dropFirst().prefix(n) { length = length << 8 | Int(byte) }
  let total = 1 + n + length
  return total <= bytes.count ? total : nil
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let input = Array(UnsafeBufferPointer(start: data, count: size))
  let processor = BlockProcessor(config: parentChain.config, threads: 1)
  var parent = parentChain.header
  var state = parentChain.state
  var rest = input[...]
  for _ in 0..<4 {
    guard let length = firstItem(rest) else { break }
    let bytes = Array(rest.prefix(length))
    rest = rest.dropFirst(length)
    guard let block = try? Block(rlpEncoded: bytes) else { break }
    let again = block.rlpEncoded
    if again != bytes {
      fatalError("block round trip: \(bytes.hexString) re-encoded as \(again.hexString)")
    }
    var post = state
    let processed: ExecutedBlock
    do {
      // The import's two steps: execute on the parent state, then commit (root checked).
      let executed = try processor.execute(block, parent: parent, on: state)
      processed = try post.commit(executed)
    } catch {
      let line = "\(error)"  // every rejection prints as one line
      if verbose { FileHandle.standardError.write(Data("block \(block.header.number): \(line)\n".utf8)) }
      break
    }
    if verbose { FileHandle.standardError.write(Data("block \(block.header.number): accepted\n".utf8)) }
    if processed.hash != block.header.hash || processed.receipts.count != block.transactions.count {
      fatalError("accepted block \(block.header.number): hash or receipt count disagrees")
    }
    post.blockHashes[block.header.number] = processed.hash
    parent = block.header
    state = post
  }
  return 0
}
