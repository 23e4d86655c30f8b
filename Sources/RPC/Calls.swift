import Chain

import Dispatch
import EVM
import Primitives
import State

/// A call's arguments (geth's TransactionArgs).
struct CallArgs {
  var from: Address?
  var to: Address?
  var gas: UInt64?
  var gasPrice: U256?
  var maxFeePerGas: U256?
  var maxPriorityFeePerGas: U256?
  var maxFeePerBlobGas: U256?
  var value: U256 = .zero
  var nonce: UInt64?
  var data: [UInt8] = []
  var accessList: [EVM.AccessListEntry]?
  var blobHashes: [Hash] = []

  var hasFees: Bool { gasPrice != nil || maxFeePerGas != nil || maxPriorityFeePerGas != nil }

  init(_ v: JSON) throws(RPCError) {
    guard case .object = v else { throw Param.reason("json: cannot unmarshal non-object into Go value of type ethapi.TransactionArgs") }
    func field<T>(_ name: String, _ parse: (JSON) throws(RPCError) -> T) throws(RPCError) -> T? {
      guard let f = v[name], !f.isNull else { return nil }
      do { return try parse(f) } catch { throw Param.reason("\(name): \(error.message)") }
    }
    from = try field("from", Param.address)
    to = try field("to", Param.address)
    gas = try field("gas", Param.uint64)
    gasPrice = try field("gasPrice", Param.u256)
    maxFeePerGas = try field("maxFeePerGas", Param.u256)
    maxPriorityFeePerGas = try field("maxPriorityFeePerGas", Param.u256)
    maxFeePerBlobGas = try field("maxFeePerBlobGas", Param.u256)
    value = try field("value", Param.u256) ?? .zero
    nonce = try field("nonce", Param.uint64)
    let input = try field("input", Param.bytes)
    let data = try field("data", Param.bytes)
    if let input, let data, input != data {
      throw Param.reason("both \"data\" and \"input\" are set and not equal. Please use \"input\" to pass transaction call data")
    }
    self.data = input ?? data ?? []
    if gasPrice != nil && (maxFeePerGas != nil || maxPriorityFeePerGas != nil) {
      throw Param.reason("both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified")
    }
    accessList = try field("accessList") { (j) throws(RPCError) -> [EVM.AccessListEntry] in
      guard case .array(let items) = j else { throw Param.reason("accessList must be an array") }
      var out: [EVM.AccessListEntry] = []
      for item in items {
        guard let a = item["address"] else { throw Param.reason("access list entry without address") }
        var keys: [U256] = []
        if case .array(let ks)? = item["storageKeys"] { for k in ks { keys.append(U256(try Param.hash(k))) } }
        out.append(EVM.AccessListEntry(address: try Param.address(a), storageKeys: keys))
      }
      return out
    }
    blobHashes = try field("blobVersionedHashes") { (j) throws(RPCError) -> [Hash] in
      guard case .array(let items) = j else { throw Param.reason("blobVersionedHashes must be an array") }
      var out: [Hash] = []
      for i in items { out.append(try Param.hash(i)) }
      return out
    } ?? []
  }
}

/// What one EVM run of a call gave.
struct CallRun: Sendable {
  var result: ExecutionResult
  var accessed: [Address: Set<U256>]
}

/// Why a call did not run to an end.
enum CallFailure: Error, Sendable {
  /// The transaction is invalid against the state (funds, intrinsic gas): geth's texts.
  case invalid(RPCError)
  case timeout
}

extension RPCHandler {
  /// The block environment and state for a call at the block named by argument `i`, with the
  /// optional state overrides (argument `i + 1`) and block overrides (`i + 2`).
  struct CallContext {
    var env: BlockEnv
    var header: Header
    var hash: Hash
    var isHead: Bool
    /// The state on the request's snapshot (for reads outside the EVM).
    var state: any StateReader
    var stateOverrides: JSON?
    var blockOverrides: JSON?
  }

