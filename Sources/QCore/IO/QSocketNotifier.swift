/// Qt's `QSocketNotifier`: emits `activated(fd)` from the event loop when the descriptor is
/// readable (`.read`) or writable (`.write`). Enabled when created.
open class QSocketNotifier: QObject {
    /// Qt's `QSocketNotifier::Type`.
    public enum NotifierType: Sendable {
        /// The descriptor has data to read (or EOF / a pending connection).
        case read
        /// The descriptor can be written.
        case write
        /// Out-of-band data: not watched on Linux by QKit (a warning; it never fires).
        case exception
    }

    /// The watched descriptor. Qt: `socket()`.
    public let socket: Int32
    /// What it watches. Qt: `type()`.
    public let type: NotifierType
    /// Emitted when the descriptor is ready. Qt: `activated(QSocketDescriptor, Type)`.
    public let activated = Signal<Int32>()
    @exclusivity(unchecked) private var watch: SocketWatch?
    @exclusivity(unchecked) private var enabled = false

    /// Creates an enabled notifier for `socket` in the current thread.
    public init(_ socket: Int32, _ type: NotifierType, parent: QObject? = nil) {
        self.socket = socket
        self.type = type
        super.init(parent: parent)
        if type == .exception {
            Diagnostics.warning("QSocketNotifier: exception notifiers are not supported; fd \(socket) will not be watched")
        }
        setEnabled(true)
    }

    deinit {
        watch?.invalidate()
    }

    /// Whether it watches now. Qt: `isEnabled()`.
    public var isEnabled: Bool { enabled }

    /// Starts or stops watching. Qt: `setEnabled(bool)`.
    public func setEnabled(_ enable: Bool) {
        guard socket >= 0, enable != enabled else { return }
        if isForeignThread() {
            warnForeignThread("QSocketNotifier::setEnabled")
            return
        }
        enabled = enable
        guard type != .exception, threadData.isCurrent else { return }
        if enable && watch == nil {
            watch = SocketWatch(fd: socket, write: type == .write, notifier: self, dispatcher: threadData.dispatcher)
        }
        watch?.setEnabled(enable)
    }

    /// Emits `activated` on socket activation; follows the object to a new thread.
    open override func event(_ event: QEvent) -> Bool {
        switch event.type {
        case .sockAct:
            activated.emit(socket)
            return true
        case .threadChange:
            let wasEnabled = enabled
            watch?.invalidate()
            watch = nil
            enabled = false
            if wasEnabled {
                // Delivered in the new thread: posted events follow a moved receiver.
                threadData.post(
                    .call(
                        ClosureCallEvent(to: self) { [unowned self] in
                            self.setEnabled(true)
                        }))
            }
            return super.event(event)
        default:
            return super.event(event)
        }
    }
}
