import CLibevent

/// A libevent I/O event for one descriptor and direction (read or write), owned by a
/// QSocketNotifier. Its callback only records that it fired; delivery happens in step 4.
final class SocketWatch {
    let fd: Int32
    unowned(unsafe) let dispatcher: EventDispatcher
    /// The notifier to deliver to; nil once it is gone.
    @exclusivity(unchecked) unowned(unsafe) var notifier: QSocketNotifier?
    @exclusivity(unchecked) private var event: OpaquePointer?
    @exclusivity(unchecked) private(set) var isEnabled = false
    /// In the dispatcher's fired list, not yet delivered: it is listed once however often
    /// libevent reports it meanwhile (a pass nested in a slot polls again), as Qt lists a
    /// pending notifier once.
    @exclusivity(unchecked) var isPending = false

    init(fd: Int32, write: Bool, notifier: QSocketNotifier, dispatcher: EventDispatcher) {
        self.fd = fd
        self.dispatcher = dispatcher
        self.notifier = notifier
        let what = Int16(write ? EV_WRITE : EV_READ) | Int16(EV_PERSIST)
        event = event_new(dispatcher.base, fd, what, qkitSocketCallback, Unmanaged.passUnretained(self).toOpaque())
        if event != nil { dispatcher.watchEvents += 1 }
    }

    deinit { invalidate() }

    func setEnabled(_ enable: Bool) {
        guard enable != isEnabled, let event else { return }
        isEnabled = enable
        if enable {
            event_add(event, nil)
            dispatcher.watchCount += 1
        } else {
            event_del(event)
            dispatcher.watchCount -= 1
        }
    }

    /// Frees the libevent event; the watch never fires again, and an activation not yet
    /// delivered is dropped.
    func invalidate() {
        setEnabled(false)
        notifier = nil
        if let event {
            // Only while the event exists: a watch invalidated before may outlive its dispatcher.
            if isPending { dispatcher.forgetFired(self) }
            event_free(event)
            self.event = nil
            dispatcher.watchEvents -= 1
        }
    }

    fileprivate func fired() {
        guard !isPending else { return }
        isPending = true
        // Safe: the dispatcher owns the libevent base whose callback this is.
        Unmanaged.passUnretained(dispatcher)._withUnsafeGuaranteedRef { $0.firedWatches.append(.passUnretained(self)) }
    }

    /// Step 4: delivers QEvent.sockAct to the watch's notifier if the watch is still enabled.
    /// The watch is read only before the notifier runs: a slot may take the notifier's watch
    /// away (`moveToThread`, `delete`), and the watch may then be freed. The notifier is
    /// retained while it handles the event. (`dispatcher` is passed in, borrowed: reading the
    /// unowned(unsafe) field retained it.)
    static func deliver(_ watch: Unmanaged<SocketWatch>, _ threadData: ThreadData, _ dispatcher: EventDispatcher) -> Bool {
        // Safe: a watch in the fired list is alive (it leaves the list before it goes).
        guard let notifier = watch._withUnsafeGuaranteedRef({ $0.isEnabled ? $0.notifier : nil }) else { return false }
        threadData.scopeLevel += 1
        // One SockAct event per dispatcher is reused unless a handler kept it; moved in and
        // out of its slot (`take()`, `consume`), as a copy costs a retain and a release.
        // A `let` while it is delivered: a `var` was retained and released around `notify`.
        let delivered = dispatcher.spareSockActEvent.take()?.takeRetainedValue() ?? QEvent(.sockAct)
        delivered.isAccepted = true
        _ = QCoreApplication.notify(notifier, delivered)
        var event = consume delivered
        if isKnownUniquelyReferenced(&event), dispatcher.spareSockActEvent == nil {
            dispatcher.spareSockActEvent = .passRetained(consume event)
        }
        threadData.scopeLevel -= 1
        return true
    }
}

private func qkitSocketCallback(_ fd: Int32, _ what: Int16, _ context: UnsafeMutableRawPointer?) {
    guard let context else { return }
    // Safe: the watch frees this event in invalidate()/deinit, so it is alive while the event can fire.
    Unmanaged<SocketWatch>.fromOpaque(context)._withUnsafeGuaranteedRef { $0.fired() }
}
