/// One entry of a thread's posted queue (Qt's `QPostEvent`): an event for an object, or a
/// queued call. Events go through `QCoreApplication.notify`; calls through their own rule,
/// `QueuedCallEvent.deliver(on:)`. Noncopyable: an entry is only ever moved, so taking it
/// apart hands its references on without reference counting (pattern bindings of a copyable
/// enum are copies, a retain and a release each).
enum PostedItem: ~Copyable {
    /// An event for `receiver` (retained until delivery), with its posting priority.
    case event(QEvent, receiver: QObject, priority: Int)
    /// An event that shares the receiver reference of the `.event` entry starting its run
    /// (the entries just before it, all for that receiver): a burst of posts to one object
    /// retains it once (`PostedQueue.append(_:to:)`). Delivered while that entry's reference
    /// is held (`sendPostedEvents`); entries taken out of a queue in any other way are made
    /// `.event` first (`PostedQueue.extract`).
    case sharedEvent(QEvent, receiver: Unmanaged<QObject>, priority: Int)
    /// A queued call (priority 0, as Qt posts them).
    case call(QueuedCallEvent)

    /// The object the entry is addressed to: an event's receiver, or the object a call was
    /// posted to (a signal call finds its receiver through its connection: nil here).
    var receiver: QObject? {
        switch self {
        case .event(_, let receiver, _): receiver
        case .sharedEvent(_, let receiver, _): receiver.takeUnretainedValue()
        case .call(let call): call.object
        }
    }

    var type: QEvent.EventType {
        switch self {
        case .event(let event, _, _): event.type
        case .sharedEvent(let event, _, _): event.type
        case .call: .metaCall
        }
    }

    var priority: Int {
        switch self {
        case .event(_, _, let priority): priority
        case .sharedEvent(_, _, let priority): priority
        case .call: 0
        }
    }

    /// True when the entry is addressed to `object`, and of `type` if one is given.
    func matches(_ object: QObject?, _ type: QEvent.EventType?) -> Bool {
        (object == nil || receiver === object) && (type == nil || self.type == type!)
    }

    /// The DeferredDelete event of this entry, if it is one.
    var deferredDelete: DeferredDeleteEvent? {
        switch self {
        case .event(let event, _, _): event as? DeferredDeleteEvent
        case .sharedEvent(let event, _, _): event as? DeferredDeleteEvent
        case .call: nil
        }
    }

    /// True for an event that shares the receiver reference of its run's first entry.
    var isShared: Bool {
        switch self {
        case .sharedEvent: true
        case .event: false
        case .call: false
        }
    }
}

extension ThreadData {
    /// Queues an entry (thread-safe) and wakes the owning thread's loop when it is blocked (or
    /// about to block) waiting for events: a loop that is running finds the entry before it
    /// blocks, so a post to a busy thread makes no syscall.
    /// Higher priority goes first; equal priority keeps FIFO order.
    func post(_ entry: consuming PostedItem) {
        // Taken apart and rebuilt by moves: reading the entry in place would copy it (two retains).
        switch consume entry {
        case .event(let event, let receiver, let priority):
            let quit = event.type == .quit
            enqueue(.event(event, receiver: receiver, priority: priority), priority: priority, quitFor: quit ? receiver : nil)
        case .sharedEvent(let event, let receiver, let priority):
            // Not expected (shared entries stay in their queue); posted with its own reference.
            post(.event(event, receiver: receiver.takeUnretainedValue(), priority: priority))
        case .call(let call):
            enqueue(.call(call), priority: 0, quitFor: nil)
        }
    }

