import QKitTestSupport
import Testing

@testable import QCore

@Suite("Emission rules", .leakChecked)
struct EmissionTests {
    @Test("slots run in connection order")
    func connectionOrder() {
        let s = Signal<Int>()
        var order: [String] = []
        s.connect { _ in order.append("a") }
        s.connect { _ in order.append("b") }
        s.connect { _ in order.append("c") }
        s.emit(1)
        #expect(order == ["a", "b", "c"])
    }

    @Test("disconnecting and reconnecting moves a connection to the end")
    func reconnectMovesToEnd() {
        let s = Signal<Int>()
        var order: [String] = []
        let a = s.connect { _ in order.append("a") }
        s.connect { _ in order.append("b") }
        a.disconnect()
        s.connect { _ in order.append("a") }
        s.emit(1)
        #expect(order == ["b", "a"])
    }

    @Test("a connection made during an emission is not called by it")
    func connectionDuringEmissionNotCalled() {
        let s = Signal<Int>()
        defer { s.disconnectAll() }  // the slots capture `s`: break the cycle
        var calls: [String] = []
        s.connect { _ in
            calls.append("first")
            s.connect { _ in calls.append("late") }
        }
        s.emit(1)
        #expect(calls == ["first"])
        calls.removeAll()
        s.emit(2)
        #expect(calls == ["first", "late"])
    }

    @Test("connections made during an emission that outgrow the connection list leave the emission's order intact")
    func connectionsDuringEmissionGrowTheList() {
        let s = Signal<Int>()
        defer { s.disconnectAll() }  // the first slot captures `s`: break the cycle
        var calls: [String] = []
        s.connect { _ in
            calls.append("a")
            // More than the list's spare room: the list is reallocated while the emission walks it.
            for _ in 0..<8 { s.connect { _ in calls.append("late") } }
        }
        s.connect { _ in calls.append("b") }
        s.connect { _ in calls.append("c") }
        s.connect { _ in calls.append("d") }
        s.emit(1)
        #expect(calls == ["a", "b", "c", "d"])
        calls = []
        s.emit(2)
        // The 8 made by the first emission run now; the 8 this one makes wait for the next.
        #expect(calls == ["a", "b", "c", "d"] + Array(repeating: "late", count: 8))
    }

    @Test("a slot that reconnects itself is not called again by the same emission")
    func selfReconnectNotCalledAgain() {
        let s = Signal0()
        defer { s.disconnectAll() }  // the slots capture `s`: break the cycle
        var count = 0
        var handle: Connection?
        func hook() {
            handle = s.connect {
                count += 1
                handle?.disconnect()
                hook()
            }
        }
        hook()
        s.emit()
        #expect(count == 1)
        s.emit()
        #expect(count == 2)
    }

    @Test("a connection removed during an emission before its turn is skipped")
    func removedBeforeTurnIsSkipped() {
        let s = Signal<Int>()
        defer { s.disconnectAll() }  // the slots capture `s`: break the cycle
        var calls: [String] = []
        var second: Connection?
        s.connect { _ in
            calls.append("first")
            second?.disconnect()
        }
        second = s.connect { _ in calls.append("second") }
        s.emit(1)
        #expect(calls == ["first"])
        #expect(s.receiverCount == 1)
    }

    @Test("a receiver deleted during an emission is skipped")
    func deletedReceiverSkipped() {
        let sender = Probe("s")
        let victim = Probe("victim")
        sender.valueChanged.connect { _ in victim.delete() }
        sender.valueChanged.connect(victim, Probe.setValue)
        sender.valueChanged.emit(1)
        #expect(victim.received.isEmpty)
    }

    @Test("if the sender is deleted during an emission the remaining slots are skipped")
    func deletedSenderSkipsRest() {
        let sender = Probe("s")
        var calls: [String] = []
        sender.valueChanged.connect { _ in
            calls.append("first")
            sender.delete()
        }
        sender.valueChanged.connect { _ in calls.append("second") }
        sender.valueChanged.emit(1)
        #expect(calls == ["first"])
    }

    @Test("blockSignals makes emits do nothing and returns the previous value")
    func blockSignals() {
        let o = Probe("o")
        var calls = 0
        o.valueChanged.connect { _ in calls += 1 }
        #expect(o.blockSignals(true) == false)
        o.valueChanged.emit(1)
        #expect(calls == 0)
        #expect(o.signalsBlocked)
        #expect(o.blockSignals(false) == true)
        o.valueChanged.emit(2)
        #expect(calls == 1)
    }

