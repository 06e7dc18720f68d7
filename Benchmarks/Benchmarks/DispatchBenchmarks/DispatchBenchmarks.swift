// Dispatch rows: emit cost, queued calls (batched, chained, cross-thread), posted events,
// object trees, and Swift concurrency (a signal's emissions awaited, actor calls). Each benchmark's inner loop runs `scaledIterations` operations, so the
// reported time is per operation (see the README's table for Qt 6 figures measured alongside).
import Benchmark
import Dispatch
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

    // Swift concurrency: the work runs in an actor pinned to a worker QThread (so the signal's
    // owner and the awaiting code share that thread's loop); the caller waits on a semaphore.
    // The malloc count of the two `values` rows is the steady-state allocations per emission.
    for viaStream in [false, true] {
        Benchmark(viaStream
            ? "AsyncStream fed by a closure slot, emitted then awaited (per emission)"
            : "signal.values, emitted then awaited on the owner's thread (per emission)"
        ) { benchmark in
            let worker = QThread()
            worker.start()
            let consumer = EmissionConsumer(worker.executor)
            let n = benchmark.scaledIterations.count
            let done = DispatchSemaphore(value: 0)
            Task.detached { await consumer.prepare(viaStream: viaStream); done.signal() }
            done.wait()
            benchmark.startMeasurement()
            Task.detached { await consumer.consume(n); done.signal() }
            done.wait()
            benchmark.stopMeasurement()
            Task.detached { await consumer.finish(); done.signal() }
            done.wait()
            worker.quit()
            worker.wait()
        }
    }

    Benchmark("awaited actor call between two QThreads (round trip)") { benchmark in
        let callerThread = QThread(), workerThread = QThread()
        callerThread.start()
        workerThread.start()
        let counter = PinnedCounter(workerThread.executor)
        let caller = PinnedCaller(callerThread.executor)
        let n = benchmark.scaledIterations.count
        let done = DispatchSemaphore(value: 0)
        benchmark.startMeasurement()
        Task.detached { await caller.call(counter, times: n); done.signal() }
        done.wait()
        benchmark.stopMeasurement()
        for thread in [callerThread, workerThread] {
            thread.quit()
            thread.wait()
        }
    }
}

/// Owns a signal's source and an iterator over its emissions on a worker QThread.
actor EmissionConsumer {
    let executor: QThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private var source: Source?
    private var values: QAsyncIterator<Int>?
    private var stream: AsyncStream<Int>.Iterator?
    private var total = 0

    init(_ executor: QThreadExecutor) { self.executor = executor }

    /// Creates the source on this thread and starts iterating (connects the slot).
    func prepare(viaStream: Bool) {
        let source = Source()
        self.source = source
        if viaStream {
            let (made, continuation) = AsyncStream<Int>.makeStream()
            source.value.connect { continuation.yield($0) }
            stream = made.makeAsyncIterator()
        } else {
            values = source.value.values.makeAsyncIterator()
        }
    }

    /// `count` emissions in bursts of 1,000 emitted then 1,000 awaited.
    func consume(_ count: Int) async {
        guard let source else { return }
        // The iterators are taken out for the loop (an actor's stored property cannot be
        // mutated across a suspension) and put back after it.
        var values = self.values, stream = self.stream
        var left = count
        while left > 0 {
            let burst = min(left, 1000)
            for i in 0..<burst { source.value.emit(i) }
            for _ in 0..<burst {
                if values != nil {
                    total &+= await values!.next(isolation: #isolation) ?? 0
                } else {
                    total &+= await stream!.next(isolation: #isolation) ?? 0
                }
            }
            left -= burst
        }
        self.values = values
        self.stream = stream
        blackHole(total)
    }

    func finish() {
        values = nil
        stream = nil
        source?.delete()
        source = nil
    }
}

actor PinnedCounter {
    let executor: QThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    var total = 0
    init(_ executor: QThreadExecutor) { self.executor = executor }
    func add(_ v: Int) { total += v }
}

actor PinnedCaller {
    let executor: QThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    var returned = 0
    init(_ executor: QThreadExecutor) { self.executor = executor }
    /// Touching `returned` after each call keeps the hop back to this actor's thread.
    func call(_ counter: PinnedCounter, times: Int) async {
        for _ in 0..<times {
            await counter.add(1)
            returned += 1
        }
    }
}
