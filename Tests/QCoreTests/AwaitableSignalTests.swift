import QKitTestSupport
import Testing

@testable import QCore

#if canImport(Glibc)
import Glibc
#endif

/// An object with Sendable-argument signals.
final class Ticker: QObject {
    let value = Signal<Int>()
    let ping = Signal0()
}

/// Collects up to `count` values of `sequence` in a task (the iteration connects from the
/// task's thread, so the owner's thread sets it up when its loop runs).
func collect(_ sequence: SignalEmissions<Int>, upTo count: Int) -> (Task<Void, Never>, Guarded<[Int]>, Guarded<Bool>) {
    let seen = Guarded<[Int]>([]), ended = Guarded(false)
    let task = Task {
        for await v in sequence {
            let n = seen.withLock {
                $0.append(v); return $0.count
            }
            if n == count { break }
        }
        ended.withLock { $0 = true }
    }
    return (task, seen, ended)
}

@Suite("Awaitable signals (values, next)", .leakChecked)
struct AwaitableSignalTests {
    @Test("values yields every emission in order; leaving the loop disconnects")
    func valuesInOrder() {
        let ticker = Ticker()
        let (_, seen, ended) = collect(ticker.value.values, upTo: 3)
        #expect(spinLoop { ticker.value.receiverCount == 1 })
        for v in 1...3 { ticker.value.emit(v) }
        #expect(spinLoop { ended.withLock { $0 } })
        #expect(seen.withLock { $0 } == [1, 2, 3])
        // The loop ended on another thread: the disconnect is posted to the owner's thread.
        #expect(spinLoop { ticker.value.receiverCount == 0 })
    }

    @Test("iterating on the owner's thread connects and disconnects at once")
    func sameThreadAtOnce() {
        let ticker = Ticker()
        var iterator: SignalEmissions<Int>.AsyncIterator? = ticker.value.values.makeAsyncIterator()
        #expect(ticker.value.receiverCount == 1)
        ticker.value.emit(5)
        iterator = nil
        #expect(ticker.value.receiverCount == 0)
        _ = iterator
    }

    @Test("a Signal0 yields Void values")
    func voidValues() {
        let ticker = Ticker()
        let sequence = ticker.ping.values
        let count = Guarded(0)
        let task = Task {
            var iterator = sequence.makeAsyncIterator()
            while await iterator.next() != nil {
                if count.withLock({
                    $0 += 1; return $0
                }) == 2 {
                    break
                }
            }
        }
        #expect(spinLoop { ticker.ping.receiverCount == 1 })
        ticker.ping.emit()
        ticker.ping.emit()
        #expect(spinLoop { count.withLock { $0 } == 2 })
        _ = task
        #expect(spinLoop { ticker.ping.receiverCount == 0 })
    }

    @Test("the sequence ends when the owner is destroyed")
    func endsWithOwner() {
        let ticker = Ticker()
        let (_, seen, ended) = collect(ticker.value.values, upTo: 100)
        #expect(spinLoop { ticker.value.receiverCount == 1 })
        ticker.value.emit(1)
        ticker.delete()
        #expect(spinLoop { ended.withLock { $0 } })
        #expect(seen.withLock { $0 } == [1])
    }

    @Test("no emission is lost while the loop body is busy (unbounded buffer)")
    func noEmissionLost() {
        let ticker = Ticker()
        let (_, seen, ended) = collect(ticker.value.values, upTo: 1000)
        #expect(spinLoop { ticker.value.receiverCount == 1 })
        for v in 0..<1000 { ticker.value.emit(v) }
        #expect(spinLoop { ended.withLock { $0 } })
        #expect(seen.withLock { $0 } == Array(0..<1000))
    }

    @Test("bufferingNewest(1) keeps only the latest emission the loop has not taken")
    func bufferingNewest() {
        let ticker = Ticker()
        var iterator = ticker.value.values(bufferingPolicy: .bufferingNewest(1)).makeAsyncIterator()
        for v in 1...5 { ticker.value.emit(v) }
        nonisolated(unsafe) var unsafeIterator = iterator
        let first = blockingAwait { await unsafeIterator.next() }
        #expect(first == .some(5))
        iterator = unsafeIterator
        _ = iterator
    }

    @Test("next() from another thread returns the next emission and disconnects")
    func nextFromAnotherThread() {
        let ticker = Ticker()
        nonisolated(unsafe) let signal = ticker.value
        let result = Guarded<Int??>(nil)
        Task {
            let v = await signal.next(); result.withLock { $0 = .some(v) }
        }
        // The subscription is set up by a call posted to the owner's thread.
        #expect(spinLoop { ticker.value.receiverCount == 1 })
        ticker.value.emit(7)
        ticker.value.emit(8)
        #expect(spinLoop { result.withLock { $0 } != nil })
        #expect(result.withLock { $0 } == .some(7))
        #expect(spinLoop { ticker.value.receiverCount == 0 })
    }

    @Test("next() on a signal whose owner is already deleted returns nil at once")
    func nextAfterOwnerDeleted() {
        let ticker = Ticker()
        ticker.delete()
        nonisolated(unsafe) let signal = ticker.value
        let value = blockingAwait { await signal.next() }
        #expect(value == .some(nil))
        #expect(ticker.value.receiverCount == 0)
    }

