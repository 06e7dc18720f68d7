import QCore
import QNetwork

#if canImport(Glibc)
import Glibc
#endif

/// UDP on loopback, one thread: a sender fills the kernel queue in bursts (at most ~256 in
/// flight), the receiver drains on readyRead. One call per datagram, or (`batch`) the batch
/// API: `writeDatagrams` (sendmmsg) per burst and `readDatagrams(maxCount:)` (recvmmsg).
/// Returns datagrams/s received.
func udpThroughput(count: Int, size: Int, batch: Bool = false) -> Double {
    let receiver = QUdpSocket()
    _ = receiver.bind(.localHost, 0)
    receiver.setSocketOption(.receiveBufferSize, 4 << 20)
    let sender = QUdpSocket()
    _ = sender.bind(.localHost, 0)
    let payload = [UInt8](repeating: 7, count: size)
    let prepared = [QNetworkDatagram](repeating: QNetworkDatagram(payload, .localHost, receiver.localPort), count: 256)
    var received = 0
    var sent = 0
    var buffer = [UInt8](repeating: 0, count: 2048)
    let loop = QEventLoop()
    receiver.readyRead.connect(receiver: receiver) { r in
        if batch {
            while true {
                let taken = r.readDatagrams(maxCount: 256).count
                if taken == 0 { break }
                received += taken
            }
        } else {
            // Counted in a local, added once per readyRead: a captured variable is checked for
            // exclusive access at run time on every write (~85 instructions), which the C and
            // C++ peers' plain counters do not pay.
            var got = 0
            buffer.withUnsafeMutableBytes { raw in
                while r.readDatagram(into: raw).size >= 0 { got += 1 }
            }
            received += got
        }
        if received >= count { loop.quit() }
    }
    let pump = QTimer()
    pump.timeout.connect {
        let burst = min(256, count - sent) - max(0, sent - received - 256)
        if burst > 0 {
            if batch {
                sent += sender.writeDatagrams(Array(prepared.prefix(burst)))
            } else {
                payload.withUnsafeBytes { raw in
                    for _ in 0..<burst where sender.writeDatagram(raw, .localHost, receiver.localPort) >= 0 { sent += 1 }
                }
            }
        }
        if sent >= count { pump.stop() }
    }
    pump.start(0)
    var clock = QElapsedTimer()
    clock.start()
    loop.exec()
    let seconds = Double(clock.nsecsElapsed()) / 1e9
    receiver.abort(); sender.abort()
    verify("datagrams received", received, count)
    verify("datagrams sent", sent, count)
    return Double(received) / seconds
}

/// A count kept in an object: a captured variable is checked for exclusive access at run time
/// on every write (~85 instructions), which the C and C++ peers' plain counters do not pay.
final class Tally { var value = 0 }

/// Local socket 64 B ping-pong in one thread: round trips per second.
func localPingPong(rounds: Int) -> Double {
    let server = QLocalServer()
    _ = server.listen("/tmp/qkit-probe-\(UInt32.random(in: 0...UInt32.max))")
    let client = QLocalSocket()
    client.connectToServer(server.fullServerName)
    _ = server.waitForNewConnection(1000)
    let end = server.nextPendingConnection()!
    let message = [UInt8](repeating: 1, count: 64)
    let trips = Tally()
    let loop = QEventLoop()
    end.readyRead.connect(receiver: end) { e in
        while e.bytesAvailable >= 64 { _ = e.read(64); e.write(message) }
    }
    client.readyRead.connect(receiver: client) { c in
        while c.bytesAvailable >= 64 {
            _ = c.read(64)
            trips.value += 1
            if trips.value >= rounds { loop.quit(); return }
            c.write(message)
        }
    }
    var clock = QElapsedTimer()
    clock.start()
    client.write(message)
    loop.exec()
    let seconds = Double(clock.nsecsElapsed()) / 1e9
    client.abort(); end.abort(); server.close()
    verify("round trips", trips.value, rounds)
    return Double(trips.value) / seconds
}

/// UDP receive rate with the sender in another thread (2 cores: one each). Returns
/// (received per second, loss fraction).
func udpReceiveRate(count: Int, size: Int) -> (Double, Double) {
    let receiver = QUdpSocket()
    _ = receiver.bind(.localHost, 0)
    receiver.setSocketOption(.receiveBufferSize, 4 << 20)
    final class Sender: QThread, @unchecked Sendable {
        let port: UInt16, count: Int, size: Int
        init(port: UInt16, count: Int, size: Int) { self.port = port; self.count = count; self.size = size; super.init() }
        override func run() {
            let s = QUdpSocket()
            let payload = [UInt8](repeating: 7, count: size)
            payload.withUnsafeBytes { raw in
                for _ in 0..<count { _ = s.writeDatagram(raw, .localHost, port) }
            }
            s.abort()
        }
    }
    var received = 0
    var buffer = [UInt8](repeating: 0, count: 2048)
    let loop = QEventLoop()
    var last = QElapsedTimer()
    receiver.readyRead.connect(receiver: receiver) { r in
        var got = 0  // a local: see udpThroughput
        buffer.withUnsafeMutableBytes { raw in
            while r.readDatagram(into: raw).size >= 0 { got += 1 }
        }
        received += got
        last.restart()
        if received >= count { loop.quit() }
    }
    let idle = QTimer()
    idle.timeout.connect { if last.isValid && last.elapsed() > 200 { loop.quit() } }
    idle.start(50)
    let sender = Sender(port: receiver.localPort, count: count, size: size)
    var clock = QElapsedTimer()
    clock.start()
    last.start()
    sender.start()
    loop.exec()
    let seconds = Double(clock.nsecsElapsed()) / 1e9 - (received < count ? 0.2 : 0)
    sender.wait()
    receiver.abort()
    return (Double(received) / seconds, 1 - Double(received) / Double(count))
}

