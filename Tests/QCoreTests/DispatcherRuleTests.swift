import QKitTestSupport
import Synchronization
import Testing

@testable import QCore

#if canImport(Glibc)
import Glibc
#endif

@Suite("Dispatcher iteration rules", .leakChecked)
struct DispatcherRuleTests {
    /// A running 3 s single-shot safety timer (besides a cross-thread wake-up, the only thing
    /// that can end a blocked pass) and a started clock.
    private func safetyTimerAndClock() -> (QTimer, QElapsedTimer) {
        let safety = QTimer()
        safety.isSingleShot = true
        safety.start(3000)
        var clock = QElapsedTimer()
        clock.start()
        return (safety, clock)
    }

    @Test("isRunning is false once exit was called, before exec returns")
    func isRunningFalseAfterExit() {
        let loop = QEventLoop()
        var afterExit = true
        QTimer.singleShot(0) {
            loop.exit(0)
            afterExit = loop.isRunning
        }
        loop.exec()
        #expect(!afterExit)
    }

    @Test("one processEvents pass delivers posted events and fires a due timer")
    func onePassDoesPostedAndTimers() {
        let t = QTimer()
        t.isSingleShot = true
        var fired = false
        t.timeout.connect { fired = true }
        t.start(0)
        var posted = false
        let ctx = QObject()
        QTimer.singleShot(0, context: ctx) { posted = true }
        QCoreApplication.processEvents()
        #expect(posted && fired)
    }

    @Test("a second pending Quit for the same receiver is compressed")
    func quitCompression() {
        let sink = EventSink()
        QCoreApplication.postEvent(sink, QEvent(.quit))
        QCoreApplication.postEvent(sink, QEvent(.quit))
        QCoreApplication.postEvent(sink, QEvent(.user))
        QCoreApplication.sendPostedEvents()
        #expect(sink.types == [QEvent.EventType.quit.rawValue, QEvent.EventType.user.rawValue])
    }

    @Test("ExcludeSocketNotifiers skips notifiers in that pass; they fire in a later pass")
    func excludeSocketNotifiers() {
        let pipe = NotifiedPipe()
        defer { pipe.close() }
        pipe.poke()
        QCoreApplication.processEvents(.excludeSocketNotifiers)
        #expect(pipe.activations == 0)
        #expect(spinLoop { pipe.activations == 1 })
    }

    @Test("X11ExcludeTimers keeps due timers for a later pass")
    func excludeTimers() {
        let t = QTimer()
        t.isSingleShot = true
        var fired = false
        t.timeout.connect { fired = true }
        t.start(0)
        QCoreApplication.processEvents(.x11ExcludeTimers)
        QCoreApplication.processEvents(.x11ExcludeTimers)
        #expect(!fired)
        QCoreApplication.processEvents()
        #expect(fired)
    }

    @Test("processEvents with a time limit keeps going until nothing is left")
    func processEventsWithTimeLimit() {
        var count = 0
        let ctx = QObject()
        func chain() {
            count += 1
            if count < 50 { QTimer.singleShot(0, context: ctx) { chain() } }
        }
        QTimer.singleShot(0, context: ctx) { chain() }
        QCoreApplication.processEvents([], 2000)
        #expect(count == 50)
    }

    @Test("remainingTime is 0 for an overdue timer")
    func remainingTimeOverdue() {
        let t = QTimer()
        t.start(1)
        var e = QElapsedTimer(); e.start()
        while e.elapsed() < 5 {}
        #expect(t.remainingTime == 0)
        t.stop()
    }

    @Test("a timer started in a timeout handler is not activated in the same pass")
    func timerStartedInHandlerWaits() {
        let first = QTimer(), second = QTimer()
        first.isSingleShot = true
        second.isSingleShot = true
        var secondFired = false
        second.timeout.connect { secondFired = true }
        var firstFired = false
        first.timeout.connect {
            firstFired = true
            second.start(0)
        }
        first.start(0)
        QCoreApplication.processEvents()
        #expect(firstFired && !secondFired)
        QCoreApplication.processEvents()
        #expect(secondFired)
    }

    @Test("singleShot with a negative delay warns and fires after 1 ms")
    func singleShotNegative() {
        var fired = false
        let warnings = capturedWarnings { QTimer.singleShot(-10) { fired = true } }
        #expect(warnings == ["QTimer: negative interval -10 ms; using 1 ms"])
        #expect(spinLoop { fired })
    }

    @Test("intervals above Int32.max ms are clamped")
    func hugeIntervalClamped() {
        let t = QTimer()
        t.interval = Int(Int32.max) + 1000
        #expect(t.interval == Int(Int32.max))
    }

    @Test("a coarse interval of 20 ms or less behaves as precise")
    func coarseShortIsPrecise() {
        #expect(TimerRecord.effectiveInterval(20, .coarse) == 20)
        #expect(TimerRecord.effectiveInterval(7, .coarse) == 7)
    }