    /// `post(.event(…))` for `QCoreApplication.postEvent`, and `postCall` for the hot path of a
    /// queued signal call (`owned` is an owned reference): each builds its entry right into
    /// `enqueue`, which is inlined, so the entry moves straight into the queue. (An entry
    /// built in one function and handed through `post` was copied in and its copy released:
    /// two more atomic operations per post.)
    func postEvent(_ event: consuming QEvent, to receiver: QObject, priority: Int) {
        if event.type == .quit {
            enqueue(.event(consume event, receiver: receiver, priority: priority), priority: priority, quitFor: receiver)
            return
        }
        postLock.lock()
        if postedEvents.isEmpty || priority <= tailPriority {
            // Last in the queue: right after a run of events for the same receiver at this
            // priority, it shares the run's reference to the receiver (no reference counting).
            postedEvents.append(consume event, to: receiver, priority: priority)
            tailPriority = priority
        } else {
            insertByPriority(.event(consume event, receiver: receiver, priority: priority), priority: priority)
        }
        postedAndUnlock()
    }

    func postCall(_ owned: Unmanaged<QueuedCallEvent>) {
        enqueue(.call(owned.takeRetainedValue()), priority: 0, quitFor: nil)
    }

    @inline(__always)
    private func enqueue(_ entry: consuming PostedItem, priority: Int, quitFor: QObject?) {
        postLock.lock()
        if let quitFor, postedEvents.contains(where: { $0.matches(quitFor, .quit) }) {
            // Qt compresses a second pending Quit for the same receiver.
            postLock.unlock()
            return
        }
        if postedEvents.isEmpty || priority <= tailPriority {
            postedEvents.append(entry)
            tailPriority = priority
        } else {
            insertByPriority(entry, priority: priority)
        }
        postedAndUnlock()
    }

    /// Queues an entry of a higher priority than the last one's before every entry of a lower
    /// priority (postLock held; the queue is sorted by priority, FIFO within one).
    private func insertByPriority(_ entry: consuming PostedItem, priority: Int) {
        var index = postedEvents.count
        while index > 0 && postedEvents.priority(at: index - 1) < priority { index -= 1 }
        postedEvents.insert(entry, at: index)
    }

    /// After an entry was queued (postLock held): marks the queue, unlocks, and wakes the
    /// loop if it sleeps in another thread.
    @inline(__always)
    private func postedAndUnlock() {
        var toWake: EventDispatcherWaker?
        mayHavePosted.store(true, ordering: .releasing)
        if loopSleeping.load(ordering: .relaxed), let waker, !isCurrent {
            loopSleeping.store(false, ordering: .relaxed)
            toWake = waker
        }
        postLock.unlock()
        toWake?.wake()
    }

    /// Sets `tailPriority` after entries were taken out of the queue (postLock held).
    func queueChanged() {
        tailPriority = postedEvents.isEmpty ? 0 : postedEvents.priority(at: postedEvents.count - 1)
    }

    /// Step 2 of a dispatcher iteration: delivers the events that were queued when it started
    /// (events posted meanwhile wait for the next iteration). Returns whether it delivered any.
    @discardableResult
    func sendPostedEvents() -> Bool {
        // Nothing posted since the last delivery took the queue: no lock to take.
        guard mayHavePosted.load(ordering: .acquiring) else {
            if !heldDeferredDeletes.isEmpty { return releaseHeldDeferredDeletes(receiver: nil) }
            return false
        }
        // Swap, not copy: each queue keeps one owner, so appending to it never copies it.
        var batch = PostedQueue()
        postLock.lock()
        swap(&batch, &postedEvents)
        swap(&postedEvents, &spareEvents)
        mayHavePosted.store(false, ordering: .relaxed)
        loopSleeping.store(false, ordering: .relaxed)
        postLock.unlock()
        lastDeliveryCount = batch.count
        var delivered = false
        // Each entry is moved out and handed over: no reference counting per entry, and an
        // entry is freed as soon as it was delivered (Qt deletes each posted event then).
        while let entry = batch.popFirst() {
            switch consume entry {
            case .event(let event, let receiver, let priority):
                if deliver(event, to: receiver, priority: priority) { delivered = true }
                // The entries sharing this one's receiver reference, while it is still held.
                while batch.firstIsShared {
                    if deliver(batch.popFirst()!) { delivered = true }
                }
            case .sharedEvent(let event, let receiver, let priority):
                // Not reached: a run's shared entries are delivered with its first entry, above.
                assertionFailure("a shared posted event outside its run")
                if deliver(.sharedEvent(event, receiver: receiver, priority: priority)) { delivered = true }
            case .call(let call):
                if deliver(call) { delivered = true }
            }
        }
        // The emptied storage is kept, also after an empty pass: dropping it there made the
        // next post allocate a new queue.
        swap(&spareEvents, &batch)
        if !heldDeferredDeletes.isEmpty, releaseHeldDeferredDeletes(receiver: nil) { delivered = true }
        return delivered
    }

