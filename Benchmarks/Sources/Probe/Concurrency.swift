// Swift-concurrency rows: awaiting a signal's emissions, and calls to an actor pinned to a
// QThread. Each verifies its count (`verify`: exit 4 on a mismatch).
import QCore

#if canImport(Glibc)
import Glibc
#endif

/// Emissions consumed by a `for await`-style loop on the owner's thread (the main actor), in
/// bursts of 1000 emitted then 1000 awaited: through `signal.values`, or (`viaStream`)
/// through an `AsyncStream` continuation fed by a closure slot, the hand-written equivalent.
@MainActor func awaitedEmissionRate(_ count: Int, viaStream: Bool) -> Double {
    let source = Source()
    var seconds = 0.0
    var total = 0
    Task { @MainActor in
        var clock = QElapsedTimer()
        var value = 0
        if viaStream {
            let (stream, continuation) = AsyncStream<Int>.makeStream()
            source.value.connect { continuation.yield($0) }
            var iterator = stream.makeAsyncIterator()
            clock.start()
            for _ in 0..<(count / 1000) {
                for _ in 0..<1000 { source.value.emit(value); value += 1 }
                for _ in 0..<1000 { total += await iterator.next(isolation: #isolation) ?? 0 }
            }
        } else {
            var iterator = source.value.values.makeAsyncIterator()
            clock.start()
            for _ in 0..<(count / 1000) {
                for _ in 0..<1000 { source.value.emit(value); value += 1 }
                for _ in 0..<1000 { total += await iterator.next(isolation: #isolation) ?? 0 }
            }
        }
        seconds = Double(clock.nsecsElapsed()) / 1e9
        QCoreApplication.quit()
    }
    _ = app.exec()
    let expected = count / 1000 * 1000
    verify("sum of awaited values", total, expected * (expected - 1) / 2)
    return Double(expected) / seconds
}

/// An actor whose methods run on a QThread's loop.
actor PinnedCounter {
    let executor: QThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    var total = 0
    init(_ executor: QThreadExecutor) { self.executor = executor }
    func add(_ v: Int) { total += v }
}

/// An actor pinned to a QThread that calls another pinned actor.
actor PinnedCaller {
    let executor: QThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    init(_ executor: QThreadExecutor) { self.executor = executor }
    func call(_ counter: PinnedCounter, times: Int) async {
        // Touching the caller's own state after each call keeps the hop back to its
        // executor (with nothing isolated between calls, the optimizer drops it and the task
        // stays on the counter's thread).
        for _ in 0..<times { await counter.add(1); returned += 1 }
    }
    var returned = 0
}

/// Awaited calls to an actor pinned to a worker QThread, each a round trip (the caller waits
/// for the method to return): from a task on Swift's cooperative pool, or (`fromLoop`) from an
/// actor pinned to a second QThread. Verifies both counts.
func actorCallRate(_ count: Int, fromLoop: Bool) -> Double {
    let callerThread = QThread(), workerThread = QThread()
    callerThread.start()
    workerThread.start()
    let counter = PinnedCounter(workerThread.executor)
    let caller = PinnedCaller(callerThread.executor)
    let done = WaitFlag()
    var clock = QElapsedTimer()
    clock.start()
    Task.detached {
        if fromLoop {
            await caller.call(counter, times: count)
        } else {
            for _ in 0..<count { await counter.add(1) }
        }
        done.set()
    }
    done.wait()
    let seconds = Double(clock.nsecsElapsed()) / 1e9
    let counts = Guarded(0), returns = Guarded(0)
    Task.detached {
        counts.set(await counter.total)
        returns.set(await caller.returned)
    }
    let total = counts.waitForValue(), returned = returns.waitForValue()
    for thread in [callerThread, workerThread] {
        thread.quit()
        _ = thread.wait()
    }
    verify("calls the actor counted", total, count)
    verify("calls seen to return", returned, fromLoop ? count : 0)
    return Double(count) / seconds
}

/// A one-shot flag a thread can wait on.
final class WaitFlag: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var isSet = false
    init() { pthread_mutex_init(&mutex, nil); pthread_cond_init(&condition, nil) }
    func set() { pthread_mutex_lock(&mutex); isSet = true; pthread_cond_broadcast(&condition); pthread_mutex_unlock(&mutex) }
    func wait() { pthread_mutex_lock(&mutex); while !isSet { pthread_cond_wait(&condition, &mutex) }; pthread_mutex_unlock(&mutex) }
}

/// A value set once by another thread.
final class Guarded: @unchecked Sendable {
    private let flag = WaitFlag()
    private var value: Int
    init(_ value: Int) { self.value = value }
    func set(_ v: Int) { value = v; flag.set() }
    func waitForValue() -> Int { flag.wait(); return value }
}
