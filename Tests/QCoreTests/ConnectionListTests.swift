import QKitTestSupport
import Testing

@testable import QCore

/// A signal's connections are kept in connection order both as a list and as links from one
/// connection to the next (which an emission follows): removals and additions keep the two
/// in step.
@Suite("Connection list", .leakChecked)
struct ConnectionListTests {
    @Test("a connection made after the last one was disconnected runs after the ones left")
    func connectAfterLastRemoved() {
        let s = Signal<Int>()
        var order: [String] = []
        s.connect { _ in order.append("a") }
        s.connect { _ in order.append("b") }
        let c = s.connect { _ in order.append("c") }
        c.disconnect()
        s.connect { _ in order.append("d") }
        s.emit(1)
        #expect(order == ["a", "b", "d"])
    }

    @Test("connections disconnected by a slot during an emission are skipped, and later connections follow the ones left")
    func removalsDuringEmissionThenAppend() {
        let s = Signal<Int>()
        var order: [String] = []
        var b: Connection?
        var d: Connection?
        s.connect { _ in
            order.append("a")
            b?.disconnect()
            d?.disconnect()
        }
        b = s.connect { _ in order.append("b") }
        s.connect { _ in order.append("c") }
        d = s.connect { _ in order.append("d") }
        s.emit(1)
        #expect(order == ["a", "c"])
        #expect(s.count == 2)
        order = []
        s.connect { _ in order.append("e") }
        s.emit(2)
        #expect(order == ["a", "c", "e"])
    }

    @Test("after every connection was removed, a new one is the only slot called")
    func reconnectAfterDisconnectAll() {
        let s = Signal<Int>()
        var order: [String] = []
        for name in ["a", "b", "c"] { s.connect { _ in order.append(name) } }
        s.disconnectAll()
        s.emit(1)
        #expect(order.isEmpty)
        s.connect { _ in order.append("x") }
        s.connect { _ in order.append("y") }
        s.emit(2)
        #expect(order == ["x", "y"])
    }

    @Test("receiver slots whose receivers are deleted are skipped, and the receivers left keep their order")
    func deletedReceiversSkipped() {
        final class Sink: QObject {
            var log: [String] = []
            func take(_ v: Int) { log.append("\(objectName) \(v)") }
        }
        let s = Signal<Int>()
        var log: [String] = []
        let sinks = (0..<4).map { i in
            let sink = Sink()
            sink.objectName = "r\(i)"
            s.connect(receiver: sink) { r, v in log.append("\(r.objectName) \(v)") }
            return sink
        }
        sinks[1].delete()
        sinks[3].delete()
        s.emit(7)
        #expect(log == ["r0 7", "r2 7"])
        let late = Sink()
        late.objectName = "late"
        s.connect(receiver: late) { r, v in log.append("\(r.objectName) \(v)") }
        log = []
        s.emit(8)
        #expect(log == ["r0 8", "r2 8", "late 8"])
        sinks[0].delete()
        sinks[2].delete()
        late.delete()
    }

    @Test("a connection killed during nested emissions leaves the list when the outermost one ends")
    func compactionWaitsForOutermostEmission() {
        let s = Signal<Int>()
        defer { s.disconnectAll() }  // the first slot captures `s`: break the cycle
        var b: Connection?
        var countAfterInner = -1
        s.connect { depth in
            if depth == 0 {
                s.emit(1)
                countAfterInner = s.count
            } else {
                b?.disconnect()
            }
        }
        b = s.connect { _ in }
        s.emit(0)
        #expect(countAfterInner == 2)
        #expect(s.count == 1)
    }

    @Test("a slot that disconnects a later one and connects a new one: the new one runs from the next emission on")
    func disconnectAndConnectDuringEmission() {
        let s = Signal<Int>()
        defer { s.disconnectAll() }  // the first slot captures `s`: break the cycle
        var order: [String] = []
        var b: Connection?
        var connected = false
        s.connect { _ in
            order.append("a")
            b?.disconnect()
            if !connected {
                connected = true
                s.connect { _ in order.append("c") }
            }
        }
        b = s.connect { _ in order.append("b") }
        s.emit(1)
        #expect(order == ["a"])
        order = []
        s.emit(2)
        #expect(order == ["a", "c"])
    }

    @Test("a connection whose release connects another slot leaves the list complete")
    func releaseThatConnects() {
        final class OnRelease {
            let run: () -> Void
            init(_ run: @escaping () -> Void) { self.run = run }
            deinit { run() }
        }
        let s = Signal<Int>()
        defer { s.disconnectAll() }  // the slots capture `s`: break the cycle
        var order: [String] = []
        var b: Connection?
        s.connect { _ in
            order.append("a")
            b?.disconnect()
        }
        do {
            // Released with b's slot, by the compaction that ends the emission which
            // disconnected b: it connects "late" while that compaction runs.
            let hook = OnRelease { s.connect { _ in order.append("late") } }
            b = s.connect { _ in
                _ = hook
                order.append("b")
            }
        }
        s.connect { _ in order.append("c") }
        s.emit(1)
        #expect(order == ["a", "c"])
        order = []
        s.emit(2)
        #expect(order == ["a", "c", "late"])
        #expect(s.count == 3)
    }
}
