extension QObject {
    /// True once the destruction sequence has run (by `delete()`, `deleteLater()`, the
    /// parent's deletion or the last reference going away).
    public var isDeleted: Bool { state.contains(.deleted) }

    /// Emitted once when the object is destroyed, however that happens, with its identity
    /// (the object itself may already be half gone). Qt: `destroyed(QObject *)`.
    public var destroyed: Signal<ObjectIdentifier> {
        if let s = extra?.destroyedSignal { return s }
        let s = Signal<ObjectIdentifier>(owner: self)
        extraData.destroyedSignal = s
        return s
    }

    /// Qt's `delete obj`: runs the whole destruction sequence now: `destroyed`, every
    /// connection in and out removed, children deleted depth-first in order, then the object
    /// leaves its parent (which gets ChildRemoved). The Swift object lives on while
    /// referenced, with `isDeleted` true.
    public func delete() {
        guard !isDeleted else { return }
        assertAffinity("delete()")
        runDestruction(leaveParent: true)
    }

    /// Schedules `delete()` for when control returns to the event loop that is running now
    /// (not a nested `processEvents` or nested loop in the same slot); before any loop ran,
    /// the first loop deletes it. Calling it again does nothing. Thread-safe.
    public func deleteLater() {
        if deleteLaterPosted.exchange(true, ordering: .acquiringAndReleasing) { return }
        let data = postingThreadData
        let level = data.isCurrent ? data.loopLevel + data.scopeLevel : 0
        data.post(.event(DeferredDeleteEvent(loopLevel: level), receiver: self, priority: 0))
    }

    /// Qt's destructor sequence (destroyed, disconnects, children depth-first, ChildRemoved to the parent).
    func runDestruction(leaveParent: Bool) {
        state.insert(.deleted)
        extra?.lifeToken.end()
        let inDeinit = state.contains(.inDeinit)
        // 1. the subclass destructor body.
        willDestroy()
        // 2. signals are unblocked.
        if state.contains(.signalsBlocked) { _ = blockSignals(false) }
        if let extra {
            // Slots that take this object (methods, receiver closures) are not invoked any
            // more; closures that merely have it as context still see `destroyed`.
            killIncomingConnections(onlyPassingReceiver: true)
            if inDeinit {
                // sender() must never hand out an object that is being deinitialised.
                for signal in extra.signals { signal.ownerGone = true }
            }
            // 4. destroyed, exactly once.
            extra.destroyedSignal?.emit(ObjectIdentifier(self))
            // 5. every connection into and out of this object is removed.
            killIncomingConnections(onlyPassingReceiver: false)
            for signal in extra.signals { signal.removeAllConnections() }
            // Timers die with their object.
            if !extra.timerIds.isEmpty { killAllTimers() }
        }
        // 6. children, in list order, depth-first; a child may delete a sibling meanwhile.
        if !childList.isEmpty {
            state.insert(.deletingChildren)
            let kids = childList
            kids.withUnsafeBufferPointer { buffer in
                // Each child is borrowed, not retained: `kids` holds every one of them until
                // the loop is done (a reference-count pair per child saved).
                let raw = UnsafeRawPointer(buffer.baseAddress)
                let stride = MemoryLayout<QObject>.stride
                let me = Unmanaged.passUnretained(self).toOpaque()
                for i in buffer.indices {
                    let bits = raw.unsafelyUnwrapped.load(fromByteOffset: i * stride, as: UnsafeRawPointer.self)
                    Unmanaged<QObject>.fromOpaque(bits)._withUnsafeGuaranteedRef { kid in
                        guard kid.parentRaw == me else { return }
                        kid.parentRaw = nil
                        if !kid.isDeleted { kid.runDestruction(leaveParent: false) }
                    }
                }
            }
            childList.removeAll(keepingCapacity: true)
            withThreadData { data in
                // Kept for the next parent (one list per thread, the largest up to 64 Ki
                // entries), by the thread itself only (a last release elsewhere may run this).
                let capacity = childList.capacity
                if capacity >= 16 && capacity <= 1 << 16 && capacity > data.spareChildList.capacity && data.isCurrent {
                    swap(&data.spareChildList, &childList)
                }
            }
            childList = []
            state.remove(.deletingChildren)
        }
        // 7. leave the parent (ChildRemoved only when deleted directly). Pending posted
        // events are skipped at delivery (the receiver is deleted).
        if leaveParent { detachFromParent(sendEvent: true) } else { parentRaw = nil }
    }

    /// Marks every connection whose receiver/context is this object as gone. The signals
    /// (perhaps in other threads) drop them from their lists at their next emission.
    func killIncomingConnections(onlyPassingReceiver: Bool) {
        guard let extra else { return }
        // Their return-trip calls are released after the lock (a call freed there may free
        // its connection, whose teardown takes the lock).
        var killed: [ConnectionBase] = []
        defer { for connection in killed { connection.retireReturnTrips() } }
        connectionRegistryLock.withLock {
            for (key, connection) in extra.incoming where !onlyPassingReceiver || connection.passesReceiver {
                connection.markDead()
                connection.receiverGone.store(true, ordering: .releasing)
                extra.incoming.removeValue(forKey: key)
                killed.append(connection)
            }
            if !onlyPassingReceiver {
                // Pending calls of removed connections are dropped too (their receiver is gone).
                for entry in extra.lingering.values { entry.connection?.receiverGone.store(true, ordering: .releasing) }
                extra.lingering.removeAll()
            }
        }
    }
}
