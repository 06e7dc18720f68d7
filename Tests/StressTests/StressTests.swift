import QCore
import QKitTestSupport
import QNetwork
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Sizes: small in `make test` (CI), full with `QKIT_STRESS=full` (`make stress`).
enum Scale {
    static let full = getenv("QKIT_STRESS").map { String(cString: $0) == "full" } ?? false
    static let localClients = full ? 1000 : 100
    static let messagesPerClient = full ? 50 : 10
    static let floodSeconds = full ? 10 : 1
    static let stormRounds = full ? 200 : 30
    /// Under a sanitizer (`make sanitize` sets QKIT_SANITIZED) everything runs 5-20x slower:
    /// the responsiveness bounds widen, the behaviour checked stays the same.
    static let sanitized = getenv("QKIT_SANITIZED") != nil
}

/// Raises the soft descriptor limit to `wanted` (or the hard limit) for the test's duration.
func withDescriptors<R>(_ wanted: Int, _ body: () throws -> R) rethrows -> R {
    var saved = rlimit()
    getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &saved)
    var raised = saved
    raised.rlim_cur = min(saved.rlim_max, rlim_t(wanted))
    setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised)
    defer { setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &saved) }
    return try body()
}

/// The "drops" column of /proc/net/udp for the socket bound to `port` on loopback.
func kernelDrops(port: UInt16) -> Int {
    guard let file = fopen("/proc/net/udp", "r") else { return 0 }
    defer { fclose(file) }
    let wanted = String(format4Hex: port)
    var line: UnsafeMutablePointer<CChar>?
    var capacity = 0
    defer { free(line) }
    while getline(&line, &capacity, file) > 0 {
        let fields = String(cString: line!).split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 12, fields[1].hasSuffix(":" + wanted) else { continue }
        return Int(fields[12]) ?? 0
    }
    return 0
}

extension String {
    init(format4Hex value: UInt16) {
        let digits = String(value, radix: 16, uppercase: true)
        self = String(repeating: "0", count: 4 - digits.count) + digits
    }
}

@Suite("Stress: local sockets", .serialized)
struct LocalStressTests {
    @Test("many concurrent clients each exchange messages with one server, every byte accounted for")
    func manyClients() {
        withDescriptors(2 * Scale.localClients + 256) {
            let name = "qkit-stress-\(getpid())"
            let server = QLocalServer()
            defer { server.close(); server.delete() }
            server.maxPendingConnections = Scale.localClients
            server.listenBacklogSize = Scale.localClients
            #expect(server.listen(name))
            var echoed = 0
            var peers: [QLocalSocket] = []
            server.newConnection.connect(receiver: server) { server in
                while let peer = server.nextPendingConnection() {
                    peers.append(peer)
                    peer.readyRead.connect(receiver: peer) { p in
                        let bytes = p.readAll()
                        echoed += bytes.count
                        p.write(bytes)
                    }
                }
            }
            let message = [UInt8](repeating: 0x61, count: 100)
            let perClient = Scale.messagesPerClient * message.count
            var received = [Int](repeating: 0, count: Scale.localClients)
            var errors = 0
            var clients: [QLocalSocket] = []
            for index in 0..<Scale.localClients {
                let client = QLocalSocket()
                clients.append(client)
                client.errorOccurred.connect { _ in errors += 1 }
                client.readyRead.connect(receiver: client) { c in
                    received[index] += c.readAll().count
                }
                client.connected.connect(receiver: client) { c in
                    for _ in 0..<Scale.messagesPerClient { c.write(message) }
                }
                client.connectToServer(name)
            }
            let total = Scale.localClients * perClient
            #expect(spinLoop(timeoutMs: 60_000) { received.reduce(0, +) == total || errors > 0 })
            #expect(errors == 0)
            #expect(peers.count == Scale.localClients, "clients served")
            #expect(echoed == total)
            #expect(received.allSatisfy { $0 == perClient }, "every client got back exactly what it sent")
            for client in clients { client.abort(); client.delete() }
            #expect(spinLoop(timeoutMs: 10_000) { peers.allSatisfy { $0.state == .unconnected } })
            for peer in peers { peer.delete() }
        }
    }
}

