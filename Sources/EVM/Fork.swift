/// The protocol upgrades whose rules the interpreter knows, in activation order.
///
/// Rules are tested as `fork >= .berlin`, so an earlier fork can be added by teaching the few
/// places that differ (the ``GasSchedule`` and the opcode table) rather than every opcode.
/// The blob-parameter-only forks (EIP-7892: BPO1, BPO2, …) change nothing but the blob schedule,
/// so they are not cases here: ``ChainConfig`` selects their blob parameters by timestamp and
/// their blocks run `.osaka`'s rules.
public enum Fork: Int, Comparable, Sendable, CaseIterable {
  case frontier, homestead, tangerineWhistle, spuriousDragon, byzantium, constantinople,
    petersburg, istanbul, berlin, london, paris, shanghai, cancun, prague, osaka

  public static func < (a: Fork, b: Fork) -> Bool { a.rawValue < b.rawValue }
}

/// Gas constants and rule switches of one fork: everything the interpreter charges that is not a
/// plain static cost in the opcode table.
public struct GasSchedule: Sendable {
  public let fork: Fork

  // EIP-2929 (Berlin): warm/cold access.
  public var coldAccountAccess = 2600
  public var coldSload = 2100
  public var warmAccess = 100
  /// Pre-Berlin flat costs (Tangerine Whistle / Istanbul repricings).
  public var sloadFlat: Int
  public var balanceFlat: Int
  public var extcodeFlat: Int
  public var extcodehashFlat: Int
  public var callFlat: Int
  public var selfdestructBase: Int

  // SSTORE (EIP-2200, EIP-3529).
  public var sstoreSet = 20000
  public var sstoreReset = 5000
  public var sstoreClearRefund: Int
  public var sstoreStipendGuard = 2300

  // Calls and creation.
  public var callValue = 9000
  public var callStipend = 2300
  public var newAccount = 25000
  public var create = 32000
  public var codeDeposit = 200
  /// EIP-170 (Spurious Dragon).
  public var maxCodeSize: Int
  /// EIP-3860 (Shanghai): max initcode size, and 2 gas per initcode word.
  public var maxInitcodeSize: Int
  public var initcodeWord: Int

  public var expByte: Int
  public var selfdestructRefund: Int
  /// Refund cap divisor: gasUsed / 5 since London (EIP-3529), / 2 before.
  public var refundQuotient: Int

  // Rule switches.
  public var hasWarmCold: Bool { fork >= .berlin }
  /// EIP-150: all but one 64th.
  public var allButOne64th: Bool { fork >= .tangerineWhistle }
  /// EIP-3541: reject new code starting with 0xEF.
  public var rejectsEFCode: Bool { fork >= .london }
  /// EIP-6780: SELFDESTRUCT only deletes accounts created in the same transaction.
  public var selfdestructOnlyInCreatingTx: Bool { fork >= .cancun }
  /// EIP-3651: the coinbase starts warm.
  public var warmCoinbase: Bool { fork >= .shanghai }
  /// Net gas metering for SSTORE: EIP-1283 in Constantinople (withdrawn in Petersburg), EIP-2200
  /// from Istanbul. Otherwise flat: 20000 to set a zero slot, 5000 for any other write.
  public var netSstoreMetering: Bool { fork == .constantinople || fork >= .istanbul }
  /// EIP-2200 (Istanbul): SSTORE fails when no more than the call stipend is left.
  public var sstoreStipendCheck: Bool { fork >= .istanbul }
  /// EIP-161: empty accounts count as dead and touched empty accounts are deleted.
  public var clearsEmptyAccounts: Bool { fork >= .spuriousDragon }

  public init(fork: Fork) {
    self.fork = fork
    sloadFlat = fork >= .istanbul ? 800 : fork >= .tangerineWhistle ? 200 : 50
    balanceFlat = fork >= .istanbul ? 700 : fork >= .tangerineWhistle ? 400 : 20
    extcodeFlat = fork >= .tangerineWhistle ? 700 : 20
    extcodehashFlat = fork >= .istanbul ? 700 : 400
    callFlat = fork >= .tangerineWhistle ? 700 : 40
    selfdestructBase = fork >= .tangerineWhistle ? 5000 : 0
    sstoreClearRefund = fork >= .london ? 4800 : 15000
    maxCodeSize = fork >= .spuriousDragon ? 24576 : .max
    maxInitcodeSize = fork >= .shanghai ? 49152 : .max
    initcodeWord = fork >= .shanghai ? 2 : 0
    expByte = fork >= .spuriousDragon ? 50 : 10
    selfdestructRefund = fork >= .london ? 0 : 24000
    refundQuotient = fork >= .london ? 5 : 2
  }
}