    @Test("two awaiters on one signal each get every emission")
    func twoAwaiters() {
        let ticker = Ticker()
        let (_, first, firstEnded) = collect(ticker.value.values, upTo: 3)
        let (_, second, secondEnded) = collect(ticker.value.values, upTo: 3)
        #expect(spinLoop { ticker.value.receiverCount == 2 })
        for v in 1...3 { ticker.value.emit(v) }
        #expect(spinLoop { firstEnded.withLock { $0 } && secondEnded.withLock { $0 } })
        #expect(first.withLock { $0 } == [1, 2, 3])
        #expect(second.withLock { $0 } == [1, 2, 3])
        #expect(spinLoop { ticker.value.receiverCount == 0 })
    }

    @Test("cancelling the iterating task ends the loop and disconnects")
    func cancellationDisconnects() {
        let ticker = Ticker()
        let (task, _, ended) = collect(ticker.value.values, upTo: 100)
        #expect(spinLoop { ticker.value.receiverCount == 1 })
        ticker.value.emit(1)
        task.cancel()
        #expect(spinLoop { ended.withLock { $0 } && ticker.value.receiverCount == 0 })
    }

    @Test("cancellation racing an emission resumes each next() exactly once")
    func cancellationRacingEmission() {
        let ticker = Ticker()
        nonisolated(unsafe) let signal = ticker.value
        let results = Guarded<[Int?]>([])
        var tasks: [Task<Void, Never>] = []
        for _ in 0..<20 {
            tasks.append(
                Task {
                    let v = await signal.next(); results.withLock { $0.append(v) }
                })
        }
        #expect(spinLoop { ticker.value.receiverCount == 20 })
        for (i, task) in tasks.enumerated() {
            if i % 2 == 0 { task.cancel() }
            ticker.value.emit(i)
        }
        #expect(spinLoop { results.withLock { $0.count } == 20 })
        pump()
        #expect(results.withLock { $0.count } == 20)
        #expect(spinLoop { ticker.value.receiverCount == 0 })
    }

    @Test("values of a signal whose owner lives in another thread are set up and taken down there")
    func crossThreadValues() {
        let worker = QThread()
        let ticker = Ticker()
        #expect(ticker.moveToThread(worker))
        worker.start()
        let (_, seen, ended) = collect(ticker.value.values, upTo: 2)
        let count = Guarded(-1)
        func countOnWorker() -> Int {
            QMetaObject.invokeMethod(ticker, type: .blockingQueued) { t in count.withLock { $0 = t.value.receiverCount } }
            return count.withLock { $0 }
        }
        var tries = 0
        while countOnWorker() != 1 && tries < 2000 { usleep(1000); tries += 1 }
        QMetaObject.invokeMethod(ticker, type: .queued) { t in
            t.value.emit(1)
            t.value.emit(2)
        }
        tries = 0
        while !ended.withLock({ $0 }) && tries < 3000 { usleep(1000); tries += 1 }
        #expect(seen.withLock { $0 } == [1, 2])
        tries = 0
        while countOnWorker() != 0 && tries < 2000 { usleep(1000); tries += 1 }
        #expect(countOnWorker() == 0)
        worker.quit()
        #expect(worker.wait(3000))
        ticker.delete()
    }
}

/// A payload that is not Sendable (a mutable class).
final class Parcel {
    var label: String
    init(_ label: String) { self.label = label }
}

/// An object whose signal carries a non-Sendable argument.
final class Courier: QObject {
    let delivered = Signal<Parcel>()
}

@Suite("Awaitable signals with non-Sendable arguments", .leakChecked)
struct LocalAwaitableSignalTests {
    @Test("values of a non-Sendable signal, awaited on the owner's thread, yields the very objects emitted, in order")
    func nonSendableValuesOnOwnerThread() {
        let courier = Courier()
        nonisolated(unsafe) let shared = courier  // used only on this thread (the actor runs here)
        let sent = [Parcel("a"), Parcel("b"), Parcel("c")]
        nonisolated(unsafe) let parcels = sent
        let labels = runOnThisThread { _ -> [String] in
            var iterator = shared.delivered.values.makeAsyncIterator()
            for parcel in parcels { shared.delivered.emit(parcel) }
            var got: [String] = []
            for expected in parcels {
                guard let parcel = await iterator.next(isolation: #isolation) else { break }
                got.append(parcel === expected ? parcel.label : "a copy of \(parcel.label)")
            }
            return got
        }
        #expect(labels == ["a", "b", "c"])
        #expect(courier.delivered.receiverCount == 0, "the iterator was dropped: disconnected at once")
    }

    @Test("next() on a non-Sendable signal returns the next emission, and nil once the owner is destroyed")
    func nonSendableNext() {
        let courier = Courier()
        nonisolated(unsafe) let shared = courier
        let results = runOnThisThread { _ -> [String] in
            QTimer.singleShot(0) { shared.delivered.emit(Parcel("first")) }
            let first = await shared.delivered.next()
            QTimer.singleShot(0) { shared.delete() }
            let afterDelete = await shared.delivered.next()
            return [first?.label ?? "nil", afterDelete?.label ?? "nil"]
        }
        #expect(results == ["first", "nil"])
    }

}
