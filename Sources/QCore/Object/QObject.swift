import Synchronization

/// Qt's `QObject`: a node of the object tree (the parent owns its children), with an object
/// name, thread affinity, events, timers and signals. `delete()` runs Qt's destruction
/// sequence now; dropping the last reference runs it too, so `destroyed` fires exactly once.
open class QObject {
    /// The parent's address (not retained: the parent retains its children and clears this
    /// on teardown). Kept raw so that comparing it costs no reference counting (an
    /// `unowned(unsafe)` reference is retained and released around every `===`).
    @exclusivity(unchecked) var parentRaw: UnsafeMutableRawPointer?
    /// The parent, read from `parentRaw`.
    var parentStorage: QObject? {
        get { parentRaw.map { Unmanaged<QObject>.fromOpaque($0).takeUnretainedValue() } }
        set { parentRaw = newValue.map { Unmanaged.passUnretained($0).toOpaque() } }
    }
    /// Children in insertion order (retained).
    @exclusivity(unchecked) var childList: [QObject] = []
    /// The thread this object lives in (read and written by the object's own thread; other
    /// threads read `postingThreadData`). Not retained: the data counts its objects instead
    /// (`objectArrived`/`objectLeft`), which costs no atomic operation in the object's thread.
    @exclusivity(unchecked) @usableFromInline unowned(unsafe) var threadData: ThreadData
    /// `threadData` for other threads (postEvent, deleteLater, invokeMethod, singleShot):
    /// an atomic copy of its address, updated by `moveToThread` (Qt's atomic thread pointer).
    @usableFromInline let threadDataBits = Atomic<UInt>(0)
    @exclusivity(unchecked) var state: ObjectState = []
    /// deleteLater() may be called from any thread: its once-only flag is atomic.
    let deleteLaterPosted = Atomic<Bool>(false)
    /// Rarely used parts (name, signals, connections, filters, timers), allocated on demand
    /// and owned by this reference (released at the end of deinit). Unmanaged: an optional
    /// reference field is released in every object's teardown, nil for most objects.
    @exclusivity(unchecked) var extraRaw: Unmanaged<ObjectExtra>?
    /// The rarely used parts, if allocated.
    var extra: ObjectExtra? { extraRaw?.takeUnretainedValue() }

    /// Creates an object in the current thread, as the last child of `parent` (which must
    /// live in the same thread; otherwise Qt warns and the object gets no parent).
    public init(parent: QObject? = nil) {
        let data = ThreadData.currentRef
        threadData = data.takeUnretainedValue()
        setUp(data)
        if let parent { attach(to: parent, isNew: true) }
    }

    /// Creates an object in the current thread as the last child of `parent` (which must live
    /// in the same thread; otherwise Qt warns and the object gets no parent). The parent is
    /// borrowed: the caller keeps its reference, so creating a child costs no reference
    /// counting of the parent (an optional parent is copied, a retain and a release).
    /// Qt: `QObject(QObject *parent)`.
    public init(parent: __shared QObject) {
        // The parent's thread when that is the calling one (a token compare, cheaper than the
        // thread-local lookup); otherwise the calling thread's, and `attach` refuses the parent.
        let parentData = parent.threadDataRef
        let data = parentData._withUnsafeGuaranteedRef { $0.isCurrent } ? parentData : ThreadData.currentRef
        threadData = data.takeUnretainedValue()
        setUp(data)
        attach(to: parent, isNew: true)
    }

    /// The rest of construction, once the thread is known (`data`, the calling thread's,
    /// unretained: the thread keeps it, and this object counts in it from here on).
    @inline(__always) private func setUp(_ data: Unmanaged<ThreadData>) {
        data._withUnsafeGuaranteedRef { $0.localObjects += 1 }
        threadDataBits.store(UInt(bitPattern: data.toOpaque()), ordering: .releasing)
        #if DEBUG
        liveObjectCount.add(1, ordering: .relaxed)
        #endif
        if type(of: self) != QObject.self { adoptDeclaredSignals() } else { state.insert(.plainObject) }
    }

