import QKitTestSupport
import Testing

@testable import QCore

#if canImport(Glibc)
import Glibc
#endif

@Suite("QTimer", .leakChecked)
struct TimerTests {
    @Test("a new timer has Qt's defaults")
    func defaults() {
        let t = QTimer()
        #expect(t.interval == 0)
        #expect(!t.isSingleShot)
        #expect(t.timerType == .coarse)
        #expect(!t.isActive)
        #expect(t.timerId == -1)
        #expect(t.remainingTime == -1)
    }

    @Test("start gives a new id each time and stop makes it inactive")
    func startGivesNewId() {
        let t = QTimer()
        t.start(50)
        let first = t.timerId
        #expect(t.isActive && first > 0)
        t.start()
        #expect(t.timerId != first && t.isActive)
        t.stop()
        #expect(!t.isActive && t.timerId == -1)
        t.stop()
        #expect(!t.isActive)
    }

    @Test("setting the interval of a running timer restarts it with a new id")
    func setIntervalRestarts() {
        let t = QTimer()
        t.start(100)
        let id = t.timerId
        t.interval = 200
        #expect(t.isActive && t.timerId != id)
        t.stop()
    }

    @Test("a repeating timer keeps firing")
    func repeatingFires() {
        let t = QTimer()
        var count = 0
        t.timeout.connect { count += 1 }
        t.start(2)
        #expect(spinLoop { count >= 3 })
        t.stop()
    }

    @Test("a single-shot timer is inactive inside its timeout slot and can be restarted there")
    func singleShotInactiveInSlot() {
        let t = QTimer()
        t.isSingleShot = true
        var states: [(Bool, Int, Int)] = []
        t.timeout.connect(receiver: t) { t in
            states.append((t.isActive, t.timerId, t.remainingTime))
            if states.count == 1 { t.start() }
        }
        t.start(1)
        #expect(spinLoop { states.count == 2 })
        #expect(states[0].0 == false && states[0].1 == -1 && states[0].2 == -1)
        pump()
        #expect(states.count == 2)
    }

    @Test("remainingTime is never more than the interval")
    func remainingTimeBounded() {
        let t = QTimer()
        t.start(200)
        let r = t.remainingTime
        #expect(r > 0 && r <= 200)
        t.stop()
    }

    @Test("a negative interval warns and becomes 1 ms (Qt 6.9+)")
    func negativeIntervalClamped() {
        let t = QTimer()
        var fired = false
        t.isSingleShot = true
        t.timeout.connect { fired = true }
        let warnings = capturedWarnings { t.start(-5) }
        #expect(warnings == ["QTimer: negative interval -5 ms on QTimer; using 1 ms"])
        #expect(t.interval == 1)
        #expect(t.isActive)
        #expect(spinLoop { fired })
    }

    @Test("a zero timer fires once per iteration after posted events")
    func zeroTimerOncePerIteration() {
        let t = QTimer()
        var fired = 0
        t.timeout.connect { fired += 1 }
        t.start(0)
        QCoreApplication.processEvents()
        let afterOne = fired
        QCoreApplication.processEvents()
        #expect(afterOne <= 1)
        #expect(fired - afterOne <= 1)
        #expect(spinLoop { fired >= 3 })
        t.stop()
    }

    @Test("posted events are delivered before timers in an iteration")
    func postedBeforeTimers() {
        let t = QTimer()
        t.isSingleShot = true
        var order: [String] = []
        t.timeout.connect { order.append("timer") }
        t.start(0)
        let sink = QObject()
        QMetaObject.invokeMethod(sink, type: .queued) {}
        QTimer.singleShot(0, context: sink) { order.append("posted") }
        #expect(spinLoop { order.count == 2 })
        #expect(order == ["posted", "timer"])
    }

    @Test("posted events do not starve zero timers")
    func postedEventsDoNotStarveTimers() {
        let t = QTimer()
        var timerFired = false
        t.timeout.connect { timerFired = true }
        t.start(0)
        let sink = QObject()
        var posts = 0
        func repost() {
            posts += 1
            if !timerFired && posts < 100_000 { QTimer.singleShot(0, context: sink) { repost() } }
        }
        repost()
        #expect(spinLoop { timerFired })
        #expect(posts < 100_000)
        t.stop()
    }

    @Test("a timer never fires again while its own handler runs a nested loop")
    func noReentryDuringNestedLoop() {
        let t = QTimer()
        var depth = 0, maxDepth = 0, fired = 0
        t.timeout.connect {
            fired += 1
            depth += 1
            maxDepth = max(maxDepth, depth)
            if fired == 1 {
                let nested = QEventLoop()
                QTimer.singleShot(30) { nested.quit() }
                nested.exec()
            }
            depth -= 1
        }
        t.start(1)
        #expect(spinLoop { fired >= 3 })
        t.stop()
        #expect(maxDepth == 1)
    }

    @Test("after an overrun a timer fires once, with no catch-up burst")
    func noCatchUpBurst() {
        let t = QTimer()
        var fired = 0
        t.timeout.connect {
            fired += 1
            if fired == 1 {
                var e = QElapsedTimer(); e.start()
                while e.elapsed() < 50 {}
            }
        }
        t.start(5)
        #expect(spinLoop { fired >= 1 })
        QCoreApplication.processEvents()
        QCoreApplication.processEvents()
        #expect(fired <= 2)
        t.stop()
    }

