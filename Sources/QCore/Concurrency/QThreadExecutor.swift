/// Runs Swift concurrency jobs on a QThread's event loop, in order with the thread's posted
/// events: an actor whose `unownedExecutor` is `thread.executor.asUnownedSerialExecutor()`
/// runs its methods on that thread, and `withTaskExecutorPreference(thread.executor)` runs
/// nonisolated async code there. Jobs for a thread whose loop is not running wait, as posted
/// events do. Qt has no counterpart (the nearest is `QMetaObject::invokeMethod` with a
/// queued connection).
public final class QThreadExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    // Safe to share: `data` is only posted to (thread-safe) and compared; `thread` is weak.
    let data: ThreadData
    private weak var thread: QThread?
    private let name: String

    init(data: ThreadData, thread: QThread) {
        self.data = data
        self.thread = thread
        name = data.debugName
    }

    /// Queues the job behind the events already posted to the thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        guard thread != nil else {
            Diagnostics.misuse("QThreadExecutor: a job was enqueued for \(name), which has been destroyed; it would never run")
        }
        data.post(.call(JobEvent(UnownedJob(job), on: self)))
    }

    /// This executor as the runtime stores it (for an actor's `unownedExecutor`).
    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// This executor as a task executor (for `withTaskExecutorPreference`).
    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    /// Passes when called on the executor's thread, for instance inside a slot of an object
    /// living there (`assumeIsolated` asks it); traps elsewhere, naming both threads.
    public func checkIsolated() {
        guard data.isCurrent else {
            Diagnostics.misuse(
                "QThreadExecutor: code isolated to \(name) runs on \(ThreadData.currentDebugName)")
        }
    }
}

/// One job on a thread's posted-event queue.
final class JobEvent: QueuedCallEvent {
    private let job: UnownedJob
    private let executor: QThreadExecutor

    init(_ job: UnownedJob, on executor: QThreadExecutor) {
        self.job = job
        self.executor = executor
        super.init()
    }

    override func invoke() {
        // As a serial executor: running it as both serial and task executor made a call into
        // the same actor suspend and queue again (found by the async waitFor tests).
        job.runSynchronously(on: executor.asUnownedSerialExecutor())
    }
}

extension QThread {
    /// The executor that runs Swift concurrency jobs on this thread's event loop (one per
    /// thread). Qt has no counterpart.
    public var executor: QThreadExecutor { managed.executor(for: self) }
}

extension ThreadData {
    /// The thread's executor, made on first use from any thread.
    func executor(for thread: QThread) -> QThreadExecutor {
        postLock.withLock {
            if let existing = executorStorage { return existing }
            let made = QThreadExecutor(data: self, thread: thread)
            executorStorage = made
            return made
        }
    }
}
