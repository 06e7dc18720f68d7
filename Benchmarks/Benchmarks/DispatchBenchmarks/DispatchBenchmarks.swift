// Dispatch rows: emit cost, queued calls (batched, chained, cross-thread), posted events,
// object trees. Each benchmark's inner loop runs `scaledIterations` operations, so the
// reported time is per operation (see the README's table for Qt 6 figures measured alongside).
import Benchmark
import QCore
import Synchronization

final class Sink: QObject, @unchecked Sendable {
    var total = 0
    func take(_ v: Int) { total &+= v }
}

final class Source: QObject, @unchecked Sendable {
    let value = Signal<Int>()
}

final class CustomSink: QObject {
    var count = 0
    override func customEvent(_ event: QEvent) { count &+= 1 }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000
    )

    for slots in [0, 1, 10] {
        Benchmark("emit, \(slots) receiver slots") { benchmark in
            let source = Source(), sink = Sink()
            for _ in 0..<slots { source.value.connect(receiver: sink) { s, v in s.take(v) } }
            benchmark.startMeasurement()
            for i in benchmark.scaledIterations { source.value.emit(i) }
            benchmark.stopMeasurement()
            blackHole(sink.total)
        }
        Benchmark("emit, \(slots) closure slots") { benchmark in
            let source = Source(), sink = Sink()
            for _ in 0..<slots { source.value.connect { [unowned(unsafe) sink] v in sink.total &+= v } }
            benchmark.startMeasurement()
            for i in benchmark.scaledIterations { source.value.emit(i) }
            benchmark.stopMeasurement()
            blackHole(sink.total)
        }
    }

    Benchmark("emit, 1 method-reference slot (Receiver.method)") { benchmark in
        let source = Source(), sink = Sink()
        source.value.connect(sink, Sink.take)
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations { source.value.emit(i) }
        benchmark.stopMeasurement()
        blackHole(sink.total)
    }

    Benchmark("queued calls, same thread, posted then drained") { benchmark in
        let source = Source(), sink = Sink()
        source.value.connect(receiver: sink, type: .queued) { s, v in s.take(v) }
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations { source.value.emit(i) }
        QCoreApplication.sendPostedEvents()
        benchmark.stopMeasurement()
        blackHole(sink.total)
    }

    Benchmark("queued calls, chained (each posts the next)") { benchmark in
        let source = Source(), sink = Sink()
        let n = benchmark.scaledIterations.count
        var done = 0
        let loop = QEventLoop()
        source.value.connect(context: sink, type: .queued) { v in
            done += 1
            if done < n { source.value.emit(v) } else { loop.quit() }
        }
        benchmark.startMeasurement()
        source.value.emit(1)
        loop.exec()
        benchmark.stopMeasurement()
        blackHole(done)
    }

    Benchmark("queued calls across threads") { benchmark in
        let thread = QThread()
        let sink = Sink()
        sink.moveToThread(thread)
        let source = Source()
        let n = benchmark.scaledIterations.count
        let received = Atomic<Int>(0)
        let finished = Mutex<Bool>(false)
        source.value.connect(context: sink, type: .queued) { _ in
            if received.add(1, ordering: .relaxed).newValue == n { finished.withLock { $0 = true } }
        }
        thread.start()
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations { source.value.emit(i) }
        while !finished.withLock({ $0 }) {}
        benchmark.stopMeasurement()
        thread.quit()
        thread.wait()
    }

    Benchmark("postEvent of a custom event, posted then drained") { benchmark in
        let sink = CustomSink()
        let type = QEvent.EventType.user
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { QCoreApplication.postEvent(sink, QEvent(type)) }
        QCoreApplication.sendPostedEvents()
        benchmark.stopMeasurement()
        blackHole(sink.count)
    }

    Benchmark(
        "object tree: 1 parent + 1000 children created and deleted",
        configuration: .init(metrics: [.wallClock, .throughput, .mallocCountTotal], scalingFactor: .one)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let parent = QObject()
            for _ in 0..<1000 { _ = QObject(parent: parent) }
            parent.delete()
        }
    }
}
