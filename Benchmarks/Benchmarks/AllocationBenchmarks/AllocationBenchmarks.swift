// Allocations per operation, checked against the static thresholds in Benchmarks/Thresholds
// by `make bench` (package-benchmark's `thresholds check`): a change that allocates more per
// emission, queued call, posted event, datagram or round trip fails there. Each iteration
// does 1,000 operations, so a threshold of 1,000 is one allocation per operation.
import Benchmark
import QCore
import QNetwork

final class Receiver: QObject {
    var total = 0
    func take(_ v: Int) { total &+= v }
}

final class Emitter: QObject {
    let value = Signal<Int>()
}

final class EventCounter: QObject {
    var count = 0
    override func customEvent(_ event: QEvent) { count &+= 1 }
}

let operations = 1000

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.mallocCountTotal],
        scalingFactor: .one,
        maxDuration: .seconds(1),
        maxIterations: 200,
        // A regression is any allocation above the stored count (no tolerance).
        thresholds: [.mallocCountTotal: .init(absolute: [.p90: 0])]
    )

    Benchmark("emit to a receiver slot x1000") { benchmark in
        let emitter = Emitter(), receiver = Receiver()
        emitter.value.connect(receiver: receiver) { r, v in r.take(v) }
        benchmark.startMeasurement()
        for i in 0..<operations { emitter.value.emit(i) }
        benchmark.stopMeasurement()
        blackHole(receiver.total)
    }

    Benchmark("queued call, posted then drained x1000") { benchmark in
        let emitter = Emitter(), receiver = Receiver()
        emitter.value.connect(receiver: receiver, type: .queued) { r, v in r.take(v) }
        // Steady state: one burst first warms the queue's storage and the connection's spare
        // calls (a call that ran is reused by the next one queued from this thread).
        for i in 0..<operations { emitter.value.emit(i) }
        QCoreApplication.sendPostedEvents()
        benchmark.startMeasurement()
        for i in 0..<operations { emitter.value.emit(i) }
        QCoreApplication.sendPostedEvents()
        benchmark.stopMeasurement()
        blackHole(receiver.total)
    }

    Benchmark("postEvent of a custom event, drained x1000") { benchmark in
        let counter = EventCounter()
        QCoreApplication.postEvent(counter, QEvent(.user))
        QCoreApplication.sendPostedEvents()
        benchmark.startMeasurement()
        for _ in 0..<operations { QCoreApplication.postEvent(counter, QEvent(.user)) }
        QCoreApplication.sendPostedEvents()
        benchmark.stopMeasurement()
        blackHole(counter.count)
    }

    Benchmark("UDP 64 B datagram written and read x1000") { benchmark in
        let receiver = QUdpSocket(), sender = QUdpSocket()
        _ = receiver.bind(.localHost, 0)
        _ = sender.bind(.localHost, 0)
        let payload = [UInt8](repeating: 7, count: 64)
        var buffer = [UInt8](repeating: 0, count: 2048)
        var received = 0
        benchmark.startMeasurement()
        payload.withUnsafeBytes { out in
            buffer.withUnsafeMutableBytes { inbox in
                for _ in 0..<operations {
                    _ = sender.writeDatagram(out, .localHost, receiver.localPort)
                    if receiver.readDatagram(into: inbox).size == 64 { received += 1 }
                }
            }
        }
        benchmark.stopMeasurement()
        blackHole(received)
        receiver.abort()
        sender.abort()
    }

    // A handful of allocations per 1,000 trips come from the blocking waits' bookkeeping and
    // vary by one or two between runs: a tolerance of 2.
    Benchmark(
        "local socket 64 B round trip x1000",
        configuration: .init(thresholds: [.mallocCountTotal: .init(absolute: [.p90: 2])])
    ) { benchmark in
        let server = QLocalServer()
        _ = server.listen("/tmp/qkit-alloc-bench-\(UInt32.random(in: 0...UInt32.max))")
        let client = QLocalSocket()
        client.connectToServer(server.fullServerName)
        _ = server.waitForNewConnection(1000)
        guard let end = server.nextPendingConnection() else { return }
        let message = [UInt8](repeating: 1, count: 64)
        var buffer = [UInt8](repeating: 0, count: 64)
        var trips = 0
        benchmark.startMeasurement()
        buffer.withUnsafeMutableBytes { inbox in
            message.withUnsafeBytes { out in
                for _ in 0..<operations {
                    _ = client.write(out)
                    _ = client.waitForBytesWritten(1000)
                    _ = end.waitForReadyRead(1000)
                    _ = end.read(into: inbox)
                    _ = end.write(out)
                    _ = end.waitForBytesWritten(1000)
                    _ = client.waitForReadyRead(1000)
                    if client.read(into: inbox) == 64 { trips += 1 }
                }
            }
        }
        benchmark.stopMeasurement()
        blackHole(trips)
        client.abort()
        end.abort()
        server.close()
    }
}
