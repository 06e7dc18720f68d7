// QKit's side of `make bench-compare`, and a plain loop over one path for profilers (perf,
// callgrind): `swift run -c release probe <row> <n> [args]` prints "RESULT <value> <unit>".
// The same rows exist in Peers/qt/qtpeer.cpp (Qt 6) and Peers/libevent/evpeer.c (raw).
import QCore
import QNetwork

#if canImport(Glibc)
import Glibc
#endif

final class Sink: QObject { var total = 0; func take(_ v: Int) { total &+= v } }
final class Source: QObject { let value = Signal<Int>() }
final class CustomSink: QObject { var count = 0; override func customEvent(_ event: QEvent) { count &+= 1 } }

func result(_ value: Double, _ unit: String) {
    print("RESULT \(value) \(unit)")
    fflush(nil)
}

/// A count that differs from the work asked for: exit 4 (the runner marks the cell failed).
func verify(_ what: String, _ got: Int, _ expected: Int) {
    guard got != expected else { return }
    print("count mismatch: \(what) \(got), expected \(expected)")
    fflush(nil)
    exit(4)
}

// sched_setaffinity is a GNU extension Glibc's Swift module leaves out; bound by name here,
// in the benchmark probe only (the library declares such calls in its header-only shims).
@_silgen_name("sched_setaffinity")
func probeSchedSetAffinity(_ pid: Int32, _ size: Int, _ mask: UnsafeRawPointer) -> Int32

/// Pins the calling thread to `cpu` (thread id 0 = the caller).
func pinThread(_ cpu: Int) {
    var mask = [UInt8](repeating: 0, count: 128)
    mask[cpu / 8] |= UInt8(1 << (cpu % 8))
    _ = mask.withUnsafeBytes { probeSchedSetAffinity(0, 128, $0.baseAddress!) }
}

/// A parent that observes its child events (a Qt parent always receives them).
final class ObservingParent: QObject {
    var added = 0
    override func childEvent(_ event: QChildEvent) { if event.added { added += 1 } }
}

/// After a burst: sendPostedEvents, or (`exec`) the event loop until the burst and a final
/// queued quit ran.
@MainActor func drain(_ loop: QEventLoop, exec: Bool) {
    guard exec else { return QCoreApplication.sendPostedEvents() }
    QMetaObject.invokeMethod(loop, type: .queued) { l in l.quit() }
    loop.exec()
}

func timed(_ body: () -> Void) -> Double {
    var clock = QElapsedTimer()
    clock.start()
    body()
    return Double(clock.nsecsElapsed()) / 1e9
}

let args = CommandLine.arguments
let row = args.count > 1 ? args[1] : "emit1"
let n = args.count > 2 ? Int(args[2])! : 10_000_000
let extra = args.count > 3 ? args[3] : ""
let app = QCoreApplication(arguments: args)
let source = Source(), sink = Sink()

/// One emission, out of line: the loop cannot hoist the emission's checks (a 0-slot emit is
/// otherwise an empty loop), as Qt's emit is a call to the moc-generated signal function.
@inline(never) func emitOnce(_ source: Source, _ i: Int) { source.value.emit(i) }

/// `k` receiver-slot connections of one slot function, as Qt's peer connects `&Sink::take`
/// in every row. (Identical closure literals, one per row, were merged by the compiler,
/// and the one it kept reached the other's body through an extra jump.)
@MainActor func connectTake(_ k: Int, type: SignalConnectionType<Int> = .auto) {
    for _ in 0..<k { source.value.connect(receiver: sink, type: type) { s, v in s.take(v) } }
}

final class ObjectSource: QObject { let value = Signal<QObject>() }
@inline(never) func emitObject(_ source: ObjectSource, _ object: QObject) { source.value.emit(object) }

@MainActor func emitRow(slots: Int, _ connect: () -> Void) {
    connect()
    let s = timed { for i in 0..<n { emitOnce(source, i) } }
    result(s * 1e9 / Double(n), "ns/emit")
    verify("slot sum", sink.total, slots * (n * (n - 1) / 2))
}

