import QKitTestSupport
import Testing

@testable import QCore

#if canImport(Glibc)
import Glibc
#endif

@Suite("QSocketNotifier", .leakChecked)
struct SocketNotifierTests {
    @Test("a read notifier emits activated when its descriptor becomes readable")
    func readNotifierFires() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let n = QSocketNotifier(fds[0], .read)
        var activations: [Int32] = []
        n.activated.connect { fd in
            activations.append(fd)
            var b: UInt8 = 0
            _ = read(fd, &b, 1)
        }
        pump()
        #expect(activations.isEmpty)
        var byte: UInt8 = 7
        _ = write(fds[1], &byte, 1)
        #expect(spinLoop { activations == [fds[0]] })
        n.delete()
    }

    @Test("inside exec(), a chain of queued calls does not keep a readable notifier waiting")
    func chainedCallsDoNotStarveNotifiers() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let n = QSocketNotifier(fds[0], .read)
        let loop = QEventLoop()
        var activated = false
        n.activated.connect { _ in
            activated = true
            loop.quit()
        }
        var byte: UInt8 = 7
        _ = write(fds[1], &byte, 1)
        final class Source: QObject { let next = Signal<Int>() }
        let source = Source(), sink = QObject()
        var calls = 0
        // Each queued call queues the next, so every pass of the loop has one to deliver.
        source.next.connect(receiver: sink, type: .queued) { _, _ in
            calls += 1
            if calls < 1_000_000 && !activated { source.next.emit(calls) } else { loop.quit() }
        }
        source.next.emit(0)
        loop.exec()
        #expect(activated)
        #expect(calls < 1_000_000)
        source.delete()
        sink.delete()
        n.delete()
    }

    @Test("a notifier released by another notifier's slot in the same pass is never delivered")
    func releasedBeforeDeliveryIsSkipped() {
        var first: [Int32] = [0, 0], second: [Int32] = [0, 0]
        #expect(pipe(&first) == 0 && pipe(&second) == 0)
        defer { for fd in first + second { close(fd) } }
        final class Pair {
            var a: QSocketNotifier?
            var b: QSocketNotifier?
            var fired: [String] = []
        }
        let pair = Pair()
        pair.a = QSocketNotifier(first[0], .read)
        pair.b = QSocketNotifier(second[0], .read)
        // Whichever is delivered first drops the other, whose activation is then pending.
        pair.a!.activated.connect { [unowned pair] fd in
            var b: UInt8 = 0
            _ = read(fd, &b, 1)
            pair.fired.append("a")
            pair.b = nil
        }
        pair.b!.activated.connect { [unowned pair] fd in
            var b: UInt8 = 0
            _ = read(fd, &b, 1)
            pair.fired.append("b")
            pair.a = nil
        }
        var byte: UInt8 = 1
        _ = write(first[1], &byte, 1)
        _ = write(second[1], &byte, 1)
        #expect(spinLoop { !pair.fired.isEmpty })
        pump(4)
        #expect(pair.fired.count == 1)
        #expect((pair.a == nil) != (pair.b == nil))
        pair.a = nil
        pair.b = nil
    }

    @Test("a slot that runs a nested pass: every activation of the outer pass is delivered once")
    func nestedPassDeliversTheRest() {
        var pipes: [[Int32]] = []
        for _ in 0..<3 {
            var fds: [Int32] = [0, 0]
            #expect(pipe(&fds) == 0)
            pipes.append(fds)
        }
        defer { for fds in pipes { close(fds[0]); close(fds[1]) } }
        var activations: [Int32] = []
        var nested = false
        let notifiers = pipes.map { QSocketNotifier($0[0], .read) }
        for notifier in notifiers {
            notifier.activated.connect { fd in
                activations.append(fd)
                var b: UInt8 = 0
                _ = read(fd, &b, 1)
                if !nested {
                    nested = true
                    QCoreApplication.processEvents()
                }
            }
        }
        var byte: UInt8 = 1
        for fds in pipes { _ = write(fds[1], &byte, 1) }
        #expect(spinLoop { activations.count == 3 })
        pump(4)
        #expect(activations.sorted() == pipes.map { $0[0] }.sorted())
        for notifier in notifiers { notifier.delete() }
    }

    @Test("a disabled notifier does not fire")
    func disabledNotifierSilent() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let n = QSocketNotifier(fds[0], .read)
        var fired = false
        n.activated.connect { _ in fired = true }
        n.setEnabled(false)
        #expect(!n.isEnabled)
        var byte: UInt8 = 7
        _ = write(fds[1], &byte, 1)
        pump(8)
        #expect(!fired)
        n.setEnabled(true)
        #expect(spinLoop { fired })
        n.setEnabled(false)
    }

    @Test("a write notifier fires when the descriptor can be written")
    func writeNotifierFires() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let n = QSocketNotifier(fds[1], .write)
        var fired = false
        n.activated.connect { [unowned n] _ in
            fired = true; n.setEnabled(false)
        }
        #expect(spinLoop { fired })
    }

    @Test("socket notifiers are activated before timers in an iteration")
    func notifiersBeforeTimers() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var order: [String] = []
        let n = QSocketNotifier(fds[0], .read)
        n.activated.connect { fd in
            order.append("socket")
            var b: UInt8 = 0
            _ = read(fd, &b, 1)
        }
        let t = QTimer()
        t.isSingleShot = true
        t.timeout.connect { order.append("timer") }
        var byte: UInt8 = 1
        _ = write(fds[1], &byte, 1)
        t.start(0)
        #expect(spinLoop { order.count == 2 })
        #expect(order == ["socket", "timer"])
        n.delete()
    }

    @Test("each activation reaches filters as a SockAct event, and one a filter kept is never reused")
    func keptSockActEventIsNotReused() {
        let pipe = NotifiedPipe(), keeper = EventKeeper(.sockAct)
        defer {
            pipe.close()
            keeper.delete()
        }
        pipe.notifier.installEventFilter(keeper)
        pipe.poke()
        #expect(spinLoop { pipe.activations == 1 })
        pipe.poke()
        #expect(spinLoop { pipe.activations == 2 })
        #expect(keeper.kept.count == 2)
        if keeper.kept.count == 2 { #expect(keeper.kept[0] !== keeper.kept[1]) }
    }
}
