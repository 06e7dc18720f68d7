import QKitTestSupport
import Testing

@testable import QCore

@Suite("deleteLater", .leakChecked)
struct DeleteLaterTests {
    @Test("deleteLater deletes the object when control returns to the loop")
    func deletedWhenLoopResumes() {
        let loop = QEventLoop()
        let o = QObject()
        var deletedInSlot = true
        QTimer.singleShot(0) {
            o.deleteLater()
            deletedInSlot = o.isDeleted
            QTimer.singleShot(0) { loop.quit() }
        }
        loop.exec()
        #expect(!deletedInSlot)
        #expect(o.isDeleted)
    }

    @Test("calling deleteLater twice deletes once")
    func twiceDeletesOnce() {
        let loop = QEventLoop()
        let o = QObject()
        var destroyedCount = 0
        o.destroyed.connect { _ in destroyedCount += 1 }
        QTimer.singleShot(0) {
            o.deleteLater(); o.deleteLater()
            QTimer.singleShot(0) { loop.quit() }
        }
        loop.exec()
        #expect(destroyedCount == 1)
    }

    @Test("processEvents in the same slot does not delete the object")
    func processEventsInSlotDoesNotDelete() {
        let loop = QEventLoop()
        let o = QObject()
        var afterProcess = true
        QTimer.singleShot(0) {
            o.deleteLater()
            QCoreApplication.processEvents()
            QCoreApplication.processEvents()
            afterProcess = o.isDeleted
            loop.quit()
        }
        loop.exec()
        #expect(!afterProcess)
        drainLoop()
        #expect(o.isDeleted)
    }

    @Test("a nested loop started and ended in the slot does not delete the object")
    func nestedLoopDoesNotDelete() {
        let loop = QEventLoop()
        let o = QObject()
        var afterNested = true
        QTimer.singleShot(0) {
            o.deleteLater()
            let nested = QEventLoop()
            QTimer.singleShot(5) { nested.quit() }
            nested.exec()
            afterNested = o.isDeleted
            QTimer.singleShot(0) { loop.quit() }
        }
        loop.exec()
        #expect(!afterNested)
        #expect(o.isDeleted)
    }

    @Test("deleteLater before any loop ran deletes when the first loop starts")
    func beforeAnyLoop() {
        let o = QObject()
        o.deleteLater()
        QCoreApplication.processEvents()
        #expect(!o.isDeleted)
        drainLoop()
        #expect(o.isDeleted)
    }

    @Test("sendPostedEvents with DeferredDelete forces pending deleteLaters")
    func forcedBySendPostedEvents() {
        let o = QObject()
        o.deleteLater()
        QCoreApplication.sendPostedEvents(nil, .deferredDelete)
        #expect(o.isDeleted)
    }

    @Test("an object in a thread with no event loop is deleted when the thread finishes")
    func deletedWhenThreadFinishes() {
        final class Worker: QThread {
            var made: QObject?
            override func run() {
                let o = QObject()
                made = o
                o.deleteLater()
            }
        }
        let t = Worker()
        t.start()
        #expect(t.wait(3000))
        #expect(t.made?.isDeleted == true)
    }

    @Test("deleteLater is thread-safe: a worker can schedule deletion of a main-thread object")
    func deleteLaterFromOtherThread() {
        let o = QObject()
        final class Box: @unchecked Sendable { let o: QObject; init(_ o: QObject) { self.o = o } }
        let box = Box(o)
        final class Worker: QThread {
            let box: Box
            init(_ box: Box) { self.box = box; super.init() }
            override func run() { box.o.deleteLater() }
        }
        let t = Worker(box)
        t.start()
        #expect(t.wait(3000))
        drainLoop()
        #expect(o.isDeleted)
    }
}

/// Runs one short loop level so deferred deletes from level 0 are processed.
func drainLoop() {
    let loop = QEventLoop()
    QTimer.singleShot(0) { QTimer.singleShot(0) { loop.quit() } }
    loop.exec()
}
