import QKitTestSupport
import Synchronization
import Testing

@testable import QCore

/// Records what happened, in order.
final class Trace: @unchecked Sendable {
    private let lock = Guarded<[String]>([])
    func add(_ entry: String) { lock.withLock { $0.append(entry) } }
    var entries: [String] { lock.withLock { $0 } }
    func clear() { lock.withLock { $0.removeAll() } }
}

/// Counts deinits so tests prove nothing leaks and nothing is kept alive.
final class DeinitCounter: @unchecked Sendable {
    private let count = Atomic<Int>(0)
    func bump() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}

/// An event filter that keeps every event of one type it sees (and stops none), so tests can
/// check that a kept event is never reused.
final class EventKeeper: QObject {
    let type: QEvent.EventType
    private(set) var kept: [QEvent] = []
    init(_ type: QEvent.EventType) {
        self.type = type
        super.init()
    }
    override func eventFilter(_ watched: QObject, _ event: QEvent) -> Bool {
        if event.type == type { kept.append(event) }
        return false
    }
}

/// A pipe whose read end has a read notifier that counts its activations, taking the byte
/// that made it fire each time. `poke()` writes one byte.
final class NotifiedPipe {
    private var fds: [Int32] = [-1, -1]
    let notifier: QSocketNotifier
    private(set) var activations = 0

    init() {
        _ = pipe(&fds)
        notifier = QSocketNotifier(fds[0], .read)
        notifier.activated.connect { [unowned self] fd in
            activations += 1
            var byte: UInt8 = 0
            _ = read(fd, &byte, 1)
        }
    }

    func poke() {
        var byte: UInt8 = 1
        _ = write(fds[1], &byte, 1)
    }

    /// Deletes the notifier and closes both ends.
    func close() {
        notifier.delete()
        _ = Glibc.close(fds[0])
        _ = Glibc.close(fds[1])
    }
}

/// A QObject that records its events and counts its deinit.
class Probe: QObject {
    let trace: Trace?
    let counter: DeinitCounter?
    let valueChanged = Signal<Int>()
    lazy var textChanged = Signal<String>(owner: self)
    let ping = Signal0()
    var received: [Int] = []
    var lastSender: QObject?
    var senderSeen: [ObjectIdentifier?] = []

    init(_ name: String = "", parent: QObject? = nil, trace: Trace? = nil, counter: DeinitCounter? = nil) {
        self.trace = trace
        self.counter = counter
        super.init(parent: parent)
        objectName = name
    }

    deinit { counter?.bump() }

    func setValue(_ v: Int) {
        received.append(v)
        trace?.add("\(objectName).setValue(\(v))")
        senderSeen.append(sender().map(ObjectIdentifier.init))
    }

    func onPing() {
        trace?.add("\(objectName).onPing")
        senderSeen.append(sender().map(ObjectIdentifier.init))
    }

    override func childEvent(_ event: QChildEvent) {
        trace?.add("\(objectName).\(event.added ? "ChildAdded" : "ChildRemoved")(\(event.child.objectName))")
    }

    override func customEvent(_ event: QEvent) {
        trace?.add("\(objectName).custom(\(event.type.rawValue))")
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A trait for suites: every test must leave as many live QObjects and open descriptors as it
/// found (after its pending events are processed), so leaks fail the test that caused them.
struct LeakChecked: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil else { return try await function() }
        let before = LeakChecked.snapshot()
        try await function()
        let after = LeakChecked.snapshot()
        #expect(after.objects == before.objects, "QObjects leaked by this test: \(after.objects - before.objects)")
        #expect(
            after.descriptors == before.descriptors, "descriptors leaked by this test: \(after.descriptors - before.descriptors)")
    }

    static func snapshot() -> (objects: Int, descriptors: Int) {
        // Pending posted events keep their receivers: deliver them first. The dispatcher
        // (epoll, timerfd, wake-up descriptors) belongs to the thread, so it exists first.
        _ = ThreadData.current.dispatcher
        QCoreApplication.sendPostedEvents(nil, .deferredDelete)
        for _ in 0..<3 { QCoreApplication.processEvents() }
        return (QObject.liveObjects, openDescriptorCount())
    }
}

extension Trait where Self == LeakChecked {
    /// Fails a test that leaves QObjects or descriptors behind.
    static var leakChecked: LeakChecked { LeakChecked() }
}

/// A thread that runs `body` (calls queued from it cross threads).
final class BodyThread: QThread, @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body; super.init() }
    override func run() { body() }
}

/// Emits `values` on `signal` from a new thread, in order, and waits for that thread's end.
func emitFromAnotherThread<Value: Sendable>(_ signal: Signal<Value>, _ values: [Value]) {
    let emitter = BodyThread { for value in values { signal.emit(value) } }
    emitter.start()
    #expect(emitter.wait(10_000))
}

/// The last call handed back to `connection`'s emitting side (unretained), if any.
func lastReturnedCall(_ connection: ConnectionBase) -> QueuedCallEvent? {
    ConnectionBase.spare(bits: connection.returnedCalls.load(ordering: .acquiring))?.takeUnretainedValue()
}
