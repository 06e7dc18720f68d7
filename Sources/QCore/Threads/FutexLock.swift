import CQKitThreads
import Synchronization

/// A mutex on one futex word, for state that several threads touch (posted-event queues, the
/// connection registry). Never held while user code runs. Not recursive.
///
/// Locking and unlocking without contention is one atomic instruction each, inlined (the
/// pthread mutex calls were ~50 instructions of each posted event); a thread that finds it
/// held spins about a microsecond, then sleeps in the kernel, as Qt's `QMutex` does on Linux.
/// The word holds 0 (free), 1 (held) or 2 (held, and a thread may sleep on it), so an unlock
/// makes a system call only when a thread may sleep.
/// ThreadSanitizer sees the acquiring and releasing atomic operations, so it orders what the
/// lock guards (the reason QKit does not use `Synchronization.Mutex`, whose Linux slow path is
/// invisible to it).
final class FutexLock: @unchecked Sendable {
    /// On the heap, so the word the kernel sleeps on never moves, alone in its cache line, so
    /// threads taking it do not also contend for whatever the allocator put beside it.
    private let word: UnsafeMutablePointer<Atomic<UInt32>>

    init() {
        word = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
            .initializeMemory(as: Atomic<UInt32>.self, to: Atomic(0))
    }

    deinit {
        word.deinitialize(count: 1)
        UnsafeMutableRawPointer(word).deallocate()
    }

    @inline(__always) func lock() {
        if word.pointee.compareExchange(expected: 0, desired: 1, successOrdering: .acquiring, failureOrdering: .relaxed).exchanged
        {
            return
        }
        lockContended()
    }

    @inline(__always) func unlock() {
        if word.pointee.exchange(0, ordering: .releasing) == 2 { wakeOne() }
    }

    /// The word: 0 free, 1 held, 2 held and contended (for tests).
    var state: UInt32 { word.pointee.load(ordering: .relaxed) }

    @inline(__always) func withLock<R: ~Copyable>(_ body: () throws -> R) rethrows -> R {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Spins briefly (the lock guards a few moves of queue entries, so its holder in another
    /// CPU usually leaves within a microsecond: a sleep and a wake-up cost far more), then marks
    /// the word contended and sleeps until it is free. The thread that gets it after sleeping
    /// keeps it marked contended (another thread may still sleep), so its unlock wakes the next.
    @inline(never) private func lockContended() {
        for _ in 0..<FutexLock.spins {
            cqkit_cpu_relax()
            if word.pointee.load(ordering: .relaxed) == 0,
                word.pointee.compareExchange(expected: 0, desired: 1, successOrdering: .acquiring, failureOrdering: .relaxed)
                    .exchanged
            {
                return
            }
        }
        while word.pointee.exchange(2, ordering: .acquiring) != 0 {
            // Safe: the word lives until deinit, and the kernel only reads it (4 bytes, the
            // layout of an Atomic<UInt32>).
            cqkit_futex_wait(UnsafeMutableRawPointer(word).assumingMemoryBound(to: UInt32.self), 2)
        }
    }

    /// Spin-waits before sleeping (about a microsecond).
    private static let spins = 64

    @inline(never) private func wakeOne() {
        cqkit_futex_wake_one(UnsafeMutableRawPointer(word).assumingMemoryBound(to: UInt32.self))
    }
}

/// The lock that guards connection bookkeeping shared between threads: a receiver's list of
/// incoming connections, a connection's receiver thread. Emitting never takes it.
let connectionRegistryLock = FutexLock()

/// A value guarded by a `FutexLock`.
final class Locked<Value>: @unchecked Sendable {
    private let lock = FutexLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    @inline(__always) func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try lock.withLock { try body(&value) }
    }
}
