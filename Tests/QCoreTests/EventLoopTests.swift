import QKitTestSupport
import Testing

@testable import QCore

/// A QObject that records delivered events by type.
final class EventSink: QObject {
    var types: [Int] = []
    override func event(_ event: QEvent) -> Bool {
        types.append(event.type.rawValue)
        return super.event(event)
    }
}

@Suite("Event loop and posted events", .leakChecked)
struct EventLoopTests {
    @Test("posted events go out in descending priority, then FIFO")
    func priorityOrder() {
        let sink = EventSink()
        let u = QEvent.EventType.user.rawValue
        QCoreApplication.postEvent(sink, QEvent(.init(u + 1)), priority: 0)
        QCoreApplication.postEvent(sink, QEvent(.init(u + 2)), priority: 0)
        QCoreApplication.postEvent(sink, QEvent(.init(u + 3)), priority: 1)
        QCoreApplication.postEvent(sink, QEvent(.init(u + 4)), priority: 2)
        QCoreApplication.postEvent(sink, QEvent(.init(u + 5)), priority: -2)
        QCoreApplication.postEvent(sink, QEvent(.init(u + 6)), priority: -1)
        QCoreApplication.sendPostedEvents()
        #expect(sink.types.map { $0 - u } == [4, 3, 1, 2, 6, 5])
    }

    @Test("events posted during delivery wait for the next iteration")
    func postedDuringDeliveryWait() {
        let sink = Probe("sink", trace: Trace())
        let other = QEvent.EventType(QEvent.EventType.user.rawValue + 10)
        var passes = 0
        final class Reposter: QObject {
            var count = 0
            override func customEvent(_ event: QEvent) {
                count += 1
                QCoreApplication.postEvent(self, QEvent(event.type))
            }
        }
        let r = Reposter()
        QCoreApplication.postEvent(r, QEvent(other))
        QCoreApplication.processEvents()
        passes = r.count
        #expect(passes == 1)
        QCoreApplication.processEvents()
        #expect(r.count == 2)
        r.delete()
        pump()
        _ = sink
    }

    @Test("processEvents returns whether it handled anything")
    func processEventsReportsWork() {
        let data = ThreadData.current
        pump()
        #expect(data.dispatcher.processEvents([]) == false)
        let sink = EventSink()
        QCoreApplication.postEvent(sink, QEvent(.user))
        #expect(data.dispatcher.processEvents([]) == true)
    }

    @Test("sendEvent is synchronous and returns the handler's result")
    func sendEventSynchronous() {
        let sink = EventSink()
        #expect(QCoreApplication.sendEvent(sink, QEvent(.user)) == true)
        #expect(sink.types == [QEvent.EventType.user.rawValue])
        #expect(QCoreApplication.sendEvent(sink, QEvent(.init(999))) == false)
    }

    @Test("an event filter sees events first and may stop them")
    func eventFilterStops() {
        final class Filter: QObject {
            var seen: [Int] = []
            override func eventFilter(_ watched: QObject, _ event: QEvent) -> Bool {
                seen.append(event.type.rawValue)
                return event.type == .user
            }
        }
        let sink = EventSink(), filter = Filter()
        sink.installEventFilter(filter)
        QCoreApplication.sendEvent(sink, QEvent(.user))
        QCoreApplication.sendEvent(sink, QEvent(.init(1001)))
        #expect(filter.seen == [1000, 1001])
        #expect(sink.types == [1001])
        sink.removeEventFilter(filter)
        QCoreApplication.sendEvent(sink, QEvent(.user))
        #expect(filter.seen.count == 2)
    }

    @Test("queued signal calls and invokeMethod calls both reach event filters as MetaCall events")
    func filtersSeeQueuedCalls() {
        final class Filter: QObject {
            var seen: [QEvent.EventType] = []
            var stop = false
            override func eventFilter(_ watched: QObject, _ event: QEvent) -> Bool {
                seen.append(event.type)
                return stop
            }
        }
        final class Source: QObject { let fired = Signal<Int>() }
        let source = Source(), sink = EventSink(), filter = Filter()
        var calls: [String] = []
        source.fired.connect(receiver: sink, type: .queued) { _, v in calls.append("slot \(v)") }
        sink.installEventFilter(filter)
        source.fired.emit(1)
        QMetaObject.invokeMethod(sink, type: .queued) { _ in }
        QCoreApplication.sendPostedEvents()
        #expect(filter.seen == [.metaCall, .metaCall])
        #expect(calls == ["slot 1"])
        // A filter that stops the MetaCall event stops the slot, as in Qt.
        filter.stop = true
        source.fired.emit(2)
        QCoreApplication.sendPostedEvents()
        #expect(filter.seen == [.metaCall, .metaCall, .metaCall])
        #expect(calls == ["slot 1"])
        // Without filters the call runs straight away again.
        sink.removeEventFilter(filter)
        source.fired.emit(3)
        QCoreApplication.sendPostedEvents()
        #expect(calls == ["slot 1", "slot 3"])
        #expect(filter.seen.count == 3)
    }

