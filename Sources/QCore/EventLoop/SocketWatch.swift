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

    /// Frees the libevent event; the watch never fires again.
    func invalidate() {
        setEnabled(false)
        notifier = nil
        if let event {
            event_free(event)
            self.event = nil
            dispatcher.watchEvents -= 1
        }
    }

    fileprivate func fired() {
        // Safe: the dispatcher owns the libevent base whose callback this is.
        Unmanaged.passUnretained(dispatcher)._withUnsafeGuaranteedRef { $0.firedWatches.append(Unmanaged.passRetained(self)) }
    }

    /// Step 4: delivers QEvent.sockAct to the notifier if it is still enabled.
    /// (`dispatcher` is passed in, borrowed: reading the unowned(unsafe) field retained it.)
    func deliver(_ threadData: ThreadData, _ dispatcher: EventDispatcher) -> Bool {
        guard isEnabled, let notifier else { return false }
        threadData.scopeLevel += 1
        // One SockAct event per dispatcher is reused unless a handler kept it; moved in and
        // out of its slot (`take()`, `consume`), as a copy costs a retain and a release.
        // A `let` while it is delivered: a `var` was retained and released around `notify`.
        let delivered = dispatcher.spareSockActEvent.take() ?? QEvent(.sockAct)
        delivered.isAccepted = true
        _ = QCoreApplication.notify(notifier, delivered)
        var event = consume delivered
        if isKnownUniquelyReferenced(&event) { dispatcher.spareSockActEvent = consume event }
        threadData.scopeLevel -= 1
        return true
    }
}

private func qkitSocketCallback(_ fd: Int32, _ what: Int16, _ context: UnsafeMutableRawPointer?) {
    guard let context else { return }
    // Safe: the watch frees this event in invalidate()/deinit, so it is alive while the event can fire.
    Unmanaged<SocketWatch>.fromOpaque(context)._withUnsafeGuaranteedRef { $0.fired() }
}
