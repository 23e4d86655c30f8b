import Primitives
import State
import Testing
@testable import EVM

/// Code that returns the gas left after its GAS opcode.
let gasReporter = Asm().op(.gas).returnTop()

@Suite struct CallTests {
  @Test func allButOne64th() throws {
    let state = TestState()
    state.set(other, code: gasReporter.bytes)
    let code = Asm().call(gas: .max, to: other, outSize: 32).op(.pop).push(0).op(.mload).returnTop()
    let g = 1_000_000
    let (_, _, r, _) = try frameGas(code, state: state, gas: g)
    #expect(r.status == .success)
    // 7 pushes (21), CALL: cold 2600 + memory 3; the callee gets all but 1/64 and spends 2 on GAS.
    let available = g - 21 - 2603
    #expect(U256(bigEndian: r.output) == U256(available - available / 64 - 2))
  }

  @Test func requestedGasBelowCap() throws {
    let state = TestState()
    state.set(other, code: gasReporter.bytes)
    let code = Asm().call(gas: U256(5000), to: other, outSize: 32).op(.pop).push(0).op(.mload).returnTop()
    let (_, _, r, _) = try frameGas(code, state: state)
    #expect(U256(bigEndian: r.output) == U256(5000 - 2))
  }

  @Test func stipendAndValueCosts() throws {
    let state = TestState()
    state.set(other, code: gasReporter.bytes)
    state.set(contract, balance: U256(10), code: Asm().call(gas: .zero, to: other, value: 1, outSize: 32).op(.pop).push(0).op(.mload).returnTop().bytes)
    let (used, _, r, _) = try frameGas(Asm(), state: state)
    #expect(U256(bigEndian: r.output) == U256(2300 - 2))
    // pushes 21 + cold 2600 + value 9000 + memory 3; the stipend is free and the callee's
    // unspent 2300 − 17 comes back; then POP, PUSH, MLOAD, PUSH, MSTORE, PUSH, PUSH, RETURN (20).
    #expect(used == 21 + 2600 + 9000 + 3 - (2300 - 17) + 20)
  }

  @Test func valueToNewAccountCosts25000() throws {
    let state = TestState()
    state.set(contract, balance: U256(10), code: Asm().call(gas: .zero, to: other, value: 1).bytes)
    let (used, _, r, _) = try frameGas(Asm(), state: state)
    #expect(r.status == .success)
    #expect(used == 21 + 2600 + 9000 + 25000 - 2300)
    // Zero value to a new account: no surcharge.
    let s2 = TestState()
    s2.set(contract, code: Asm().call(gas: .zero, to: other, value: 0).bytes)
    #expect(try frameGas(Asm(), state: s2).used == 21 + 2600)
  }

  @Test func insufficientBalanceFailsAndRefundsGas() throws {
    let state = TestState()
    state.set(other, code: gasReporter.bytes)
    state.set(contract, code: Asm().call(gas: U256(1000), to: other, value: 1).returnTop().bytes)
    let (used, _, r, _) = try frameGas(Asm(), state: state)
    #expect(U256(bigEndian: r.output) == .zero)
    // As the specification has it, the failed call returns the gas *and* the stipend.
    #expect(used == 21 + 2600 + 9000 - 2300 + 15)
  }

  @Test func depthLimit() throws {
    let state = TestState()
    state.set(other, code: gasReporter.bytes)
    let code = Asm().call(gas: U256(1000), to: other).returnTop()
    let (_, _, deep, _) = try frameGas(code, state: state, depth: 1024)
    #expect(U256(bigEndian: deep.output) == .zero)
    let s2 = TestState()
    s2.set(other, code: gasReporter.bytes)
    let (_, _, ok, _) = try frameGas(code, state: s2, depth: 1023)
    #expect(U256(bigEndian: ok.output) == .one)
  }

  @Test func revertUndoesCalleeState() throws {
    let state = TestState()
    // other: SSTORE(0, 1), LOG0, then REVERT with 2 bytes of data.
    state.set(other, code: Asm().push(1).push(0).op(.sstore).push(0).push(0).op(.log0).push(0xabcd).push(0).op(.mstore)
      .push(2).push(30).op(.revert).bytes)
    let code = Asm().push(7).push(1).op(.sstore).call(to: other).push(2).op(.sstore).op(.returndatasize).push(3).op(.sstore)
    let r = try exec(code, state: state)
    #expect(r.status == .success)
    #expect(r.logs.isEmpty)
    #expect(state.slot(contract, 1) == U256(7))
    #expect(state.slot(contract, 2) == .zero)  // call failed
    #expect(state.slot(contract, 3) == U256(2))
    #expect(state.slot(other, 0) == .zero)
  }

