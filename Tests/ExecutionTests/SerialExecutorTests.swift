import Execution
import Primitives
import Testing

@Suite struct SerialExecutorTests {
  @Test func beaconRootsAddressIsEIP4788s() throws {
    #expect(SerialExecutor.beaconRootsAddress == (try Address(hex: "000F3df6D732807Ef1319fB7B8bB8522d0Beac02")))
  }
}
