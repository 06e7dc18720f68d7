// `make soak`: mixed load in one process for SOAK_S seconds (default 600), sampling resident
// memory and open descriptors every second. Local clients connect, exchange one message and
// leave within a second, a successor taking each one's place (1,000 connected); a UDP flood; 10,000 timers; queued signals to a worker thread and
// back; QObject trees made and deleteLater'ed. Exit 0 when, after the warm-up, memory grew by
// at most 1 %, no error was reported, every message is accounted for and nothing leaked.
import QCore
import QNetwork
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

func say(_ line: String) {
    print(line)
    fflush(nil)
}

func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

// Everything below runs on the main thread, except the Echoer's slot (the worker thread), which
// touches only the echoer: the globals are unchecked for that reason.
let duration = Int(environment("SOAK_S") ?? "") ?? 600
let warmUp = max(10, duration / 3)
/// SOAK_ONLY=local|udp|timers|posts|churn runs one load alone (to find what grows).
let only = environment("SOAK_ONLY") ?? ""
func enabled(_ load: String) -> Bool { only.isEmpty || only == load }
nonisolated(unsafe) var failures: [String] = []
func fail(_ why: String) {
    if failures.count < 20 { say("soak: error: \(why)") }
    failures.append(why)
}

// MARK: process facts

/// Resident memory in KiB (/proc/self/statm).
func residentKiB() -> Int {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0, resident = 0
    withUnsafeMutablePointer(to: &size) { s in
        withUnsafeMutablePointer(to: &resident) { r in
            _ = withVaList([s, r]) { vfscanf(file, "%ld %ld", $0) }
        }
    }
    return resident * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
}

/// Open descriptors (/proc/self/fd, less the one the listing uses).
func openDescriptors() -> Int { describeDescriptors().count }

/// What each open descriptor is ("socket:[123]", "anon_inode:[eventfd]", …), by number.
func describeDescriptors() -> [Int32: String] {
    guard let dir = opendir("/proc/self/fd") else { return [:] }
    defer { closedir(dir) }
    let own = dirfd(dir)
    var found: [Int32: String] = [:]
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        guard let fd = Int32(name), fd != own else { continue }
        var target = [CChar](repeating: 0, count: 256)
        let length = readlink("/proc/self/fd/\(name)", &target, target.count - 1)
        found[fd] = length > 0 ? String(decoding: target.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }
    return found
}

/// Datagrams the kernel dropped for the UDP socket on `port` (/proc/net/udp, "drops").
func kernelDrops(port: UInt16) -> Int {
    guard let file = fopen("/proc/net/udp", "r") else { return 0 }
    defer { fclose(file) }
    let wanted = ":" + String(port, radix: 16, uppercase: true).leftPadded(to: 4)
    var line = [CChar](repeating: 0, count: 512)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let fields = text.split(separator: " ")
        if fields.count >= 13, fields[1].hasSuffix(wanted) { return Int(fields[12].digits) ?? 0 }
    }
    return 0
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

extension Substring {
    /// The field's digits (drops the line's trailing newline).
    var digits: String { String(filter { $0.isNumber }) }
}

/// Raises the descriptor limit to what 1,000 clients need (two ends each).
func raiseDescriptorLimit() -> Int {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = min(limit.rlim_max, 8192)
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    return Int(limit.rlim_cur)
}

// MARK: the load

nonisolated(unsafe) let app = QCoreApplication()
QCoreApplication.processEvents()  // the main loop's own descriptors exist before the snapshot
let descriptorLimit = raiseDescriptorLimit()
let clientsInFlight = min(1000, (descriptorLimit - 200) / 2)
let startDescriptors = describeDescriptors()
nonisolated(unsafe) var running = true

/// Local sockets: each client connects, sends one 32-byte message, checks the echo and leaves.
final class LocalLoad: QObject {
    let server = QLocalServer()
    var exchanges = 0, connects = 0, alive = 0

