import QKitTestSupport
import Synchronization
import Testing

@testable import QCore

#if canImport(Glibc)
import Glibc
#endif

/// A receiver that records which thread ran its slot.
final class ThreadProbe: QObject, @unchecked Sendable {
    let values = Guarded<[Int]>([])
    let threads = Guarded<[ObjectIdentifier]>([])
    func record(_ v: Int) {
        values.withLock { $0.append(v) }
        threads.withLock { $0.append(ObjectIdentifier(QThread.currentThread)) }
    }
}

/// A signal owner whose arguments are Sendable.
final class Emitter: QObject, @unchecked Sendable {
    lazy var value = Signal<Int>(owner: self)
}

@Suite("Threads", .leakChecked)
struct ThreadTests {
    @Test("the thread token QKit reads without a call is pthread_self(), and differs between threads")
    func threadTokenIsPthreadSelf() {
        let here = currentThreadToken()
        #expect(here == UInt(bitPattern: Int(bitPattern: pthread_self())))
        let other = Atomic<UInt>(0)
        let same = Atomic<Bool>(false)
        let thread = QThread()
        thread.started.connect { [unowned thread] in
            other.store(currentThreadToken(), ordering: .relaxed)
            same.store(currentThreadToken() == UInt(bitPattern: Int(bitPattern: pthread_self())), ordering: .relaxed)
            thread.quit()
        }
        thread.start()
        #expect(thread.wait(3000))
        let otherToken = other.load(ordering: .relaxed)
        let matched = same.load(ordering: .relaxed)
        #expect(otherToken != 0 && otherToken != here)
        #expect(matched)
    }

    @Test("started and finished are emitted and wait returns true")
    func startedFinished() {
        let t = QThread()
        let trace = Trace()
        t.started.connect { trace.add("started") }
        t.finished.connect { trace.add("finished") }
        t.start()
        #expect(t.isRunning || t.isFinished)
        t.quit()
        #expect(t.wait(3000))
        #expect(trace.entries == ["started", "finished"])
        #expect(t.isFinished && !t.isRunning)
    }

    @Test("quit before exec makes exec return at once")
    func quitBeforeExec() {
        final class Late: QThread {
            var code: Int32 = -7
            override func run() {
                var e = QElapsedTimer(); e.start()
                while e.elapsed() < 20 {}
                code = exec()
            }
        }
        let t = Late()
        t.start()
        t.exit(3)
        #expect(t.wait(3000))
        #expect(t.code == 3)
    }

    @Test("wait on an unstarted thread returns true; on itself it returns false")
    func waitRules() {
        let t = QThread()
        #expect(t.wait(10))
        #expect(QThread.currentThread.wait(10) == false)
    }

    @Test("an auto connection to an object in another thread is queued to that thread")
    func autoQueuesAcrossThreads() {
        let t = QThread()
        let receiver = ThreadProbe()
        #expect(receiver.moveToThread(t))
        t.start()
        let sender = Emitter()
        sender.value.connect(context: receiver) { [unowned receiver] v in receiver.record(v) }
        for i in 0..<100 { sender.value.emit(i) }
        #expect(spinLoop { receiver.values.withLock { $0.count } == 100 })
        #expect(receiver.values.withLock { $0 } == Array(0..<100))
        #expect(receiver.threads.withLock { Set($0) } == [ObjectIdentifier(t)])
        t.quit()
        #expect(t.wait(3000))
    }

    /// A started thread, a receiver living in it, and a sender in this thread whose signal is
    /// connected blocking-queued to the receiver's `record`.
    func blockingQueuedPair() -> (QThread, ThreadProbe, Emitter) {
        let t = QThread()
        let receiver = ThreadProbe()
        receiver.moveToThread(t)
        t.start()
        let sender = Emitter()
        sender.value.connect(context: receiver, type: .blockingQueued) { [unowned receiver] v in receiver.record(v) }
        return (t, receiver, sender)
    }

    @Test("a blocking-queued call waits until the slot in the other thread has run")
    func blockingQueued() {
        let (t, receiver, sender) = blockingQueuedPair()
        sender.value.emit(42)
        #expect(receiver.values.withLock { $0 } == [42])
        t.quit()
        #expect(t.wait(3000))
    }

