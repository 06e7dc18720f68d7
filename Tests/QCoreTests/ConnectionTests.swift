import QKitTestSupport
import Testing

@testable import QCore

@Suite("Connections, sender() and disconnect", .leakChecked)
struct ConnectionTests {
    @Test("a queued call is dropped when its receiver is deleted after the sender already ended")
    func queuedCallDroppedAfterSenderAndReceiverEnd() {
        let sender = Probe("s"), receiver = Probe("r")
        var calls = 0
        sender.valueChanged.connect(context: receiver, type: .queued) { _ in calls += 1 }
        sender.valueChanged.emit(1)
        sender.delete()  // removes the connection; the call is still queued
        receiver.delete()  // the receiver ends before the loop delivers it
        pump()
        #expect(calls == 0)
    }

    @Test("a queued call still arrives after its sender ended, while the receiver lives")
    func queuedCallArrivesAfterSenderEnds() {
        let sender = Probe("s"), receiver = Probe("r")
        var calls = 0
        sender.valueChanged.connect(context: receiver, type: .queued) { _ in calls += 1 }
        sender.valueChanged.emit(1)
        sender.delete()
        pump()
        #expect(calls == 1)
        receiver.delete()
    }

    @Test("a connection never keeps its receiver alive")
    func connectionDoesNotRetainReceiver() {
        let counter = DeinitCounter()
        let sender = Probe("s")
        do {
            let r = Probe("r", counter: counter)
            sender.valueChanged.connect(r, Probe.setValue)
            sender.valueChanged.connect(context: r) { _ in }
        }
        #expect(counter.value == 1)
        #expect(sender.valueChanged.receiverCount == 0)
        sender.valueChanged.emit(1)
    }

    @Test("a closure connection cannot outlive its context object")
    func closureDiesWithContext() {
        let sender = Probe("s")
        var calls = 0
        do {
            let ctx = QObject()
            sender.valueChanged.connect(context: ctx) { _ in calls += 1 }
            sender.valueChanged.emit(1)
        }
        sender.valueChanged.emit(2)
        #expect(calls == 1)
    }

    @Test("a connection dies with its sender")
    func connectionDiesWithSender() {
        let counter = DeinitCounter()
        let r = Probe("r")
        var handle: Connection?
        do {
            let s = Probe("s", counter: counter)
            handle = s.valueChanged.connect(r, Probe.setValue)
        }
        #expect(counter.value == 1)
        #expect(handle?.isConnected == false)
    }

    @Test("connecting to a deleted receiver makes no connection")
    func deletedReceiverRefused() {
        let s = Probe("s"), r = Probe("r")
        r.delete()
        let c = s.valueChanged.connect(r, Probe.setValue)
        #expect(!c.isConnected)
    }

    @Test("a queued call runs later, with arguments copied at emit time")
    func queuedRunsLater() {
        let s = Probe("s"), r = Probe("r")
        s.valueChanged.connect(r, Probe.setValue, type: .queued)
        s.valueChanged.emit(1)
        s.valueChanged.emit(2)
        #expect(r.received.isEmpty)
        pump()
        #expect(r.received == [1, 2])
    }

    @Test("a queued call is still delivered after a disconnect, with no sender")
    func queuedSurvivesDisconnect() {
        let s = Probe("s"), r = Probe("r")
        let c = s.valueChanged.connect(r, Probe.setValue, type: .queued)
        s.valueChanged.emit(1)
        c.disconnect()
        pump()
        #expect(r.received == [1])
        #expect(r.senderSeen == [nil])
    }

    @Test("a queued call is still delivered after the sender is destroyed")
    func queuedSurvivesSenderDeath() {
        let r = Probe("r")
        do {
            let s = Probe("s")
            s.valueChanged.connect(r, Probe.setValue, type: .queued)
            s.valueChanged.emit(4)
            s.delete()
        }
        pump()
        #expect(r.received == [4])
        #expect(r.senderSeen == [nil])
    }

    @Test("a queued call is dropped if the receiver is destroyed first")
    func queuedDroppedWhenReceiverDies() {
        let s = Probe("s")
        let counter = DeinitCounter()
        var calls = 0
        do {
            let r = Probe("r", counter: counter)
            s.valueChanged.connect(context: r, type: .queued) { _ in calls += 1 }
            s.valueChanged.emit(1)
        }
        #expect(counter.value == 1)
        pump()
        #expect(calls == 0)
    }

    @Test("a queued call to a deleted receiver is dropped")
    func queuedDroppedWhenReceiverDeleted() {
        let s = Probe("s"), r = Probe("r")
        s.valueChanged.connect(r, Probe.setValue, type: .queued)
        s.valueChanged.emit(1)
        r.delete()
        pump()
        #expect(r.received.isEmpty)
    }

    @Test("a queued single-shot posts one call however often it is emitted")
    func queuedSingleShotPostsOnce() {
        let s = Probe("s"), r = Probe("r")
        s.valueChanged.connect(r, Probe.setValue, type: .queued, options: .singleShot)
        s.valueChanged.emit(1); s.valueChanged.emit(2); s.valueChanged.emit(3)
        pump()
        #expect(r.received == [1])
    }

    @Test("sender() is the emitting object inside a direct slot and nil outside")
    func senderInDirectSlot() {
        let s = Probe("s"), r = Probe("r")
        s.valueChanged.connect(r, Probe.setValue)
        s.valueChanged.emit(1)
        #expect(r.senderSeen == [ObjectIdentifier(s)])
        #expect(r.sender() == nil)
    }