    @Test("a signal created while blocked is blocked too")
    func lazySignalInheritsBlock() {
        let o = Probe("o")
        o.blockSignals(true)
        var calls = 0
        o.ping.connect { calls += 1 }
        o.ping.emit()
        #expect(calls == 0)
    }

    @Test("blocked signals queue nothing")
    func blockedSignalsQueueNothing() {
        let sender = Probe("s"), receiver = Probe("r")
        sender.valueChanged.connect(receiver, Probe.setValue, type: .queued)
        sender.blockSignals(true)
        sender.valueChanged.emit(1)
        sender.blockSignals(false)
        pump()
        #expect(receiver.received.isEmpty)
    }

    @Test("destroyed is emitted even while signals are blocked")
    func destroyedWhileBlocked() {
        let o = QObject()
        var fired = false
        o.destroyed.connect { _ in fired = true }
        o.blockSignals(true)
        o.delete()
        #expect(fired)
    }

    @Test("re-emitting from inside a slot nests synchronously")
    func nestedEmission() {
        let s = Signal<Int>()
        defer { s.disconnectAll() }  // the slots capture `s`: break the cycle
        var seen: [Int] = []
        s.connect { n in
            seen.append(n)
            if n < 3 { s.emit(n + 1) }
            seen.append(-n)
        }
        s.emit(1)
        #expect(seen == [1, 2, 3, -3, -2, -1])
    }

    @Test("a signal connected to a signal emits it in its turn")
    func signalToSignal() {
        let a = Probe("a"), b = Probe("b")
        var order: [String] = []
        a.valueChanged.connect { _ in order.append("a1") }
        a.valueChanged.connect(b.valueChanged)
        a.valueChanged.connect { _ in order.append("a2") }
        b.valueChanged.connect { n in order.append("b\(n)") }
        a.valueChanged.emit(7)
        #expect(order == ["a1", "b7", "a2"])
    }

    @Test("a forwarding connection dies with the target signal's owner")
    func forwardingDiesWithTarget() {
        let a = Probe("a")
        var b: Probe? = Probe("b")
        a.valueChanged.connect(b!.valueChanged)
        b = nil
        #expect(a.valueChanged.receiverCount == 0)
        a.valueChanged.emit(1)
    }

    @Test("signals carry several typed arguments")
    func multipleArguments() {
        let s = Signal<Int, String, Double>()
        var got: (Int, String, Double)?
        s.connect { a, b, c in got = (a, b, c) }
        s.emit(1, "x", 2.5)
        #expect(got?.0 == 1 && got?.1 == "x" && got?.2 == 2.5)
    }

    @Test("a receiver slot gets its own receiver and every argument, with sender() answering, until the receiver is deleted")
    func receiverSlotArguments() {
        final class Source: QObject { let fired = Signal<Int, String, Double>() }
        final class Sink: QObject {
            var got: [String] = []
            func take(_ a: Int, _ b: String, _ c: Double, from sender: QObject?) { got.append("\(a) \(b) \(c) \(sender != nil)") }
        }
        let source = Source(), first = Sink(), second = Sink()
        source.fired.connect(receiver: first) { r, a, b, c in r.take(a, b, c, from: r.sender()) }
        source.fired.connect(receiver: second) { r, a, b, c in r.take(a * 2, b, c, from: r.sender()) }
        source.fired.emit(1, "x", 2.5)
        #expect(first.got == ["1 x 2.5 true"])
        #expect(second.got == ["2 x 2.5 true"])
        #expect(first.sender() == nil)
        second.delete()
        source.fired.emit(3, "y", 0.5)
        #expect(first.got == ["1 x 2.5 true", "3 y 0.5 true"])
        #expect(source.fired.receiverCount == 1)
        source.delete()
        first.delete()
    }

    @Test("when the first of two receiver slots is disconnected, each emission calls the other one")
    func remainingSlotAfterFirstRemoved() {
        final class Source: QObject { let fired = Signal<Int>() }
        final class Sink: QObject { var got: [Int] = [] }
        let source = Source(), first = Sink(), second = Sink()
        let a = source.fired.connect(receiver: first) { r, v in r.got.append(v) }
        source.fired.connect(receiver: second) { r, v in r.got.append(v * 10) }
        a.disconnect()
        source.fired.emit(1)
        source.fired.emit(2)
        #expect(first.got == [])
        #expect(second.got == [10, 20])
        source.delete()
        first.delete()
        second.delete()
    }

