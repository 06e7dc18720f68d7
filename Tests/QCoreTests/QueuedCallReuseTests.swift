import QKitTestSupport
import Testing

@testable import QCore

/// Queued signal calls with plain-value arguments, queued in the receiver's thread, reuse their
/// call objects: a call that ran waits in its connection's spare list, and the next such call
/// takes it. What a user can observe stays Qt's: every call runs once, in order, with its own
/// arguments, which are released when their call is done.
@Suite("Queued call reuse", .leakChecked)
struct QueuedCallReuseTests {
    final class Source: QObject { let fired = Signal<Int>() }
    final class Carrying: QObject { let fired = Signal<Payload>() }
    final class Sink: QObject { var values: [Int] = [] }

    /// A signal argument that counts its deinit.
    final class Payload: Sendable {
        let counter: DeinitCounter
        init(_ counter: DeinitCounter) { self.counter = counter }
        deinit { counter.bump() }
    }

    /// The one connection of `signal`.
    private func box(_ signal: SignalBase) -> ConnectionBase { signal.connection(at: 0) }

    @Test("a queued call that ran is kept and the next queued call from the receiver's thread reuses it")
    func reusedInTheReceiversThread() {
        let source = Source(), sink = Sink()
        source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
        source.fired.emit(1)
        #expect(box(source.fired).spareCount == 0)
        QCoreApplication.sendPostedEvents()
        #expect(box(source.fired).spareCount == 1)
        source.fired.emit(2)
        #expect(box(source.fired).spareCount == 0)
        QCoreApplication.sendPostedEvents()
        #expect(box(source.fired).spareCount == 1)
        #expect(sink.values == [1, 2])
    }

    @Test("a call whose arguments are not plain values is not kept: each argument is released right after its slot ran")
    func referenceArgumentsNotKept() {
        let source = Carrying(), sink = Sink(), counter = DeinitCounter()
        source.fired.connect(receiver: sink, type: .queued) { s, _ in s.values.append(counter.value) }
        source.fired.emit(Payload(counter))
        source.fired.emit(Payload(counter))
        #expect(counter.value == 0)
        QCoreApplication.sendPostedEvents()
        #expect(box(source.fired).spareCount == 0)
        #expect(counter.value == 2)
        // The first payload was released with its call, before the second slot ran.
        #expect(sink.values == [0, 1])
    }

    @Test("a burst larger than the spare limit runs every call and keeps at most the limit")
    func spareLimit() {
        let source = Source(), sink = Sink()
        source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
        let burst = ConnectionBase.spareLimit + 300
        for round in 0..<2 {
            for i in 0..<burst { source.fired.emit(round * burst + i) }
            QCoreApplication.sendPostedEvents()
            #expect(box(source.fired).spareCount == ConnectionBase.spareLimit)
        }
        #expect(sink.values == Array(0..<(2 * burst)))
    }

    @Test("an event filter that keeps the MetaCall event keeps its own object: the next call is a new one")
    func filterKeepsTheEvent() {
        let source = Source(), sink = Sink(), keeper = EventKeeper(.metaCall)
        sink.installEventFilter(keeper)
        source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
        source.fired.emit(1)
        QCoreApplication.sendPostedEvents()
        #expect(box(source.fired).spareCount == 0)
        source.fired.emit(2)
        QCoreApplication.sendPostedEvents()
        #expect(sink.values == [1, 2])
        #expect(keeper.kept.count == 2)
        #expect(keeper.kept[0] !== keeper.kept[1])
    }

    @Test("calls pending at a disconnect still run, and the dead connection keeps no spare")
    func disconnectedKeepsNone() {
        let source = Source(), sink = Sink()
        let connection = source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
        let kept = box(source.fired)
        source.fired.emit(1)
        source.fired.emit(2)
        #expect(connection.disconnect())
        QCoreApplication.sendPostedEvents()
        #expect(sink.values == [1, 2])
        #expect(kept.spareCount == 0)
    }

    @Test("spare calls are freed with their connection")
    func sparesFreedWithTheConnection() {
        weak var spare: QueuedCallEvent?
        do {
            let source = Source(), sink = Sink()
            source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
            source.fired.emit(1)
            QCoreApplication.sendPostedEvents()
            spare = box(source.fired).spareCalls?.takeUnretainedValue()
            #expect(spare != nil)
            source.delete()
            sink.delete()
        }
        #expect(spare == nil)
    }

