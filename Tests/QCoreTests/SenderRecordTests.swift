import QKitTestSupport
import Testing

@testable import QCore

/// One emission with several slots keeps one record of the connection running (what
/// `sender()` answers from), set per direct slot and restored once at the end: these check
/// that every slot still sees what Qt's per-slot switch would show it.
@Suite("sender() across the slots of one emission", .leakChecked)
struct SenderRecordTests {
    @Test("each of several receivers sees the sender in its slot, and none after the emission")
    func everyReceiverSeesTheSender() {
        let s = Probe("s"), a = Probe("a"), b = Probe("b")
        s.valueChanged.connect(a, Probe.setValue)
        s.valueChanged.connect(b, Probe.setValue)
        s.valueChanged.connect(a, Probe.setValue)
        s.valueChanged.emit(1)
        #expect(a.senderSeen == [ObjectIdentifier(s), ObjectIdentifier(s)])
        #expect(b.senderSeen == [ObjectIdentifier(s)])
        #expect(a.sender() == nil && b.sender() == nil)
    }

    @Test("a plain closure after a receiver's slot sees no sender for that receiver")
    func plainClosureAfterReceiverSlotSeesNoSender() {
        let s = Probe("s"), r = Probe("r")
        var inClosure: [ObjectIdentifier?] = []
        s.valueChanged.connect(r, Probe.setValue)
        s.valueChanged.connect { _ in inClosure.append(r.sender().map(ObjectIdentifier.init)) }
        s.valueChanged.connect(r, Probe.setValue)
        s.valueChanged.emit(2)
        #expect(inClosure == [nil])
        #expect(r.senderSeen == [ObjectIdentifier(s), ObjectIdentifier(s)])
    }

    @Test("a queued connection between two direct ones leaves the second its sender")
    func queuedBetweenDirectSlots() {
        let s = Probe("s"), a = Probe("a"), q = Probe("q"), b = Probe("b")
        s.valueChanged.connect(a, Probe.setValue)
        s.valueChanged.connect(q, Probe.setValue, type: .queued)
        s.valueChanged.connect(b, Probe.setValue)
        s.valueChanged.emit(3)
        #expect(a.senderSeen == [ObjectIdentifier(s)])
        #expect(b.senderSeen == [ObjectIdentifier(s)])
        #expect(q.received.isEmpty)
        pump()
        #expect(q.senderSeen == [ObjectIdentifier(s)])
        #expect(a.sender() == nil && b.sender() == nil && q.sender() == nil)
    }

    @Test("a nested emission gives its slots the inner sender, and the outer slot gets its own back")
    func nestedEmissionRestoresTheOuterSender() {
        let outer = Probe("outer"), inner = Probe("inner"), a = Probe("a"), b = Probe("b")
        var seenByA: [ObjectIdentifier?] = []
        outer.valueChanged.connect(receiver: a) { r, v in
            seenByA.append(r.sender().map(ObjectIdentifier.init))
            inner.valueChanged.emit(v + 1)
            seenByA.append(r.sender().map(ObjectIdentifier.init))
        }
        outer.valueChanged.connect(b, Probe.setValue)
        inner.valueChanged.connect(b, Probe.setValue)
        inner.valueChanged.connect(a, Probe.setValue)
        outer.valueChanged.emit(10)
        #expect(seenByA == [ObjectIdentifier(outer), ObjectIdentifier(outer)])
        #expect(a.senderSeen == [ObjectIdentifier(inner)])
        #expect(b.received == [11, 10])
        #expect(b.senderSeen == [ObjectIdentifier(inner), ObjectIdentifier(outer)])
        #expect(a.sender() == nil && b.sender() == nil)
    }

    @Test("a receiver deleted by an earlier slot is skipped, and the next slot still sees its sender")
    func deletedReceiverSkippedSenderKept() {
        let s = Probe("s"), doomed = Probe("doomed"), b = Probe("b")
        s.valueChanged.connect(context: b) { _ in doomed.delete() }
        s.valueChanged.connect(doomed, Probe.setValue)
        s.valueChanged.connect(b, Probe.setValue)
        s.valueChanged.emit(4)
        #expect(doomed.received.isEmpty)
        #expect(b.senderSeen == [ObjectIdentifier(s)])
        #expect(s.valueChanged.receiverCount == 2)
    }

    @Test("a receiver in another thread between two in this one gets a queued call; both direct slots see the sender")
    func otherThreadReceiverBetweenDirectSlots() {
        let t = QThread()
        let s = Probe("s"), a = Probe("a"), b = Probe("b")
        let away = QObject()
        away.moveToThread(t)
        t.start()
        let ranIn = Guarded<ObjectIdentifier?>(nil)
        s.valueChanged.connect(a, Probe.setValue)
        s.valueChanged.connect(context: away) { _ in ranIn.withLock { $0 = ObjectIdentifier(QThread.currentThread) } }
        s.valueChanged.connect(b, Probe.setValue)
        s.valueChanged.emit(5)
        #expect(a.senderSeen == [ObjectIdentifier(s)])
        #expect(b.senderSeen == [ObjectIdentifier(s)])
        #expect(spinLoop { ranIn.withLock { $0 } != nil })
        #expect(ranIn.withLock { $0 } == ObjectIdentifier(t))
        QMetaObject.invokeMethod(away, type: .blockingQueued) { o in o.delete() }
        t.quit()
        #expect(t.wait(3000))
    }
}
