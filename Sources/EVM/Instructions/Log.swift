import Primitives

// LOG0–LOG4 (0xa0–0xa4): one body, the topic count as its parameter.

extension VirtualMachine {
  /// LOG`topicCount`: 375 gas per topic (static, from the table) and 8 per data byte; refused
  /// in a static frame.
  @inline(__always) func opLog(_ topicCount: Int, _ sp: inout StackPointer, _ mem: inout Memory, _ gas: inout Int,
                               _ msg: Message) -> HaltReason? {
    if msg.isStatic { return .staticWrite }
    guard let r = memoryRange(sp[-1], sp[-2]) else { return .outOfGas }
    gas &-= 8 &* r.size
    if gas < 0 { return .outOfGas }
    if r.size > 0 && !mem.expand(to: r.offset &+ r.size, gas: &gas) { return .outOfGas }
    var topics: [Hash] = []
    topics.reserveCapacity(topicCount)
    for i in 0..<topicCount { topics.append(sp[-3 - i].hash) }
    host.logs.append(Log(address: msg.target, topics: topics, data: mem.bytes(r.offset, r.size)))
    sp -= 2 + topicCount
    return nil
  }
}