    /// An object whose thread is given (QThread objects of adopted threads, not counted as live:
    /// they belong to the thread, not to the program).
    init(threadData: ThreadData) {
        self.threadData = threadData
        publishThreadData()
        state.insert(.uncounted)
        adoptDeclaredSignals()
    }

    deinit {
        if let extra, !extra.timerIds.isEmpty, isForeignThread() {
            // Its timers belong to another running thread's dispatcher: undefined in Qt.
            affinityViolation("release the last reference to an object with running timers")
        }
        if !state.contains(.deleted) {
            state.insert(.inDeinit)
            runDestruction(leaveParent: false)
        }
        // A signal may outlive its owner (a Connection handle keeps it): never reach back.
        if let extra { for signal in extra.signals { signal.ownerGone = true } }
        #if DEBUG
        if !state.contains(.uncounted) { liveObjectCount.subtract(1, ordering: .relaxed) }
        #endif
        // Last: this object may have been what kept its thread's data. (Borrowed through the
        // address: reading the unowned(unsafe) field for a call retained and released it.)
        if !state.contains(.uncounted) { withThreadData { $0.objectLeft() } }
        extraRaw?.release()
    }

    #if DEBUG
    /// QObjects alive now (debug builds): tests compare it before and after to find leaks.
    static var liveObjects: Int { liveObjectCount.load(ordering: .relaxed) }
    #endif

    /// Qt's subclass destructor body: runs first in the destruction sequence (by `delete()`,
    /// the parent's deletion, `deleteLater()` or the last reference going away), while the
    /// object, its connections and its children are still intact. Call `super`.
    open func willDestroy() {}

    /// Receives every event sent or posted to this object. The default dispatches Timer to
    /// `timerEvent`, ChildAdded/ChildRemoved to `childEvent`, DeferredDelete to `delete()`,
    /// and user types to `customEvent`; it returns false for types it does not know.
    open func event(_ event: QEvent) -> Bool { defaultEvent(event) }

    /// Called for events sent to objects this one filters (see `installEventFilter`);
    /// return true to stop the event. The default returns false.
    open func eventFilter(_ watched: QObject, _ event: QEvent) -> Bool { false }

    /// Timer events for timers started with `startTimer`.
    open func timerEvent(_ event: QTimerEvent) {}

    /// ChildAdded / ChildRemoved, sent synchronously by `setParent` and child creation/deletion.
    open func childEvent(_ event: QChildEvent) {}

    /// Events of user types (`QEvent.EventType.user` and above).
    open func customEvent(_ event: QEvent) {}

    /// Called in this object's thread after a connection to one of its signals is made;
    /// compare with `===` (`signal === readyRead`) to start work only once someone listens.
    /// The default does nothing. Qt: `QObject::connectNotify()`.
    open func connectNotify(_ signal: SignalBase) {}

    /// Qt: `objectName`. Emits `objectNameChanged` when it changes.
    public var objectName: String {
        get { extra?.objectName ?? "" }
        set {
            guard newValue != objectName else { return }
            extraData.objectName = newValue
            extra?.objectNameChangedSignal?.emit(newValue)
        }
    }

    /// Qt: `objectNameChanged(const QString &)`.
    public var objectNameChanged: Signal<String> {
        if let s = extra?.objectNameChangedSignal { return s }
        let s = Signal<String>(owner: self)
        extraData.objectNameChangedSignal = s
        return s
    }

    /// Qt: `setObjectName()`.
    public func setObjectName(_ name: String) { objectName = name }

    /// The QThread this object lives in. Qt: `QObject::thread()`.
    public var thread: QThread { threadData.thread }

    var extraData: ObjectExtra {
        if let e = extra { return e }
        // Created under the registry lock: a connect from another thread may create it too.
        return connectionRegistryLock.withLock {
            if let e = extra { return e }
            let e = ObjectExtra()
            extraRaw = .passRetained(e)
            return e
        }
    }

    /// Traps when the calling thread is not this object's thread while that thread runs
    /// (undefined in Qt). Objects of a thread that has not started (or has ended) may be
    /// set up from any thread.
    @inline(__always) func assertAffinity(_ what: @autoclosure () -> String) {
        // Any thread may ask: read the thread through its atomic copy.
        if isForeignThread() { affinityViolation(what()) }
    }

