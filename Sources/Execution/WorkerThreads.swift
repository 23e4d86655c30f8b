#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body(worker)` on `count` OS threads (worker 0 is a new thread too, so every worker gets
/// the same large stack: EVM frames nest by recursion, and a 1024-deep call chain needs more
/// than a default 512 KiB–8 MiB thread stack). Returns when all have finished.
///
/// OS threads rather than tasks: workers block on each other (Block-STM dependencies), which
/// would starve Swift's cooperative pool.
public func runOnWorkerThreads(_ count: Int, stackSize: Int = 256 << 20, _ body: @escaping @Sendable (Int) -> Void) {
  final class Box: @unchecked Sendable {
    // SAFETY: immutable after construction; read by the one thread it is handed to.
    let body: @Sendable (Int) -> Void
    let index: Int
    init(_ body: @escaping @Sendable (Int) -> Void, _ index: Int) { self.body = body; self.index = index }
  }
  var threads: [pthread_t] = []
  for i in 0..<max(1, count) {
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    pthread_attr_setstacksize(&attr, stackSize)
    let box = Unmanaged.passRetained(Box(body, i)).toOpaque()
    var t = pthread_t()
    let rc = pthread_create(&t, &attr, { raw in
      let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
      box.body(box.index)
      return nil
    }, box)
    pthread_attr_destroy(&attr)
    if rc != 0 {
      // Could not start a thread: run this worker's share on the caller instead.
      Unmanaged<Box>.fromOpaque(box).release()
      body(i)
    } else {
      threads.append(t)
    }
  }
  // pthread_join orders every worker's writes before the caller's later reads.
  for t in threads { pthread_join(t, nil) }
}