switch row {
// emit1/emit10 connect a receiver's slot (the pair of Qt's member function on a receiver);
// closure1/closure10 connect plain closures; method1 an unapplied method reference.
// emit-object: one receiver slot of a signal whose argument is an object (reference
// counting of arguments; no peer row).
case "emit-object":
    let objects = ObjectSource()
    objects.value.connect(receiver: sink) { s, _ in s.total &+= 1 }
    let s = timed { for _ in 0..<n { emitObject(objects, sink) } }
    result(s * 1e9 / Double(n), "ns/emit")
    verify("slot calls", sink.total, n)
case "emit0": emitRow(slots: 0) {}
case "emit1", "receiver1": emitRow(slots: 1) { connectTake(1) }
case "emit10", "receiver10": emitRow(slots: 10) { connectTake(10) }
case "closure1": emitRow(slots: 1) { source.value.connect { [unowned(unsafe) sink] v in sink.total &+= v } }
case "closure10": emitRow(slots: 10) { for _ in 0..<10 { source.value.connect { [unowned(unsafe) sink] v in sink.total &+= v } } }
case "method1": emitRow(slots: 1) { source.value.connect(sink, Sink.take) }
case "queued", "queued-exec":
    // Bursts of 1000 queued calls, then sendPostedEvents (queued) or the event loop until
    // they and a final quit ran (queued-exec).
    connectTake(1, type: .queued)
    let loop = QEventLoop()
    let s = timed {
        var left = n
        while left > 0 {
            for _ in 0..<min(left, 1000) { source.value.emit(1) }
            drain(loop, exec: row == "queued-exec")
            left -= 1000
        }
    }
    result(Double(n) / s, "calls/s")
    verify("calls", sink.total, n)
case "post", "post-exec":
    let c = CustomSink()
    let loop = QEventLoop()
    let s = timed {
        var left = n
        while left > 0 {
            for _ in 0..<min(left, 1000) { QCoreApplication.postEvent(c, QEvent(.user)) }
            drain(loop, exec: row == "post-exec")
            left -= 1000
        }
    }
    result(Double(n) / s, "events/s")
    verify("events", c.count, n)
case "chained", "chained-busy":
    // chained-busy: a socket notifier (on an idle socketpair) and a 1 s timer stay registered.
    var pair: [Int32] = [-1, -1]
    let timer = QTimer()
    if row == "chained-busy" {
        _ = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair)
        _ = QSocketNotifier(pair[0], .read, parent: timer)
        timer.start(1000)
    }
    let loop = QEventLoop()
    // The count lives in the receiver (a global captured variable is checked for exclusive
    // access at run time on every write; the peers' counters are plain).
    source.value.connect(receiver: sink, type: .queued) { s, v in
        s.take(1)
        if s.total < n { source.value.emit(v) } else { loop.quit() }
    }
    let s = timed {
        source.value.emit(1)
        loop.exec()
    }
    result(Double(n) / s, "calls/s")
    timer.delete()
    if pair[0] >= 0 { close(pair[0]); close(pair[1]) }
    verify("calls", sink.total, n)
case "crossthread":
    result(crossThreadRate(n, split: false), "calls/s")
case "crossthread-split":
    result(crossThreadRate(n, split: true), "calls/s")
case "signal-values":
    result(awaitedEmissionRate(n, viaStream: false), "values/s")
case "asyncstream-slot":
    result(awaitedEmissionRate(n, viaStream: true), "values/s")
case "main-yield":
    // Main-actor hops: a main-actor task that yields n times (each yield queues it again).
    var seconds = 0.0
    Task { @MainActor in
        var clock = QElapsedTimer()
        clock.start()
        for _ in 0..<n { await Task.yield() }
        seconds = Double(clock.nsecsElapsed()) / 1e9
        QCoreApplication.quit()
    }
    _ = app.exec()
    result(Double(n) / seconds, "hops/s")
case "pinned-actor", "actor-call":
    result(actorCallRate(n, fromLoop: false), "calls/s")
case "actor-call-loop":
    result(actorCallRate(n, fromLoop: true), "calls/s")
case "tree", "tree-observed":
    // tree-observed: the parent overrides childEvent, so ChildAdded is built and delivered.
    var children = 0
    let s = timed {
        for _ in 0..<(n / 1000) {
            if row == "tree" {
                let p = QObject()
                for _ in 0..<1000 { _ = QObject(parent: p) }
                children += p.children.count
                p.delete()
            } else {
                let p = ObservingParent()
                for _ in 0..<1000 { _ = QObject(parent: p) }
                children += p.added
                p.delete()
            }
        }
    }
    result(Double(n / 1000 * 1001) / s, "objects/s")
    verify("children", children, n / 1000 * 1000)
case "timers":
    // n timers (10,000 when n <= 1) of 1-10 ms for one second: delivered / expected timeouts.
    final class Tick: QObject { var fired = 0; override func timerEvent(_ e: QTimerEvent) { fired += 1 } }
    let ticks = Tick()
    var expected = 0.0
    for i in 0..<(n > 1 ? n : 10_000) {
        let interval = 1 + i % 10
        _ = ticks.startTimer(interval, .precise)
        expected += 1000.0 / Double(interval)
    }
    let loop = QEventLoop()
    QTimer.singleShot(1000, .precise) { loop.quit() }
    loop.exec()
    result(Double(ticks.fired) / expected * 100, "%delivered")
case "udp", "udp64": result(udpThroughput(count: n, size: 64), "datagrams/s")
case "udp1200": result(udpThroughput(count: n, size: 1200), "datagrams/s")
case "udp64-batch", "udp64-gso": result(udpThroughput(count: n, size: 64, batch: true), "datagrams/s")
case "udp1200-batch", "udp1200-gso": result(udpThroughput(count: n, size: 1200, batch: true), "datagrams/s")
case "udprecv":
    let (rate, loss) = udpReceiveRate(count: n, size: 64)
    print("udp 64 B, sender thread -> receiver loop: \(Int(rate)) datagrams/s received, loss \(Int(loss * 1000) / 10) %")
case "pingpong": result(localPingPong(rounds: n), "roundtrips/s")
case "udp-recv": udpReceiveFor(port: UInt16(n), ms: Int(extra)!)
case "udp-send": udpSendFor(port: UInt16(n), ms: Int(extra)!, rate: args.count > 4 ? Int(args[4])! : 0)
case "bulk-server": bulkServer(path: extra, bytes: Int64(n))
case "bulk-client": bulkClient(path: extra, bytes: Int64(n))
default:
    print("unknown row \(row)")
    exit(2)
}