    /// `QCoreApplication::sendPostedEvents(receiver, type)`: delivers the matching pending events now.
    @discardableResult
    func sendPostedEvents(receiver: QObject?, type: QEvent.EventType?) -> Bool {
        if receiver == nil && type == nil { return sendPostedEvents() }
        let matching = postLock.withLock {
            defer { queueChanged() }
            return postedEvents.extract { $0.matches(receiver, type) }
        }
        let forcing = type == .deferredDelete
        if forcing { forceDeferredDeletes = true }
        defer { if forcing { forceDeferredDeletes = false } }
        var delivered = false
        var pending = matching
        while let entry = pending.popFirst() {
            if deliver(entry) { delivered = true }
        }
        if type == nil || type == .deferredDelete {
            if releaseHeldDeferredDeletes(receiver: receiver) { delivered = true }
        }
        return delivered
    }

    /// Drops the pending events of `receiver` (of one type, or all).
    func removePostedEvents(receiver: QObject, type: QEvent.EventType?) {
        postLock.withLock {
            _ = postedEvents.extract { $0.matches(receiver, type) }
            queueChanged()
        }
        _ = heldDeferredDeletes.extract { $0.matches(receiver, type) }
    }

    /// Delivers held DeferredDelete events whose loop level has now been left.
    private func releaseHeldDeferredDeletes(receiver: QObject?) -> Bool {
        var delivered = false
        var ready = heldDeferredDeletes.extract { entry in
            guard entry.matches(receiver, nil), let event = entry.deferredDelete else { return false }
            return deferredDeleteAllowed(event)
        }
        while let entry = ready.popFirst() {
            if deliver(entry) { delivered = true }
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
    private func deliver(_ entry: consuming PostedItem) -> Bool {
        switch consume entry {
        case .call(let call):
            return deliver(call)
        case .event(let event, let receiver, let priority):
            return deliver(event, to: receiver, priority: priority)
        case .sharedEvent(let event, let receiver, let priority):
            // Safe: the entry that starts its run, delivered just before, still holds it.
            return receiver._withUnsafeGuaranteedRef { deliver(event, to: $0, priority: priority) }
        }
    }

    /// Delivers a queued call on the owning thread, and keeps it for reuse when it may be.
    @inline(__always)
    private func deliver(_ call: consuming QueuedCallEvent) -> Bool {
        scopeLevel += 1
        defer { scopeLevel -= 1 }
        guard call.deliver(on: self) else { return false }
        QueuedCallEvent.recycle(consume call, on: self)
        return true
    }

    /// Delivers a posted event to `receiver` (borrowed) on the owning thread.
    private func deliver(_ event: QEvent, to receiver: QObject, priority: Int) -> Bool {
        // Atomic read (compared as an address, no reference counting): a receiver that
        // moved away may be moving again in its new thread.
        if receiver.threadDataBits.load(ordering: .acquiring) != UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque()) {
            // The receiver moved to another thread after the post: its events move along
            // (its new thread drops them if it was deleted there).
            receiver.postingThreadData.post(.event(event, receiver: receiver, priority: priority))
            return false
        }
        if receiver.isDeleted { return false }
        if event.type == .deferredDelete, let deferred = event as? DeferredDeleteEvent, !deferredDeleteAllowed(deferred) {
            heldDeferredDeletes.append(.event(event, receiver: receiver, priority: priority))
            return false
        }
        scopeLevel += 1
        _ = QCoreApplication.notify(receiver, event)
        scopeLevel -= 1
        return true
    }
}