    @Test("sender() is valid in queued slots")
    func senderInQueuedSlot() {
        let s = Probe("s"), r = Probe("r")
        s.valueChanged.connect(r, Probe.setValue, type: .queued)
        s.valueChanged.emit(1)
        pump()
        #expect(r.senderSeen == [ObjectIdentifier(s)])
    }

    @Test("sender() is nil after the slot disconnects itself")
    func senderNilAfterSelfDisconnect() {
        let s = Probe("s"), r = Probe("r")
        var handle: Connection?
        var seen: [Bool] = []
        handle = s.ping.connect(context: r) {
            seen.append(r.sender() != nil)
            handle?.disconnect()
            seen.append(r.sender() != nil)
        }
        s.ping.emit()
        #expect(seen == [true, false])
    }

    @Test("sender() is nil inside a single-shot slot")
    func senderNilInSingleShot() {
        let s = Probe("s"), r = Probe("r")
        s.ping.connect(r, Probe.onPing, options: .singleShot)
        s.ping.emit()
        #expect(r.senderSeen == [nil])
    }

    @Test("sender() is nil after the slot deletes the sender")
    func senderNilAfterSenderDeleted() {
        let s = Probe("s"), r = Probe("r")
        var before = false, after = true
        s.ping.connect(context: r) {
            before = r.sender() != nil
            s.delete()
            after = r.sender() != nil
        }
        s.ping.emit()
        #expect(before && !after)
    }

    @Test("sender() survives a nested emission to the same receiver")
    func senderRestoredAfterNesting() {
        let a = Probe("a"), b = Probe("b"), r = Probe("r")
        var seen: [String] = []
        a.ping.connect(context: r) {
            b.ping.emit()
            seen.append(r.sender()?.objectName ?? "nil")
        }
        b.ping.connect(context: r) { seen.append(r.sender()?.objectName ?? "nil") }
        a.ping.emit()
        #expect(seen == ["b", "a"])
    }

    @Test("disconnect by handle returns true once, then false")
    func disconnectByHandle() {
        let s = Signal<Int>()
        let c = s.connect { _ in }
        #expect(c.isConnected)
        #expect(c.disconnect())
        #expect(!c.disconnect())
        #expect(!c.isConnected)
    }

    @Test("disconnecting a signal from a receiver removes all its slots on that receiver")
    func disconnectSignalFromReceiver() {
        let s = Probe("s"), r = Probe("r"), other = Probe("o")
        s.valueChanged.connect(r, Probe.setValue)
        s.valueChanged.connect(context: r) { _ in r.received.append(-1) }
        s.valueChanged.connect(other, Probe.setValue)
        #expect(s.valueChanged.disconnect(r))
        #expect(!s.valueChanged.disconnect(r))
        s.valueChanged.emit(5)
        #expect(r.received.isEmpty)
        #expect(other.received == [5])
    }

    @Test("disconnecting all of an object's connections to a receiver covers every signal")
    func disconnectObjectFromReceiver() {
        let s = Probe("s"), r = Probe("r")
        s.valueChanged.connect(r, Probe.setValue)
        s.ping.connect(r, Probe.onPing)
        #expect(QObject.disconnect(s, r))
        #expect(!s.disconnect(r))
        s.valueChanged.emit(1); s.ping.emit()
        #expect(r.received.isEmpty && r.senderSeen.isEmpty)
    }

    @Test("disconnectAll removes every receiver of a signal")
    func disconnectAllOfSignal() {
        let s = Signal<Int>()
        s.connect { _ in }; s.connect { _ in }
        #expect(s.disconnectAll())
        #expect(s.receiverCount == 0)
        #expect(!s.disconnectAll())
    }

    @Test("disconnecting everything from an object covers all of its signals")
    func disconnectEverythingFromObject() {
        let s = Probe("s")
        s.valueChanged.connect { _ in }; s.ping.connect {}
        #expect(s.disconnectAll())
        #expect(s.valueChanged.receiverCount == 0 && s.ping.receiverCount == 0)
    }

    @Test("auto is direct when the receiver lives in the emitting thread")
    func autoIsDirectInSameThread() {
        let s = Probe("s"), r = Probe("r")
        s.valueChanged.connect(r, Probe.setValue)
        s.valueChanged.emit(9)
        #expect(r.received == [9])
    }

    @Test(
        "connectNotify runs after each connection to one of the object's signals, with that signal, the connection already live")
    func connectNotifyNamesTheSignal() {
        let sender = NotifiedProbe(), receiver = Probe("r")
        sender.changed.connect(receiver, Probe.setValue)
        sender.other.connect {}
        sender.changed.connect(context: receiver) { _ in }
        #expect(sender.notified == ["changed 1", "other 1", "changed 2"])
        sender.delete(); receiver.delete()
    }
}

/// Records each connectNotify: the signal's name and its receivers at that moment.
private final class NotifiedProbe: QObject {
    let changed = Signal<Int>()
    let other = Signal0()
    var notified: [String] = []

    override func connectNotify(_ signal: SignalBase) {
        let name = signal === changed ? "changed" : signal === other ? "other" : "?"
        notified.append("\(name) \(signal.receiverCount)")
    }
}