  @Test func staticCallForbidsWrites() throws {
    let state = TestState()
    state.set(other, code: Asm().push(1).push(0).op(.sstore).bytes)
    let code = Asm().call(.staticcall, to: other).returnTop()
    #expect(try exec(code, state: state).word == .zero)
    let s2 = TestState()
    s2.set(other, code: gasReporter.bytes)
    #expect(try exec(Asm().call(.staticcall, to: other).returnTop(), state: s2).word == .one)
    // CALL with value inside a static frame halts.
    let s3 = TestState()
    s3.set(contract, balance: U256(5), code: Asm().call(to: other, value: 1).bytes)
    let (_, _, r, _) = try frameGas(Asm(), state: s3, isStatic: true)
    #expect(r.status == .halt(.staticWrite))
  }

  @Test func delegatecallAndCallcodeContext() throws {
    let state = TestState()
    // Library: stores CALLER at slot 0 and CALLVALUE at slot 1 of whoever runs it.
    state.set(other, code: Asm().op(.caller).push(0).op(.sstore).op(.callvalue).push(1).op(.sstore).bytes)
    try exec(Asm().call(.delegatecall, to: other), state: state, value: U256(9))
    #expect(state.slot(contract, 0) == sender.evmWord)
    #expect(state.slot(contract, 1) == U256(9))
    #expect(state.slot(other, 0) == .zero)
    let s2 = TestState()
    s2.set(other, code: Asm().op(.caller).push(0).op(.sstore).op(.callvalue).push(1).op(.sstore).bytes)
    try exec(Asm().call(.callcode, to: other, value: 4), state: s2, value: U256(9))
    #expect(s2.slot(contract, 0) == contract.evmWord)
    #expect(s2.slot(contract, 1) == U256(4))
  }

  @Test func stateReadBlockedPropagates() throws {
    let state = TestState()
    state.set(contract, code: Asm().push(5).op(.sload).bytes)
    state.blockedSlot = (contract, U256(5), 3)
    #expect(throws: TransactError.state(.blocked(on: 3))) { try run(state, to: contract) }
    // Also from a nested frame.
    let s2 = TestState()
    s2.set(other, code: Asm().push(5).op(.sload).bytes)
    s2.set(contract, code: Asm().call(to: other).bytes)
    s2.blockedSlot = (other, U256(5), 4)
    #expect(throws: TransactError.state(.blocked(on: 4))) { try run(s2, to: contract) }
  }
}

@Suite struct CreateTests {
  @Test func addressDerivation() throws {
    // Well-known vectors: CREATE from 0x6ac7…dbf0 at nonce 0; EIP-1014 example 0.
    let a = createAddress(sender: try Address(hex: "6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0"), nonce: 0)
    #expect(a == (try Address(hex: "cd234a471b72ba2f1ccf0a70fcaba648a5eecd8d")))
    let a1 = createAddress(sender: try Address(hex: "6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0"), nonce: 1)
    #expect(a1 == (try Address(hex: "343c43a37d37dff08ae8c4a11544c718abb4fcf8")))
    let b = create2Address(sender: .zero, salt: .zero, initcodeHash: Keccak256.hash([UInt8(0)]))
    #expect(b == (try Address(hex: "4D1A2e2bB4F88F0250f26Ffff098B0b30B26BF38")))
    let c = create2Address(sender: try Address(hex: "deadbeef00000000000000000000000000000000"), salt: .zero,
                           initcodeHash: Keccak256.hash([UInt8(0)]))
    #expect(c == (try Address(hex: "B928f69Bb1D91Cd65274e3c79d8986362984fDA3")))
  }

  /// CALLDATACOPY the initcode to memory, then CREATE or CREATE2 (salt 0x42) it.
  static func factory(create2: Bool, value: Int = 0) -> Asm {
    var a = Asm().op(.calldatasize).push(0).push(0).op(.calldatacopy)
    if create2 { a = a.push(0x42) }
    a = a.op(.calldatasize).push(0).push(value).op(create2 ? .create2 : .create)
    return a.returnTop()
  }

