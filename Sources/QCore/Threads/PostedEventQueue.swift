/// One entry of a thread's posted-event queue (Qt's `QPostEvent`).
struct PostedEvent {
    /// The receiver, retained until delivery; nil for an internal call run as it is.
    var receiver: QObject?
    var event: QEvent
    var priority: Int
}

extension ThreadData {
    /// Queues an entry (thread-safe) and wakes the owning thread's loop when it is blocked (or
    /// about to block) waiting for events: a loop that is running finds the entry before it
    /// blocks, so a post to a busy thread makes no syscall.
    /// Higher priority goes first; equal priority keeps FIFO order.
    func post(_ entry: consuming PostedEvent) {
        var toWake: EventDispatcherWaker?
        postLock.lock()
        if entry.event.type == .quit, let receiver = entry.receiver,
            postedEvents.contains(where: { $0.receiver === receiver && $0.event.type == .quit })
        {
            // Qt compresses a second pending Quit for the same receiver.
            postLock.unlock()
            return
        }
        // Read the last priority in place (`last` would copy the entry: two retains).
        if !postedEvents.isEmpty && postedEvents[postedEvents.count - 1].priority < entry.priority {
            var index = postedEvents.count
            while index > 0 && postedEvents[index - 1].priority < entry.priority { index -= 1 }
            postedEvents.insert(entry, at: index)
        } else {
            postedEvents.append(entry)
        }
        if loopSleeping, let waker, !isCurrent {
            loopSleeping = false
            toWake = waker
        }
        postLock.unlock()
        toWake?.wake()
    }

    /// Step 2 of a dispatcher iteration: delivers the events that were queued when it started
    /// (events posted meanwhile wait for the next iteration). Returns whether it delivered any.
    @discardableResult
    func sendPostedEvents() -> Bool {
        postLock.lock()
        var batch = postedEvents
        postedEvents = spareEvents
        loopSleeping = false
        postLock.unlock()
        var delivered = false
        if !batch.isEmpty {
            batch.withUnsafeBufferPointer { entries in
                // Borrow each entry in place: no copy, no reference counting per event.
                for i in entries.indices where deliver(entries.baseAddress.unsafelyUnwrapped + i) { delivered = true }
            }
            batch.removeAll(keepingCapacity: true)
            spareEvents = batch
        }
        if !heldDeferredDeletes.isEmpty, releaseHeldDeferredDeletes(receiver: nil) { delivered = true }
        return delivered
    }

    /// `QCoreApplication::sendPostedEvents(receiver, type)`: delivers the matching pending events now.
    @discardableResult
    func sendPostedEvents(receiver: QObject?, type: QEvent.EventType?) -> Bool {
        if receiver == nil && type == nil { return sendPostedEvents() }
        var matching: [PostedEvent] = []
        postLock.withLock {
            postedEvents.removeAll { entry in
                let hit =
                    (receiver == nil || entry.receiver === receiver)
                    && (type == nil || entry.event.type == type!)
                if hit { matching.append(entry) }
                return hit
            }
        }
        let forcing = type == .deferredDelete
        if forcing { forceDeferredDeletes = true }
        defer { if forcing { forceDeferredDeletes = false } }
        var delivered = false
        for var entry in matching where withUnsafePointer(to: &entry, { deliver($0) }) { delivered = true }
        if type == nil || type == .deferredDelete {
            if releaseHeldDeferredDeletes(receiver: receiver) { delivered = true }
        }
        return delivered
    }

    /// Drops the pending events of `receiver` (of one type, or all).
    func removePostedEvents(receiver: QObject, type: QEvent.EventType?) {
        postLock.withLock {
            postedEvents.removeAll { $0.receiver === receiver && (type == nil || $0.event.type == type!) }
        }
        heldDeferredDeletes.removeAll { $0.receiver === receiver && (type == nil || type == .deferredDelete) }
    }

    /// Delivers held DeferredDelete events whose loop level has now been left.
    private func releaseHeldDeferredDeletes(receiver: QObject?) -> Bool {
        var delivered = false
        var index = 0
        while index < heldDeferredDeletes.count {
            let entry = heldDeferredDeletes[index]
            let mine = receiver == nil || entry.receiver === receiver
            if mine, let event = entry.event as? DeferredDeleteEvent, deferredDeleteAllowed(event) {
                heldDeferredDeletes.remove(at: index)
                var held = entry
                if withUnsafePointer(to: &held, { deliver($0) }) { delivered = true }
            } else {
                index += 1
            }
        }
        return delivered
    }

    /// Qt's rule: delete when the loop that was running at deleteLater() has been returned to,
    /// or at the first loop if it was called before any loop ran, or when forced.
    func deferredDeleteAllowed(_ event: DeferredDeleteEvent) -> Bool {
        let level = loopLevel + scopeLevel
        return forceDeferredDeletes || event.loopLevel > level || (event.loopLevel == 0 && loopLevel > 0)
    }

    /// Delivers one entry on the owning thread. Returns whether it reached a handler.
    private func deliver(_ entryPointer: UnsafePointer<PostedEvent>) -> Bool {
        guard let receiver = entryPointer.pointee.receiver else {
            // Receiver-less entries are always queued calls (internal posts only).
            // Safe: the batch array keeps the event alive until the whole batch is done.
            let call = unsafeDowncast(entryPointer.pointee.event, to: QueuedCallEvent.self)
            scopeLevel += 1
            call.invoke()
            scopeLevel -= 1
            call.waiter?.signal()
            return true
        }
        // Atomic read (compared as an address, no reference counting): a receiver that moved
        // away may be moving again in its new thread.
        if receiver.threadDataBits.load(ordering: .acquiring) != UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque()) {
            let home = receiver.postingThreadData
            // The receiver moved to another thread after the post: its events move along
            // (its new thread drops them if it was deleted there).
            home.post(entryPointer.pointee)
            return false
        }
        if receiver.isDeleted { return false }
        // The entry is read in place (the batch keeps it alive): no copy per event.
        let event = entryPointer.pointee.event
        if event.type == .deferredDelete, let deferred = event as? DeferredDeleteEvent, !deferredDeleteAllowed(deferred) {
            heldDeferredDeletes.append(entryPointer.pointee)
            return false
        }
        scopeLevel += 1
        if event.type == .metaCall, let call = event as? QueuedCallEvent {
            // A posted call: the receiver's filters, then the call (the same rule as a queued
            // signal call's, in SignalCallEvent.run).
            if !receiver.filtersStopCall(call) { call.invoke() }
            call.waiter?.signal()
        } else {
            _ = QCoreApplication.notify(receiver, event)
        }
        scopeLevel -= 1
        return true
    }
}
