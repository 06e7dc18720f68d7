import CQKitLoopFD

#if canImport(Glibc)
import Glibc
#endif

/// A thread's running timers in deadline order, and the one timerfd that wakes its loop for
/// the earliest (see the README, "The event loop and timers"). The timerfd is re-armed only
/// when the earliest deadline has changed since it was last armed, and only before the loop
/// blocks: a loop pass that moves no deadline makes no timer syscall (libevent's precise-timer
/// backend re-armed its timerfd on every pass). Deadlines are CLOCK_MONOTONIC nanoseconds,
/// the clock of the timerfd, so a wake-up is exact to the nanosecond rather than epoll's ms.
final class TimerQueue {
    /// The timerfd, watched by the dispatcher's libevent base.
    let fd: Int32
    /// Pending deadlines. A killed timer's entry stays until it reaches the top or the heap is
    /// compacted (a heap has no removal by key): `isLive` tells them apart.
    @exclusivity(unchecked) private var heap = DeadlineHeap<TimerRecord>()
    /// The deadline the timerfd is armed for: 0 when disarmed, `.max` when it may have
    /// expired (its readiness is then cleared by the next arming).
    @exclusivity(unchecked) private var armed: UInt64 = 0
    /// timerfd_settime calls so far (tests check that a pass moving no deadline makes none).
    @exclusivity(unchecked) private(set) var armings = 0
    /// Entries in the heap, stale ones included (tests check compaction).
    var entryCount: Int { heap.count }

    init() {
        fd = cqkit_timerfd_create(CLOCK_MONOTONIC, O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            fatalError("QKit: timerfd_create failed for an event loop's timers (errno \(errno): out of descriptors)")
        }
    }

    deinit { close(fd) }

    /// Queues the record's current deadline.
    func schedule(_ record: TimerRecord) {
        record.hasEntry = true
        heap.insert(record, deadline: record.deadline, sequence: record.sequence)
    }

    /// False once the entry's timer was killed or its deadline moved on (a stale entry).
    private static func isLive(_ entry: DeadlineHeap<TimerRecord>.Entry) -> Bool {
        // Safe: the heap holds a reference to the record while the entry is in it.
        entry.item._withUnsafeGuaranteedRef { $0.isActive && $0.deadline == entry.deadline }
    }

    /// Moves every timer due at `now` to its dispatcher's fired list, in deadline order, and
    /// queues the next deadline of each repeating one (zero timers are queued again after
    /// their handler ran).
    func collectDue(now: UInt64) {
        while let top = heap.min, top.deadline <= now {
            // The record's next deadline, or 0 when its entry goes (stale, or a zero timer).
            // Decided while the heap's reference holds the record; the entry is removed (and
            // the reference released) after.
            let next: UInt64 = top.item._withUnsafeGuaranteedRef { record in
                guard record.isActive && record.deadline == top.deadline else { return 0 }
                record.fired(now: now)
                if record.interval == 0 {
                    record.hasEntry = false
                    return 0
                }
                // After `now`: this loop will not see it again.
                return record.deadline
            }
            if next == 0 { heap.removeMin() } else { heap.updateMin(deadline: next) }
        }
    }

    /// Before the loop blocks: arms the timerfd for the earliest live deadline (or disarms
    /// it) when that differs from what it is armed for.
    func armForBlocking() {
        while let top = heap.min, !Self.isLive(top) { heap.removeMin() }
        let target = heap.min?.deadline ?? 0
        guard target != armed else { return }
        armed = target
        armings += 1
        // A zero it_value disarms; an absolute time already passed fires at once.
        var spec = itimerspec(
            it_interval: timespec(),
            it_value: timespec(tv_sec: Int(target / 1_000_000_000), tv_nsec: Int(target % 1_000_000_000)))
        // Safe: `spec` lives across the call, which only reads it.
        let status = withUnsafePointer(to: &spec) { cqkit_timerfd_settime(fd, CQKIT_TFD_TIMER_ABSTIME, $0, nil) }
        // Cannot fail with a valid descriptor and a normalised time; if it ever did, the next
        // pass arms again rather than trusting a timer that was never set.
        if status != 0 { armed = .max }
    }

    /// The timerfd became readable: it must be armed again before the loop blocks.
    func expired() { armed = .max }

    /// Rebuilds the heap from the live timers when killed timers' entries outnumber them
    /// (timers restarted over and over would otherwise grow it without bound).
    func compactIfNeeded(live timers: Dictionary<Int, TimerRecord>.Values) {
        guard heap.count > 2 * timers.count + 64 else { return }
        heap.removeAll()
        for record in timers where record.isActive && record.hasEntry {
            heap.insert(record, deadline: record.deadline, sequence: record.sequence)
        }
    }
}