  @Test func createDeploysCode() throws {
    let runtime = Asm().push(0x2a).returnTop().bytes
    let initcode = Asm.deploy(runtime)
    let state = TestState()
    state.set(contract, nonce: 1, code: CreateTests.factory(create2: false).bytes)
    let r = try exec(Asm(), state: state, data: initcode)
    let expected = createAddress(sender: contract, nonce: 1)
    #expect(r.word == expected.evmWord)
    #expect(state.accounts[expected]?.nonce == 1)
    #expect(state.accounts[contract]?.nonce == 2)
    #expect(state.codes[Keccak256.hash(runtime)] == runtime)
    // The deployed code runs.
    #expect(try run(state, to: expected).word == U256(0x2a))
  }

  @Test func create2DeploysAtDerivedAddress() throws {
    let runtime: [UInt8] = [0x00]
    let initcode = Asm.deploy(runtime)
    let state = TestState()
    state.set(contract, nonce: 1, code: CreateTests.factory(create2: true).bytes)
    let r = try exec(Asm(), state: state, data: initcode)
    let expected = create2Address(sender: contract, salt: U256(0x42), initcodeHash: Keccak256.hash(initcode))
    #expect(r.word == expected.evmWord)
    // A second CREATE2 with the same salt collides: 0, and the child's gas is gone.
    let r2 = try exec(Asm(), state: state, data: initcode)
    #expect(r2.word == .zero)
    #expect(state.accounts[contract]?.nonce == 3)
  }

  @Test func createGas() throws {
    // CREATE of empty initcode: 32000 static; nothing else (no memory, no words).
    let (used, _, r, _) = try frameGas(Asm().push(0).push(0).push(0).op(.create))
    #expect(r.status == .success)
    #expect(used == 9 + 32000)
    // CREATE2 of one word of zeros: 32000 + 2 (EIP-3860) + 6 (hashing) + memory 3.
    let (used2, _, _, _) = try frameGas(Asm().push(0).push(32).push(0).push(0).op(.create2))
    #expect(used2 == 12 + 32000 + 2 + 6 + 3)
  }

  @Test func initcodeSizeLimit() throws {
    // EIP-3860: 49152 bytes are fine, 49153 halt with out of gas.
    let ok = Asm().push(49152).push(0).push(0).op(.create).returnTop()
    let rOk = try exec(ok, gas: 2_000_000)
    #expect(rOk.status == .success)
    #expect(rOk.word != .zero)
    let bad = Asm().push(49153).push(0).push(0).op(.create)
    #expect(try exec(bad, gas: 2_000_000).status == .halt(.outOfGas))
    // As transaction data it is an invalid transaction.
    #expect(throws: TransactError.invalid(.initcodeTooLarge(size: 49153))) {
      try run(TestState(), to: nil, data: [UInt8](repeating: 0, count: 49153), gas: 10_000_000)
    }
  }

  @Test func codeSizeLimit() throws {
    // EIP-170: returning 24577 bytes fails; 24576 deploys (200 gas per byte).
    let big = Asm().push(0x6001).push(0).op(.return).bytes
    let r = try run(TestState(), to: nil, data: big, gas: 10_000_000)
    #expect(r.status == .halt(.codeSizeLimit))
    #expect(r.gasUsed == 10_000_000)
    let fits = Asm().push(0x6000).push(0).op(.return).bytes
    let r2 = try run(TestState(), to: nil, data: fits, gas: 10_000_000)
    #expect(r2.status == .success)
    #expect(r2.createdAddress != nil)
  }

  @Test func rejectsEFPrefix() throws {
    // EIP-3541.
    let ef = Asm().push(0xef).push(0).op(.mstore8).push(1).push(0).op(.return).bytes
    #expect(try run(TestState(), to: nil, data: ef).status == .halt(.invalidCodePrefix))
    let fe = Asm().push(0xfe).push(0).op(.mstore8).push(1).push(0).op(.return).bytes
    #expect(try run(TestState(), to: nil, data: fe).status == .success)
    #expect(try run(TestState(), to: nil, data: ef, fork: .berlin).status == .success)
  }

  @Test func creationTransactionGas() throws {
    // Intrinsic: 21000 + 32000 + calldata + 2 per initcode word; then the deposit.
    let runtime: [UInt8] = [0x00, 0x00]
    let initcode = Asm.deploy(runtime)
    let state = TestState()
    let r = try run(state, to: nil, data: initcode)
    #expect(r.status == .success)
    let intrinsic = VirtualMachine.intrinsicGas(data: initcode, isCreate: true, accessList: [], fork: .cancun)
    let nonzero = initcode.filter { $0 != 0 }.count
    #expect(intrinsic == UInt64(21000 + 32000 + 16 * nonzero + 4 * (initcode.count - nonzero) + 2 * 1))
    // PUSH2 PUSH1 PUSH1 CODECOPY(3 + 3 + mem 3) PUSH2 PUSH1 RETURN, deposit 2·200.
    #expect(r.gasUsed == intrinsic + 9 + 9 + 6 + 400)
    let address = createAddress(sender: sender, nonce: 0)
    #expect(r.createdAddress == address)
    #expect(r.writeSet.accounts.contains { $0.address == address && $0.code == runtime && $0.account?.nonce == 1 })
  }
}