    func affinityViolation(_ what: String) -> Never {
        Diagnostics.misuse(
            "QObject: cannot \(what) on \(describe(self)) from \(ThreadData.currentDebugName): "
                + "it lives in \(threadData.debugName). Use a queued connection or "
                + "QMetaObject.invokeMethod to reach it.")
    }

    func warnForeignThread(_ what: String) {
        Diagnostics.warning(
            "QObject: \(what) on \(describe(self)) from \(ThreadData.currentDebugName) ignored: "
                + "it lives in \(threadData.debugName)")
    }
}

/// Per-object flags.
struct ObjectState: OptionSet {
    let rawValue: UInt8
    static let deleted = ObjectState(rawValue: 1)
    static let signalsBlocked = ObjectState(rawValue: 2)
    static let deletingChildren = ObjectState(rawValue: 4)
    static let inDeinit = ObjectState(rawValue: 8)
    static let uncounted = ObjectState(rawValue: 32)
    /// The object is of class QObject itself, not a subclass (its childEvent is empty, so
    /// ChildAdded for it is skipped unless it has filters). Set at construction.
    static let plainObject = ObjectState(rawValue: 16)
    /// Event filters are installed (the owner thread's copy of the life token's bit, read by
    /// every `notify` without touching `extra`).
    static let filtered = ObjectState(rawValue: 64)
}

#if DEBUG
private let liveObjectCount = Atomic<Int>(0)
#endif

/// Whether an object's destruction has begun, and whether it has event filters (queued calls
/// then offer themselves to them), readable from any thread in one load without touching the
/// object.
@usableFromInline
final class LifeToken: Sendable {
    @usableFromInline static let endedBit: UInt8 = 1
    @usableFromInline static let filteredBit: UInt8 = 2
    @usableFromInline let bits = Atomic<UInt8>(0)
    @inlinable var hasEnded: Bool { bits.load(ordering: .acquiring) & LifeToken.endedBit != 0 }
    @usableFromInline init() {}

    /// Marks the object's destruction as begun.
    func end() { bits.bitwiseOr(LifeToken.endedBit, ordering: .releasing) }

    /// Records whether the object has event filters (written on the object's thread).
    func setFiltered(_ filtered: Bool) {
        if filtered {
            bits.bitwiseOr(LifeToken.filteredBit, ordering: .relaxed)
        } else {
            bits.bitwiseAnd(~LifeToken.filteredBit, ordering: .relaxed)
        }
    }
}

/// The rarely used parts of a QObject.
final class ObjectExtra {
    /// Set when the object's destruction begins; queued calls hold it, so they are dropped
    /// even when their connection was removed (by a disconnect or the sender's end) before.
    let lifeToken = LifeToken()
    var objectName = ""
    var objectNameChangedSignal: Signal<String>?
    var destroyedSignal: Signal<ObjectIdentifier>?
    /// Signals declared by the object (retained; they are its properties anyway).
    @exclusivity(unchecked) var signals: [SignalBase] = []
    /// Connections whose receiver or context is this object (guarded by connectionRegistryLock).
    var incoming: [ObjectIdentifier: ConnectionBase] = [:]
    /// Connections removed from their signal (a disconnect, the sender's end) whose queued
    /// calls may still wait in a queue: Qt still delivers those calls, in this object's
    /// thread, so a move must re-point them too. Weak: each goes with its last call.
    /// Guarded by connectionRegistryLock.
    var lingering: [ObjectIdentifier: WeakConnection] = [:]
    /// Installed event filters, most recent last (weak: a filter may die first).
    var eventFilters: [WeakObject] = []
    /// Ids of the timers this object started (unchecked: every startTimer appends).
    @exclusivity(unchecked) var timerIds: [Int] = []
}

/// A weak reference to a connection (see `ObjectExtra.lingering`).
struct WeakConnection {
    weak var connection: ConnectionBase?
}

/// A weak reference to a QObject, for lists that must not keep objects alive.
struct WeakObject {
    weak var object: QObject?
}
