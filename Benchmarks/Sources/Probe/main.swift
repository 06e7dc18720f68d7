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

@MainActor func emitRow(_ connect: () -> Void) {
    connect()
    let s = timed { for i in 0..<n { source.value.emit(i) } }
    result(s * 1e9 / Double(n), "ns/emit")
}

switch row {
case "emit0": emitRow {}
case "emit1": emitRow { source.value.connect { [unowned(unsafe) sink] v in sink.total &+= v } }
case "emit10": emitRow { for _ in 0..<10 { source.value.connect { [unowned(unsafe) sink] v in sink.total &+= v } } }
case "receiver1": emitRow { source.value.connect(receiver: sink) { s, v in s.take(v) } }
case "receiver10": emitRow { for _ in 0..<10 { source.value.connect(receiver: sink) { s, v in s.take(v) } } }
case "method1": emitRow { source.value.connect(sink, Sink.take) }
case "queued":
    source.value.connect(receiver: sink, type: .queued) { s, v in s.take(v) }
    let s = timed {
        var left = n
        while left > 0 {
            for _ in 0..<min(left, 1000) { source.value.emit(1) }
            QCoreApplication.sendPostedEvents()
            left -= 1000
        }
    }
    result(Double(n) / s, "calls/s")
case "post":
    let c = CustomSink()
    let s = timed {
        var left = n
        while left > 0 {
            for _ in 0..<min(left, 1000) { QCoreApplication.postEvent(c, QEvent(.user)) }
            QCoreApplication.sendPostedEvents()
            left -= 1000
        }
    }
    result(Double(n) / s, "events/s")
case "chained":
    var done = 0
    let loop = QEventLoop()
    source.value.connect(receiver: sink, type: .queued) { s, v in
        done += 1
        if done < n { source.value.emit(v) } else { loop.quit() }
    }
    let s = timed {
        source.value.emit(1)
        loop.exec()
    }
    result(Double(n) / s, "calls/s")
case "crossthread":
    result(crossThreadRate(n), "calls/s")
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
    result(pinnedActorCallRate(n), "calls/s")
case "actor-call-loop":
    result(loopActorCallRate(n), "calls/s")
case "tree":
    let s = timed {
        for _ in 0..<(n / 1000) {
            let p = QObject()
            for _ in 0..<1000 { _ = QObject(parent: p) }
            p.delete()
        }
    }
    result(Double(n / 1000 * 1001) / s, "objects/s")
case "timers":
    // 10,000 timers of 1-10 ms for one second: delivered / expected timeouts.
    final class Tick: QObject { var fired = 0; override func timerEvent(_ e: QTimerEvent) { fired += 1 } }
    let ticks = Tick()
    var expected = 0.0
    for i in 0..<10_000 {
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
case "udprecv":
    let (rate, loss) = udpReceiveRate(count: n, size: 64)
    print("udp 64 B, sender thread -> receiver loop: \(Int(rate)) datagrams/s received, loss \(Int(loss * 1000) / 10) %")
case "pingpong": result(localPingPong(rounds: n), "roundtrips/s")
case "udp-recv": udpReceiveFor(port: UInt16(n), ms: Int(extra)!)
case "udp-send": udpSendFor(port: UInt16(n), ms: Int(extra)!)
case "bulk-server": bulkServer(path: extra, bytes: Int64(n))
case "bulk-client": bulkClient(path: extra, bytes: Int64(n))
default:
    print("unknown row \(row)")
    exit(2)
}