/// Sends datagrams as fast as the kernel takes them, from its own thread, for `seconds`.
final class Flooder: QThread, @unchecked Sendable {
    let port: UInt16
    let seconds: Int
    let sent = Atomic<Int>(0)
    init(port: UInt16, seconds: Int) {
        self.port = port
        self.seconds = seconds
        super.init()
    }
    override func run() {
        let socket = QUdpSocket()
        defer { socket.delete() }
        let payload = [UInt8](repeating: 0x55, count: 64)
        let deadline = QDeadlineTimer(Int64(seconds * 1000))
        var count = 0
        while !deadline.hasExpired {
            if socket.writeDatagram(payload, .localHost, port) == 64 { count += 1 }
            if count % 256 == 0 { QCoreApplication.processEvents() }
        }
        sent.store(count, ordering: .releasing)
    }
}

@Suite("Stress: UDP flood", .serialized)
struct UdpFloodTests {
    @Test("under a full-speed flood the receiver's timer keeps firing, and sent = received + kernel drops")
    func flood() throws {
        let receiver = QUdpSocket()
        defer { receiver.delete() }
        #expect(receiver.bind(.localHost, 0))
        var received = 0
        receiver.readyRead.connect(receiver: receiver) { r in
            while r.hasPendingDatagrams() {
                _ = r.receiveDatagram()
                received += 1
            }
        }
        // A 10 ms timer in the receiving loop: its ticks and longest gap show responsiveness.
        var ticks = 0
        var longestGapMs: Int64 = 0
        var clock = QElapsedTimer()
        clock.start()
        let timer = QTimer()
        defer { timer.delete() }
        timer.timeout.connect {
            ticks += 1
            longestGapMs = max(longestGapMs, clock.restart())
        }
        timer.start(10)
        let flooder = Flooder(port: receiver.localPort, seconds: Scale.floodSeconds)
        flooder.start()
        #expect(spinLoop(timeoutMs: (Scale.floodSeconds + 20) * 1000) { flooder.isFinished })
        #expect(flooder.wait(5000))
        // Drain what is still queued: stop once nothing arrives for 200 ms.
        var last = -1
        while last != received {
            last = received
            spinLoop(timeoutMs: 200) { false }
        }
        let sent = flooder.sent.load(ordering: .acquiring)
        let drops = kernelDrops(port: receiver.localPort)
        #expect(sent > 0)
        #expect(sent == received + drops, "sent \(sent), received \(received), dropped \(drops)")
        let expectedTicks = Scale.floodSeconds * 100
        #expect(ticks >= expectedTicks / (Scale.sanitized ? 10 : 2), "timer ticks \(ticks) of ~\(expectedTicks)")
        #expect(longestGapMs < (Scale.sanitized ? 2000 : 500), "longest timer gap \(longestGapMs) ms")
        print(
            "UDP flood: sent \(sent), received \(received), kernel drops \(drops), timer ticks \(ticks), longest gap \(longestGapMs) ms"
        )
    }
}

/// Counts shared by every receiver of a storm.
final class StormCounters: Sendable {
    let violations = Atomic<Int>(0)
    let calls = Atomic<Int>(0)
}

/// A receiver that records calls after its destruction began.
final class StormReceiver: QObject, @unchecked Sendable {
    let counters: StormCounters
    private let dead = Atomic<Bool>(false)
    init(_ counters: StormCounters) {
        self.counters = counters
        super.init()
    }
    override func willDestroy() {
        dead.store(true, ordering: .sequentiallyConsistent)
        super.willDestroy()
    }
    func hit(_ value: Int) {
        if dead.load(ordering: .sequentiallyConsistent) { _ = counters.violations.wrappingAdd(1, ordering: .relaxed) }
        _ = counters.calls.wrappingAdd(1, ordering: .relaxed)
    }
}

/// An object whose signal is emitted from its own thread, over and over.
final class StormEmitter: QObject, @unchecked Sendable {
    let fired = Signal<Int>()
}

