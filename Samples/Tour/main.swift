// The QKit tour: a Qt program in Swift. It prints every signal in the order it fires.
import QCore
import QNetwork
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Prints one line per event, flushed at once, and counts them for the summary.
final class Log: @unchecked Sendable {
    private let lines = Atomic<Int>(0)
    func say(_ text: String) {
        lines.add(1, ordering: .relaxed)
        // Unbuffered, one line per write: the trace reads right when piped.
        let line = text + "\n"
        _ = line.withCString { Glibc.write(1, $0, strlen($0)) }
    }
    var count: Int { lines.load(ordering: .relaxed) }
}

/// A counter with a typed signal, as a Qt class would declare it.
final class Counter: QObject, @unchecked Sendable {
    let valueChanged = Signal<Int>()
    private(set) var value = 0
    func setValue(_ v: Int) {
        guard v != value else { return }
        value = v
        valueChanged.emit(v)
    }
}

/// A receiver whose method is connected to the counter.
final class Display: QObject {
    let log: Log
    init(_ name: String, parent: QObject?, log: Log) {
        self.log = log
        super.init(parent: parent)
        objectName = name
    }
    func show(_ v: Int) {
        log.say(
            "signal   \(sender()?.objectName ?? "?").valueChanged(\(v)) -> \(objectName).show  [thread: \(QThread.currentThread.objectName)]"
        )
    }
}

let log = Log()
let app = QCoreApplication(arguments: CommandLine.arguments)
QThread.currentThread.objectName = "main"

// 1. An object tree: the root owns its children.
let root = QObject()
root.objectName = "root"
let counter = Counter(parent: root)
counter.objectName = "counter"
let display = Display("display", parent: root, log: log)
let helper = QObject(parent: root)
helper.objectName = "helper"
log.say("tree     root -> [\(root.children.map(\.objectName).joined(separator: ", "))]")

// 2. A typed signal connected to a receiver method.
counter.valueChanged.connect(display, Display.show)
counter.setValue(1)

// 3. deleteLater: the helper goes when control returns to the event loop.
helper.destroyed.connect { _ in log.say("signal   helper.destroyed (deleteLater ran)") }
helper.deleteLater()

// 4. A worker thread with a cross-thread queued connection.
let worker = QThread()
worker.objectName = "worker"
let remote = Display("remote", parent: nil, log: log)
remote.moveToThread(worker)
counter.valueChanged.connect(remote, Display.show)  // auto: queued to the worker thread
worker.started.connect { log.say("signal   worker.started") }
worker.finished.connect { log.say("signal   worker.finished") }
worker.start()

// 5. A QUdpSocket pair on loopback.
let udpReceiver = QUdpSocket(parent: root)
udpReceiver.bind(.localHost, 0)
udpReceiver.stateChanged.connect { log.say("signal   udp.stateChanged(\($0))") }
udpReceiver.readyRead.connect(receiver: udpReceiver) { r in
    while let d = r.readDatagram(1500) {
        log.say("signal   udpReceiver.readyRead -> \(String(decoding: d.data, as: UTF8.self)) from \(d.host):\(d.port)")
    }
}
let udpSender = QUdpSocket(parent: root)
udpSender.stateChanged.connect { log.say("signal   udpSender.stateChanged(\($0)) (auto-bind)") }
udpSender.bytesWritten.connect { log.say("signal   udpSender.bytesWritten(\($0))") }

// 6. A QLocalServer and a QLocalSocket client.
let serverName = "qkit-tour-\(getpid())"
let server = QLocalServer(parent: root)
if server.listen(serverName) { log.say("listen   QLocalServer at \(server.fullServerName)") }
server.newConnection.connect(receiver: server) { server in
    log.say("signal   server.newConnection")
    while let peer = server.nextPendingConnection() {
        peer.write("Hello from the QLocalServer")
        peer.disconnectFromServer()
    }
}
let client = QLocalSocket(parent: root)
client.stateChanged.connect { log.say("signal   client.stateChanged(\($0))") }
client.connected.connect { log.say("signal   client.connected") }
client.readyRead.connect(receiver: client) { c in
    log.say("signal   client.readyRead -> \(String(decoding: c.readAll(), as: UTF8.self))")
}
client.errorOccurred.connect { log.say("signal   client.errorOccurred(\($0))") }
client.disconnected.connect { log.say("signal   client.disconnected") }

// 7. Swift concurrency on QKit's loops: a main-actor task awaits the counter's next change,
//    then calls an actor pinned to the worker thread, whose method runs on that thread.
actor Tally {
    let executor: QThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private var total = 0
    init(_ executor: QThreadExecutor) { self.executor = executor }
    func add(_ value: Int) -> String {
        total += value
        return QThread.currentThread.objectName
    }
}
let tally = Tally(worker.executor)
Task { @MainActor in
    guard let value = await counter.valueChanged.next() else { return }
    log.say("await    counter.valueChanged.next() -> \(value), on the main actor")
    let thread = await tally.add(value)
    log.say("await    tally.add(\(value)) ran on the \(thread) thread")
}

// 8. A timer that ticks three times, then the application quits.
let timer = QTimer(parent: root)
timer.objectName = "ticker"
var ticks = 0
timer.timeout.connect {
    ticks += 1
    log.say("signal   ticker.timeout #\(ticks)")
    counter.setValue(counter.value + 1)
    if ticks == 1 { udpSender.writeDatagram("datagram #1", .localHost, udpReceiver.localPort) }
    if ticks == 2 { client.connectToServer(serverName) }
    if ticks == 3 {
        timer.stop()
        QTimer.singleShot(20) { QCoreApplication.quit() }
    }
}
timer.start(30)
app.aboutToQuit.connect { log.say("signal   app.aboutToQuit") }

let code = app.exec()
server.close()
worker.quit()
_ = worker.wait()
remote.delete()
root.destroyed.connect { _ in log.say("signal   root.destroyed") }
root.delete()
log.say("summary: \(log.count) events, \(ticks) timer ticks, counter=\(counter.value), exit code \(code)")
exit(code)