  func callContext(_ p: Params, blockArg i: Int, _ s: Snapshot) throws(RPCError) -> CallContext {
    let sel = try p.optionalArg(i) { (v) throws(RPCError) in try s.selector(v, allowHash: true) } ?? .number(s.head.number)
    let found = try s.resolveForState(sel)
    let fork = s.fork(found.header)
    var env = BlockProcessor.context(for: found.header, fork: fork, config: chain.config, withdrawals: nil).env
    let blockOverrides = p.optional(i + 2)
    if let o = blockOverrides {
      guard case .object = o else { throw .invalidArgument(i + 2, "block overrides must be an object") }
      do {
        if let v = o["number"] { env.number = try Param.uint64(v) }
        if let v = o["time"] { env.timestamp = try Param.uint64(v) }
        if let v = o["gasLimit"] { env.gasLimit = try Param.uint64(v) }
        if let v = o["feeRecipient"] ?? o["coinbase"] { env.coinbase = try Param.address(v) }
        if let v = o["prevRandao"] ?? o["random"] { env.prevRandao = try Param.hash(v) }
        if let v = o["baseFeePerGas"] ?? o["baseFee"] { env.baseFee = try Param.u256(v) }
        if let v = o["blobBaseFee"] { env.blobBaseFee = try Param.u256(v) }
      } catch {
        throw .invalidArgument(i + 2, error.message)
      }
    }
    let ctx = CallContext(env: env, header: found.header, hash: found.hash, isHead: found.hash == s.head.hash,
                          state: s.state(found, history: history), stateOverrides: p.optional(i + 1),
                          blockOverrides: blockOverrides)
    // Checked here, on the request's thread, so that a bad override is a -32602 of the request.
    try applyOverrides(ctx.stateOverrides, to: CallStateReader(base: ctx.state, deadline: .max))
    return ctx
  }

  /// The outcome of one EVM run, handed from its thread to the request's.
  final class CallBox: @unchecked Sendable {
    // SAFETY: `result` is written once by the EVM thread before `done` is signalled and read by
    // the request thread only after it waited for `done`.
    var result: Result<CallRun, CallFailure>?
    let done = DispatchSemaphore(value: 0)
  }

  /// Runs `body` on a thread of its own (deep stack, its own read transaction) and waits for it
  /// until `deadline`: past it the request gets its timeout error at once and the thread, left
  /// to finish on its own, stops at its next state read or when the gas cap runs out.
  func runDetached(deadline: UInt64, _ body: @escaping @Sendable () -> Result<CallRun, CallFailure>) throws(CallFailure) -> CallRun {
    let box = CallBox()
    let started = LargeStack.detach {
      box.result = body()
      box.done.signal()
    }
    if !started { box.result = body(); box.done.signal() }
    guard box.done.wait(timeout: DispatchTime(uptimeNanoseconds: deadline)) == .success, let r = box.result else {
      throw .timeout
    }
    return try r.get()
  }

  /// Applies geth-style state overrides (`balance`, `nonce`, `code`, `state`, `stateDiff`).
  func applyOverrides(_ o: JSON?, to reader: CallStateReader) throws(RPCError) {
    guard let o else { return }
    guard case .object(let members) = o else { throw .invalidArgument(2, "state overrides must be an object") }
    do throws(RPCError) {
      for (key, spec) in members {
        let address = try Param.address(.string(key))
        var account = (try? reader.base.account(address)) ?? nil ?? Account()
        if let v = spec["balance"] { account.balance = try Param.u256(v) }
        if let v = spec["nonce"] { account.nonce = try Param.uint64(v) }
        if let v = spec["code"] {
          let code = try Param.bytes(v)
          account.codeHash = Keccak256.hash(code)
          reader.codeOverrides[account.codeHash] = code
        }
        if spec["state"] != nil && spec["stateDiff"] != nil {
          throw Param.reason("account \(address) has both 'state' and 'stateDiff'")
        }
        if let st = spec["state"] ?? spec["stateDiff"] {
          guard case .object(let slots) = st else { throw Param.reason("state must be an object") }
          if spec["state"] != nil { reader.replacesStorage.insert(address) }
          var map = reader.storageOverrides[address] ?? [:]
          for (k, v) in slots { map[U256(try Param.hash(.string(k)))] = U256(try Param.hash(v)) }
          reader.storageOverrides[address] = map
        }
        reader.accountOverrides[address] = account
      }
    } catch {
      throw .invalidArgument(2, error.message)
    }
  }