@Suite("Stress: cross-thread storms", .serialized)
struct CrossThreadStormTests {
    @Test("queued emissions from several threads to receivers being deleted and moved never reach a destroyed receiver")
    func storm() throws {
        let counters = StormCounters()
        let homes = [QThread(), QThread()]
        let emitterThreads = [QThread(), QThread(), QThread()]
        for t in homes + emitterThreads { t.start() }
        for round in 0..<Scale.stormRounds {
            // Set up in this thread, then spread out: receivers to the two home threads,
            // emitters to three other threads.
            let receivers = (0..<8).map { _ in StormReceiver(counters) }
            let emitters = emitterThreads.map { _ -> StormEmitter in
                let e = StormEmitter()
                for r in receivers { e.fired.connect(r, StormReceiver.hit, type: .queued) }
                return e
            }
            for (i, r) in receivers.enumerated() { r.moveToThread(homes[i % 2]) }
            for (e, thread) in zip(emitters, emitterThreads) { e.moveToThread(thread) }
            for e in emitters {
                QMetaObject.invokeMethod(e, type: .queued) { e in
                    for n in 0..<200 { e.fired.emit(n) }
                }
            }
            // Meanwhile: delete some receivers in their own threads, move others across.
            for (i, r) in receivers.enumerated() {
                switch i % 4 {
                case 0: r.deleteLater()
                case 1: QMetaObject.invokeMethod(r, type: .queued) { r in r.delete() }
                case 2:
                    nonisolated(unsafe) let target = homes[(i / 4 + round) % 2]  // QThread is thread-safe to name
                    QMetaObject.invokeMethod(r, type: .queued) { r in r.moveToThread(target) }
                default: break
                }
            }
            for e in emitters { QMetaObject.invokeMethod(e, type: .blockingQueued) { e in e.delete() } }
            for (i, r) in receivers.enumerated() where i % 4 >= 2 {
                QMetaObject.invokeMethod(r, type: .blockingQueued) { r in r.delete() }
            }
        }
        for t in homes + emitterThreads {
            t.quit()
            #expect(t.wait(10_000))
        }
        #expect(counters.violations.load(ordering: .relaxed) == 0, "calls after destroyed")
        #expect(counters.calls.load(ordering: .relaxed) > 0)
        print(
            "storm: \(Scale.stormRounds) rounds, \(counters.calls.load(ordering: .relaxed)) deliveries, \(counters.violations.load(ordering: .relaxed)) after destroyed"
        )
    }
}

/// Counts custom events in whatever thread it lives in.
final class HoppingReceiver: QObject, @unchecked Sendable {
    let delivered = Atomic<Int>(0)
    override func customEvent(_ event: QEvent) { _ = delivered.wrappingAdd(1, ordering: .relaxed) }
}

/// Posts `count` custom events to `target` from its own thread.
final class Poster: QThread, @unchecked Sendable {
    let target: HoppingReceiver
    let count: Int
    init(target: HoppingReceiver, count: Int) {
        self.target = target
        self.count = count
        super.init()
    }
    override func run() {
        for _ in 0..<count { QCoreApplication.postEvent(target, QEvent(.user)) }
    }
}

@Suite("Stress: posting to a moving receiver", .serialized)
struct MovingReceiverTests {
    @Test("events posted from another thread while the receiver hops between threads all arrive")
    func postWhileMoving() {
        let homes = [QThread(), QThread()]
        for t in homes { t.start() }
        let receiver = HoppingReceiver()
        receiver.moveToThread(homes[0])
        let count = Scale.full ? 200_000 : 20_000
        let poster = Poster(target: receiver, count: count)
        poster.start()
        for hop in 0..<(Scale.full ? 400 : 60) {
            nonisolated(unsafe) let next = homes[(hop + 1) % 2]  // QThread is thread-safe to name
            QMetaObject.invokeMethod(receiver, type: .blockingQueued) { r in r.moveToThread(next) }
        }
        #expect(poster.wait(30_000))
        #expect(spinLoop(timeoutMs: 30_000) { receiver.delivered.load(ordering: .relaxed) == count })
        QMetaObject.invokeMethod(receiver, type: .blockingQueued) { r in r.delete() }
        for t in homes {
            t.quit()
            #expect(t.wait(10_000))
        }
    }
}