    @Test("a blocking-queued call whose receiver is deleted before its turn returns without running")
    func blockingQueuedToDeletedReceiver() {
        let (t, receiver, sender) = blockingQueuedPair()
        // Queued ahead of the emission, and slow: the blocking call is queued behind it while
        // the receiver still lives, and the receiver is gone when that call's turn comes.
        QMetaObject.invokeMethod(receiver, type: .queued) { r in
            _ = WaitCondition().wait(msecs: 50)
            r.delete()
        }
        let pending = Guarded(false)
        QMetaObject.invokeMethod(receiver, type: .queued) { _ in pending.withLock { $0 = true } }
        sender.value.emit(7)  // returns: the dropped call's release wakes the emitter
        #expect(receiver.values.withLock { $0 }.isEmpty)
        #expect(QMetaObject.invokeMethod(receiver, type: .blockingQueued) { r in r.record(8) } == false)
        t.quit()
        #expect(t.wait(3000))
        #expect(pending.withLock { $0 } == false, "calls queued behind the deletion are dropped")
    }

    @Test("invokeMethod runs a closure in the object's thread")
    func invokeMethodCrossThread() {
        let t = QThread()
        let target = ThreadProbe()
        target.moveToThread(t)
        t.start()
        QMetaObject.invokeMethod(target, type: .blockingQueued) { [unowned target] in target.record(1) }
        #expect(target.threads.withLock { $0 } == [ObjectIdentifier(t)])
        t.quit()
        #expect(t.wait(3000))
    }

    @Test("a finished thread gives its loop's descriptors back while the QThread object lives; a restart makes a new loop")
    func finishedThreadReleasesLoop() {
        let before = openDescriptorCount()
        let t = QThread()
        let target = ThreadProbe()
        target.moveToThread(t)
        for round in 1...2 {
            t.start()
            QMetaObject.invokeMethod(target, type: .blockingQueued) { [unowned target] in target.record(round) }
            #expect(openDescriptorCount() > before, "the running loop has its descriptors")
            t.quit()
            #expect(t.wait(3000))
            #expect(openDescriptorCount() == before, "round \(round): the finished loop's descriptors are closed")
        }
        #expect(target.values.withLock { $0 } == [1, 2])
    }

