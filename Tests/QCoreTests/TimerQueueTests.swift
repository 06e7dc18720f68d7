import Dispatch
import QKitTestSupport
import Testing

@testable import QCore

#if canImport(Glibc)
import Glibc
#endif

/// The loop's timer queue: one timerfd armed for the earliest deadline, re-armed only when
/// that deadline changes.
@Suite("Timer queue", .leakChecked)
struct TimerQueueTests {
    /// Runs `loop` with a watchdog that ends it with code 1 after `ms` (from another thread:
    /// `exit` is thread-safe), so a loop that is never woken fails instead of hanging.
    private func execWithWatchdog(_ loop: QEventLoop, ms: Int = 3000) -> Int32 {
        let watchdog = Watchdog(loop)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(ms)) { watchdog.fire() }
        let code = loop.exec()
        watchdog.disarm()
        return code
    }

    @Test("a loop with nothing else to do sleeps until the earliest timer's deadline, not past it")
    func blockedLoopWakesForEarliestTimer() {
        let later = QTimer()
        later.start(3_600_000)
        let loop = QEventLoop()
        var clock = QElapsedTimer()
        var firedAfter: Int64 = -1
        QTimer.singleShot(15, .precise, context: loop) {
            firedAfter = clock.elapsed()
            loop.quit()
        }
        clock.start()
        #expect(execWithWatchdog(loop) == 0, "woken by the 15 ms timer, not the watchdog")
        #expect(firedAfter >= 15 && firedAfter < 1000)
        later.stop()
    }

    @Test("killing the earliest timer lets the loop sleep until the next one, and it never fires")
    func killedEarliestTimerNeverFires() {
        let object = QObject()
        var killedFired = false
        let first = QTimer()
        first.isSingleShot = true
        first.timeout.connect { killedFired = true }
        first.start(5)
        let loop = QEventLoop()
        var clock = QElapsedTimer()
        QTimer.singleShot(30, .precise, context: object) { loop.quit() }
        first.stop()
        clock.start()
        #expect(execWithWatchdog(loop) == 0)
        #expect(clock.elapsed() >= 25)
        #expect(!killedFired)
        object.delete()
    }

    @Test("a later timer does not re-arm the descriptor; an earlier one does, once")
    func rearmedOnlyWhenEarliestChanges() {
        let queue = ThreadData.current.dispatcher.timerQueue
        let object = QObject()
        let hour = object.startTimer(3_600_000)
        queue.armForBlocking()
        let armed = queue.armings
        queue.armForBlocking()
        #expect(queue.armings == armed, "nothing moved: no syscall")
        let twoHours = object.startTimer(7_200_000)
        queue.armForBlocking()
        #expect(queue.armings == armed, "a later deadline leaves the earliest as it was")
        let halfHour = object.startTimer(1_800_000)
        queue.armForBlocking()
        #expect(queue.armings == armed + 1, "an earlier deadline re-arms once")
        queue.armForBlocking()
        #expect(queue.armings == armed + 1)
        for id in [hour, twoHours, halfHour] { object.killTimer(id) }
        object.delete()
    }

    @Test("a timer killed after the descriptor was armed for it leaves the loop asleep once no timer is left")
    func killedArmedTimerLeavesNoBusyLoop() {
        let queue = ThreadData.current.dispatcher.timerQueue
        let object = QObject()
        let id = object.startTimer(5, .precise)
        queue.armForBlocking()  // armed for the 5 ms deadline, as before a blocking pass
        object.killTimer(id)
        let done = Guarded(false)
        let thread = ThreadData.current
        let finished = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            usleep(40_000)  // well past the killed timer's deadline
            done.withLock { $0 = true }
            thread.interruptLoop()  // the only wake-up the loop should see
            finished.signal()
        }
        var passes = 0
        while !done.withLock({ $0 }) {
            QCoreApplication.processEvents(.waitForMoreEvents)
            passes += 1
        }
        finished.wait()
        QCoreApplication.processEvents()
        #expect(passes <= 3, "the loop slept until the wake-up, not woken over and over")
        object.delete()
    }

    @Test("restarting a timer many times keeps the queue bounded by its live timers")
    func restartsKeepQueueBounded() {
        let queue = ThreadData.current.dispatcher.timerQueue
        let timer = QTimer()
        for _ in 0..<10_000 { timer.start(3_600_000) }
        #expect(timer.isActive)
        #expect(queue.entryCount <= 2 * ThreadData.current.dispatcher.timers.count + 64)
        timer.stop()
    }

    @Test("a zero timer keeps firing once per pass while a long timer waits")
    func zeroTimerBesideLongTimer() {
        let long = QTimer()
        long.start(3_600_000)
        let zero = QTimer()
        var fired = 0
        zero.timeout.connect { fired += 1 }
        zero.start(0)
        for _ in 0..<5 { QCoreApplication.processEvents() }
        #expect(fired == 5)
        zero.stop()
        long.stop()
    }
}

/// Ends a loop from another thread unless disarmed first; holds the loop only until then.
private final class Watchdog: @unchecked Sendable {
    // Safe to share: `loop` is read and cleared under `lock`, and QEventLoop.exit is thread-safe.
    private let lock = FutexLock()
    private var loop: QEventLoop?
    init(_ loop: QEventLoop) { self.loop = loop }
    func fire() { lock.withLock { loop?.exit(1) } }
    func disarm() { lock.withLock { loop = nil } }
}
