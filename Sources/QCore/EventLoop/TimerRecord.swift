import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Timer ids are unique among live timers across all threads.
private let nextTimerId = Atomic<Int>(1)
private let nextTimerSequence = Atomic<UInt64>(1)

/// One running timer (Qt's `QTimerInfo`), queued in its dispatcher's TimerQueue. When due, the
/// next deadline is the previous one plus the interval, or now plus the interval when that has
/// passed (Qt's rule: no catch-up burst). A timer is delivered at most once per iteration and
/// never while its handler runs.
final class TimerRecord {
    let id: Int
    /// The interval in ms after Qt's timer-type adjustment.
    let interval: Int
    let type: Qt.TimerType
    unowned(unsafe) let object: QObject
    unowned(unsafe) let dispatcher: EventDispatcher
    /// When it is due, in monotonic ns.
    @exclusivity(unchecked) private(set) var deadline: UInt64
    /// Start order: breaks deadline ties so timers started in order fire in order.
    let sequence: UInt64
    @exclusivity(unchecked) private(set) var isActive = true
    @exclusivity(unchecked) private var inHandler = false
    /// Whether the queue holds an entry for it (a zero timer has none while it is delivered).
    @exclusivity(unchecked) var hasEntry = false

    init(object: QObject, interval: Int, type: Qt.TimerType, dispatcher: EventDispatcher, id: Int? = nil) {
        self.id = id ?? nextTimerId.wrappingAdd(1, ordering: .relaxed).oldValue
        sequence = nextTimerSequence.wrappingAdd(1, ordering: .relaxed).oldValue
        self.object = object
        self.type = type
        self.interval = TimerRecord.effectiveInterval(interval, type)
        self.dispatcher = dispatcher
        deadline = monotonicNanoseconds() &+ UInt64(self.interval) &* 1_000_000
        if self.interval == 0 { dispatcher.zeroTimerCount += 1 }
        dispatcher.timerQueue.schedule(self)
    }

    /// Qt's timer types: Coarse ≤ 20 ms behaves as Precise, ≥ 20 s as VeryCoarse;
    /// VeryCoarse rounds to the nearest second (500 ms rounds up).
    static func effectiveInterval(_ interval: Int, _ type: Qt.TimerType) -> Int {
        let veryCoarse = type == .veryCoarse || (type == .coarse && interval >= 20_000)
        guard veryCoarse else { return interval }
        return (interval + 500) / 1000 * 1000
    }

    /// Milliseconds until it is due (rounded up), 0 when overdue.
    var remainingMilliseconds: Int {
        let now = monotonicNanoseconds()
        guard deadline > now else { return 0 }
        return Int((deadline - now + 999_999) / 1_000_000)
    }

    /// Stops it for good (killTimer, owner teardown); its queue entry goes stale.
    func kill() {
        guard isActive else { return }
        isActive = false
        if interval == 0 { dispatcher.zeroTimerCount -= 1 }
    }

    /// Due at `now` (the queue calls it): recorded for step 5 of the iteration, and the
    /// deadline advanced to the next one.
    func fired(now: UInt64) {
        let step = UInt64(interval) &* 1_000_000
        var next = deadline &+ step
        if next <= now { next = now &+ step }
        // Already waiting for delivery (a nested loop or an excluded pass saw it come due
        // again): one delivery, no catch-up burst.
        if !isQueued {
            isQueued = true
            dueAt = deadline
            dispatcher.firedTimers.append(self)
        }
        deadline = next
    }

    /// Waiting in a fired list; cleared when delivered.
    @exclusivity(unchecked) private var isQueued = false

    /// The deadline that made it fire (the sort key of step 5).
    @exclusivity(unchecked) private(set) var dueAt: UInt64 = 0

    /// Step 5: sends the QTimerEvent (the queue already holds the next deadline).
    func fire(_ threadData: ThreadData) -> Bool {
        guard isQueued else { return false }  // a stale second entry
        isQueued = false
        guard isActive, !inHandler else { return false }
        inHandler = true
        threadData.scopeLevel += 1
        // One QTimerEvent per dispatcher is reused unless a handler kept it; moved in and out
        // of its slot (`take()`, `consume`), as a copy costs a retain and a release.
        var event: QTimerEvent
        if let spare = dispatcher.spareTimerEvent.take()?.takeRetainedValue() {
            spare.timerId = id
            spare.isAccepted = true
            event = spare
        } else {
            event = QTimerEvent(id)
        }
        _ = QCoreApplication.notify(object, event)
        if isKnownUniquelyReferenced(&event), dispatcher.spareTimerEvent == nil {
            dispatcher.spareTimerEvent = .passRetained(consume event)
        }
        threadData.scopeLevel -= 1
        inHandler = false
        if interval == 0 && isActive && !hasEntry {
            deadline = monotonicNanoseconds()
            dispatcher.timerQueue.schedule(self)
        }
        return true
    }
}

extension EventDispatcher {
    /// Registers a timer for `object`; returns its id.
    @discardableResult
    func registerTimer(object: QObject, interval: Int, type: Qt.TimerType, id: Int? = nil) -> Int {
        let record = TimerRecord(object: object, interval: interval, type: type, dispatcher: self, id: id)
        timers[record.id] = record
        return record.id
    }

    /// Kills a timer; returns false when the id is unknown here.
    @discardableResult
    func unregisterTimer(_ id: Int) -> Bool {
        guard let record = timers.removeValue(forKey: id) else { return false }
        record.kill()
        timerQueue.compactIfNeeded(live: timers.values)
        return true
    }

    func remainingTime(_ id: Int) -> Int {
        timers[id]?.remainingMilliseconds ?? -1
    }

    func interval(ofTimer id: Int) -> Int? { timers[id]?.interval }
}