    @Test("a lone receiver slot that disconnects itself runs once, and a slot connected later runs instead")
    func loneSlotDisconnectsItself() {
        final class Source: QObject { let fired = Signal<Int>() }
        final class Sink: QObject {
            var got: [Int] = []
            var handle: Connection?
        }
        let source = Source(), first = Sink(), second = Sink()
        first.handle = source.fired.connect(receiver: first) { r, v in
            r.got.append(v)
            r.handle?.disconnect()
        }
        source.fired.emit(1)
        source.fired.emit(2)
        #expect(first.got == [1])
        #expect(source.fired.receiverCount == 0)
        source.fired.connect(receiver: second) { r, v in r.got.append(v) }
        source.fired.emit(3)
        #expect(first.got == [1])
        #expect(second.got == [3])
        source.delete()
        first.delete()
        second.delete()
    }

    @Test("a functor with no context is direct and is not affected by other objects")
    func plainClosureIsDirect() {
        let s = Signal<Int>()
        var value = 0
        s.connect { value = $0 }
        s.emit(5)
        #expect(value == 5)
    }

    @Test("duplicate connections each run once per emission")
    func duplicatesRunEach() {
        let sender = Probe("s"), r = Probe("r")
        sender.valueChanged.connect(r, Probe.setValue)
        sender.valueChanged.connect(r, Probe.setValue)
        sender.valueChanged.emit(3)
        #expect(r.received == [3, 3])
    }

    @Test("unique refuses a second connection of the same receiver from the same connect call")
    func uniqueRefusesDuplicate() {
        let sender = Probe("s"), r = Probe("r")
        func hook() -> Connection { sender.valueChanged.connect(r, Probe.setValue, options: .unique) }
        let first = hook()
        let second = hook()
        #expect(first.isConnected)
        #expect(!second.isConnected && !second.isValid)
        let other = Probe("o")
        func hookOther() -> Connection { sender.valueChanged.connect(other, Probe.setValue, options: .unique) }
        #expect(hookOther().isConnected)
        sender.valueChanged.emit(1)
        #expect(r.received == [1])
    }

    @Test("unique with a closure is refused with a warning")
    func uniqueClosureRefused() {
        let s = Signal<Int>()
        var c: Connection?
        let warnings = capturedWarnings { c = s.connect(options: .unique) { _ in } }
        #expect(warnings == ["Signal.connect: unique connections require a receiver method, not a closure"])
        #expect(c?.isValid == false)
        #expect(s.receiverCount == 0)
    }

    @Test("a single-shot connection is removed before its slot runs")
    func singleShotRemovedBefore() {
        let s = Probe("s"), r = Probe("r")
        var handle: Connection?
        var connectedInside: Bool?
        handle = s.valueChanged.connect(context: r, options: .singleShot) { _ in
            connectedInside = handle?.isConnected
        }
        s.valueChanged.emit(1)
        s.valueChanged.emit(2)
        #expect(connectedInside == false)
        #expect(s.valueChanged.receiverCount == 0)
    }

    @Test("a plain single-shot closure runs once")
    func plainSingleShot() {
        let s = Signal<Int>()
        var calls: [Int] = []
        s.connect(options: .singleShot) { calls.append($0) }
        s.emit(1); s.emit(2)
        #expect(calls == [1])
    }

    @Test("a Connection handle does not keep its signal, or what the slot captures, alive")
    func handleDoesNotKeepSignal() {
        final class Payload {
            let freed: () -> Void
            init(_ freed: @escaping () -> Void) { self.freed = freed }
            deinit { freed() }
        }
        var freed = false
        var handle: Connection?
        do {
            let signal = Signal<Int>()
            let payload = Payload { freed = true }
            handle = signal.connect { _ in _ = payload }
            #expect(handle?.isConnected == true)
        }
        #expect(freed, "the signal and its slot went with their last owner")
        #expect(handle?.isValid == true && handle?.isConnected == false)
        #expect(handle?.disconnect() == false)
    }

    @Test("disconnecting by handle the last slot that holds its signal frees the signal once the disconnect returns")
    func handleDisconnectsSlotHoldingItsSignal() {
        weak var watched: Signal<Int>?
        var handle: Connection?
        do {
            let signal = Signal<Int>()
            watched = signal
            handle = signal.connect { _ in _ = signal }  // the slot keeps its own signal alive
        }
        #expect(watched != nil)
        #expect(handle?.isConnected == true)
        #expect(handle?.disconnect() == true)
        #expect(watched == nil)
        #expect(handle?.isConnected == false)
        #expect(handle?.disconnect() == false)
    }
}
