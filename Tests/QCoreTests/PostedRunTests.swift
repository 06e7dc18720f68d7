import QKitTestSupport
import Testing

@testable import QCore

/// Events posted one after another to one receiver share one reference to it (the run's first
/// entry holds it): they are delivered exactly as separate posts are, in order, and every
/// removal, deletion and move keeps that true.
@Suite("Posted event runs", .leakChecked)
struct PostedRunTests {
    /// An event with a number, to check delivery order.
    final class Numbered: QEvent {
        let number: Int
        init(_ number: Int) {
            self.number = number
            super.init(.user)
        }
    }

    /// Records the numbers of the events it receives.
    final class Recorder: QObject {
        var got: [Int] = []
        override func customEvent(_ event: QEvent) { got.append((event as? Numbered)?.number ?? -1) }
    }

    @Test("a burst to one receiver arrives whole and in order, interleaved with another receiver's and a higher priority")
    func burstsKeepOrder() {
        let a = Recorder(), b = Recorder()
        for i in 0..<5 { QCoreApplication.postEvent(a, Numbered(i)) }
        QCoreApplication.postEvent(b, Numbered(100))
        for i in 5..<8 { QCoreApplication.postEvent(a, Numbered(i)) }
        QCoreApplication.postEvent(b, Numbered(101), priority: 1)
        QCoreApplication.sendPostedEvents()
        #expect(a.got == Array(0..<8))
        #expect(b.got == [101, 100])
        a.delete()
        b.delete()
    }

    @Test("removing one receiver's events from between another's runs leaves those runs whole")
    func removalKeepsOtherRuns() {
        let a = Recorder(), b = Recorder()
        for i in 0..<3 { QCoreApplication.postEvent(a, Numbered(i)) }
        for i in 3..<6 { QCoreApplication.postEvent(b, Numbered(i)) }
        for i in 6..<9 { QCoreApplication.postEvent(a, Numbered(i)) }
        QCoreApplication.removePostedEvents(b)
        QCoreApplication.sendPostedEvents()
        #expect(a.got == [0, 1, 2, 6, 7, 8] && b.got.isEmpty)
        a.delete()
        b.delete()
    }

    @Test("a receiver deleted while its run waits gets none of it; the run's events and the receiver are freed")
    func deletedReceiverDropsRun() {
        var a: Recorder? = Recorder()
        for i in 0..<4 { QCoreApplication.postEvent(a!, Numbered(i)) }
        a?.delete()
        weak let gone = a
        a = nil
        #expect(gone != nil, "the queued run keeps the Swift object until it is delivered")
        QCoreApplication.sendPostedEvents()
        #expect(gone == nil)
    }

    @Test("a receiver whose last owner lets go while its run waits gets the whole run, then is freed")
    func runKeepsReceiver() {
        final class Log { var got: [Int] = [] }
        final class Logger: QObject {
            let log: Log
            init(_ log: Log) {
                self.log = log
                super.init()
            }
            override func customEvent(_ event: QEvent) { log.got.append((event as? Numbered)?.number ?? -1) }
        }
        let log = Log()
        var owner: Logger? = Logger(log)
        weak let receiver = owner
        for i in 0..<4 { QCoreApplication.postEvent(owner!, Numbered(i)) }
        owner = nil
        #expect(receiver != nil, "its queued run keeps it")
        QCoreApplication.sendPostedEvents()
        #expect(log.got == [0, 1, 2, 3])
        #expect(receiver == nil, "freed once its run was delivered")
    }
}
