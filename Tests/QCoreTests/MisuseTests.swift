import QKitTestSupport
import Testing

@testable import QCore

/// Undefined misuse traps with a message (checked in a child process); defined misuse warns.
@Suite("Misuse")
struct MisuseTests {
    @Test("awaiting a non-Sendable signal from another thread than its owner's traps, naming both")
    func nonSendableValuesFromAnotherThreadTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            final class Listener: QThread, @unchecked Sendable {
                let courier = Courier()  // lives in the thread that made the listener
                override func run() { _ = courier.delivered.values.makeAsyncIterator() }
            }
            _ = QThread.currentThread
            let listener = Listener()
            listener.start()
            listener.wait()
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("Signal<Parcel>.values: the emissions of"))
        #expect(message.contains("are not Sendable"))
    }

    @Test("a blocking-queued call into the emitting thread traps instead of deadlocking")
    func blockingQueuedSameThreadTraps() async {
        await #expect(processExitsWith: .failure) {
            final class Source: QObject { lazy var ping = Signal0(owner: self) }
            let s = Source(), r = QObject()
            s.ping.connect(context: r, type: .blockingQueued) {}
            s.ping.emit()
        }
    }

    @Test("deleting an object from a thread it does not live in traps")
    func foreignDeleteTraps() async {
        await #expect(processExitsWith: .failure) {
            final class Deleter: QThread, @unchecked Sendable {
                let victim = QObject()
                override func run() { victim.delete() }
            }
            _ = QThread.currentThread
            let d = Deleter()
            d.start()
            d.wait()
        }
    }

    @Test("a second application object traps")
    func secondApplicationTraps() async {
        await #expect(processExitsWith: .failure) {
            let a = QCoreApplication(arguments: ["a"])
            let b = QCoreApplication(arguments: ["b"])
            _ = (a, b)
        }
    }

    @Test("QKIT_FATAL_WARNINGS=1 turns a warning into a trap")
    func fatalWarnings() async {
        await #expect(processExitsWith: .failure) {
            setenv("QKIT_FATAL_WARNINGS", "1", 1)
            let p = QObject(), c = QObject(parent: p)
            p.setParent(c)
        }
    }

    @Test("exec of the application from another thread warns and returns -1")
    func appExecFromOtherThread() {
        final class Runner: QThread, @unchecked Sendable {
            let app: QCoreApplication
            var code: Int32 = 0
            init(_ app: QCoreApplication) { self.app = app; super.init() }
            override func run() { code = app.exec() }
        }
        let app = QCoreApplication(arguments: ["t"])
        let r = Runner(app)
        let warnings = capturedWarnings {
            r.start()
            #expect(r.wait(3000))
        }
        #expect(r.code == -1)
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("QCoreApplication::exec: Must be called from the main thread") == true)
    }

    @Test("moveToThread from a thread other than the object's is refused with a warning")
    func moveFromOtherThreadRefused() {
        final class Mover: QThread, @unchecked Sendable {
            let target: QObject
            let destination = QThread()
            var result = true
            init(_ target: QObject) { self.target = target; super.init() }
            override func run() { result = target.moveToThread(destination) }
        }
        _ = QThread.currentThread
        let o = QObject()
        o.objectName = "moved"
        let m = Mover(o)
        let warnings = capturedWarnings {
            m.start()
            #expect(m.wait(3000))
        }
        #expect(!m.result)
        #expect(o.thread === QThread.currentThread)
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("QObject::moveToThread: Current thread (") == true)
        #expect(warnings.first?.contains("Cannot move QObject 'moved' to") == true)
    }

    @Test("moveToThread of an object living in a thread not started yet is refused from another thread")
    func moveFromUnstartedThreadRefused() {
        let worker = QThread()
        let o = QObject()
        #expect(o.moveToThread(worker))
        let warnings = capturedWarnings { #expect(!o.moveToThread(QThread.currentThread)) }
        #expect(o.thread === worker)
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("QObject::moveToThread: Current thread (") == true)
        o.delete()
    }

    @Test("moveToThread of an object living in a running thread is refused from another thread")
    func moveFromRunningThreadRefused() {
        let worker = QThread()
        let o = QObject()
        #expect(o.moveToThread(worker))
        worker.start()
        let warnings = capturedWarnings { #expect(!o.moveToThread(QThread.currentThread)) }
        #expect(o.thread === worker)
        #expect(warnings.count == 1)
        // Its own thread may still move it: back here, then it is deleted here.
        nonisolated(unsafe) let here = QThread.currentThread
        QMetaObject.invokeMethod(o, type: .blockingQueued) { o in _ = o.moveToThread(here) }
        worker.quit()
        #expect(worker.wait(3000))
        #expect(o.thread === QThread.currentThread)
        o.delete()
    }

    @Test("moveToThread of an object living in a finished thread is refused from another thread")
    func moveFromFinishedThreadRefused() {
        let worker = QThread()
        let o = QObject()
        #expect(o.moveToThread(worker))
        worker.start()
        worker.quit()
        #expect(worker.wait(3000))
        let warnings = capturedWarnings { #expect(!o.moveToThread(QThread.currentThread)) }
        #expect(o.thread === worker)
        #expect(warnings.count == 1)
        o.delete()
    }
}

#if canImport(Glibc)
import Glibc
#endif
