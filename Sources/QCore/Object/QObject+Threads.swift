extension QObject {
    /// Moves this object and its children to `thread`: their slots, timers and posted events
    /// run there from now on. Refused with a warning (returns false) for an object with a
    /// parent or when called from another thread than the object's. Running timers restart
    /// in the new thread with the same interval. Qt: `QObject::moveToThread`.
    @discardableResult
    public func moveToThread(_ thread: QThread) -> Bool {
        let target = thread.managed
        if threadData === target { return true }
        if parentStorage != nil {
            Diagnostics.warning("QObject::moveToThread: Cannot move objects with a parent (\(describe(self)))")
            return false
        }
        // Qt 6: only from the object's own thread, whether that thread is running, not started
        // yet or finished (the answer never depends on timing).
        if !threadData.isCurrent {
            Diagnostics.warning(
                "QObject::moveToThread: Current thread (\(ThreadData.currentDebugName)) is not the object's thread "
                    + "(\(threadData.debugName)). Cannot move \(describe(self)) to \(target.debugName).")
            return false
        }
        sendThreadChange()
        var timers: [(QObject, Int, Int, Qt.TimerType)] = []
        let source = threadData
        var moved = Set<ObjectIdentifier>()
        moveSubtree(to: target, timers: &timers, moved: &moved)
        // Already-posted events move along now (not when the old thread next drains).
        let carried = source.postLock.withLock {
            defer { source.queueChanged() }
            return source.postedEvents.extract { entry in
                guard let r = entry.receiver else { return false }
                return moved.contains(ObjectIdentifier(r))
            }
        }
        var moving = carried
        while let entry = moving.popFirst() { target.post(entry) }
        if !timers.isEmpty {
            target.post(
                .call(
                    ClosureCallEvent { [weak target] in
                        guard let target else { return }
                        for (object, id, interval, type) in timers where !object.isDeleted && object.threadData === target {
                            if object.extra?.timerIds.contains(id) == true {
                                target.dispatcher.registerTimer(object: object, interval: interval, type: type, id: id)
                            }
                        }
                    }))
        }
        return true
    }

    /// ThreadChange goes to the object and every descendant before anything moves.
    private func sendThreadChange() {
        _ = QCoreApplication.notify(self, QEvent(.threadChange))
        for child in childList { child.sendThreadChange() }
    }

    private func moveSubtree(
        to target: ThreadData, timers: inout [(QObject, Int, Int, Qt.TimerType)], moved: inout Set<ObjectIdentifier>
    ) {
        moved.insert(ObjectIdentifier(self))
        if let extra, !extra.timerIds.isEmpty, let dispatcher = threadData.dispatcherStorage {
            for id in extra.timerIds {
                if let record = dispatcher.timers[id] {
                    timers.append((self, id, record.interval, record.type))
                    dispatcher.unregisterTimer(id)
                }
            }
        }
        if !state.contains(.uncounted) {
            target.objectArrived()
            threadData.objectLeft()
        }
        threadData = target
        publishThreadData()
        if let extra {
            // Other threads add and remove incoming connections under the registry lock.
            connectionRegistryLock.withLock {
                for connection in extra.incoming.values { connection.setReceiverThread(target) }
                // Removed connections whose calls are still pending: those calls follow too.
                extra.lingering = extra.lingering.filter { $0.value.connection != nil }
                for entry in extra.lingering.values { entry.connection?.setReceiverThread(target) }
            }
        }
        for child in childList { child.moveSubtree(to: target, timers: &timers, moved: &moved) }
    }
}

extension QObject {
    /// The object's thread data, unretained, read from its atomic address (race-free with
    /// `moveToThread`; any thread may read it). Safe: a thread's data lives while its thread
    /// runs or any object lives in it (ThreadData+Objects.swift).
    @inline(__always) var threadDataRef: Unmanaged<ThreadData> {
        Unmanaged<ThreadData>.fromOpaque(UnsafeRawPointer(bitPattern: threadDataBits.load(ordering: .acquiring))!)
    }

    /// The object's thread data as another thread sees it.
    var postingThreadData: ThreadData { threadDataRef.takeUnretainedValue() }

    /// True when called from another thread than the object's while that thread runs. Reads
    /// the thread data in place: no reference count is touched (the affinity check runs on
    /// every socket call).
    @inline(__always) func isForeignThread() -> Bool {
        threadDataRef._withUnsafeGuaranteedRef { !$0.isCurrent && $0.isRunning }
    }

    /// Runs `body` with this object's thread data borrowed (no reference counting).
    @inline(__always) func withThreadData<R>(_ body: (ThreadData) -> R) -> R {
        threadDataRef._withUnsafeGuaranteedRef(body)
    }

    /// Copies `threadData`'s address to `threadDataBits` (after every assignment).
    func publishThreadData() {
        threadDataBits.store(UInt(bitPattern: Unmanaged.passUnretained(threadData).toOpaque()), ordering: .releasing)
    }
}
