/// Beyond Qt: delivers Unix signals (SIGINT, SIGTERM, SIGHUP…) as a typed signal from the
/// event loop, so a Ctrl-C handler is an ordinary slot that may close sockets and call
/// `QCoreApplication.exit(130)`. While it exists, the listed signals no longer take their
/// default action, and they are unblocked in the watching thread (a process may start with
/// them blocked). Watch signals from one thread only (libevent serves them on one loop).
open class QUnixSignalNotifier: QObject {
    /// The signal numbers watched.
    public let signalNumbers: [Int32]
    /// Emitted from the event loop with the signal's number, once per delivery.
    public let activated = Signal<Int32>()
    private var watches: [SignalWatch] = []

    /// Starts watching `signals` in the current thread's event loop.
    public init(_ signals: [Int32], parent: QObject? = nil) {
        self.signalNumbers = signals
        super.init(parent: parent)
        arm()
    }

    /// Stops watching when the object is destroyed (`delete()` or its parent's end).
    open override func willDestroy() {
        for watch in watches { watch.invalidate() }
        watches = []
        super.willDestroy()
    }

    private func arm() {
        watches = signalNumbers.map { SignalWatch(signal: $0, notifier: self, threadData: threadData) }
    }

    /// Follows the object to a new thread: the watches are made again in that thread's loop.
    open override func event(_ event: QEvent) -> Bool {
        if event.type == .threadChange {
            for watch in watches { watch.invalidate() }
            watches = []
            threadData.post(
                .call(
                    ClosureCallEvent(to: self) { [unowned self] in
                        self.arm()
                    }))
        }
        return super.event(event)
    }
}
