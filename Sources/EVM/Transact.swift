import Primitives
import State

extension VirtualMachine {
  /// The intrinsic gas of a transaction: 21000, calldata (EIP-2028), creation (EIP-2),
  /// initcode words (EIP-3860), the access list (EIP-2930) and 25,000 per authorization
  /// (EIP-7702).
  public static func intrinsicGas(data: [UInt8], isCreate: Bool, accessList: [AccessListEntry], fork: Fork,
                                  authorizations: Int = 0) -> UInt64 {
    var gas: UInt64 = 21000
    var zeros: UInt64 = 0
    for b in data where b == 0 { zeros += 1 }
    let nonzeroCost: UInt64 = fork >= .istanbul ? 16 : 68
    gas += zeros * 4 + (UInt64(data.count) - zeros) * nonzeroCost
    if isCreate && fork >= .homestead {
      gas += 32000
      if fork >= .shanghai { gas += 2 * ((UInt64(data.count) + 31) / 32) }
    }
    for entry in accessList { gas += 2400 + 1900 * UInt64(entry.storageKeys.count) }
    gas += UInt64(Delegation.perEmptyAccountCost) * UInt64(authorizations)
    return gas
  }

  /// EIP-7623 (Prague): the least gas a transaction is charged, 21,000 + 10 per calldata token
  /// (a zero byte one token, a non-zero byte four).
  public static func floorDataGas(data: [UInt8]) -> UInt64 {
    var zeros: UInt64 = 0
    for b in data where b == 0 { zeros += 1 }
    return 21000 + 10 * (zeros + 4 * (UInt64(data.count) - zeros))
  }

  /// EIP-4844: gas per blob.
  public static let gasPerBlob: UInt64 = 131_072