    @Test("a call queued from another thread neither takes nor becomes a spare of the receiver's thread")
    func otherThreadsKeepOutOfTheReceiversSpares() {
        let source = Source(), sink = Sink()
        source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
        source.fired.emit(1)
        QCoreApplication.sendPostedEvents()
        #expect(box(source.fired).spareCount == 1)
        emitFromAnotherThread(source.fired, [2])
        #expect(box(source.fired).spareCount == 1)
        QCoreApplication.sendPostedEvents()
        // The receiver's thread keeps only the calls it queued itself.
        #expect(box(source.fired).spareCount == 1)
        #expect(box(source.fired).returnTripSpares.returned.count == 1)
        #expect(sink.values == [1, 2])
    }

    @Test("calls queued from another thread go back to that side once they ran, and its next call reuses one")
    func returnedToTheEmittingSide() {
        let source = Source(), sink = Sink()
        source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
        emitFromAnotherThread(source.fired, [1, 2, 3])
        #expect(box(source.fired).returnTripSpares.returned.isEmpty)
        QCoreApplication.sendPostedEvents()
        let first = box(source.fired).returnTripSpares
        #expect(first.returned.count == 3)
        #expect(first.sender.isEmpty)
        emitFromAnotherThread(source.fired, [4])
        // The emitting side took the three and used one: two wait on its side.
        let taken = box(source.fired).returnTripSpares
        #expect(taken.returned.isEmpty)
        #expect(taken.sender.count == 2)
        QCoreApplication.sendPostedEvents()
        let second = box(source.fired).returnTripSpares
        #expect(second.returned.count == 1)
        #expect(Set(first.returned).isSuperset(of: second.returned + second.sender))
        #expect(sink.values == [1, 2, 3, 4])
    }

    @Test("a burst from another thread larger than the return-trip limit runs every call and keeps at most the limit")
    func returnTripLimit() {
        let source = Source(), sink = Sink()
        source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
        let burst = ConnectionBase.returnTripLimit + 300
        for round in 0..<2 {
            emitFromAnotherThread(source.fired, Array(round * burst..<(round + 1) * burst))
            QCoreApplication.sendPostedEvents()
            let spares = box(source.fired).returnTripSpares
            #expect(spares.returned.count + spares.sender.count == ConnectionBase.returnTripLimit)
        }
        #expect(sink.values == Array(0..<(2 * burst)))
    }

    @Test("a call from another thread whose arguments are not plain values is released right after its slot ran")
    func referenceArgumentsFromAnotherThread() {
        let source = Carrying(), sink = Sink(), counter = DeinitCounter()
        source.fired.connect(receiver: sink, type: .queued) { s, _ in s.values.append(counter.value) }
        emitFromAnotherThread(source.fired, [Payload(counter), Payload(counter)])
        #expect(counter.value == 0)
        QCoreApplication.sendPostedEvents()
        #expect(counter.value == 2)
        #expect(sink.values == [0, 1])
        #expect(box(source.fired).returnTripSpares.returned.isEmpty)
    }

    @Test("calls from another thread pending at a disconnect still run, and none goes back")
    func disconnectedReturnsNone() {
        let source = Source(), sink = Sink()
        let connection = source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
        let kept = box(source.fired)
        emitFromAnotherThread(source.fired, [1, 2])
        #expect(connection.disconnect())
        QCoreApplication.sendPostedEvents()
        #expect(sink.values == [1, 2])
        #expect(kept.returnTripSpares.returned.isEmpty)
    }

    @Test("calls handed back to the emitting side are freed with their connection")
    func returnedFreedWithTheConnection() {
        weak var spare: QueuedCallEvent?
        do {
            let source = Source(), sink = Sink()
            source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
            emitFromAnotherThread(source.fired, [1])
            QCoreApplication.sendPostedEvents()
            spare = lastReturnedCall(box(source.fired))
            #expect(spare != nil)
            source.delete()
            sink.delete()
        }
        #expect(spare == nil)
    }

    @Test("a call emitted while another thread holds the emitting side's spares is a new one, freed after it ran")
    func busyEmittingSideAllocates() {
        let source = Source(), sink = Sink()
        source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
        let connection = box(source.fired)
        // As an emission in another thread does while it takes a spare.
        connection.senderSpares.store(ConnectionBase.senderBusy, ordering: .releasing)
        emitFromAnotherThread(source.fired, [1])
        connection.senderSpares.store(0, ordering: .releasing)
        QCoreApplication.sendPostedEvents()
        #expect(sink.values == [1])
        #expect(connection.returnTripSpares.returned.isEmpty)
        #expect(connection.senderCirculating == 0)
    }
}
