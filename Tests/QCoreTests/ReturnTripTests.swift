import QKitTestSupport
import Testing

@testable import QCore

/// Calls queued from another thread make a return trip (they run in the receiver's thread, go
/// back to the emitting side, and are reused there) while holding their connection. These
/// check that the trip ends when the connection dies: every call on it is freed, then the
/// connection, whichever side holds the calls at that moment.
@Suite("Return trips of calls queued across threads", .leakChecked)
struct ReturnTripTests {
    final class Source: QObject { let fired = Signal<Int>() }
    final class Sink: QObject { var values: [Int] = [] }

    private func box(_ signal: SignalBase) -> ConnectionBase { signal.connection(at: 0) }

    @Test("a call handed back keeps its connection, and the other thread's next call reuses it as it is")
    func handedBackCallKeepsItsConnection() {
        let source = Source(), sink = Sink()
        source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
        let connection = box(source.fired)
        emitFromAnotherThread(source.fired, [1])
        QCoreApplication.sendPostedEvents()
        let returned = connection.returnTripSpares.returned
        #expect(returned.count == 1)
        let call = lastReturnedCall(connection)
        #expect(call?.connection === connection)
        emitFromAnotherThread(source.fired, [2])
        QCoreApplication.sendPostedEvents()
        #expect(sink.values == [1, 2])
        #expect(connection.returnTripSpares.returned == returned)
        #expect(call?.connection === connection)
    }

    @Test("disconnecting frees the calls waiting on the emitting side, then the connection")
    func disconnectFreesWaitingCallsAndConnection() {
        weak var spare: QueuedCallEvent?
        weak var connection: ConnectionBase?
        let source = Source(), sink = Sink()
        do {
            let handle = source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
            connection = box(source.fired)
            emitFromAnotherThread(source.fired, [1, 2, 3])
            QCoreApplication.sendPostedEvents()
            spare = lastReturnedCall(box(source.fired))
            #expect(spare != nil)
            #expect(handle.disconnect())
        }
        source.fired.emit(4)  // an emission compacts the list: the signal lets go of the dead connection
        #expect(spare == nil)
        #expect(connection == nil)
        #expect(sink.values == [1, 2, 3])
    }

    @Test("a call handed back after its connection died is refused, and the caller frees it")
    func lateHandBackRefused() {
        weak var late: QueuedCallEvent?
        let source = Source(), sink = Sink()
        let handle = source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
        let connection = box(source.fired)
        #expect(handle.disconnect())
        #expect(connection.returnedCalls.load(ordering: .acquiring) == ConnectionBase.retired)
        do {
            let call = Unmanaged.passRetained(QueuedCallEvent(connection: connection))
            late = call.takeUnretainedValue()
            #expect(!connection.returnSpentCall(call))
            call.release()
        }
        #expect(late == nil)
        #expect(connection.returnedCalls.load(ordering: .acquiring) == ConnectionBase.retired)
    }

    @Test("an emission taking spares when the connection dies frees what it would have put back")
    func takerFreesItsRestAfterRetirement() {
        weak var first: QueuedCallEvent?
        weak var second: QueuedCallEvent?
        let source = Source(), sink = Sink()
        let handle = source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
        let connection = box(source.fired)
        do {
            let a = Unmanaged.passRetained(QueuedCallEvent(connection: connection))
            let b = Unmanaged.passRetained(QueuedCallEvent(connection: connection))
            a._withUnsafeGuaranteedRef { $0.nextSpare = b }
            first = a.takeUnretainedValue()
            second = b.takeUnretainedValue()
            // As an emission in another thread does while it takes a spare.
            connection.senderSpares.store(ConnectionBase.senderBusy, ordering: .releasing)
            #expect(handle.disconnect())
            #expect(first != nil && second != nil)
            connection.putBackSenderSpares(UInt(bitPattern: a.toOpaque()))
        }
        #expect(first == nil && second == nil)
        #expect(connection.senderSpares.load(ordering: .acquiring) == ConnectionBase.retired)
    }

    @Test("after its connection died, an emission from another thread takes no spare and keeps none")
    func retiredConnectionTakesNoSpare() {
        let source = Source(), sink = Sink()
        let handle = source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
        let connection = box(source.fired)
        #expect(handle.disconnect())
        var mayCirculate = true
        #expect(connection.takeSenderSpare(mayCirculate: &mayCirculate) == nil)
        #expect(!mayCirculate)
        #expect(connection.senderSpares.load(ordering: .acquiring) == ConnectionBase.retired)
    }

    @Test("deleting the receiver frees the calls waiting on the emitting side")
    func receiverDeletionFreesWaitingCalls() {
        weak var spare: QueuedCallEvent?
        let source = Source()
        do {
            let sink = Sink()
            source.fired.connect(receiver: sink, type: .queued) { s, v in s.values.append(v) }
            emitFromAnotherThread(source.fired, [1])
            QCoreApplication.sendPostedEvents()
            spare = lastReturnedCall(box(source.fired))
            #expect(spare != nil)
            sink.delete()
        }
        #expect(spare == nil)
        #expect(source.fired.receiverCount == 0)
    }
}