    @Test("a posted event from another thread wakes a loop blocked in its wait")
    func crossThreadPostWakesLoop() {
        let sink = EventSink()
        final class Poster: QThread, @unchecked Sendable {
            let target: EventSink
            init(_ target: EventSink) { self.target = target; super.init() }
            override func run() {
                var e = QElapsedTimer(); e.start()
                while e.elapsed() < 20 {}
                QCoreApplication.postEvent(target, QEvent(.user))
            }
        }
        let poster = Poster(sink)
        let (safety, clock) = safetyTimerAndClock()
        poster.start()
        while sink.types.isEmpty && safety.isActive {
            QCoreApplication.processEvents(.waitForMoreEvents)
        }
        #expect(sink.types == [QEvent.EventType.user.rawValue])
        #expect(clock.elapsed() < 1500)
        safety.stop()
        #expect(poster.wait(3000))
    }

    @Test("after a flood of posts from another thread the loop still blocks, and the next lone post wakes it")
    func loopWakesForAPostAfterAFlood() {
        final class CountingSink: QObject {
            let seen = Atomic<Int>(0)
            let flooded = Atomic<Bool>(false)
            var values: [Int] = []
            override func customEvent(_ event: QEvent) {
                values.append((event as! ValueEvent).value)
                seen.add(1, ordering: .releasing)
            }
        }
        final class ValueEvent: QEvent {
            let value: Int
            init(_ value: Int) { self.value = value; super.init(.user) }
        }
        let flood = EventDispatcher.floodBatch * 3
        let sink = CountingSink()
        final class Poster: QThread, @unchecked Sendable {
            let target: CountingSink, flood: Int
            init(_ target: CountingSink, _ flood: Int) { self.target = target; self.flood = flood; super.init() }
            override func run() {
                for i in 0..<flood { QCoreApplication.postEvent(target, ValueEvent(i)) }
                target.flooded.store(true, ordering: .releasing)
                // Once the flood is delivered (in one pass) the loop yields once, finds
                // nothing and blocks.
                var e = QElapsedTimer(); e.start()
                while target.seen.load(ordering: .acquiring) < flood && e.elapsed() < 3000 {}
                while e.elapsed() < 20 {}
                QCoreApplication.postEvent(target, ValueEvent(flood))
            }
        }
        let poster = Poster(sink, flood)
        let (safety, clock) = safetyTimerAndClock()
        poster.start()
        while !sink.flooded.load(ordering: .acquiring) && clock.elapsed() < 3000 {}
        QCoreApplication.processEvents()
        #expect(sink.values.count == flood)
        while sink.values.count <= flood && safety.isActive {
            QCoreApplication.processEvents(.waitForMoreEvents)
        }
        #expect(sink.values == Array(0...flood))
        #expect(clock.elapsed() < 1500)
        safety.stop()
        #expect(poster.wait(3000))
    }

    @Test("a singleShot with a context in another thread runs in that thread")
    func singleShotRunsInContextThread() {
        let t = QThread()
        let ctx = QObject()
        ctx.moveToThread(t)
        t.start()
        let ran = Guarded<ObjectIdentifier?>(nil)
        QTimer.singleShot(1, context: ctx) { ran.withLock { $0 = ObjectIdentifier(QThread.currentThread) } }
        #expect(spinLoop { ran.withLock { $0 } != nil })
        #expect(ran.withLock { $0 } == ObjectIdentifier(t))
        QMetaObject.invokeMethod(ctx, type: .blockingQueued) { ctx in ctx.delete() }
        t.quit()
        #expect(t.wait(3000))
    }

    @Test("a thread's quit does not leak into its next run")
    func quitDoesNotLeakIntoRestart() {
        let t = QThread()
        t.start()
        t.quit()
        #expect(t.wait(3000))
        t.start()
        var e = QElapsedTimer(); e.start()
        while e.elapsed() < 30 {}
        #expect(t.isRunning)
        t.quit()
        #expect(t.wait(3000))
    }

    @Test("a closure with the object as context still sees its destroyed; its own method slots do not")
    func destroyedReachesContextClosuresOnly() {
        let trace = Trace()
        do {
            let x = Probe("x", trace: trace)
            x.destroyed.connect(context: x) { _ in trace.add("closure") }
            x.ping.connect(x, Probe.onPing)
            x.destroyed.connect(receiver: x) { x, _ in x.trace?.add("receiver slot") }
            x.delete()
        }
        #expect(trace.entries == ["closure"])
    }

    @Test("auto decides by the receiver's thread, not the sender's")
    func autoIgnoresSenderThread() {
        let t = QThread()
        let sender = Emitter()
        sender.moveToThread(t)
        let receiver = ThreadProbe()
        sender.value.connect(context: receiver) { [unowned receiver] v in receiver.record(v) }
        sender.value.emit(5)
        #expect(receiver.values.withLock { $0 } == [5])
    }

    @Test("a receiver connection made during an emission is not called by it")
    func receiverConnectionDuringEmission() {
        let s = Probe("s"), r = Probe("r")
        var made = false
        s.valueChanged.connect { [unowned s] _ in
            if !made {
                made = true
                s.valueChanged.connect(r, Probe.setValue)
            }
        }
        s.valueChanged.emit(1)
        #expect(r.received.isEmpty)
        s.valueChanged.emit(2)
        #expect(r.received == [2])
    }
}
