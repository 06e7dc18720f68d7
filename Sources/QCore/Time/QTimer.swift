/// Qt's `QTimer`: emits `timeout` every `interval` ms (or once, when single-shot) while
/// the owning thread runs its event loop.
open class QTimer: QObject {
    /// Emitted when the timer fires. Qt: `QTimer::timeout()`.
    public let timeout = Signal0()
    private var id = -1
    private var intervalStorage = 0

    /// Creates an inactive timer: interval 0, repeating, coarse.
    public override init(parent: QObject? = nil) {
        super.init(parent: parent)
    }

    /// The interval in ms (default 0: fires once per loop iteration). Setting it on a running
    /// timer restarts it (with a new id). Negative values warn and become 1 ms (Qt 6.9+).
    public var interval: Int {
        get { intervalStorage }
        set {
            intervalStorage = QTimer.clamped(newValue, for: self)
            if isActive { start() }
        }
    }

    /// Qt: `setInterval(int)`.
    public func setInterval(_ msec: Int) { interval = msec }

    /// Whether it stops after the first timeout. Qt: `isSingleShot()` / `setSingleShot()`.
    public var isSingleShot = false

    /// Qt: `setSingleShot(bool)`.
    public func setSingleShot(_ singleShot: Bool) { isSingleShot = singleShot }

    /// Accuracy class (default `.coarse`). Qt: `timerType()`.
    public var timerType: Qt.TimerType = .coarse

    /// True while it runs. Qt: `isActive()`.
    public var isActive: Bool { id > 0 }

    /// The running timer's id, −1 when inactive. Qt: `timerId()`.
    public var timerId: Int { id }

    /// Ms until the next timeout (rounded up), 0 when overdue, −1 when inactive.
    /// Qt: `remainingTime()`.
    public var remainingTime: Int {
        guard id > 0 else { return -1 }
        return min(threadData.dispatcherStorage?.remainingTime(id) ?? -1, intervalStorage)
    }

    /// (Re)starts it with the current interval; a running timer is stopped first and gets a
    /// new id. From another thread: a warning and nothing happens.
    public func start() {
        if isForeignThread() || !threadData.isCurrent {
            warnForeignThread("QTimer::start")
            return
        }
        stopTimer()
        let newId = startTimer(intervalStorage, timerType)
        id = newId > 0 ? newId : -1
    }

    /// Sets the interval and (re)starts. Qt: `start(int msec)`.
    public func start(_ msec: Int) {
        intervalStorage = QTimer.clamped(msec, for: self)
        start()
    }

    /// Stops it; nothing happens when inactive. From another thread: a warning.
    public func stop() {
        guard id > 0 else { return }
        if isForeignThread() || !threadData.isCurrent {
            warnForeignThread("QTimer::stop")
            return
        }
        stopTimer()
    }

    private func stopTimer() {
        if id > 0 { killTimer(id) }
        id = -1
    }

    /// A single-shot timer is stopped before `timeout` is emitted, so the slot may restart it.
    open override func timerEvent(_ event: QTimerEvent) {
        guard event.timerId == id else { return super.timerEvent(event) }
        if isSingleShot { stopTimer() }
        timeout.emit()
    }

    static func clamped(_ msec: Int, for object: QObject?) -> Int {
        if msec < 0 {
            Diagnostics.warning("QTimer: negative interval \(msec) ms\(object.map { " on " + describe($0) } ?? ""); using 1 ms")
            return 1
        }
        return min(msec, Int(Int32.max))
    }

    /// Calls `body` once after `msec` ms, in `context`'s thread (or the caller's). Nothing
    /// happens if `context` is destroyed first. With 0 ms it is a queued call, FIFO with other
    /// posted events. Qt: `QTimer::singleShot(msec, context, functor)`.
    public static func singleShot(_ msec: Int, context: QObject? = nil, _ body: @escaping () -> Void) {
        singleShot(msec, .coarse, context: context, body)
    }

    /// `singleShot` with an explicit timer type.
    public static func singleShot(_ msec: Int, _ timerType: Qt.TimerType, context: QObject? = nil, _ body: @escaping () -> Void) {
        let interval = clamped(msec, for: context)
        if interval == 0 {
            if let context {
                context.postingThreadData.post(.call(ClosureCallEvent(to: context, body)))
            } else {
                ThreadData.current.post(.call(ClosureCallEvent(body)))
            }
            return
        }
        let hasContext = context != nil
        let start = { [weak context] in
            let timer = SingleShotTimer { [weak context] in
                if hasContext {
                    guard let object = context, !object.isDeleted else { return }
                }
                body()
            }
            timer.begin(interval, timerType)
        }
        if let context, !context.postingThreadData.isCurrent {
            context.postingThreadData.post(.call(ClosureCallEvent(to: context, start)))
        } else {
            start()
        }
    }
}

/// The timer object behind `QTimer.singleShot` with a delay: it keeps itself alive until it fires.
private final class SingleShotTimer: QObject {
    private let body: () -> Void
    private var keepAlive: SingleShotTimer?
    private var id = 0

    init(_ body: @escaping () -> Void) {
        self.body = body
        super.init(parent: nil)
    }

    func begin(_ interval: Int, _ type: Qt.TimerType) {
        id = startTimer(interval, type)
        if id > 0 { keepAlive = self }
    }

    override func timerEvent(_ event: QTimerEvent) {
        guard event.timerId == id else { return }
        killTimer(id)
        id = 0
        let me = keepAlive
        keepAlive = nil
        body()
        _ = me
    }
}
