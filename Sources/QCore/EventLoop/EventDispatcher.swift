import CLibevent
import CQKitLoopFD
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `evthread_use_pthreads()` must run before the first event base exists; a global `let`
/// initialiser runs exactly once, thread-safely.
private let libeventThreadingReady: Bool = evthread_use_pthreads() == 0

/// The cross-thread handle of a dispatcher: wakes its `event_base_loop` from any thread by
/// writing to an eventfd the loop watches edge-triggered. A plain write takes no lock: waking
/// through `event_active` held the base's lock across the write, so on one CPU the woken loop
/// ran first and blocked on that lock (three futex calls per cross-thread round trip). Each
/// write is a new edge, so the loop never reads the counter back (one syscall less per wake;
/// a post writes only to a sleeping loop, and 2^64 of them would take millennia). The waker
/// owns the descriptor, so a late wake never reaches a reused one.
final class EventDispatcherWaker: @unchecked Sendable {
    // Safe to share: the descriptor is fixed for the waker's life; write(2) is thread-safe.
    let fd: Int32

    init() {
        fd = cqkit_eventfd(0, O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            fatalError("QKit: eventfd failed for an event loop's wake-up (errno \(errno): out of descriptors)")
        }
    }

    deinit { close(fd) }

    /// Out of line: inlined into a post, its 8-byte buffer gave every post a stack-protector
    /// check.
    @inline(never) func wake() {
        var one: UInt64 = 1
        // EAGAIN would mean the counter is at its maximum: the loop is woken already.
        while write(fd, &one, 8) < 0 && errno == EINTR {}
    }
}

/// One thread's libevent loop, run the way Qt's Unix dispatcher runs an iteration:
/// posted events, then (maybe) wait, then socket notifiers, then timers.
/// libevent callbacks only record what fired; user code runs after `event_base_loop`
/// returns, so slots may start nested loops freely (libevent forbids re-entering a base).
final class EventDispatcher {
    let base: OpaquePointer
    let waker: EventDispatcherWaker
    private let wakeEvent: OpaquePointer
    let timerQueue: TimerQueue
    private let timerEvent: OpaquePointer
    /// The thread's data (it owns this dispatcher), unretained. Held as `Unmanaged` and
    /// borrowed through `_withUnsafeGuaranteedRef` in a pass: an `unowned(unsafe)` reference
    /// was retained and released around each use, several times per pass.
    let threadDataRef: Unmanaged<ThreadData>
    var threadData: ThreadData { threadDataRef.takeUnretainedValue() }

    /// Filled by libevent callbacks during `event_base_loop`.
    /// Watches that fired and wait for step 4 (Qt's pending notifier list), unretained: a
    /// watch that goes away before its delivery blanks its entry (`forgetFired`), so an
    /// entry is alive while it is in the list. Step 4 takes them from `firedHead` one at a
    /// time, so a pass nested in a slot delivers the rest, in order. (Retaining each entry
    /// cost two atomic operations per activation.)
    @exclusivity(unchecked) var firedWatches: [Unmanaged<SocketWatch>?] = []
    @exclusivity(unchecked) private var firedHead = 0
    @exclusivity(unchecked) var firedTimers: [TimerRecord] = []
    @exclusivity(unchecked) private var spareTimerList: [TimerRecord] = []
    /// Timers that fired while timers were excluded: delivered by a later iteration.
    @exclusivity(unchecked) var deferredTimers: [TimerRecord] = []
    @exclusivity(unchecked) var timers: [Int: TimerRecord] = [:]
    @exclusivity(unchecked) var zeroTimerCount = 0
    /// A QTimerEvent kept for reuse (timers fire often). This slot and the SockAct one below
    /// own their event (released in deinit); Unmanaged, as an optional class field released
    /// its old value, nil, on every store.
    @exclusivity(unchecked) var spareTimerEvent: Unmanaged<QTimerEvent>?
    /// A SockAct event kept for reuse (socket notifiers fire often).
    @exclusivity(unchecked) var spareSockActEvent: Unmanaged<QEvent>?
    @exclusivity(unchecked) var watchCount = 0
    /// libevent events that socket and Unix-signal watches made on this base, enabled or not.
    @exclusivity(unchecked) var watchEvents = 0
    /// Iterations since libevent was last polled (posted-event bursts poll only every few passes).
    @exclusivity(unchecked) private var passesSincePoll = 0
    /// When a burst of posted events last polled (monotonic nanoseconds).
    @exclusivity(unchecked) private var lastBusyPollAt: UInt64 = 0
    /// The main dispatch queue (DispatchQueue.main, the main actor), on the main thread only:
    /// retained by hand from `init` to `deinit`, so that using it costs the pass no reference
    /// counting (reading an optional property for a call retained and released it).
    @exclusivity(unchecked) private var mainQueueRef: Unmanaged<MainQueueWatch>?

