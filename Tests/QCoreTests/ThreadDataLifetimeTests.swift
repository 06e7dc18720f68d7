import QKitTestSupport
import Testing

@testable import QCore

#if canImport(Glibc)
import Glibc
#endif

/// A thread's data (its queue, loop and identity) is kept by the objects living in it, counted
/// without reference counting per object: it outlives its OS thread exactly as long as one of
/// its objects does, and then goes.
@Suite("Thread data lifetime", .serialized, .leakChecked)
struct ThreadDataLifetimeTests {
    private var liveData: Int { ThreadData.liveCount.load(ordering: .relaxed) }

    @Test("a finished thread's data lives on while an object moved to it lives, and goes with the last one")
    func movedObjectKeepsFinishedThreadData() {
        let before = liveData
        var kept: QObject?
        do {
            let thread = QThread()
            let object = QObject()
            _ = QObject(parent: object)
            #expect(object.moveToThread(thread))
            thread.start()
            thread.quit()
            #expect(thread.wait(3000))
            kept = object
        }
        #expect(liveData == before + 1, "the QThread object is gone; the moved objects keep its data")
        kept?.objectName = "still usable"
        #expect(kept?.objectName == "still usable" && kept?.children.count == 1)
        kept = nil
        #expect(liveData == before)
    }

    @Test("a thread that ends with no objects of its own frees its data with its QThread object")
    func emptyThreadDataGoesWithThread() {
        let before = liveData
        do {
            let thread = QThread()
            thread.start()
            thread.quit()
            #expect(thread.wait(3000))
        }
        #expect(liveData == before)
    }

    @Test("an object made in a plain OS thread outlives the thread; the thread's data goes with the object")
    func objectOutlivesPlainThread() {
        let before = liveData
        let made = Guarded<QObject?>(nil)
        runOnPlainThread {
            let object = QObject()
            object.objectName = "made elsewhere"
            made.withLock { $0 = object }
        }
        #expect(liveData == before + 1, "the thread ended; its object keeps its data")
        var object = made.withLock { $0 }
        made.withLock { $0 = nil }
        #expect(object?.objectName == "made elsewhere")
        object = nil
        #expect(liveData == before)
    }

    @Test("objects destroyed in another thread while their thread runs are counted out; the data goes after both ends")
    func foreignDestructionWhileRunning() {
        let before = liveData
        do {
            let thread = QThread()
            let objects = (0..<3).map { _ in QObject() }
            for object in objects { #expect(object.moveToThread(thread)) }
            thread.start()
            // The objects die here, in this thread, while their own thread runs.
            _ = consume objects
            thread.quit()
            #expect(thread.wait(3000))
        }
        #expect(liveData == before)
    }
}
