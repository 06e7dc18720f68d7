import QKitTestSupport
import Testing

@testable import QCore

#if canImport(Glibc)
import Glibc
#endif

/// An actor pinned to a QThread: its methods run on that thread's event loop.
actor Pinned {
    let executor: QThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    var count = 0
    var log: [String] = []

    init(_ executor: QThreadExecutor) { self.executor = executor }

    /// The thread the method ran on.
    func whereAmI() -> ObjectIdentifier { ObjectIdentifier(QThread.currentThread) }
    func bump() { count += 1 }

    /// Posts "posted A", yields (re-enqueuing this job), notes "job resumed", posts "posted B".
    func interleave(post: @Sendable (String) -> Void, note: @Sendable (String) -> Void) async -> Bool {
        post("posted A")
        await Task.yield()
        note("job resumed")
        post("posted B")
        return true
    }
    func note(_ line: String) { log.append(line) }
}

/// Awaits `body` from synchronous test code (the test's own thread keeps its QObjects).
func blockingAwait<T: Sendable>(timeoutMs: Int = 5000, _ body: @escaping @Sendable () async -> T) -> T? {
    let result = Guarded<T?>(nil)
    Task {
        let value = await body(); result.withLock { $0 = value }
    }
    var waited = 0
    while waited < timeoutMs {
        if let value = result.withLock({ $0 }) { return value }
        usleep(1000)
        waited += 1
    }
    return nil
}

@Suite("QThread executors (Swift concurrency)", .leakChecked)
struct ExecutorTests {
    @Test("an actor pinned to a QThread runs its methods on that thread")
    func actorRunsOnThread() {
        let worker = QThread()
        worker.objectName = "worker"
        worker.start()
        let pinned = Pinned(worker.executor)
        let ran = blockingAwait { await pinned.whereAmI() }
        #expect(ran == ObjectIdentifier(worker))
        worker.quit()
        #expect(worker.wait(3000))
    }

    @Test("a thread has one executor, and it is the executor of QThread.currentThread there")
    func oneExecutorPerThread() {
        let worker = QThread()
        let executor = worker.executor
        #expect(worker.executor === executor)
        let there = QObject()
        #expect(there.moveToThread(worker))
        worker.start()
        let same = Guarded(false)
        QMetaObject.invokeMethod(there, type: .blockingQueued) { _ in
            same.withLock { $0 = QThread.currentThread.executor === executor }
        }
        worker.quit()
        #expect(worker.wait(3000))
        #expect(same.withLock { $0 })
        there.delete()
    }

    @Test("assumeIsolated on a pinned actor works inside a slot of an object living in that thread")
    func assumeIsolatedInSlot() {
        final class Ticker: QObject { let tick = Signal0() }
        let worker = QThread()
        let receiver = QObject()
        #expect(receiver.moveToThread(worker))
        let pinned = Pinned(worker.executor)
        let ticker = Ticker()
        ticker.tick.connect(context: receiver) { pinned.assumeIsolated { $0.bump() } }
        worker.start()
        ticker.tick.emit()
        ticker.tick.emit()
        #expect(blockingAwait { await pinned.count } == 2)
        worker.quit()
        #expect(worker.wait(3000))
        receiver.delete()
    }

    @Test("withTaskExecutorPreference runs nonisolated async code on the thread")
    func taskExecutorPreference() {
        let worker = QThread()
        worker.start()
        let executor = worker.executor
        let ran = blockingAwait {
            await withTaskExecutorPreference(executor) { await nonisolatedWhere() }
        }
        #expect(ran == ObjectIdentifier(worker))
        worker.quit()
        #expect(worker.wait(3000))
    }

    @Test("jobs for a thread whose loop is not running wait until it runs")
    func jobsWaitForTheLoop() {
        let worker = QThread()
        let pinned = Pinned(worker.executor)
        let done = Guarded(false)
        Task {
            await pinned.bump()
            done.withLock { $0 = true }
        }
        // Nothing runs the job before the loop starts: it waits in the posted queue.
        usleep(50_000)
        #expect(!done.withLock { $0 })
        worker.start()
        #expect(blockingAwait { await pinned.count } == 1)
        worker.quit()
        #expect(worker.wait(3000))
    }

    @Test("a job runs in order with the events posted to its thread before and after it")
    func jobsInOrderWithPostedEvents() {
        let worker = QThread()
        let pinned = Pinned(worker.executor)
        let executor = worker.executor
        let there = QObject()
        #expect(there.moveToThread(worker))
        worker.start()
        #expect(executor === pinned.executor)
        let log = Guarded<[String]>([])
        let target = UncheckedObject(there)
        // On the worker, inside the actor: post A, yield (the job goes back to the queue,
        // behind A), then post B.
        _ = blockingAwait {
            await pinned.interleave(
                post: { line in
                    QMetaObject.invokeMethod(target.object, type: .queued) { _ in log.withLock { $0.append(line) } }
                },
                note: { line in log.withLock { $0.append(line) } })
        }
        #expect(blockingAwait { await pinned.whereAmI() } == ObjectIdentifier(worker))
        #expect(log.withLock { $0 } == ["posted A", "job resumed", "posted B"])
        worker.quit()
        #expect(worker.wait(3000))
        there.delete()
    }

}

/// Traps run in a child process (exit tests), so these are not leak-checked here.
@Suite("QThread executors: misuse traps")
struct ExecutorTrapTests {
    @Test("assumeIsolated from another thread traps, naming the threads")
    func assumeIsolatedElsewhereTraps() async {
        await #expect(processExitsWith: .failure) {
            let worker = QThread()
            bumpAssumingIsolation(Pinned(worker.executor))
        }
    }

    @Test("a job for a destroyed thread traps instead of being lost")
    func jobForDestroyedThreadTraps() async {
        await #expect(processExitsWith: .failure) {
            var worker: QThread? = QThread()
            let executor = worker!.executor
            worker = nil
            await withTaskExecutorPreference(executor) { _ = await nonisolatedWhere() }
        }
    }
}

/// `assumeIsolated` is for synchronous code (a slot); the exit test's body is async.
func bumpAssumingIsolation(_ pinned: Pinned) { pinned.assumeIsolated { $0.bump() } }

/// Nonisolated async code: reports the thread it ran on.
nonisolated func nonisolatedWhere() async -> ObjectIdentifier { ObjectIdentifier(QThread.currentThread) }