  /// Executes one transaction: the whole EVM side of it.
  ///
  /// In order: checks the sender (nonce when `tx.nonce` is set, EIP-3607 no code but an
  /// EIP-7702 designator, balance for `gasLimit × maxFeePerGas + blob gas × maxFeePerBlobGas +
  /// value`) and the intrinsic gas (and the EIP-7623 calldata floor from Prague); increments the
  /// nonce; buys the gas (`gasLimit × gasPrice`) and pays the blob fee
  /// (`blobs × 131072 × blobBaseFee`); warms the sender, the target, the precompiles, the coinbase
  /// (EIP-3651) and the access list; applies the EIP-7702 authorizations; runs the call (a
  /// designator's delegate's code) or creation; applies the refund capped at gasUsed / 5
  /// (EIP-3529) and charges at least the floor; returns the unused gas to the sender; credits the
  /// priority fee `gasUsed × (gasPrice − baseFee)` to the coinbase.
  ///
  /// Accounts the transaction never read are credited without being read (`Host.credit`): the
  /// fee recipient, and the recipient of a plain value transfer when `state` allows it
  /// (`StateReader.canCreditUnread`); those credits are in `result.writeSet.credits`.
  ///
  /// The header-level checks (fee cap ≥ base fee, blob count, gas against the block's remaining
  /// gas, the transaction's chain id and signature) are the executor's.
  ///
  /// - Parameters:
  ///   - tx: the transaction, with its recovered sender.
  ///   - state: the state before the transaction.
  /// - Returns: status, gas used (after refund), refund, logs, output and the write set.
  /// - Throws: `.state` when the reader throws (`.blocked(on:)` included: it is never turned
  ///   into a halt); `.invalid` when the transaction cannot be executed against `state`.
  public func transact(_ tx: TxEnv, state: any StateReader) throws(TransactError) -> ExecutionResult {
    beginTransaction(reader: state, origin: tx.caller, gasPrice: tx.gasPrice, blobHashes: tx.blobHashes)
    defer { host.end() }
    let host = self.host
    let isCreate = tx.to == nil
    func read<T>(_ body: () throws(StateReadError) -> T) throws(TransactError) -> T {
      do { return try body() } catch { throw .state(error) }
    }

    // Validation against the state.
    if isCreate && tx.data.count > schedule.maxInitcodeSize {
      throw .invalid(.initcodeTooLarge(size: tx.data.count))
    }
    let intrinsic = VirtualMachine.intrinsicGas(data: tx.data, isCreate: isCreate, accessList: tx.accessList, fork: fork,
                                                authorizations: tx.authorizations.count)
    // EIP-7623: the gas limit covers the calldata floor too.
    let floor = fork >= .prague ? VirtualMachine.floorDataGas(data: tx.data) : 0
    if tx.gasLimit < Swift.max(intrinsic, floor) {
      throw .invalid(.intrinsicGasTooLow(limit: tx.gasLimit, intrinsic: Swift.max(intrinsic, floor)))
    }
    let sender = try read { () throws(StateReadError) in try host.account(tx.caller) }
    if let n = tx.nonce, n != sender.nonce { throw .invalid(.nonceMismatch(expected: sender.nonce, got: n)) }
    if sender.nonce == UInt64.max { throw .invalid(.nonceOverflow) }
    if sender.codeHash != .emptyKeccak {
      // EIP-3607, with EIP-7702's exception: a delegated account still sends transactions.
      var delegated = false
      if fork >= .prague {
        delegated = try read { () throws(StateReadError) in try host.code(tx.caller) }.delegationTarget != nil
      }
      if !delegated { throw .invalid(.senderHasCode) }
    }
    let gasLimit = U256(tx.gasLimit)
    let blobGas = U256(VirtualMachine.gasPerBlob * UInt64(tx.blobHashes.count))
    let (maxGasCost, o1) = gasLimit.multipliedReportingOverflow(by: tx.maxFeePerGas ?? tx.gasPrice)
    let (maxBlobCost, o2) = blobGas.multipliedReportingOverflow(by: tx.maxFeePerBlobGas)
    let (s1, o3) = maxGasCost.addingReportingOverflow(maxBlobCost)
    let (needed, o4) = s1.addingReportingOverflow(tx.value)
    if o1 || o2 || o3 || o4 || sender.balance < needed {
      throw .invalid(.insufficientFunds(balance: sender.balance, needed: needed))
    }

    // Nonce, gas purchase, blob fee.
    let gasCost = gasLimit &* tx.gasPrice
    let blobFee = blobGas &* block.blobBaseFee
    try read { () throws(StateReadError) in
      try host.setNonce(tx.caller, sender.nonce + 1)
      try host.setBalance(tx.caller, sender.balance &- gasCost &- blobFee)
    }

    // Warm sets (EIP-2929, EIP-2930, EIP-3651); precompiles are always warm. No account is read.
    let target = tx.to ?? createAddress(sender: tx.caller, nonce: sender.nonce)
    if schedule.hasWarmCold {
      host.warmAccounts.insert(tx.caller)
      host.warmAccounts.insert(target)
      if schedule.warmCoinbase { host.warmAccounts.insert(block.coinbase) }
      for entry in tx.accessList {
        host.warmAccounts.insert(entry.address)
        for key in entry.storageKeys { host.prewarmedSlots.insert(SlotKey(address: entry.address, slot: key)) }
      }
    }

    // EIP-7702: the authorizations, kept whatever the call does.
    var authorizationRefund = 0
    if !tx.authorizations.isEmpty {
      authorizationRefund = try read { () throws(StateReadError) in try applyAuthorizations(tx.authorizations) }
    }

    // The message.
    let gas = Int(tx.gasLimit - intrinsic)
    let msg = Message(caller: tx.caller, target: target, codeAddress: target, value: tx.value, input: isCreate ? [] : tx.data,
                      gas: gas, depth: 0, isStatic: false, transfersValue: true)
    let clears = schedule.clearsEmptyAccounts
    let frame: FrameResult = try read { () throws(StateReadError) in
      if !isCreate, !tx.value.isZero, !host.isLoaded(target), host.precompileIndex(target) == nil,
         try state.canCreditUnread(target) {
        // A plain transfer: no code runs, nothing else reads the recipient, and the credit
        // leaves it non-empty (no EIP-161 deletion to decide).
        try host.setBalance(tx.caller, try host.balance(tx.caller) &- tx.value)
        try host.credit(target, tx.value, clearsEmptyAccounts: clears)
        return FrameResult(status: .success, gasLeft: gas, output: [])
      }
      if isCreate {
        if try host.account(target).hasCodeOrNonceOrStorage { return .halt(.addressCollision) }
        return try createMessage(msg, initcode: tx.data)
      }
      // EIP-7702: a target with a designator runs its delegate's code (warmed, free of charge).
      if fork >= .prague, let d = try host.code(target).delegationTarget {
        var delegatedMsg = msg
        delegatedMsg.codeAddress = d
        delegatedMsg.delegated = true
        host.warmAccounts.insert(d)
        return try callMessage(delegatedMsg)
      }
      return try callMessage(msg)
    }
    if frame.status != .success {
      host.logs.removeAll()
      host.refund = 0
    }

    // Refund (EIP-3529), unused gas back to the sender, fee to the coinbase.
    let usedBeforeRefund = tx.gasLimit - UInt64(frame.gasLeft)
    let refunded = min(usedBeforeRefund / UInt64(schedule.refundQuotient), UInt64(max(host.refund + authorizationRefund, 0)))
    // EIP-7623: at least the calldata floor is charged.
    let gasUsed = Swift.max(usedBeforeRefund - refunded, floor)
    let priorityFee = tx.gasPrice > block.baseFee ? tx.gasPrice &- block.baseFee : .zero
    let fee = U256(gasUsed) &* priorityFee
    try read { () throws(StateReadError) in
      let back = U256(tx.gasLimit - gasUsed) &* tx.gasPrice
      if !back.isZero { try host.setBalance(tx.caller, try host.balance(tx.caller) &+ back) }
      try host.credit(block.coinbase, fee, clearsEmptyAccounts: clears)
    }

    return ExecutionResult(
      status: frame.status, gasUsed: gasUsed, gasRefunded: refunded, output: frame.output,
      logs: frame.status == .success ? host.logs : [],
      createdAddress: isCreate && frame.status == .success ? target : nil,
      writeSet: host.makeWriteSet(clearsEmptyAccounts: clears))
  }
}
