import EVM
import Execution
import Primitives
import Trie

/// Recovers the sender of every transaction of a block, spread over `threads` OS threads.
///
/// - Parameters:
///   - txs: the block's transactions, in order.
///   - fork: the block's fork (EIP-2 low-s from Homestead on).
///   - threads: how many threads to use, the caller's included.
/// - Returns: for each transaction, in order, its sender or why recovery failed.
/// - Complexity: O(n) recoveries, about n / threads of wall time each.
public func recoverSenders(_ txs: [Transaction], fork: Fork, threads: Int)
  -> [Result<Address, TransactionError>]
{
  let lowS = fork >= .homestead
  return parallelMap(count: txs.count, threads: threads, chunk: 4) { i in sender(of: txs[i], lowS: lowS) }
}

/// The sender of `tx`, or why it could not be recovered.
private func sender(of tx: Transaction, lowS: Bool) -> Result<Address, TransactionError> {
  do throws(TransactionError) { return .success(try tx.recoverSender(lowS: lowS)) } catch { return .failure(error) }
}

/// What import computes once per transaction, in parallel: the sender, and the canonical
/// encoding and its hash (the transactions root, the stored body and the transaction index
/// use them; each costs an encoding, and the hash a Keccak, that would otherwise run serially).
public struct PreparedTransaction: Sendable {
  public var sender: Result<Address, TransactionError>
  public var encoding: [UInt8]
  public var hash: Hash
  /// EIP-7702: each authorization's signer, nil where the signature does not recover.
  public var authorities: [Address?] = []
}

/// `PreparedTransaction` for every transaction of a block, on `threads` threads.
public func prepareTransactions(_ txs: [Transaction], fork: Fork, threads: Int) -> [PreparedTransaction] {
  parallelMap(count: txs.count, threads: threads, chunk: 4, preparing(txs, fork: fork))
}

/// `prepareTransactions` started ahead on `helpers` background workers; `finish(threads:)`
/// completes it (import starts the next block's while the current one executes and commits).
public func prepareTransactionsInBackground(_ txs: [Transaction], fork: Fork, helpers: Int = 1)
  -> BackgroundMap<PreparedTransaction>
{
  BackgroundMap(count: txs.count, chunk: 4, helpers: helpers, preparing(txs, fork: fork))
}

/// `prepareTransactions` and the transactions root over the encodings: the encodings and
/// hashes first (cheap, in parallel), then the senders recover on `threads - 1` helpers while
/// the caller computes the root (a serial chain of Keccaks), then joins the recovery.
func prepareTransactionsWithRoot(_ txs: [Transaction], fork: Fork, threads: Int) -> ([PreparedTransaction], Hash) {
  guard threads > 1, txs.count > 1 else {
    let prepared = prepareTransactions(txs, fork: fork, threads: threads)
    return (prepared, TrieRoot.orderedRoot(prepared.map(\.encoding)))
  }
  let (encoded, signers) = startPreparing(txs, fork: fork, threads: threads)
  let root = TrieRoot.orderedRoot(encoded.map(\.encoding))
  return (assemblePrepared(encoded, signers.finish(threads: 1)), root)
}

/// What a transaction's signatures give: its sender, and (EIP-7702) each authorization's signer.
typealias Signers = (sender: Result<Address, TransactionError>, authorities: [Address?])

/// The encodings and hashes of `txs` (cheap, on `threads` threads, returned), and their
/// signers started on `threads - 1` helpers (the caller collects them, or joins in).
func startPreparing(_ txs: [Transaction], fork: Fork, threads: Int)
  -> (encoded: [(encoding: [UInt8], hash: Hash)], signers: BackgroundMap<Signers>)
{
  let encoded = parallelMap(count: txs.count, threads: threads, chunk: 32) { i -> (encoding: [UInt8], hash: Hash) in
    let encoding = txs[i].canonicalBytes
    return (encoding, Keccak256.hash(encoding))
  }
  let lowS = fork >= .homestead
  let signers = BackgroundMap<Signers>(count: txs.count, chunk: 4, helpers: threads - 1) { i in
    (sender(of: txs[i], lowS: lowS), txs[i].authorizationList.map { try? $0.authority() })
  }
  return (encoded, signers)
}

/// The prepared transactions from `startPreparing`'s two halves.
func assemblePrepared(_ encoded: [(encoding: [UInt8], hash: Hash)], _ signers: [Signers]) -> [PreparedTransaction] {
  zip(encoded, signers).map { e, s in
    PreparedTransaction(sender: s.sender, encoding: e.encoding, hash: e.hash, authorities: s.authorities)
  }
}

private func preparing(_ txs: [Transaction], fork: Fork) -> @Sendable (Int) -> PreparedTransaction {
  let lowS = fork >= .homestead
  return { i in
    let encoding = txs[i].canonicalBytes
    return PreparedTransaction(sender: sender(of: txs[i], lowS: lowS), encoding: encoding, hash: Keccak256.hash(encoding),
                               authorities: txs[i].authorizationList.map { try? $0.authority() })
  }
}