    func start() -> Bool {
        server.listenBacklogSize = 1024
        server.maxPendingConnections = 2048
        guard server.listen("qkit-soak-\(getpid())") else {
            fail("listen: \(server.errorString)")
            return false
        }
        server.newConnection.connect(receiver: self) { load in load.accept() }
        for _ in 0..<clientsInFlight { spawn() }
        return true
    }

    func accept() {
        while let end = server.nextPendingConnection() {
            end.readyRead.connect(receiver: end) { end in _ = end.write(end.readAll()) }
            end.disconnected.connect(receiver: end) { end in end.deleteLater() }
            end.errorOccurred.connect(receiver: end) { _, e in if e != .peerClosed { fail("server end: \(e)") } }
        }
    }

    func spawn() {
        connects += 1
        alive += 1
        let message = Array("client \(connects)".utf8) + [UInt8](repeating: 0x2e, count: 32 - "client \(connects)".utf8.count)
        let client = QLocalSocket(parent: self)
        var received: [UInt8] = []
        client.connected.connect(receiver: client) { c in _ = c.write(message) }
        client.readyRead.connect(receiver: client) { [unowned self] c in
            received += c.readAll()
            guard received.count >= message.count else { return }
            if received != message { fail("echo mismatch for \(String(decoding: message, as: UTF8.self))") }
            self.exchanges += 1
            // It stays connected 0–999 ms, then leaves: about 1,000 connections open at any
            // time and 2,000 joining and leaving a second.
            QTimer.singleShot((self.connects &* 7919) % 1000, context: c) { c.disconnectFromServer() }
        }
        client.disconnected.connect(receiver: client) { [unowned self] c in
            c.deleteLater()
            self.alive -= 1
            if running { QTimer.singleShot(0, context: self) { [unowned self] in self.spawn() } }
        }
        client.errorOccurred.connect(receiver: client) { c, e in fail("client: \(e) \(c.errorString)") }
        client.connectToServer(server.serverName)
    }
}

/// A UDP flood: 32 datagrams of 64–1,200 bytes every millisecond, numbered; the receiver
/// checks order and content with Qt's one-datagram API.
final class UdpLoad: QObject {
    let sender = QUdpSocket(), receiver = QUdpSocket()
    let tick = QTimer()
    var sent = 0, received = 0, nextExpected = 0, gaps = 0

    /// Datagram `n`: its number (8 bytes, little-endian), then 56–1,192 bytes derived from it.
    func payload(_ n: Int) -> [UInt8] {
        let size = 64 + (n * 37) % 1137
        return withUnsafeBytes(of: UInt64(n).littleEndian) { Array($0) } + (8..<size).map { UInt8(truncatingIfNeeded: n &+ $0) }
    }

    func start() {
        guard receiver.bind(.localHost, 0), sender.bind(.localHost, 0) else { return fail("udp bind") }
        receiver.setSocketOption(.receiveBufferSize, 4 << 20)
        receiver.readyRead.connect(receiver: self) { load in load.read() }
        receiver.errorOccurred.connect { fail("udp receiver: \($0)") }
        sender.errorOccurred.connect { fail("udp sender: \($0)") }
        tick.timeout.connect(receiver: self) { load in load.burst() }
        tick.timerType = .precise
        tick.start(1)
    }

    func burst() {
        for _ in 0..<32 {
            if sender.writeDatagram(payload(sent), .localHost, receiver.localPort) < 0 { return }
            sent += 1
        }
    }

    func read() {
        while receiver.hasPendingDatagrams() {
            let data = receiver.receiveDatagram().data
            guard data.count >= 64 else { return fail("udp: short datagram of \(data.count) bytes") }
            let n = Int(data.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            guard n >= nextExpected, n < sent, data == payload(n) else {
                return fail("udp: datagram \(n) duplicated, reordered or corrupt (\(nextExpected) was due)")
            }
            gaps += n - nextExpected
            nextExpected = n + 1
            received += 1
        }
    }
}

/// 10,000 timers of 10–1,000 ms, each counting its timeouts.
final class TimerLoad: QObject {
    var timers: [QTimer] = []
    var fired: [Int] = []
    var started = 0.0