@Suite struct SelfdestructTests {
  @Test func eip6780KeepsPreexistingAccount() throws {
    let state = TestState()
    let code = Asm().push(other).op(.selfdestruct)
    state.set(contract, balance: U256(100), code: code.bytes)
    let (used, _, r, _) = try frameGas(Asm(), state: state)
    #expect(r.status == .success)
    // 5000 + cold beneficiary 2600 + new account 25000 (it receives a balance).
    #expect(used == 3 + 5000 + 2600 + 25000)
    let s2 = TestState()
    s2.set(contract, balance: U256(100), code: code.bytes)
    let tx = try exec(Asm(), state: s2)
    #expect(tx.status == .success)
    #expect(s2.accounts[contract]?.codeHash == Keccak256.hash(code.bytes))
    #expect(s2.accounts[contract]?.balance == .zero)
    #expect(s2.accounts[other]?.balance == U256(100))
  }

  /// Before EIP-161 the beneficiary of a zero-balance SELFDESTRUCT and the target of a
  /// zero-value CALL come into existence as empty accounts; from Spurious Dragon they do not.
  @Test(arguments: [Fork.frontier, .homestead, .tangerineWhistle, .spuriousDragon])
  func emptyAccountsCreatedBeforeEIP161(fork: Fork) throws {
    let beneficiary = Address(low: 0xbe_ef), callee = Address(low: 0xca_11)
    let state = TestState()
    state.set(other, code: Asm().push(beneficiary).op(.selfdestruct).bytes)
    let code = Asm().call(gas: U256(100_000), to: other).op(.pop).call(gas: U256(100_000), to: callee).op(.pop)
    let r = try exec(code, state: state, fork: fork)
    #expect(r.status == .success)
    let created = fork < .spuriousDragon
    #expect((state.accounts[beneficiary] != nil) == created)
    #expect((state.accounts[callee] != nil) == created)
    #expect(state.accounts[other] == nil)
  }

  @Test func preCancunDeletes() throws {
    let state = TestState()
    state.set(contract, balance: U256(100), code: Asm().push(other).op(.selfdestruct).bytes)
    let r = try exec(Asm(), state: state, fork: .shanghai)
    #expect(r.status == .success)
    #expect(state.accounts[contract] == nil)
    #expect(state.accounts[other]?.balance == U256(100))
  }

  @Test func createdInSameTransactionIsDeleted() throws {
    // Initcode that selfdestructs to `other` right away.
    let initcode = Asm().push(other).op(.selfdestruct).bytes
    let state = TestState()
    state.set(contract, nonce: 1, code: CreateTests.factory(create2: false, value: 5).bytes, storage: [:])
    state.accounts[contract]!.balance = U256(50)
    let r = try exec(Asm(), state: state, data: initcode)
    #expect(r.status == .success)
    let created = createAddress(sender: contract, nonce: 1)
    #expect(r.word == created.evmWord)
    #expect(state.accounts[created] == nil)
    #expect(!r.writeSet.accounts.contains { $0.address == created })
    #expect(state.accounts[other]?.balance == U256(5))
  }

  @Test func selfdestructToSelfInCreatingTxBurns() throws {
    let initcode = Asm().op(.address).op(.selfdestruct).bytes
    let state = TestState()
    state.set(contract, nonce: 1, code: CreateTests.factory(create2: false, value: 5).bytes)
    state.accounts[contract]!.balance = U256(50)
    try exec(Asm(), state: state, data: initcode)
    #expect(state.accounts[createAddress(sender: contract, nonce: 1)] == nil)
    #expect(state.accounts[contract]?.balance == U256(45))
  }

  @Test func staticSelfdestructHalts() throws {
    let (_, _, r, _) = try frameGas(Asm().op(.address).op(.selfdestruct), isStatic: true)
    #expect(r.status == .halt(.staticWrite))
  }
}
