import Synchronization

/// Qt's `QEventLoop`: runs the calling thread's event dispatcher until `exit`/`quit`.
/// Loops nest; each `exec()` returns its own exit code.
open class QEventLoop: QObject {
    /// Qt's `QEventLoop::ProcessEventsFlags` (same bit values).
    public struct ProcessEventsFlags: OptionSet, Sendable {
        public let rawValue: Int
        /// Creates flags from Qt's raw bits.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Process everything.
        public static let allEvents: ProcessEventsFlags = []
        /// Accepted for Qt compatibility; QKit has no user-input events.
        public static let excludeUserInputEvents = ProcessEventsFlags(rawValue: 0x01)
        /// Skip socket notifier activations in this pass.
        public static let excludeSocketNotifiers = ProcessEventsFlags(rawValue: 0x02)
        /// Block until something happens when nothing is pending.
        public static let waitForMoreEvents = ProcessEventsFlags(rawValue: 0x04)
        /// Skip timer activations in this pass (they are kept for a later pass).
        public static let x11ExcludeTimers = ProcessEventsFlags(rawValue: 0x08)
        /// Set by `exec()`.
        public static let eventLoopExec = ProcessEventsFlags(rawValue: 0x20)
        /// Set by application-level exec.
        public static let applicationExec = ProcessEventsFlags(rawValue: 0x80)
    }

    private let exitRequested = Atomic<Bool>(false)
    private let exitCode = Atomic<Int32>(0)
    private let running = Atomic<Bool>(false)

    /// Creates a loop for the current thread.
    public override init(parent: QObject? = nil) {
        super.init(parent: parent)
    }

    /// Runs until `exit(code)`/`quit()` and returns the code. An `exit` before `exec` is
    /// forgotten. On a loop that is already running: a warning and −1.
    @discardableResult
    public func exec(_ flags: ProcessEventsFlags = .allEvents) -> Int32 {
        assertAffinity("exec()")
        if running.load(ordering: .relaxed) {
            Diagnostics.warning("QEventLoop::exec: \(describe(self)) has already called exec()")
            return -1
        }
        let data = threadData
        exitRequested.store(false, ordering: .relaxed)
        exitCode.store(0, ordering: .relaxed)
        running.store(true, ordering: .releasing)
        data.loopLevel += 1
        data.postLock.withLock { data.runningLoops.append(self) }
        let dispatcher = data.dispatcher
        let passFlags = flags.union([.waitForMoreEvents, .eventLoopExec])
        while !exitRequested.load(ordering: .acquiring) {
            dispatcher.processEvents(passFlags)
        }
        data.postLock.withLock {
            if let index = data.runningLoops.lastIndex(where: { $0 === self }) { data.runningLoops.remove(at: index) }
        }
        data.loopLevel -= 1
        running.store(false, ordering: .releasing)
        return exitCode.load(ordering: .acquiring)
    }

    /// Makes `exec()` return `code` (thread-safe). Qt: `QEventLoop::exit(int)`.
    public func exit(_ code: Int32 = 0) {
        exitCode.store(code, ordering: .releasing)
        exitRequested.store(true, ordering: .releasing)
        if !threadData.isCurrent { threadData.interruptLoop() }
    }

    /// `exit(0)`.
    public func quit() { exit(0) }

    /// True from `exec()` until `exit()`. Qt: `isRunning()`.
    public var isRunning: Bool { running.load(ordering: .acquiring) && !exitRequested.load(ordering: .acquiring) }

    /// Wakes the loop if it is blocked (thread-safe). Qt: `QEventLoop::wakeUp()`.
    public func wakeUp() { threadData.interruptLoop() }

    /// One pass over pending work; returns whether anything was handled.
    @discardableResult
    public func processEvents(_ flags: ProcessEventsFlags = .allEvents) -> Bool {
        assertAffinity("processEvents")
        return threadData.dispatcher.processEvents(flags)
    }

    /// Processes pending work until none is left or `maxTime` ms have passed.
    public func processEvents(_ flags: ProcessEventsFlags, _ maxTime: Int) {
        assertAffinity("processEvents")
        QEventLoop.processEvents(on: threadData, flags, maxTime)
    }

    static func processEvents(on data: ThreadData, _ flags: ProcessEventsFlags, _ maxTime: Int) {
        let start = monotonicNanoseconds()
        let limit = UInt64(max(0, maxTime)) * 1_000_000
        let dispatcher = data.dispatcher
        while dispatcher.processEvents(flags.subtracting(.waitForMoreEvents)) {
            if monotonicNanoseconds() - start >= limit { break }
        }
    }
}

extension ThreadData {
    /// Makes a blocked (or about to block) dispatcher of this thread return; thread-safe.
    func interruptLoop() {
        let w = postLock.withLock { () -> EventDispatcherWaker? in
            interruptRequested = true
            return waker
        }
        w?.wake()
    }

    /// Owning thread, before blocking: true when nothing is queued and no interrupt is
    /// pending (the request is consumed); the loop is then marked sleeping, so the next post
    /// wakes it. One lock for all three.
    func prepareToBlock() -> Bool {
        postLock.withLock {
            let interrupted = interruptRequested
            interruptRequested = false
            let blocks = !interrupted && postedEvents.isEmpty
            loopSleeping.store(blocks, ordering: .relaxed)
            return blocks
        }
    }

    /// Exits every loop running in this thread with `code`; callable from any thread (the
    /// list is read under the lock, and `QEventLoop.exit` is thread-safe).
    func exitAllLoops(_ code: Int32) {
        let loops = postLock.withLock { runningLoops }
        for loop in loops { loop.exit(code) }
    }
}
