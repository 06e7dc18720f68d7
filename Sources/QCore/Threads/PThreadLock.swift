#if canImport(Glibc)
import Glibc
#endif

/// A plain pthread mutex on the heap, for state that several threads touch
/// (posted-event queues, the connection registry). Never held while user code runs.
final class PThreadLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always) func lock() { pthread_mutex_lock(mutex) }
    @inline(__always) func unlock() { pthread_mutex_unlock(mutex) }

    @inline(__always) func withLock<R: ~Copyable>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// The lock that guards connection bookkeeping shared between threads: a receiver's list of
/// incoming connections, a connection's receiver thread. Emitting never takes it.
let connectionRegistryLock = PThreadLock()

/// A value guarded by a `PThreadLock`. QKit uses it instead of `Synchronization.Mutex`, whose
/// Linux futex ThreadSanitizer cannot see (every access would be reported as a race).
final class Locked<Value>: @unchecked Sendable {
    private let lock = PThreadLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    @inline(__always) func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try lock.withLock { try body(&value) }
    }
}