  /// Runs `args` once with `gasLimit` and `accessList` on a fresh overlay of `ctx.state`, on a
  /// thread with a deep stack, within the time limit.
  func run(_ args: CallArgs, gasLimit: UInt64, accessList: [EVM.AccessListEntry]?, _ ctx: CallContext,
           deadline: UInt64) throws(CallFailure) -> CallRun {
    let from = args.from ?? .zero
    var env = ctx.env
    // No fee given: the call pays nothing and BASEFEE reads zero (geth's NoBaseFee).
    let price: U256
    let feeCap: U256
    if let gp = args.gasPrice {
      price = gp; feeCap = gp
    } else if args.maxFeePerGas != nil || args.maxPriorityFeePerGas != nil {
      let cap = args.maxFeePerGas ?? .zero
      let tip = args.maxPriorityFeePerGas ?? .zero
      let (tipped, o) = env.baseFee.addingReportingOverflow(tip)
      price = o || cap < tipped ? cap : tipped
      feeCap = cap
    } else {
      price = .zero; feeCap = .zero
      env.baseFee = .zero
      if ctx.blockOverrides?["blobBaseFee"] == nil && args.maxFeePerBlobGas == nil { env.blobBaseFee = .zero }
    }
    if args.hasFees && !feeCap.isZero && feeCap < env.baseFee {
      throw .invalid(.server("max fee per gas less than block base fee: address \(from), maxFeePerGas: \(feeCap), baseFee: \(env.baseFee)"))
    }
    let tx = TxEnv(
      caller: from, to: args.to, value: args.value, data: args.data, gasLimit: gasLimit, gasPrice: price,
      maxFeePerGas: feeCap, maxFeePerBlobGas: args.maxFeePerBlobGas ?? .zero, blobHashes: args.blobHashes,
      accessList: accessList ?? [], nonce: nil)
    let blockEnv = env
    let store = chain.store
    let history = self.history
    let header = ctx.header
    let hash = ctx.hash
    let isHead = ctx.isHead
    let overrides = ctx.stateOverrides
    let handler = self
    // The EVM runs on its own read transaction. At an older block the state under its root
    // never changes; at the head it is the flat tables while the head is still the request's,
    // else the trie under the request's head root: the same state either way.
    return try runDetached(deadline: deadline) { () -> Result<CallRun, CallFailure> in
      do {
        return try store.read { view -> Result<CallRun, CallFailure> in
          let current = try view.head()
          let base = history.reader(view: view, number: header.number, hash: hash, stateRoot: header.stateRoot,
                                    isHead: isHead && current?.hash == hash)
          let reader = CallStateReader(base: base, deadline: deadline)
          try? handler.applyOverrides(overrides, to: reader)
          // Calls skip the EOA check (EIP-3607): a contract may be the `from` of a simulation.
          if let a = try? reader.account(from), a.codeHash != .emptyKeccak {
            var eoa = a
            eoa.codeHash = .emptyKeccak
            reader.accountOverrides[from] = eoa
          }
          reader.accessed = [:]
          let vm = VirtualMachine(block: blockEnv)
          do throws(TransactError) {
            let r = try vm.transact(tx, state: reader)
            return .success(CallRun(result: r, accessed: reader.accessed))
          } catch {
            if reader.timedOut { return .failure(.timeout) }
            switch error {
            case .state(let e): return .failure(.invalid(.internalError(e.description)))
            case .invalid(let why): return .failure(.invalid(.server(handler.gethText(why, from: from))))
            }
          }
        }
      } catch {
        return .failure(.invalid(.internalError("store: \(error)")))
      }
    }
  }

  func gethText(_ why: InvalidTransaction, from: Address) -> String {
    switch why {
    case .insufficientFunds(let have, let want):
      return "insufficient funds for gas * price + value: address \(from) have \(have) want \(want)"
    case .intrinsicGasTooLow(let have, let want): return "intrinsic gas too low: have \(have), want \(want)"
    case .nonceMismatch(let expected, let got):
      return got < expected ? "nonce too low: address \(from), tx: \(got) state: \(expected)"
        : "nonce too high: address \(from), tx: \(got) state: \(expected)"
    case .nonceOverflow: return "nonce has max value: address \(from)"
    case .senderHasCode: return "sender not an eoa: address \(from)"
    case .initcodeTooLarge(let size): return "max initcode size exceeded: code size \(size) limit 49152"
    }
  }

  func deadline() -> UInt64 {
    DispatchTime.now().uptimeNanoseconds &+ UInt64(limits.callTimeout * 1e9)
  }

  func timeoutError() -> RPCError { .server("execution aborted (timeout = \(formatSeconds(limits.callTimeout)))") }

