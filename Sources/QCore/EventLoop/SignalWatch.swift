import CLibevent

#if canImport(Glibc)
import Glibc
#endif

/// A libevent signal event for one Unix signal, owned by a QUnixSignalNotifier. libevent
/// catches the signal with its own handler and reports it from `event_base_loop`; the
/// callback only posts the delivery, so the notifier's slot runs as ordinary loop work.
final class SignalWatch {
    let signalNumber: Int32
    unowned(unsafe) let threadData: ThreadData
    /// The notifier to deliver to; nil once it is gone.
    unowned(unsafe) var notifier: QUnixSignalNotifier?
    private var event: OpaquePointer?

    init(signal: Int32, notifier: QUnixSignalNotifier, threadData: ThreadData) {
        self.signalNumber = signal
        self.threadData = threadData
        self.notifier = notifier
        // A process started with the signal blocked (a parent's worker thread spawned it, say)
        // would never see it: unblock it in this thread, where the loop watches it.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, signal)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        let what = Int16(EV_SIGNAL) | Int16(EV_PERSIST)
        event = event_new(threadData.dispatcher.base, signal, what, qkitSignalCallback, Unmanaged.passUnretained(self).toOpaque())
        if let event {
            event_add(event, nil)
            threadData.dispatcher.watchEvents += 1
        }
    }

    deinit { invalidate() }

    /// Removes the event; libevent puts the signal's previous disposition back.
    func invalidate() {
        notifier = nil
        if let event {
            event_del(event)
            event_free(event)
            self.event = nil
            threadData.dispatcherStorage?.watchEvents -= 1
        }
    }

    fileprivate func fired() {
        guard let notifier else { return }
        let signal = signalNumber
        // Unowned is safe: the posted event holds its receiver, and skips it once deleted.
        threadData.post(
            .call(
                ClosureCallEvent(to: notifier) { [unowned notifier] in
                    notifier.activated.emit(signal)
                }))
    }
}

private func qkitSignalCallback(_ fd: Int32, _ what: Int16, _ context: UnsafeMutableRawPointer?) {
    guard let context else { return }
    // Safe: the watch frees this event in invalidate()/deinit, so it is alive while the event can fire.
    Unmanaged<SignalWatch>.fromOpaque(context).takeUnretainedValue().fired()
}
