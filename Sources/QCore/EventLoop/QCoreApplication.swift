import Synchronization

/// Qt's `QCoreApplication`: the one application object. The thread that creates it is
/// QKit's main thread. `exec()` runs the main event loop until `exit`/`quit`.
open class QCoreApplication: QObject {
    /// The command-line arguments it was created with.
    public let arguments: [String]
    private var execLoop: QEventLoop?
    private var aboutToQuitEmitted = false
    /// Emitted once per `exec()` when the application is about to leave its main loop.
    public let aboutToQuit = Signal0()

    /// Creates the application object; there may be only one alive at a time.
    public init(arguments: [String] = CommandLine.arguments) {
        self.arguments = arguments
        super.init(parent: nil)
        let previous = applicationSlot.swap(self)
        if previous != nil {
            Diagnostics.misuse("QCoreApplication: there should be only one application object (\(describe(previous!)) is alive)")
        }
        objectName = arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? ""
    }

    deinit {
        applicationSlot.clear(ifIs: self)
    }

    /// The application object, if one is alive. Qt: `QCoreApplication::instance()`.
    public static var instance: QCoreApplication? { applicationSlot.current }

    /// Runs the main event loop until `exit`/`quit`; returns the exit code. Must be called on
    /// the main thread; a second `exec` while one runs returns −1. Deferred deletes are
    /// flushed on return.
    @discardableResult
    public func exec() -> Int32 {
        guard threadData.isCurrent else {
            Diagnostics.warning(
                "QCoreApplication::exec: Must be called from the main thread (\(threadData.debugName)), "
                    + "not \(ThreadData.currentDebugName)")
            return -1
        }
        if execLoop != nil || !threadData.runningLoops.isEmpty {
            Diagnostics.warning("QCoreApplication::exec: The event loop is already running")
            return -1
        }
        aboutToQuitEmitted = false
        let loop = QEventLoop()
        execLoop = loop
        let code = loop.exec(.applicationExec)
        execLoop = nil
        if !aboutToQuitEmitted {
            aboutToQuitEmitted = true
            aboutToQuit.emit()
        }
        threadData.sendPostedEvents(receiver: nil, type: .deferredDelete)
        return code
    }

    /// Runs the main event loop of the application object (see `exec()`).
    @discardableResult
    public static func exec() -> Int32 {
        guard let app = instance else {
            Diagnostics.warning("QCoreApplication::exec: Please instantiate the QCoreApplication object first")
            return -1
        }
        return app.exec()
    }

    /// Ends `exec()` with `code`: emits `aboutToQuit` (once per exec), then exits every loop
    /// running in the main thread. Before `exec()` it does nothing. Thread-safe.
    public static func exit(_ code: Int32 = 0) {
        guard let app = instance else { return }
        app.exitApplication(code)
    }

    func exitApplication(_ code: Int32) {
        guard execLoop != nil else { return }
        if !aboutToQuitEmitted {
            aboutToQuitEmitted = true
            aboutToQuit.emit()
        }
        threadData.exitAllLoops(code)
    }

    /// Qt 6: does nothing unless `exec()` runs; otherwise sends (main thread) or posts (other
    /// threads) a Quit event, which an event filter may swallow; the exit code is 0.
    public static func quit() {
        guard let app = instance, app.execLoop != nil else { return }
        if app.threadData.isCurrent {
            _ = sendEvent(app, QEvent(.quit))
        } else {
            postEvent(app, QEvent(.quit))
        }
    }

    /// Handles Quit by exiting with code 0.
    open override func event(_ event: QEvent) -> Bool {
        if event.type == .quit {
            exitApplication(0)
            return true
        }
        return super.event(event)
    }

    /// Processes pending events of the calling thread once. Qt: `processEvents(flags)`.
    public static func processEvents(_ flags: QEventLoop.ProcessEventsFlags = .allEvents) {
        ThreadData.current.dispatcher.processEvents(flags)
    }

    /// Processes pending events of the calling thread for at most `maxTime` ms.
    public static func processEvents(_ flags: QEventLoop.ProcessEventsFlags, _ maxTime: Int) {
        QEventLoop.processEvents(on: ThreadData.current, flags, maxTime)
    }

    /// Queues `event` for `receiver` (thread-safe); it is delivered by the receiver's thread's
    /// loop, higher priority first, FIFO within a priority.
    public static func postEvent(_ receiver: QObject, _ event: consuming QEvent, priority: Int = 0) {
        // Moved into the closure through an optional (a captured value would be copied).
        var moved: QEvent? = consume event
        receiver.threadDataRef._withUnsafeGuaranteedRef {
            $0.postEvent(moved.take().unsafelyUnwrapped, to: receiver, priority: priority)
        }
    }

    /// Delivers `event` now (filters, then `event()`); returns the handler's result.
    @discardableResult
    public static func sendEvent(_ receiver: QObject, _ event: QEvent) -> Bool {
        receiver.assertAffinity("send an event")
        return notify(receiver, event)
    }

    /// Delivers the pending posted events (for `receiver`, of `eventType`, or all) of the
    /// calling thread now. With `.deferredDelete` it forces pending `deleteLater`s.
    public static func sendPostedEvents(_ receiver: QObject? = nil, _ eventType: QEvent.EventType? = nil) {
        let data = receiver?.threadData ?? ThreadData.current
        if let receiver, !data.isCurrent { receiver.affinityViolation("sendPostedEvents") }
        data.sendPostedEvents(receiver: receiver, type: eventType)
    }

    /// Drops the pending posted events of `receiver` (of one type, or all).
    public static func removePostedEvents(_ receiver: QObject, _ eventType: QEvent.EventType? = nil) {
        receiver.postingThreadData.removePostedEvents(receiver: receiver, type: eventType)
    }

    /// Delivers an event: the receiver's filters (most recent first), then `event()`.
    static func notify(_ receiver: QObject, _ event: QEvent) -> Bool {
        // One flag answers "has it filters?" (reading `extra` retained and released it, and the
        // filter list itself is an exclusivity-checked access).
        if receiver.state.contains(.filtered), receiver.runEventFilters(event) { return true }
        return receiver.event(event)
    }
}

/// The process-wide application pointer (weak; the application object is owned by the program).
private final class ApplicationSlot: @unchecked Sendable {
    private let lock = FutexLock()
    private weak var app: QCoreApplication?

    var current: QCoreApplication? { lock.withLock { app } }

    func swap(_ new: QCoreApplication) -> QCoreApplication? {
        lock.withLock {
            let old = app
            if old == nil { app = new }
            return old
        }
    }

    func clear(ifIs object: QCoreApplication) {
        lock.withLock { if app === object || app == nil { app = nil } }
    }
}

private let applicationSlot = ApplicationSlot()
