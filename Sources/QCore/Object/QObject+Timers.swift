extension QObject {
    /// Starts a timer that sends QTimerEvent to `timerEvent` every `interval` ms; returns its
    /// id, or 0 when it cannot start (negative interval, called from another thread).
    /// Qt: `QObject::startTimer(int, Qt::TimerType)`.
    public func startTimer(_ interval: Int, _ type: Qt.TimerType = .coarse) -> Int {
        if interval < 0 {
            Diagnostics.warning("QObject::startTimer: Timers cannot have negative intervals (\(describe(self)))")
            return 0
        }
        if isForeignThread() || !threadData.isCurrent {
            Diagnostics.warning(
                "QObject::startTimer: Timers cannot be started from another thread (\(describe(self)) lives in "
                    + "\(threadData.debugName), called from \(ThreadData.currentDebugName))")
            return 0
        }
        if isDeleted { return 0 }
        let id = threadData.dispatcher.registerTimer(object: self, interval: min(interval, Int(Int32.max)), type: type)
        extraData.timerIds.append(id)
        return id
    }

    /// Stops the timer with this id. Qt: `QObject::killTimer(int)`.
    public func killTimer(_ id: Int) {
        guard id > 0 else { return }
        guard let extra, let index = extra.timerIds.firstIndex(of: id) else {
            Diagnostics.warning("QObject::killTimer: Timer id \(id) is not valid for \(describe(self))")
            return
        }
        if isForeignThread() || !threadData.isCurrent {
            Diagnostics.warning(
                "QObject::killTimer: Timers cannot be stopped from another thread (\(describe(self)) lives in "
                    + "\(threadData.debugName), called from \(ThreadData.currentDebugName))")
            return
        }
        extra.timerIds.remove(at: index)
        threadData.dispatcherStorage?.unregisterTimer(id)
    }

    func killAllTimers() {
        guard let extra else { return }
        let ids = extra.timerIds
        extra.timerIds.removeAll()
        guard let dispatcher = threadData.dispatcherStorage else { return }
        for id in ids { dispatcher.unregisterTimer(id) }
    }
}
