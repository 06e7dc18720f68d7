/// The storage of a thread's posted queue: entries in posting order, moved in by `append`
/// and moved out by `popFirst`, so no entry is copied on the way (swift-collections' Deque
/// copies an appended element: a retain and a release of its event and receiver per post).
/// Not thread-safe: `ThreadData` guards the posting queue with its `postLock`.
struct PostedQueue: ~Copyable {
    private var base: UnsafeMutablePointer<PostedItem>?
    private var capacity = 0
    /// Entries before `head` have been moved out; entries `head..<end` are live.
    private var head = 0
    private var end = 0
    /// The receiver's address and priority while the last entries are a run of events for
    /// one receiver queued by `append(_:to:)`, the first retaining it, the others sharing it.
    private var lastEventReceiver: UnsafeMutableRawPointer?
    private var lastEventPriority = 0

    init() {}

    deinit {
        // Safe: exactly the entries head..<end are initialised.
        base?.advanced(by: head).deinitialize(count: end - head)
        base?.deallocate()
    }

    var isEmpty: Bool { head == end }
    var count: Int { end - head }

    /// Queues `entry` last (moved in).
    mutating func append(_ entry: consuming PostedItem) {
        if end == capacity { grow() }
        // Safe: grow() left room at `end`, which is uninitialised.
        base.unsafelyUnwrapped.advanced(by: end).initialize(to: entry)
        end += 1
        lastEventReceiver = nil
    }

    /// Queues an event for `receiver` last. When the entries at the end are a run of events of
    /// the same priority for the same receiver, the new entry shares the reference the run's
    /// first entry holds (`.sharedEvent`: no reference counting); otherwise it retains the
    /// receiver and starts a run. Inlined into `postEvent` (a call per post otherwise).
    @inline(__always)
    mutating func append(_ event: consuming QEvent, to receiver: QObject, priority: Int) {
        let address = Unmanaged.passUnretained(receiver).toOpaque()
        if head < end && lastEventReceiver == address && lastEventPriority == priority {
            append(.sharedEvent(event, receiver: .passUnretained(receiver), priority: priority))
            lastEventReceiver = address
            return
        }
        append(.event(event, receiver: receiver, priority: priority))
        lastEventReceiver = address
        lastEventPriority = priority
    }

    /// True when the first entry is a `.sharedEvent` (it shares the reference of the entry
    /// taken out just before it).
    var firstIsShared: Bool {
        // Safe: `head` is live when the queue is not empty.
        head < end && base.unsafelyUnwrapped[head].isShared
    }

    /// Makes every `.sharedEvent` an `.event` that retains its receiver, so that entries can
    /// be taken out in any order.
    mutating func retainSharedReceivers() {
        for i in head..<end {
            // Safe: i is live; a shared entry is moved out and rebuilt in place.
            let slot = base.unsafelyUnwrapped.advanced(by: i)
            guard slot.pointee.isShared else { continue }
            let entry = slot.move()
            switch consume entry {
            case .sharedEvent(let event, let receiver, let priority):
                slot.initialize(to: .event(event, receiver: receiver.takeUnretainedValue(), priority: priority))
            case .event(let event, let receiver, let priority):
                slot.initialize(to: .event(event, receiver: receiver, priority: priority))
            case .call(let call):
                slot.initialize(to: .call(call))
            }
        }
    }

    /// Queues `entry` at `index` (0 is first), moving the later entries one place on.
    mutating func insert(_ entry: consuming PostedItem, at index: Int) {
        precondition(index >= 0 && index <= count, "PostedQueue.insert: index out of range")
        if end == capacity { grow() }
        // Safe: entries slot..<end are initialised and there is room for one more at `end`.
        let slot = base.unsafelyUnwrapped.advanced(by: head + index)
        (slot + 1).moveInitialize(from: slot, count: end - head - index)
        slot.initialize(to: entry)
        end += 1
    }

    /// Takes the first entry out (moved out), or nil when the queue is empty.
    mutating func popFirst() -> PostedItem? {
        guard head < end else { return nil }
        // Safe: `head` is initialised; it is left uninitialised and skipped from now on.
        let entry = base.unsafelyUnwrapped.advanced(by: head).move()
        head += 1
        if head == end {
            head = 0
            end = 0
            lastEventReceiver = nil
        }
        return entry
    }

    /// True when the entry at `index` shares its run's receiver reference (tests).
    func isShared(at index: Int) -> Bool {
        precondition(index >= 0 && index < count, "PostedQueue.isShared: index out of range")
        // Safe: the index is checked against the live range.
        return base.unsafelyUnwrapped[head + index].isShared
    }

    /// The priority of the entry at `index`, read in place.
    func priority(at index: Int) -> Int {
        // Safe: the index is checked against the live range.
        precondition(index >= 0 && index < count, "PostedQueue.priority: index out of range")
        return base.unsafelyUnwrapped[head + index].priority
    }

    /// True when an entry satisfies `predicate` (each is read in place).
    func contains(where predicate: (borrowing PostedItem) -> Bool) -> Bool {
        for i in head..<end where predicate(base.unsafelyUnwrapped[i]) { return true }
        return false
    }

    /// Takes out the entries that satisfy `predicate`, in order; the others keep theirs.
    mutating func extract(where predicate: (borrowing PostedItem) -> Bool) -> PostedQueue {
        retainSharedReceivers()
        var taken = PostedQueue()
        var kept = head
        for i in head..<end {
            // Safe: i is live; an entry is moved either into `taken` or down to `kept`.
            let slot = base.unsafelyUnwrapped.advanced(by: i)
            if predicate(slot.pointee) {
                taken.append(slot.move())
            } else {
                if kept != i { base.unsafelyUnwrapped.advanced(by: kept).moveInitialize(from: slot, count: 1) }
                kept += 1
            }
        }
        end = kept
        if head == end { head = 0; end = 0 }
        lastEventReceiver = nil
        return taken
    }

    private mutating func grow() {
        let live = end - head
        let newCapacity = max(16, live * 2)
        let grown = UnsafeMutablePointer<PostedItem>.allocate(capacity: newCapacity)
        if let base {
            // Safe: moves the live entries head..<end into the new storage, then frees the old.
            grown.moveInitialize(from: base.advanced(by: head), count: live)
            base.deallocate()
        }
        base = grown
        capacity = newCapacity
        head = 0
        end = live
    }
}