  /// The error of a failed run, as geth reports it: a revert is code 3 with the data, a halt -32000.
  func executionError(_ r: ExecutionResult) -> RPCError {
    switch r.status {
    case .success: return .server("")
    case .revert:
      var message = "execution reverted"
      if let reason = revertReason(r.output) { message += ": " + reason }
      return RPCError(code: 3, message: message, data: Out.data(r.output))
    case .halt(let h): return .server(haltText(h))
    }
  }

  func ethCall(_ p: Params, _ s: Snapshot) throws(RPCError) -> JSON {
    let args = try p.arg(0) { (v) throws(RPCError) in try CallArgs(v) }
    let ctx = try callContext(p, blockArg: 1, s)
    let gas = min(args.gas ?? limits.gasCap, limits.gasCap)
    do throws(CallFailure) {
      let run = try run(args, gasLimit: gas, accessList: args.accessList, ctx, deadline: deadline())
      guard run.result.status == .success else { throw CallFailure.invalid(executionError(run.result)) }
      return Out.data(run.result.output)
    } catch {
      switch error {
      case .timeout: throw timeoutError()
      case .invalid(let e): throw e
      }
    }
  }

  func estimateGas(_ p: Params, _ s: Snapshot) throws(RPCError) -> JSON {
    let args = try p.arg(0) { (v) throws(RPCError) in try CallArgs(v) }
    let ctx = try callContext(p, blockArg: 1, s)
    let limit = deadline()
    var hi = min(args.gas ?? ctx.header.gasLimit, limits.gasCap)
    let from = args.from ?? .zero
    // With a fee, the sender's balance caps the gas it can buy.
    let feeCap = args.gasPrice ?? args.maxFeePerGas ?? .zero
    if !feeCap.isZero {
      let balance = (try? ctx.state.account(from))??.balance ?? .zero
      guard balance >= args.value else { throw .server("insufficient funds for transfer") }
      let allowance = (balance &- args.value) / feeCap
      if allowance.fitsUInt64 && allowance.w0 < hi { hi = allowance.w0 }
    }
    func attempt(_ gas: UInt64) throws(RPCError) -> ExecutionResult? {
      do {
        return try run(args, gasLimit: gas, accessList: args.accessList, ctx, deadline: limit).result
      } catch {
        switch error {
        case .timeout: throw timeoutError()
        case .invalid(let e):
          if e.message.hasPrefix("intrinsic gas too low") { return nil }
          throw e
        }
      }
    }
    // A plain transfer to an account without code costs exactly 21000.
    if let to = args.to, args.data.isEmpty, args.blobHashes.isEmpty {
      let code = (try? ctx.state.account(to))??.codeHash ?? .emptyKeccak
      if code == .emptyKeccak, let r = try attempt(21_000), r.status == .success { return Out.quantity(21_000) }
    }
    guard let first = try attempt(hi) else { throw .server("gas required exceeds allowance (\(hi))") }
    guard first.status == .success else {
      if case .revert = first.status { throw executionError(first) }
      throw .server("gas required exceeds allowance (\(hi))")
    }
    var lo = first.gasUsed > 0 ? first.gasUsed - 1 : 0
    let optimistic = (first.gasUsed + first.gasRefunded + 2300) * 64 / 63
    if optimistic < hi {
      if let r = try attempt(optimistic), r.status == .success { hi = optimistic } else { lo = optimistic }
    }
    while lo + 1 < hi {
      if Double(hi - lo) / Double(hi) < 0.015 { break }
      var mid = lo + (hi - lo) / 2
      if mid > lo * 2 { mid = lo * 2 }
      if let r = try attempt(mid), r.status == .success { hi = mid } else { lo = mid }
    }
    return Out.quantity(hi)
  }

