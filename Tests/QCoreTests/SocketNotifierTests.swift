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
