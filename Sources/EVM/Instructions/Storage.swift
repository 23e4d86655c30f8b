import Primitives
import State

// Storage (0x54 SLOAD, 0x55 SSTORE) and transient storage (0x5c TLOAD, 0x5d TSTORE, EIP-1153).

extension VirtualMachine {
  /// SLOAD: EIP-2929 cold or warm cost from Berlin (the table's static gas before).
  @inline(__always) func opSload(_ sp: inout StackPointer, _ gas: inout Int, _ msg: Message) throws(StateReadError) -> HaltReason? {
    let (v, cold) = try host.sload(msg.target, sp[-1])
    if schedule.hasWarmCold {
      gas &-= cold ? schedule.coldSload : schedule.warmAccess
      if gas < 0 { return .outOfGas }
    }
    sp[-1] = v
    return nil
  }

  @inline(__always) func opSstore(_ sp: inout StackPointer, _ gas: inout Int, _ msg: Message) throws(StateReadError) -> HaltReason? {
    let (h, left) = try sstoreOutlined(sp, gas, msg)
    gas = left
    if h == nil { sp -= 2 }
    return h
  }

  /// SSTORE's body out of line, the loop's registers in and out by value (an `inout` into an
  /// out-of-line call would keep the loop's `sp` and `gas` in memory throughout).
  @inline(never)
  func sstoreOutlined(_ sp: StackPointer, _ gas: Int, _ msg: Message) throws(StateReadError) -> (HaltReason?, Int) {
    if msg.isStatic { return (.staticWrite, gas) }
    var g = gas
    let h = try sstore(msg.target, key: sp[-1], value: sp[-2], gas: &g)
    return (h, g)
  }

  /// SSTORE with flat (Frontier–Byzantium, Petersburg), EIP-1283 (Constantinople) or EIP-2200 /
  /// EIP-2929 / EIP-3529 gas and refunds; nil on success.
  @inline(__always)
  func sstore(_ address: Address, key: U256, value new: U256, gas: inout Int) throws(StateReadError) -> HaltReason? {
    // EIP-2200: refuse when only the stipend is left.
    if schedule.sstoreStipendCheck && gas <= schedule.sstoreStipendGuard { return .outOfGas }
    let sk = SlotKey(address: address, slot: key)
    let host = self.host
    let s = try host.slot(sk)
    if !schedule.netSstoreMetering {
      // Flat metering: the cost depends on the current value alone; clearing refunds 15000.
      let current = s.current
      gas &-= current.isZeroWord && !new.isZeroWord ? schedule.sstoreSet : schedule.sstoreReset
      if gas < 0 { return .outOfGas }
      if !current.isZeroWord && new.isZeroWord { host.refund += schedule.sstoreClearRefund }
      if current != new {
        host.journal.append(.storageSet(sk, old: current))
        host.storage[sk]!.current = new
      }
      return nil
    }
    let warmCold = schedule.hasWarmCold
    var cost = 0
    if warmCold && !s.warm {
      cost = schedule.coldSload
      host.storage[sk]!.warm = true
      host.journal.append(.slotWarmed(sk))
    }
    let original = s.original, current = s.current
    let readCost = warmCold ? schedule.warmAccess : schedule.sloadFlat
    let resetCost = warmCold ? schedule.sstoreReset - schedule.coldSload : schedule.sstoreReset
    if original == current && current != new {
      cost += original.isZeroWord ? schedule.sstoreSet : resetCost
    } else {
      cost += readCost
    }
    gas &-= cost
    if gas < 0 { return .outOfGas }
    if current != new {
      let clear = schedule.sstoreClearRefund
      if !original.isZeroWord && !current.isZeroWord && new.isZeroWord { host.refund += clear }
      if !original.isZeroWord && current.isZeroWord { host.refund -= clear }
      if original == new {
        host.refund += original.isZeroWord ? schedule.sstoreSet - readCost : resetCost - readCost
      }
      host.journal.append(.storageSet(sk, old: current))
      host.storage[sk]!.current = new
    }
    return nil
  }

  @inline(__always) func opTload(_ sp: inout StackPointer, _ msg: Message) {
    sp[-1] = host.transient[SlotKey(address: msg.target, slot: sp[-1])] ?? U256(0, 0, 0, 0)
  }

  @inline(__always) func opTstore(_ sp: inout StackPointer, _ msg: Message) -> HaltReason? {
    if msg.isStatic { return .staticWrite }
    let key = SlotKey(address: msg.target, slot: sp[-1])
    let old = host.transient.updateValue(sp[-2], forKey: key) ?? U256(0, 0, 0, 0)
    host.journal.append(.transientSet(key, old: old))
    sp -= 2
    return nil
  }
}
