import QKitTestSupport
import Synchronization
import Testing

@testable import QCore

#if canImport(Glibc)
import Glibc
#endif

/// QKit's mutex: one atomic instruction when free, a kernel sleep when held elsewhere.
@Suite("FutexLock")
struct FutexLockTests {
    /// A counter only ever changed under its lock.
    private final class Counter: @unchecked Sendable {
        let lock = FutexLock()
        var value = 0
        let acquired = Atomic<Bool>(false)
    }

    @Test("a lock that is free is taken and given back without contention")
    func uncontended() {
        let lock = FutexLock()
        #expect(lock.state == 0)
        lock.lock()
        #expect(lock.state == 1)
        lock.unlock()
        #expect(lock.state == 0)
        #expect(lock.withLock { 42 } == 42)
        #expect(lock.state == 0)
    }

    @Test("a thread that finds the lock held sleeps until the holder unlocks, then gets it")
    func waiterSleepsUntilUnlocked() {
        let counter = Counter()
        counter.lock.lock()
        let thread = startPlainThread {
            counter.lock.lock()
            counter.acquired.store(true, ordering: .relaxed)
            counter.value += 1
            counter.lock.unlock()
        }
        // The waiter marks the word contended before it sleeps on it.
        while counter.lock.state != 2 { sched_yield() }
        let early = counter.acquired.load(ordering: .relaxed)
        #expect(!early)
        counter.value += 1
        counter.lock.unlock()
        pthread_join(thread, nil)
        let acquired = counter.acquired.load(ordering: .relaxed)
        #expect(acquired)
        #expect(counter.value == 2)
        #expect(counter.lock.state == 0)
    }

    @Test("four threads incrementing under the lock lose no increment")
    func mutualExclusion() {
        let counter = Counter()
        let threads = (0..<4).map { _ in
            startPlainThread {
                for _ in 0..<50_000 { counter.lock.withLock { counter.value += 1 } }
            }
        }
        for thread in threads { pthread_join(thread, nil) }
        #expect(counter.value == 200_000)
        #expect(counter.lock.state == 0)
    }
}
