import Chain
import Foundation
import Hummingbird
import Metrics
import Prometheus
import Synchronization

/// The server's settings (geth's flag names on the command line).
public struct RPCServerConfig: Sendable {
  public var host = "127.0.0.1"
  public var port = 8545
  public var limits = RPCLimits()
  /// Threads that run requests (LMDB reads and EVM calls block; they never run on the event
  /// loops).
  public var workers = max(4, ProcessInfo.processInfo.activeProcessorCount * 2)

  public init() {}
}

/// Counters and timers per method, the head and the store's size, in Prometheus text form.
public final class RPCMetrics: RPCObserver, @unchecked Sendable {
  // SAFETY: `registry` and `factory` are thread-safe (swift-prometheus); the per-method caches
  // are behind `lock`.
  public let registry = PrometheusCollectorRegistry()
  let factory: PrometheusMetricsFactory
  private let lock = Mutex<[String: (Metrics.Counter, Metrics.Counter, Metrics.Timer)]>([:])
  let head: Metrics.Gauge
  let storeBytes: Metrics.Gauge
  let pending: Metrics.Gauge

  public init() {
    factory = PrometheusMetricsFactory(registry: registry)
    head = Metrics.Gauge(label: "strata_head_block", factory: factory)
    storeBytes = Metrics.Gauge(label: "strata_store_bytes", factory: factory)
    pending = Metrics.Gauge(label: "strata_rpc_pending_transactions", factory: factory)
  }

  public func observe(method: String, seconds: Double, failed: Bool) {
    let (requests, errors, timer) = lock.withLock { cache in
      if let c = cache[method] { return c }
      let dims = [("method", method)]
      let c = (Metrics.Counter(label: "strata_rpc_requests_total", dimensions: dims, factory: factory),
               Metrics.Counter(label: "strata_rpc_errors_total", dimensions: dims, factory: factory),
               Metrics.Timer(label: "strata_rpc_duration_seconds", dimensions: dims, factory: factory))
      cache[method] = c
      return c
    }
    requests.increment()
    if failed { errors.increment() }
    timer.recordNanoseconds(Int64(seconds * 1e9))
  }

  /// The Prometheus exposition text, with the gauges read now.
  public func render(handler: RPCHandler) -> [UInt8] {
    if let h = try? handler.chain.store.read({ try $0.head() }) { head.record(Double(h.number)) }
    storeBytes.record(Double(handler.chain.store.usedBytes))
    pending.record(Double(handler.pool.count))
    var out: [UInt8] = []
    registry.emit(into: &out)
    return out
  }
}

/// A fixed set of threads that run blocking work for the async HTTP handlers.
final class WorkerPool: @unchecked Sendable {
  // SAFETY: `jobs` is guarded by `condition`.
  private let condition = NSCondition()
  private var jobs: [@Sendable () -> Void] = []

  init(threads: Int) {
    for _ in 0..<max(1, threads) {
      let t = Thread { [self] in self.loop() }
      t.stackSize = 16 << 20
      t.start()
    }
  }

  private func loop() {
    while true {
      condition.lock()
      while jobs.isEmpty { condition.wait() }
      let job = jobs.removeFirst()
      condition.unlock()
      job()
    }
  }

  func submit(_ job: @escaping @Sendable () -> Void) {
    condition.lock()
    jobs.append(job)
    condition.signal()
    condition.unlock()
  }

  func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { c in submit { c.resume(returning: body()) } }
  }
}

/// JSON-RPC over HTTP: POST / with a request or a batch, GET /metrics.
public enum RPCServer {
  /// Builds the Hummingbird application; `onReady` gets the bound port.
  public static func application(
    handler: RPCHandler, metrics: RPCMetrics, config: RPCServerConfig,
    onReady: @escaping @Sendable (Int) -> Void = { _ in }
  ) -> some ApplicationProtocol {
    let pool = WorkerPool(threads: config.workers)
    let router = Router()
    let limit = config.limits.maxBodyBytes
    router.post("/") { request, _ -> Response in
      let body: ByteBuffer
      do {
        body = try await request.body.collect(upTo: limit)
      } catch {
        let text = "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32005,\"message\":\"request body exceeds the limit of \(limit) bytes\"}}"
        return Response(status: .contentTooLarge, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
      }
      let bytes = Array(body.readableBytesView)
      let out = await pool.run { handler.handle(bytes) }
      return Response(status: .ok, headers: [.contentType: "application/json"],
                      body: .init(byteBuffer: ByteBuffer(bytes: out)))
    }
    router.get("/metrics") { _, _ -> Response in
      let out = await pool.run { metrics.render(handler: handler) }
      return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                      body: .init(byteBuffer: ByteBuffer(bytes: out)))
    }
    router.get("/health") { _, _ -> String in "ok\n" }
    let app = Application(
      router: router,
      configuration: .init(address: .hostname(config.host, port: config.port), serverName: "strata"),
      onServerRunning: { channel in onReady(channel.localAddress?.port ?? config.port) })
    return app
  }

  /// Serves until the process is stopped.
  public static func run(handler: RPCHandler, metrics: RPCMetrics, config: RPCServerConfig,
                         onReady: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
    try await application(handler: handler, metrics: metrics, config: config, onReady: onReady).runService()
  }
}
