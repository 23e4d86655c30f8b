#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a pthread mutex (as SwiftNIO's `NIOLockedValueBox`).
///
/// Used instead of `Synchronization.Mutex` because ThreadSanitizer sees pthread locks (it
/// intercepts them) but not the Linux `Mutex`'s futex word, and reports every access it guards
/// as a race: the Block-STM tests must run clean under TSan. The lock is not recursive.
final class Locked<Value>: @unchecked Sendable {
  // SAFETY: `value` is only read or written between `pthread_mutex_lock` and
  // `pthread_mutex_unlock` of `mutex`, which this object allocates, owns and frees.
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private var value: Value

  init(_ value: Value) {
    self.value = value
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    let rc = pthread_mutex_init(mutex, nil)
    precondition(rc == 0, "pthread_mutex_init failed: \(rc)")
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deinitialize(count: 1)
    mutex.deallocate()
  }

  /// Runs `body` with exclusive access to the value.
  @inline(__always)
  func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }
}