    init(threadData: ThreadData) {
        precondition(libeventThreadingReady, "QKit: evthread_use_pthreads() failed; libevent_pthreads is required")
        // No EVENT_BASE_FLAG_PRECISE_TIMER: QKit's TimerQueue keeps its own timerfd, so
        // libevent has no timeouts and blocks in epoll_wait without re-arming a timer.
        // EVENT_BASE_FLAG_NOLOCK: only the owning thread touches its base (other threads
        // wake it through the waker's eventfd), so the base needs no lock. With one, every
        // loop pass took and released it three times. libevent's threading stays enabled
        // for its process-wide state (the one base that receives Unix signals).
        let config = event_config_new()
        event_config_set_flag(config, Int32(EVENT_BASE_FLAG_NOLOCK.rawValue))
        guard let base = event_base_new_with_config(config) else {
            fatalError("QKit: event_base_new_with_config failed (out of memory or descriptors)")
        }
        event_config_free(config)
        self.base = base
        self.threadDataRef = .passUnretained(threadData)
        waker = EventDispatcherWaker()
        guard let wakeEvent = event_new(base, waker.fd, Int16(EV_READ | EV_PERSIST | EV_ET), qkitWakeCallback, nil),
            event_add(wakeEvent, nil) == 0
        else {
            fatalError("QKit: event_new failed for the wake-up event")
        }
        self.wakeEvent = wakeEvent
        timerQueue = TimerQueue()
        // Safe: the queue outlives the event (freed first in deinit).
        let queue = Unmanaged.passUnretained(timerQueue).toOpaque()
        guard let timerEvent = event_new(base, timerQueue.fd, Int16(EV_READ | EV_PERSIST), qkitTimerQueueCallback, queue),
            event_add(timerEvent, nil) == 0
        else {
            fatalError("QKit: event_new failed for the timer queue's event")
        }
        self.timerEvent = timerEvent
        mainQueueRef = MainQueueWatch(dispatcher: self).map { Unmanaged.passRetained($0) }
    }

    deinit {
        spareTimerEvent?.release()
        spareSockActEvent?.release()
        mainQueueRef?.release()
        mainQueueRef = nil
        for record in timers.values { record.kill() }
        timers.removeAll()
        event_free(timerEvent)
        event_free(wakeEvent)
        event_base_free(base)
    }

    /// Blanks the undelivered entry of `watch`, which is going away (its own thread only).
    func forgetFired(_ watch: SocketWatch) {
        let address = Unmanaged.passUnretained(watch).toOpaque()
        for index in firedHead..<firedWatches.count where firedWatches[index]?.toOpaque() == address {
            firedWatches[index] = nil
        }
    }

    /// In a burst of posted events, every 16 passes: true when 20 µs went by since the burst
    /// last polled; otherwise the next check is 16 passes later.
    private func busyPollDue() -> Bool {
        let now = monotonicNanoseconds()
        guard now &- lastBusyPollAt >= 20_000 else {
            passesSincePoll = 0
            return false
        }
        lastBusyPollAt = now
        return true
    }

    /// True when nothing is registered with the loop: no timer and no watch event.
    var isIdle: Bool { timers.isEmpty && watchEvents == 0 && deferredTimers.isEmpty && firedHead == firedWatches.count }

    /// A delivery of at least this many posted entries means another thread posts faster than
    /// this one delivers; when the next pass then finds the queue empty, the thread yields its
    /// CPU once (`sched_yield`) and looks again before it blocks. A producer on the same CPU
    /// then keeps running and queues a large batch, where otherwise each of its posts to the
    /// sleeping loop woke it, the scheduler switched to it at once, and it delivered a few
    /// entries and slept again: one CPU, 1 M calls queued from a thread, 13,000 context
    /// switches and 9.1 M calls/s without the yield, 5,500 and 12.2 M/s with it. With a
    /// CPU to itself the yield returns at once (one system call per flood that ends). Smaller
    /// deliveries (a request now and then) block right away, as before.
    static let floodBatch = 64

    /// One iteration. Returns whether anything was handled.
    @discardableResult
    func processEvents(_ flags: QEventLoop.ProcessEventsFlags) -> Bool {
        // Safe: the thread data owns this dispatcher, so it outlives the pass.
        threadDataRef._withUnsafeGuaranteedRef { processEvents(flags, threadData: $0) }
    }

