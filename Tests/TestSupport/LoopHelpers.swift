// Helpers shared by the test targets: run the loop until something holds, drain pending
// work, count open descriptors (for leak checks).
import QCore

#if canImport(Glibc)
import Glibc
#endif

/// Runs the current thread's loop until `condition` holds or `timeoutMs` passes; false on
/// time-out. A 5 ms ticker keeps the loop from sleeping past the deadline.
@discardableResult
public func spinLoop(timeoutMs: Int = 3000, until condition: () -> Bool) -> Bool {
    let deadline = QDeadlineTimer(Int64(timeoutMs))
    let tick = QTimer()
    tick.start(5)
    defer { tick.delete() }
    while !condition() {
        if deadline.hasExpired { return false }
        QCoreApplication.processEvents(.waitForMoreEvents)
    }
    return true
}

/// Processes whatever is pending now, a few passes, without blocking.
public func pump(_ passes: Int = 4) {
    for _ in 0..<passes { QCoreApplication.processEvents() }
}

/// Open file descriptors of this process.
public func openDescriptorCount() -> Int {
    var count = 0
    for fd in 0..<4096 where fcntl(Int32(fd), F_GETFD) != -1 { count += 1 }
    return count
}

/// A value guarded by a pthread mutex, for test state shared between threads
/// (`Synchronization.Mutex` uses a futex that ThreadSanitizer cannot see on Linux).
public final class Guarded<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value while holding the lock.
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