    func start() {
        fired = [Int](repeating: 0, count: 10_000)
        for i in 0..<10_000 {
            let timer = QTimer(parent: self)
            timer.setInterval(10 + (i * 97) % 991)
            timer.timeout.connect(receiver: self) { load in load.fired[i] += 1 }
            timers.append(timer)
            timer.start()
        }
        started = now()
    }

    /// Delivered timeouts against the ideal count, and timers that never fired.
    func delivered() -> (ratio: Double, silent: Int) {
        let elapsed = (now() - started) * 1000
        var ideal = 0.0
        for timer in timers { ideal += (elapsed / Double(timer.interval)).rounded(.down) }
        return (Double(fired.reduce(0, +)) / max(1, ideal), fired.filter { $0 == 0 }.count)
    }
}

/// Two decimals, without Foundation.
func fixed(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let sign = hundredths < 0 ? "-" : ""
    let magnitude = abs(hundredths)
    return "\(sign)\(magnitude / 100).\(String(magnitude % 100).leftPadded(to: 2))"
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Queued signals to an object in a worker thread, answered back.
final class Home: QObject {
    let ping = Signal<Int>()
    var replies = 0, nextReply = 0
}

final class Echoer: QObject {
    let pong = Signal<Int>()
    var received = 0
}

/// QObjects with children, made and deleteLater'ed; every one must be freed.
final class Churn: QObject {
    static let made = Atomic<Int>(0)
    static let freed = Atomic<Int>(0)
    override init(parent: QObject? = nil) {
        Churn.made.add(1, ordering: .relaxed)
        super.init(parent: parent)
    }
    deinit { Churn.freed.add(1, ordering: .relaxed) }
}

nonisolated(unsafe) let local = LocalLoad()
nonisolated(unsafe) let udp = UdpLoad()
nonisolated(unsafe) let timers = TimerLoad()
nonisolated(unsafe) let home = Home()
nonisolated(unsafe) let worker = QThread()
nonisolated(unsafe) let echoer = Echoer()
_ = echoer.moveToThread(worker)
home.ping.connect(receiver: echoer) { e, n in
    e.received += 1
    e.pong.emit(n)
}
echoer.pong.connect(receiver: home) { h, n in
    if n != h.nextReply { fail("cross-thread reply \(n) arrived when \(h.nextReply) was due") }
    h.nextReply = n + 1
    h.replies += 1
}
worker.start()
nonisolated(unsafe) var posted = 0

say("soak: \(duration) s, warm-up \(warmUp) s, \(clientsInFlight) local clients in flight (descriptor limit \(descriptorLimit))")
if enabled("local") { guard local.start() else { exit(1) } }
if enabled("udp") { udp.start() }
if enabled("timers") { timers.start() }

nonisolated(unsafe) let driver = QTimer()
driver.timerType = .precise
driver.timeout.connect {
    for _ in 0..<(enabled("posts") ? 100 : 0) {
        home.ping.emit(posted)
        posted += 1
    }
    guard enabled("churn") else { return }
    let parent = Churn()
    for _ in 0..<10 { _ = Churn(parent: parent) }
    parent.deleteLater()
}
driver.start(1)

nonisolated(unsafe) var samples: [(second: Int, rss: Int, fds: Int)] = []
nonisolated(unsafe) var second = 0
nonisolated(unsafe) let sampler = QTimer()
sampler.timeout.connect {
    second += 1
    samples.append((second, residentKiB(), openDescriptors()))
    if second % 10 == 0 || second == duration {
        let s = samples.last!
        say(
            "soak: t=\(second)s rss=\(s.rss) KiB fds=\(s.fds) exchanges=\(local.exchanges) udp=\(udp.received)/\(udp.sent) cross-thread=\(home.replies)/\(posted) churned=\(Churn.freed.load(ordering: .relaxed))"
        )
    }
    if second >= duration {
        sampler.stop()
        finish()
    }
}
sampler.start(1000)

/// Stops the generators, lets what is in flight finish, then checks and reports.
func finish() {
    running = false
    driver.stop()
    udp.tick.stop()
    let (ratio, silent) = timers.delivered()
    for timer in timers.timers { timer.stop() }
    var waited = 0
    let drain = QTimer()
    drain.timeout.connect {
        waited += 1
        let udpDone = udp.received + udp.gaps >= udp.sent
        if (local.alive == 0 && home.replies == posted && udpDone) || waited > 100 {
            drain.stop()
            report(timerRatio: ratio, silentTimers: silent)
        }
    }
    drain.start(50)
}

func report(timerRatio: Double, silentTimers: Int) {
    let udpPort = udp.receiver.localPort
    worker.quit()
    _ = worker.wait()
    local.server.delete()  // its accepted sockets are its children
    local.delete()
    udp.sender.close()
    udp.receiver.close()
    udp.delete()
    timers.delete()
    for _ in 0..<3 {
        QCoreApplication.sendPostedEvents(nil, .deferredDelete)
        QCoreApplication.processEvents()
    }
    let drops = kernelDrops(port: udpPort)
    // Memory: the largest sample just after the warm-up against the largest of the last quarter.
    let settled = samples.filter { $0.second > warmUp && $0.second <= warmUp + max(5, duration / 10) }.map(\.rss).max() ?? 0
    let late = samples.filter { $0.second > duration - max(5, duration / 4) }.map(\.rss).max() ?? 0
    let growth = settled > 0 ? Double(late - settled) / Double(settled) * 100 : 0
    let lateFds = samples.filter { $0.second > warmUp }.map(\.fds)
    let endDescriptors = describeDescriptors()
    let endFds = endDescriptors.count

    if local.alive != 0 { fail("\(local.alive) local clients never finished") }
    if local.exchanges != local.connects - local.alive { fail("local: \(local.connects) clients, \(local.exchanges) exchanges") }
    if home.replies != posted || echoer.received != posted {
        fail("cross-thread: \(posted) posted, \(echoer.received) received by the worker, \(home.replies) answers")
    }
    if udp.received + udp.gaps != udp.sent { fail("udp: \(udp.sent) sent, \(udp.received) received, \(udp.gaps) missing") }
    if udp.gaps != drops { fail("udp: \(udp.gaps) datagrams missing but the kernel counted \(drops) drops") }
    if Churn.made.load(ordering: .relaxed) != Churn.freed.load(ordering: .relaxed) {
        fail("deleteLater: \(Churn.made.load(ordering: .relaxed)) made, \(Churn.freed.load(ordering: .relaxed)) freed")
    }
    if silentTimers > 0 && enabled("timers") { fail("\(silentTimers) timers never fired") }
    if growth > 1 { fail("resident memory grew \(fixed(growth)) % after the warm-up (\(settled) → \(late) KiB)") }
    let leaked = endDescriptors.filter { startDescriptors[$0.key] != $0.value }
    if !leaked.isEmpty {
        fail("descriptors left open: \(leaked.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }

    say(
        "soak: local clients \(local.connects) (exchanges \(local.exchanges)), udp \(udp.sent) sent / \(udp.received) received / \(drops) dropped by the kernel, cross-thread \(posted) round trips, \(Churn.freed.load(ordering: .relaxed)) objects churned"
    )
    say(
        "soak: timers delivered \(fixed(timerRatio * 100)) % of ideal; rss after warm-up \(settled) KiB, at the end \(late) KiB (\(growth >= 0 ? "+" : "")\(fixed(growth)) %); fds after warm-up \(lateFds.min() ?? 0)–\(lateFds.max() ?? 0), at exit \(endFds) (start \(startDescriptors.count))"
    )
    say(failures.isEmpty ? "soak: PASS" : "soak: FAIL (\(failures.count) problems)")
    QCoreApplication.exit(failures.isEmpty ? 0 : 1)
}

exit(app.exec())
