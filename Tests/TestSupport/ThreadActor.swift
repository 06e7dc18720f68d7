// Runs async test code on the test's own thread, through that thread's QKit executor, so it
// may use the thread's QObjects (sockets, servers) while the loop is spun.
import QCore

/// An actor whose jobs run on the thread that made it (through its QThread executor).
public actor ThreadActor {
    let executor: QThreadExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public init() { executor = QThread.currentThread.executor }

    /// Runs `body` isolated to this actor, on its thread.
    public func run<T: Sendable>(_ body: (isolated ThreadActor) async -> T) async -> T { await body(self) }
}

/// Runs `body` on the calling thread's loop (spinning it) and returns its result, or nil when
/// it did not finish within `timeoutMs`. `body` may use this thread's QObjects.
public func runOnThisThread<T: Sendable>(
    timeoutMs: Int = 5000, _ body: @escaping (isolated ThreadActor) async -> T
) -> T? {
    let actor = ThreadActor()
    let result = Guarded<T?>(nil)
    // Safe: `body` runs on this thread only (the actor's executor is this thread's loop).
    nonisolated(unsafe) let work = body
    Task {
        let value = await actor.run(work); result.withLock { $0 = value }
    }
    _ = spinLoop(timeoutMs: timeoutMs) { result.withLock { $0 } != nil }
    return result.withLock { $0 }
}