    @Test("a finished thread keeps its loop while a socket notifier of its objects is registered with it")
    func finishedThreadKeepsBusyLoop() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let t = QThread()
        let holder = ThreadProbe()
        holder.moveToThread(t)
        t.start()
        let readEnd = fds[0]
        QMetaObject.invokeMethod(holder, type: .blockingQueued) { [unowned holder] in
            _ = QSocketNotifier(readEnd, .read, parent: holder)
        }
        let before = openDescriptorCount()  // the pipe and the running loop
        t.quit()
        #expect(t.wait(3000))
        #expect(openDescriptorCount() == before, "the loop stays: the notifier's event lives on its base")
        holder.delete()
        close(fds[0]); close(fds[1])
    }

    @Test("moveToThread refuses an object with a parent")
    func moveWithParentRefused() {
        let t = QThread()
        let p = QObject(), c = QObject(parent: p)
        #expect(!c.moveToThread(t))
        #expect(c.thread === QThread.currentThread)
        p.delete()
    }

    @Test("moveToThread to the current thread returns true at once")
    func moveToSameThread() {
        let o = QObject()
        #expect(o.moveToThread(QThread.currentThread))
    }

    @Test("moveToThread moves the children and sends ThreadChange first")
    func moveMovesChildren() {
        let t = QThread()
        let p = EventSink(), c = QObject(parent: p)
        #expect(p.moveToThread(t))
        #expect(p.types.last == QEvent.EventType.threadChange.rawValue)
        #expect(c.thread === t && p.thread === t)
    }

    @Test("running timers restart in the new thread with the same interval")
    func timersMoveAlong() {
        final class Ticker: QObject, @unchecked Sendable {
            let ticks = Guarded<[ObjectIdentifier]>([])
            override func timerEvent(_ event: QTimerEvent) {
                ticks.withLock { $0.append(ObjectIdentifier(QThread.currentThread)) }
            }
        }
        let t = QThread()
        t.start()
        let o = Ticker()
        _ = o.startTimer(1)
        #expect(o.moveToThread(t))
        #expect(spinLoop { o.ticks.withLock { $0.count } >= 3 })
        #expect(o.ticks.withLock { Set($0) } == [ObjectIdentifier(t)])
        QMetaObject.invokeMethod(o, type: .blockingQueued) { o in o.delete() }
        t.quit()
        #expect(t.wait(3000))
    }

    @Test("posted events follow an object moved to another thread")
    func postedEventsMoveAlong() {
        final class Sink: QObject, @unchecked Sendable {
            let threads = Guarded<[ObjectIdentifier]>([])
            override func customEvent(_ event: QEvent) {
                threads.withLock { $0.append(ObjectIdentifier(QThread.currentThread)) }
            }
        }
        let t = QThread()
        let o = Sink()
        QCoreApplication.postEvent(o, QEvent(.user))
        o.moveToThread(t)
        t.start()
        #expect(spinLoop { o.threads.withLock { $0.count } == 1 })
        #expect(o.threads.withLock { $0 } == [ObjectIdentifier(t)])
        t.quit()
        #expect(t.wait(3000))
    }

    @Test(
        "a queued call still pending when its connection is removed follows its receiver to another thread, whether the sender was destroyed or the connection disconnected"
    )
    func pendingCallOfRemovedConnectionFollowsReceiver() {
        final class Sink: QObject, @unchecked Sendable {
            let threads = Guarded<[ObjectIdentifier]>([])
            func hit(_ value: Int) { threads.withLock { $0.append(ObjectIdentifier(QThread.currentThread)) } }
        }
        final class Source: QObject { let fired = Signal<Int>() }
        let t = QThread()
        let sink = Sink()
        let dying = Source(), kept = Source()
        dying.fired.connect(sink, Sink.hit, type: .queued)
        let connection = kept.fired.connect(sink, Sink.hit, type: .queued)
        dying.fired.emit(1)
        kept.fired.emit(2)
        // Both connections go before the move: the calls are still delivered (as Qt does),
        // in the receiver's thread.
        dying.delete()
        #expect(connection.disconnect())
        sink.moveToThread(t)
        t.start()
        QCoreApplication.sendPostedEvents()
        #expect(spinLoop { sink.threads.withLock { $0.count } == 2 })
        #expect(sink.threads.withLock { $0 } == [ObjectIdentifier(t), ObjectIdentifier(t)])
        t.quit()
        #expect(t.wait(3000))
    }

    @Test("a queued call still pending when its connection is removed is dropped if its receiver is deleted first")
    func pendingCallOfRemovedConnectionDroppedWithReceiver() {
        final class Sink: QObject {}
        final class Source: QObject { let fired = Signal<Int>() }
        let source = Source(), sink = Sink()
        var ran = 0
        let connection = source.fired.connect(receiver: sink, type: .queued) { _, _ in ran += 1 }
        source.fired.emit(1)
        #expect(connection.disconnect())
        sink.delete()
        QCoreApplication.sendPostedEvents()
        #expect(ran == 0)
    }

    @Test("a parent in another thread is refused and the object gets no parent")
    func crossThreadParentRefused() {
        let t = QThread()
        let p = QObject()
        p.moveToThread(t)
        let c = QObject(parent: p)
        #expect(c.parent == nil)
        #expect(p.children.isEmpty)
    }

    @Test("a timer cannot be started from another thread")
    func timerFromOtherThreadRefused() {
        final class Starter: QThread {
            let timer: QTimer
            init(_ timer: QTimer) { self.timer = timer; super.init() }
            override func run() { timer.start(10) }
        }
        let timer = QTimer()
        _ = QThread.currentThread
        let starter = Starter(timer)
        starter.start()
        #expect(starter.wait(3000))
        #expect(!timer.isActive)
    }

    @Test("an object belongs to the thread that created it")
    func creatorThreadAffinity() {
        final class Maker: QThread, @unchecked Sendable {
            let made = Guarded<QObject?>(nil)
            var madeThread: ObjectIdentifier?
            override func run() {
                let o = QObject()
                madeThread = ObjectIdentifier(o.thread)
                made.withLock { $0 = nil }
            }
        }
        let m = Maker()
        m.start()
        #expect(m.wait(3000))
        #expect(m.madeThread == ObjectIdentifier(m))
    }
}