    @Test("timers with the same interval started in order fire in that order")
    func sameIntervalOrder() {
        var order: [Int] = []
        var timers: [QTimer] = []
        for i in 0..<5 {
            let t = QTimer()
            t.isSingleShot = true
            t.timeout.connect { order.append(i) }
            t.start(3)
            timers.append(t)
        }
        #expect(spinLoop { order.count == 5 })
        #expect(order == [0, 1, 2, 3, 4])
    }

    @Test("a precise timer never fires early")
    func preciseNeverEarly() {
        let t = QTimer()
        t.timerType = .precise
        t.isSingleShot = true
        var elapsed: Int64 = -1
        var clock = QElapsedTimer()
        t.timeout.connect { elapsed = clock.elapsed() }
        clock.start()
        t.start(20)
        #expect(spinLoop { elapsed >= 0 })
        #expect(elapsed >= 20)
    }

    @Test("very coarse intervals round to the nearest second")
    func veryCoarseRounding() {
        #expect(TimerRecord.effectiveInterval(23_500, .veryCoarse) == 24_000)
        #expect(TimerRecord.effectiveInterval(20_300, .veryCoarse) == 20_000)
        #expect(TimerRecord.effectiveInterval(25_000, .coarse) == 25_000)
        #expect(TimerRecord.effectiveInterval(20_499, .coarse) == 20_000)
        #expect(TimerRecord.effectiveInterval(15, .coarse) == 15)
    }

    @Test("singleShot with 0 ms keeps call order with other posted calls")
    func singleShotZeroIsFifo() {
        var order: [Int] = []
        let ctx = QObject()
        QTimer.singleShot(0) { order.append(1) }
        QMetaObject.invokeMethod(ctx, type: .queued) {}
        QTimer.singleShot(0, context: ctx) { order.append(2) }
        QTimer.singleShot(0) { order.append(3) }
        pump()
        #expect(order == [1, 2, 3])
    }

    @Test("singleShot does nothing if its context is destroyed first")
    func singleShotContextDestroyed() {
        var fired = false
        do {
            let ctx = QObject()
            QTimer.singleShot(1, context: ctx) { fired = true }
            ctx.delete()
        }
        let later = QTimer()
        var done = false
        later.isSingleShot = true
        later.timeout.connect { done = true }
        later.start(20)
        #expect(spinLoop { done })
        #expect(!fired)
    }

    @Test("startTimer delivers QTimerEvents and killTimer stops them")
    func startTimerAndKill() {
        final class Ticker: QObject {
            var ids: [Int] = []
            override func timerEvent(_ event: QTimerEvent) { ids.append(event.timerId) }
        }
        let o = Ticker()
        let id = o.startTimer(1)
        #expect(id > 0)
        #expect(spinLoop { o.ids.count >= 2 })
        #expect(Set(o.ids) == [id])
        o.killTimer(id)
        let count = o.ids.count
        pump()
        #expect(o.ids.count == count)
    }

    @Test("timer ids are unique among live timers")
    func idsUnique() {
        let objects = (0..<20).map { _ in QObject() }
        let ids = objects.map { $0.startTimer(1000) }
        #expect(Set(ids).count == 20)
        for (o, id) in zip(objects, ids) { o.killTimer(id) }
    }

    @Test("a closure that captures its own sender keeps it alive until it is deleted")
    func selfCaptureIsACycleUntilDelete() {
        let counter = DeinitCounter()
        final class Counted: QTimer {
            let counter: DeinitCounter
            init(_ c: DeinitCounter) { counter = c; super.init() }
            deinit { counter.bump() }
        }
        do {
            let t = Counted(counter)
            t.timeout.connect { t.stop() }
            t.delete()
        }
        #expect(counter.value == 1)
    }

    @Test("a deleted object's timers stop")
    func deletedObjectTimersStop() {
        let t = QTimer()
        var fired = 0
        t.timeout.connect { fired += 1 }
        t.start(1)
        #expect(spinLoop { fired >= 1 })
        t.delete()
        let count = fired
        for _ in 0..<5 { QCoreApplication.processEvents() }
        #expect(fired == count)
    }
}

@Suite("QElapsedTimer and QDeadlineTimer", .leakChecked)
struct ClockTests {
    @Test("an elapsed timer is invalid until started and counts up")
    func elapsedTimer() {
        var e = QElapsedTimer()
        #expect(!e.isValid && e.elapsed() == -1)
        e.start()
        #expect(e.isValid)
        #expect(e.nsecsElapsed() >= 0)
        #expect(!e.hasExpired(10_000))
        e.invalidate()
        #expect(!e.isValid)
    }

    @Test("a deadline reports remaining time, expiry and forever")
    func deadlineTimer() {
        let forever = QDeadlineTimer(.forever)
        #expect(forever.isForever && forever.remainingTime == -1 && !forever.hasExpired)
        let past = QDeadlineTimer(0)
        #expect(past.hasExpired && past.remainingTime == 0)
        let soon = QDeadlineTimer(10_000)
        #expect(soon.remainingTime > 9_000 && soon.remainingTime <= 10_000)
        #expect(QDeadlineTimer(-1).isForever)
    }
}

@Suite("Timer delivery without catch-up", .leakChecked)
struct TimerCatchUpTests {
    @Test("a timer that came due during several timer-excluding passes is delivered once")
    func deliveredOnceAfterExcludedPasses() {
        let t = QTimer()
        var fired = 0
        t.timeout.connect { fired += 1 }
        t.start(1)
        for _ in 0..<5 {
            usleep(3_000)
            QCoreApplication.processEvents(.x11ExcludeTimers)
        }
        #expect(fired == 0, "excluded passes deliver no timer")
        QCoreApplication.processEvents()
        #expect(fired == 1, "one delivery, not one per excluded pass")
        t.stop()
    }
}
