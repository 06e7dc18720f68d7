// A plain loop over one dispatch path, for profilers (perf, callgrind): `swift run -c release probe <case> <n>`.
import QCore

final class Sink: QObject { var total = 0; func take(_ v: Int) { total &+= v } }
final class Source: QObject { let value = Signal<Int>() }

let args = CommandLine.arguments
let which = args.count > 1 ? args[1] : "emit1"
let n = args.count > 2 ? Int(args[2])! : 10_000_000
let source = Source(), sink = Sink()
switch which {
case "emit0": break
case "emit1": source.value.connect { [unowned(unsafe) sink] v in sink.total &+= v }
case "method1": source.value.connect(sink, Sink.take)
case "receiver1": source.value.connect(receiver: sink) { s, v in s.take(v) }
case "receiver10": for _ in 0..<10 { source.value.connect(receiver: sink) { s, v in s.take(v) } }
case "emit10": for _ in 0..<10 { source.value.connect { [unowned(unsafe) sink] v in sink.total &+= v } }
case "tree":
    for _ in 0..<(n / 1000) {
        let p = QObject()
        for _ in 0..<1000 { _ = QObject(parent: p) }
        p.delete()
    }
default: break
}
final class CustomSink: QObject { var count = 0; override func customEvent(_ event: QEvent) { count &+= 1 } }
switch which {
case "queued":
    source.value.connect(receiver: sink, type: .queued) { s, v in s.take(v) }
    var left = n
    while left > 0 {
        for i in 0..<min(left, 1000) { source.value.emit(i) }
        QCoreApplication.sendPostedEvents()
        left -= 1000
    }
case "post":
    let c = CustomSink()
    var left = n
    while left > 0 {
        for _ in 0..<min(left, 1000) { QCoreApplication.postEvent(c, QEvent(.user)) }
        QCoreApplication.sendPostedEvents()
        left -= 1000
    }
    print(c.count)
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
    print("timers delivered \(ticks.fired) of \(Int(expected)) expected: \(Double(ticks.fired) / expected * 100) %")
case "udp":
    print("udp 64 B: \(Int(udpThroughput(count: n, size: 64))) datagrams/s")
case "udp1200":
    print("udp 1200 B: \(Int(udpThroughput(count: n, size: 1200))) datagrams/s")
case "udprecv":
    let (rate, loss) = udpReceiveRate(count: n, size: 64)
    print("udp 64 B, sender thread -> receiver loop: \(Int(rate)) datagrams/s received, loss \(Int(loss * 1000) / 10) %")
case "pingpong":
    print("local ping-pong 64 B: \(Int(localPingPong(rounds: n))) round trips/s")
case "chained":
    var done = 0
    let loop = QEventLoop()
    source.value.connect(receiver: sink, type: .queued) { s, v in
        done += 1
        if done < n { source.value.emit(v) } else { loop.quit() }
    }
    source.value.emit(1)
    loop.exec()
default: break
}
if !["tree", "queued", "post", "chained", "timers", "udp", "udp1200", "pingpong", "udprecv"].contains(which) {
    for i in 0..<n { source.value.emit(i) }
}
print(sink.total)