/// A worker thread emits `count` queued calls to a receiver in the main loop: calls/s.
/// `split`: the worker on CPU 0, the loop on CPU 1.
func crossThreadRate(_ count: Int, split: Bool) -> Double {
    final class Emitter: QThread, @unchecked Sendable {
        let value = Signal<Int>()
        let count: Int, split: Bool
        init(count: Int, split: Bool) { self.count = count; self.split = split; super.init() }
        override func run() {
            if split { pinThread(0) }
            for _ in 0..<count { value.emit(1) }
        }
    }
    if split { pinThread(1) }
    final class Counter: QObject { var total = 0 }
    let emitter = Emitter(count: count, split: split)
    let counter = Counter()
    let loop = QEventLoop()
    emitter.value.connect(receiver: counter, type: .queued) { c, v in
        c.total += v
        if c.total >= count { loop.quit() }
    }
    var clock = QElapsedTimer()
    clock.start()
    emitter.start()
    loop.exec()
    let seconds = Double(clock.nsecsElapsed()) / 1e9
    emitter.wait()
    verify("calls", counter.total, count)
    return Double(count) / seconds
}

/// Two processes, receiving side: counts datagrams on `port` for `ms` milliseconds.
func udpReceiveFor(port: UInt16, ms: Int) {
    let receiver = QUdpSocket()
    guard receiver.bind(.localHost, port) else { exit(3) }
    var received = 0
    var buffer = [UInt8](repeating: 0, count: 2048)
    receiver.readyRead.connect(receiver: receiver) { r in
        var got = 0  // a local: see udpThroughput
        buffer.withUnsafeMutableBytes { raw in
            while r.readDatagram(into: raw).size >= 0 { got += 1 }
        }
        received += got
    }
    let loop = QEventLoop()
    QTimer.singleShot(ms) { loop.quit() }
    print("READY")
    fflush(nil)
    loop.exec()
    result(Double(received), "datagrams")
}

/// Two processes, sending side: 64 B datagrams to `port` for `ms` milliseconds, at `rate`
/// datagrams/s (0: as fast as it can), in bursts of 256 between loop passes.
func udpSendFor(port: UInt16, ms: Int, rate: Int) {
    let sender = QUdpSocket()
    let payload = [UInt8](repeating: 7, count: 64)
    var sent = 0
    var clock = QElapsedTimer()
    clock.start()
    payload.withUnsafeBytes { raw in
        while clock.elapsed() < Int64(ms) {
            if rate > 0 && Double(sent) >= Double(rate) * Double(clock.nsecsElapsed()) / 1e9 { continue }
            for _ in 0..<256 where sender.writeDatagram(raw, .localHost, port) == 64 { sent += 1 }
            QCoreApplication.processEvents()
        }
    }
    result(Double(sent), "datagrams")
}

/// Two processes, reading side of a bulk transfer: accepts one client, reads `bytes`; GB/s.
func bulkServer(path: String, bytes: Int64) {
    let server = QLocalServer()
    _ = QLocalServer.removeServer(path)
    guard server.listen(path) else { exit(3) }
    print("READY")
    fflush(nil)
    guard server.waitForNewConnection(30_000).ok, let peer = server.nextPendingConnection() else { exit(1) }
    var got: Int64 = 0
    var clock = QElapsedTimer()
    let loop = QEventLoop()
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    peer.readyRead.connect(receiver: peer) { p in
        if got == 0 { clock.start() }
        buffer.withUnsafeMutableBytes { raw in
            while true {
                let n = p.read(into: raw)
                if n <= 0 { break }
                got += n
            }
        }
        if got >= bytes { loop.quit() }
    }
    peer.disconnected.connect { loop.quit() }
    loop.exec()
    result(Double(got) / (Double(clock.nsecsElapsed()) / 1e9) / 1e9, "GB/s")
    server.close()
    exit(got == bytes ? 0 : 1)
}

/// Two processes, writing side: keeps ~1 MiB queued until `bytes` are written.
func bulkClient(path: String, bytes: Int64) {
    let socket = QLocalSocket()
    socket.connectToServer(path)
    guard socket.state == .connected else { exit(3) }
    let chunk = [UInt8](repeating: 0x62, count: 256 * 1024)
    var queued: Int64 = 0
    let loop = QEventLoop()
    func refill() {
        while queued < bytes && socket.bytesToWrite < Int64(4 * chunk.count) {
            let size = Int(min(Int64(chunk.count), bytes - queued))
            chunk.withUnsafeBytes { raw in _ = socket.write(UnsafeRawBufferPointer(rebasing: raw[0..<size])) }
            queued += Int64(size)
        }
        if queued >= bytes && socket.bytesToWrite == 0 { loop.quit() }
    }
    socket.bytesWritten.connect { _ in refill() }
    refill()
    loop.exec()
    socket.disconnectFromServer()
    if socket.state != .unconnected { _ = socket.waitForDisconnected(10_000) }
    result(Double(queued), "bytes")
}