  func createAccessList(_ p: Params, _ s: Snapshot) throws(RPCError) -> JSON {
    let args = try p.arg(0) { (v) throws(RPCError) in try CallArgs(v) }
    let ctx = try callContext(p, blockArg: 1, s)
    let limit = deadline()
    let gas = min(args.gas ?? limits.gasCap, limits.gasCap)
    let from = args.from ?? .zero
    let to: Address
    if let t = args.to {
      to = t
    } else {
      let nonce = args.nonce ?? ((try? ctx.state.account(from))??.nonce ?? 0)
      to = createAddress(sender: from, nonce: nonce)
    }
    let precompiles = UInt32(ctx.env.fork >= .prague ? 0x11 : ctx.env.fork >= .cancun ? 10 : 9)
    var list = args.accessList ?? []
    for _ in 0..<16 {
      let run: CallRun
      do { run = try self.run(args, gasLimit: gas, accessList: list, ctx, deadline: limit) } catch {
        switch error {
        case .timeout: throw timeoutError()
        case .invalid(let e): throw e
        }
      }
      // Slots always count; addresses alone only when not the sender, the target or a precompile.
      var next: [EVM.AccessListEntry] = []
      for (address, slots) in run.accessed.sorted(by: { $0.key < $1.key }) {
        let isPrecompile = address.w0 == 0 && address.w1 == 0 && UInt32(bigEndian: address.w2) <= precompiles
        if slots.isEmpty && (address == from || address == to || isPrecompile) { continue }
        next.append(EVM.AccessListEntry(address: address, storageKeys: slots.sorted { $0.hash < $1.hash }))
      }
      // Entries the caller gave stay (geth starts the tracer from them).
      for e in list where !next.contains(where: { $0.address == e.address }) { next.append(e) }
      if next == list {
        var o: [(String, JSON)] = [
          ("accessList", .array(list.map { e in
            .object([("address", Out.address(e.address)), ("storageKeys", .array(e.storageKeys.map { Out.hash($0.hash) }))])
          })),
          ("gasUsed", Out.quantity(run.result.gasUsed)),
        ]
        if run.result.status != .success { o.append(("error", .string(executionError(run.result).message))) }
        return .object(o)
      }
      list = next
    }
    throw .server("access list did not settle")
  }
}

/// geth's texts for the halts.
func haltText(_ h: HaltReason) -> String {
  switch h {
  case .outOfGas: return "out of gas"
  case .invalidOpcode: return "invalid opcode"
  case .stackUnderflow: return "stack underflow"
  case .stackOverflow: return "stack limit reached 1024"
  case .invalidJump: return "invalid jump destination"
  case .staticWrite: return "write protection"
  case .returnDataOutOfBounds: return "return data out of bounds"
  case .callDepth: return "max call depth exceeded"
  case .codeSizeLimit: return "max code size exceeded"
  case .invalidCodePrefix: return "invalid code: must not begin with 0xef"
  case .initcodeSizeLimit: return "max initcode size exceeded"
  case .addressCollision: return "contract address collision"
  case .precompileFailure: return "precompiled contract failed"
  case .nonceOverflow: return "nonce uint64 overflow"
  }
}

/// The reason in revert data: Solidity's `Error(string)` or `Panic(uint256)`; nil otherwise.
func revertReason(_ data: [UInt8]) -> String? {
  guard data.count >= 4 else { return nil }
  let selector = Array(data[0..<4])
  if selector == [0x08, 0xc3, 0x79, 0xa0] {
    // Error(string): offset, length, bytes.
    guard data.count >= 68 else { return nil }
    let offset = U256(bigEndian: data[4..<36])
    guard let off = offset.intValue, off <= data.count, 4 + off + 32 <= data.count else { return nil }
    let length = U256(bigEndian: data[(4 + off)..<(4 + off + 32)])
    guard let len = length.intValue, 4 + off + 32 + len <= data.count else { return nil }
    return String(decoding: data[(4 + off + 32)..<(4 + off + 32 + len)], as: UTF8.self)
  }
  if selector == [0x4e, 0x48, 0x7b, 0x71], data.count >= 36 {
    let code = U256(bigEndian: data[4..<36])
    switch code.clampedUInt64 {
    case 0x00: return "generic panic"
    case 0x01: return "assert(false)"
    case 0x11: return "arithmetic underflow or overflow"
    case 0x12: return "division or modulo by zero"
    case 0x21: return "enum overflow"
    case 0x22: return "invalid encoded storage byte array accessed"
    case 0x31: return "out-of-bounds array access; popping on an empty array"
    case 0x32: return "out-of-bounds access of an array or bytesN"
    case 0x41: return "out of memory"
    case 0x51: return "uninitialized function"
    default: return "unknown panic code: \(code.hexString)"
    }
  }
  return nil
}

func formatSeconds(_ s: Double) -> String {
  s == s.rounded() ? "\(Int(s))s" : "\(s)s"
}