    @Test("the most recently installed filter runs first")
    func filterOrder() {
        final class Named: QObject {
            let log: Trace
            init(_ name: String, _ log: Trace) { self.log = log; super.init(); objectName = name }
            override func eventFilter(_ watched: QObject, _ event: QEvent) -> Bool {
                log.add(objectName); return false
            }
        }
        let log = Trace()
        let sink = EventSink(), a = Named("a", log), b = Named("b", log)
        sink.installEventFilter(a)
        sink.installEventFilter(b)
        QCoreApplication.sendEvent(sink, QEvent(.user))
        #expect(log.entries == ["b", "a"])
    }

    @Test("custom event types are delivered to customEvent")
    func customEventDelivered() {
        let trace = Trace()
        let p = Probe("p", trace: trace)
        let type = QEvent.registerEventType()
        #expect(type.rawValue >= QEvent.EventType.user.rawValue && type.rawValue <= QEvent.EventType.maxUser.rawValue)
        QCoreApplication.postEvent(p, QEvent(type))
        pump()
        #expect(trace.entries == ["p.custom(\(type.rawValue))"])
    }

    @Test("QObject's event() hands User and above to customEvent and returns true; an unhandled built-in type returns false")
    func defaultEventResults() {
        let trace = Trace()
        let p = Probe("p", trace: trace)
        #expect(p.event(QEvent(.user)))
        #expect(p.event(QEvent(QEvent.EventType(70_000))))
        #expect(!p.event(QEvent(QEvent.EventType(999))))
        #expect(!p.event(QEvent(.none)))
        #expect(trace.entries == ["p.custom(1000)", "p.custom(70000)"])
    }

    @Test("registerEventType never hands out the same type twice")
    func registerEventTypeUnique() {
        let a = QEvent.registerEventType(), b = QEvent.registerEventType()
        #expect(a != b)
        let hinted = QEvent.registerEventType(2000)
        #expect(hinted.rawValue == 2000 || hinted != a)
    }

    @Test("deleting an object drops its pending posted events")
    func deletionDropsPostedEvents() {
        let sink = EventSink()
        QCoreApplication.postEvent(sink, QEvent(.user))
        sink.delete()
        pump()
        #expect(sink.types.isEmpty)
    }

    @Test("removePostedEvents drops the matching pending events")
    func removePostedEvents() {
        let sink = EventSink()
        QCoreApplication.postEvent(sink, QEvent(.user))
        QCoreApplication.postEvent(sink, QEvent(.init(1001)))
        QCoreApplication.removePostedEvents(sink, .user)
        pump()
        #expect(sink.types == [1001])
    }

    @Test("exec returns the code given to exit")
    func execReturnsExitCode() {
        let loop = QEventLoop()
        QTimer.singleShot(0) { loop.exit(7) }
        #expect(loop.exec() == 7)
        #expect(!loop.isRunning)
    }

    @Test("exit before exec is forgotten")
    func exitBeforeExecForgotten() {
        let loop = QEventLoop()
        loop.exit(3)
        QTimer.singleShot(1) { loop.exit(4) }
        #expect(loop.exec() == 4)
    }

    @Test("the same loop can be exec'ed again after it returns")
    func loopReusable() {
        let loop = QEventLoop()
        QTimer.singleShot(0) { loop.exit(1) }
        #expect(loop.exec() == 1)
        QTimer.singleShot(0) { loop.quit() }
        #expect(loop.exec() == 0)
    }

    @Test("exec on a running loop warns and returns -1")
    func execOnRunningLoop() {
        let loop = QEventLoop()
        var inner: Int32 = 0
        QTimer.singleShot(0) {
            inner = loop.exec()
            loop.quit()
        }
        let warnings = capturedWarnings { loop.exec() }
        #expect(inner == -1)
        #expect(warnings == ["QEventLoop::exec: QEventLoop has already called exec()"])
    }

    @Test("isRunning is true from exec until exit")
    func isRunningDuringExec() {
        let loop = QEventLoop()
        var during = false
        QTimer.singleShot(0) {
            during = loop.isRunning
            loop.quit()
        }
        #expect(!loop.isRunning)
        loop.exec()
        #expect(during)
    }

    @Test("a nested loop returns its own code and exit on the outer loop does not end it")
    func nestedLoops() {
        let outer = QEventLoop(), inner = QEventLoop()
        var innerCode: Int32 = -9
        var order: [String] = []
        QTimer.singleShot(0) {
            QTimer.singleShot(0) {
                outer.exit(1)
                order.append("outer.exit")
                QTimer.singleShot(0) { inner.exit(2) }
            }
            innerCode = inner.exec()
            order.append("inner returned")
        }
        let outerCode = outer.exec()
        #expect(innerCode == 2)
        #expect(outerCode == 1)
        #expect(order == ["outer.exit", "inner returned"])
    }

    @Test("a loop in another thread can be exited from this one")
    func crossThreadExit() {
        final class Runner: QThread {
            let loop = Trace()
            var code: Int32 = -1
            var running: QEventLoop?
            override func run() {
                let l = QEventLoop()
                running = l
                loop.add("running")
                code = l.exec()
            }
        }
        let t = Runner()
        t.start()
        #expect(spinLoop { t.loop.entries == ["running"] })
        t.running?.exit(5)
        #expect(t.wait(3000))
        #expect(t.code == 5)
    }
}
