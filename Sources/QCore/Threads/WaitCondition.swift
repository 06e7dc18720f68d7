#if canImport(Glibc)
import Glibc
#endif

/// A mutex + condition variable pair for the few places that block a thread
/// (`QThread.wait`, blocking-queued calls). Heap-allocated so the pthread objects never move.
final class WaitCondition: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>
    private var signalled = false

    init() {
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(cond, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        cond.deallocate()
    }

    /// Marks the condition reached and wakes every waiter.
    func signal() {
        pthread_mutex_lock(mutex)
        signalled = true
        pthread_cond_broadcast(cond)
        pthread_mutex_unlock(mutex)
    }

    /// Clears the reached flag (for reuse, e.g. a restarted thread).
    func reset() {
        pthread_mutex_lock(mutex)
        signalled = false
        pthread_mutex_unlock(mutex)
    }

    /// Waits until `signal()` or the time-out; `msecs < 0` waits forever. Returns whether it was signalled.
    func wait(msecs: Int) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if msecs < 0 {
            while !signalled { pthread_cond_wait(cond, mutex) }
            return true
        }
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let ns = Int(deadline.tv_nsec) + (msecs % 1000) * 1_000_000
        deadline.tv_sec += msecs / 1000 + ns / 1_000_000_000
        deadline.tv_nsec = ns % 1_000_000_000
        while !signalled {
            if pthread_cond_timedwait(cond, mutex, &deadline) == ETIMEDOUT { return signalled }
        }
        return true
    }
}
