#if canImport(Glibc)
import Glibc
#endif

/// Qt's `QThread`: an OS thread with its own event loop. The QThread object lives in the
/// thread that created it; objects moved to it (`moveToThread`) run their slots, timers and
/// posted events there. `started` and `finished` are emitted from the new thread, as in Qt:
/// connect to them before `start()`.
open class QThread: QObject {
    /// The data of the thread this object manages (not the thread it lives in).
    let managed: ThreadData
    private let stateLock = FutexLock()
    private var runningFlag = false
    private var finishedFlag = false
    private var exitRequested = false
    private var pendingExitCode: Int32 = 0
    private let finishedCondition = WaitCondition()
    private var handle: pthread_t?

    /// Emitted from the new thread before `run()`. Qt: `QThread::started()`.
    public let started = Signal0()
    /// Emitted from the thread after `run()` returns. Qt: `QThread::finished()`.
    public let finished = Signal0()

    /// Creates a thread object (not started).
    public override init(parent: QObject? = nil) {
        managed = ThreadData(adopted: false)
        super.init(parent: parent)
        managed.threadObject = self
    }

    /// The object of an adopted thread (main, or any thread QKit did not start).
    init(adopting data: ThreadData) {
        managed = data
        super.init(threadData: data)
        data.threadObject = self
        runningFlag = true
    }

    deinit {
        if let handle = stateLock.withLock({ handle }), !isAdoptedThread {
            pthread_detach(handle)
        }
    }

    private var isAdoptedThread: Bool { managed.isAdopted }

    /// The thread that runs the caller. Qt: `QThread::currentThread()`.
    public static var currentThread: QThread { ThreadData.current.thread }

    /// Starts the thread: `started`, then `run()` (by default an event loop), then `finished`.
    /// Does nothing if it is running.
    public func start() {
        let ok = stateLock.withLock { () -> Bool in
            if runningFlag || isAdoptedThread { return false }
            runningFlag = true
            finishedFlag = false
            exitRequested = false
            return true
        }
        guard ok else { return }
        finishedCondition.reset()
        if let old = stateLock.withLock({ () -> pthread_t? in
            defer { handle = nil }; return handle
        }) {
            pthread_join(old, nil)
        }
        var thread = pthread_t()
        // Safe: the retained reference is balanced by the release in qkitThreadEntry.
        let context = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, qkitThreadEntry, context)
        if rc != 0 {
            Unmanaged<QThread>.fromOpaque(context).release()
            stateLock.withLock { runningFlag = false }
            Diagnostics.warning("QThread::start: Thread creation error: errno \(rc) (\(describe(self)))")
            return
        }
        stateLock.withLock { handle = thread }
    }

    /// The body of the thread. The default runs `exec()`. Override to run other code.
    open func run() {
        _ = exec()
    }

    /// Runs this thread's event loop until `exit`/`quit`; call it from `run()`.
    @discardableResult
    public func exec() -> Int32 {
        guard managed.isCurrent else {
            Diagnostics.warning("QThread::exec: must be called from the thread itself (\(describe(self)))")
            return -1
        }
        let early = stateLock.withLock { () -> Int32? in
            if exitRequested {
                exitRequested = false
                return pendingExitCode
            }
            return nil
        }
        if let early { return early }
        let loop = QEventLoop()
        // An exit() between the check above and the loop starting finds no loop to stop: the
        // loop's first pass looks at the flag again (exit() sets it before stopping loops).
        // The call holds the loop weakly and has no receiver: when exit() ends the loop before
        // that pass, the call stays queued, and holding the loop would have made a cycle (the
        // loop holds this thread's data, whose queue would hold the loop) that kept both alive.
        managed.post(
            .call(
                ClosureCallEvent { [unowned self, weak loop] in
                    let late = self.stateLock.withLock { self.exitRequested ? self.pendingExitCode : nil }
                    if let late, let loop { loop.exit(late) }
                }))
        let code = loop.exec()
        stateLock.withLock { exitRequested = false }
        return code
    }

    /// Tells the thread's event loops to return `code` (thread-safe). Before `exec()` it makes
    /// the next `exec()` return at once.
    public func exit(_ code: Int32 = 0) {
        stateLock.withLock {
            exitRequested = true
            pendingExitCode = code
        }
        managed.exitAllLoops(code)
    }

    /// `exit(0)`.
    public func quit() { exit(0) }

    /// Blocks until the thread has finished (true) or `msecs` passed (false); true at once if
    /// it is not running. Waiting on the current thread warns and returns false.
    @discardableResult
    public func wait(_ msecs: Int = -1) -> Bool {
        if managed.isCurrent {
            Diagnostics.warning("QThread::wait: Thread tried to wait on itself (\(describe(self)))")
            return false
        }
        if isAdoptedThread { return false }
        if stateLock.withLock({ runningFlag }) {
            guard finishedCondition.wait(msecs: msecs) else { return false }
        }
        // Join, so that when wait() returns the OS thread is gone (its thread-local data released).
        let joinable = stateLock.withLock { () -> pthread_t? in
            defer { handle = nil }
            return handle
        }
        if let joinable { pthread_join(joinable, nil) }
        return true
    }

    /// True between `start()` and the end of `finished`.
    public var isRunning: Bool { stateLock.withLock { runningFlag } }

    /// True once the thread has run to its end.
    public var isFinished: Bool { stateLock.withLock { finishedFlag } }

    fileprivate func threadMain() {
        managed.attachToCurrentThread()
        started.emit()
        run()
        finished.emit()
        // Objects deleteLater'd in a thread with no more loop are deleted when it finishes.
        managed.sendPostedEvents(receiver: nil, type: .deferredDelete)
        managed.releaseIdleDispatcher()
        managed.detachFromCurrentThread()
        stateLock.withLock {
            runningFlag = false
            finishedFlag = true
        }
        finishedCondition.signal()
    }
}

private func qkitThreadEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let context else { return nil }
    let thread = Unmanaged<QThread>.fromOpaque(context).takeRetainedValue()
    thread.threadMain()
    return nil
}