    private func processEvents(_ flags: QEventLoop.ProcessEventsFlags, threadData: ThreadData) -> Bool {
        // 1. awake; 2. posted events queued before this step.
        var handled = threadData.sendPostedEvents()

        // 3. wait (or poll) for sockets and timers.
        var canWait =
            flags.contains(.waitForMoreEvents) && !handled && zeroTimerCount == 0 && deferredTimers.isEmpty
            && mainQueueRef?._withUnsafeGuaranteedRef({ $0.pending }) != true
        if canWait && threadData.lastDeliveryCount >= EventDispatcher.floodBatch {
            // The queue ran dry right after a flood: let a producer sharing this CPU go on
            // before blocking, so that it fills the queue again instead of waking this
            // thread after every few entries (see `floodBatch`).
            threadData.lastDeliveryCount = 0
            sched_yield()
            if threadData.sendPostedEvents() {
                handled = true
                canWait = false
            }
        }
        if canWait { canWait = threadData.prepareToBlock() }
        if canWait {
            passesSincePoll = 0
            // Also with no timer left: a descriptor armed for a killed timer is disarmed here,
            // or it would stay readable and keep the loop from sleeping.
            timerQueue.armForBlocking()
            event_base_loop(base, EVLOOP_ONCE | EVLOOP_NO_EXIT_ON_EMPTY)
            // Awake again: posts need not wake it (the next delivery no longer clears this
            // when nothing was posted).
            threadData.loopSleeping.store(false, ordering: .relaxed)
            if !timers.isEmpty { timerQueue.collectDue(now: monotonicNanoseconds()) }
        } else {
            // Not waiting. libevent also holds the Unix-signal and main-queue watches; with
            // nothing registered in it, the main queue's eventfd alone is cheaper to ask (one
            // read). Asked on an idle pass, on every pass of a processEvents() call made with
            // sockets or timers registered, and when a zero timer runs; in a burst of posted
            // events inside exec(), only when 16 passes and 20 µs went by since the last time
            // (a system call costs up to a microsecond on a VM, several queued calls' worth),
            // so sockets and timers are never starved.
            let registered = watchCount + timers.count > 0
            passesSincePoll += 1
            if !handled || zeroTimerCount > 0 || (registered && !flags.contains(.eventLoopExec))
                || (passesSincePoll >= 16 && busyPollDue())
            {
                passesSincePoll = 0
                if registered {
                    event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_ONCE)
                    // Timers are due by the clock (a vDSO read).
                    if !timers.isEmpty { timerQueue.collectDue(now: monotonicNanoseconds()) }
                } else {
                    mainQueueRef?._withUnsafeGuaranteedRef { $0.poll() }
                }
            }
        }

        // 4. socket notifiers.
        if firedHead < firedWatches.count {
            let deliver = !flags.contains(.excludeSocketNotifiers)
            while firedHead < firedWatches.count {
                guard let watch = firedWatches[firedHead] else {
                    firedHead += 1
                    continue
                }
                firedHead += 1
                // Safe: a listed watch is alive. Unmarked first: it may fire again from here on.
                watch._withUnsafeGuaranteedRef { $0.isPending = false }
                if deliver && SocketWatch.deliver(watch, threadData, self) { handled = true }
            }
            // Emptied from the end, capacity kept: `removeAll(keepingCapacity:)` went through
            // the generic `replaceSubrange`, about 60 instructions per pass.
            while !firedWatches.isEmpty { firedWatches.removeLast() }
            firedHead = 0
        }

        // 4b. the main dispatch queue: DispatchQueue.main work and main-actor jobs.
        // Safe: the dispatcher holds the watch for its whole life.
        if mainQueueRef?._withUnsafeGuaranteedRef({ $0.run() }) == true { handled = true }

        // 5. timers that are due, in deadline order (same interval started in order fire in order).
        if !firedTimers.isEmpty || !deferredTimers.isEmpty {
            var fired: [TimerRecord] = []
            swap(&fired, &firedTimers)
            swap(&firedTimers, &spareTimerList)
            if !deferredTimers.isEmpty {
                fired.insert(contentsOf: deferredTimers, at: 0)
                deferredTimers.removeAll()
            }
            if flags.contains(.x11ExcludeTimers) {
                deferredTimers = fired
            } else {
                if fired.count > 1 {
                    fired.sort { $0.dueAt != $1.dueAt ? $0.dueAt < $1.dueAt : $0.sequence < $1.sequence }
                }
                for record in fired where record.fire(threadData) { handled = true }
                fired.removeAll(keepingCapacity: true)
                spareTimerList = fired
            }
        }
        return handled
    }
}

/// The wake-up event's callback: it only makes `event_base_loop` return (edge-triggered, the
/// eventfd needs no reset).
private func qkitWakeCallback(_ fd: Int32, _ what: Int16, _ context: UnsafeMutableRawPointer?) {}

/// The timer queue's timerfd became readable: it must be armed again before blocking.
private func qkitTimerQueueCallback(_ fd: Int32, _ what: Int16, _ context: UnsafeMutableRawPointer?) {
    // Safe: the context is the dispatcher's timer queue, which outlives the event.
    Unmanaged<TimerQueue>.fromOpaque(context.unsafelyUnwrapped).takeUnretainedValue().expired()
}

/// Monotonic nanoseconds, the clock of timers and QElapsedTimer.
@inline(__always) func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}
