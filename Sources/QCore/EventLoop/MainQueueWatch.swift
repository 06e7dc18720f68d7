import CLibevent
import CQKitDispatch

#if canImport(Glibc)
import Glibc
#endif

/// Runs the main dispatch queue from the main thread's event loop, so `DispatchQueue.main`
/// work and the main actor's jobs (which Swift's runtime sends there on Linux) run while
/// `exec()` runs, between posted events, timers and sockets. libdispatch offers the same two
/// hooks Foundation's RunLoop uses: the queue's wake-up eventfd, watched here, and a call
/// that runs what the queue holds at that moment (so a job that queues another cannot keep
/// the loop to itself).
final class MainQueueWatch {
    private let fd: Int32
    private unowned(unsafe) let dispatcher: EventDispatcher
    private var event: OpaquePointer?
    /// Set by the wake-up, and at first: work queued before the descriptor existed woke nothing.
    @exclusivity(unchecked) private(set) var pending = true

    /// Only on the process's initial thread: libdispatch binds the main queue to it. (A
    /// process whose main thread entered `dispatch_main()` no longer runs code there.)
    init?(dispatcher: EventDispatcher) {
        guard MainQueueWatch.onInitialThread() else { return nil }
        self.dispatcher = dispatcher
        fd = cqkit_main_queue_descriptor()
        let what = Int16(EV_READ) | Int16(EV_PERSIST)
        // Safe: the callback's context is this watch, which frees the event in deinit.
        let context = Unmanaged.passUnretained(self).toOpaque()
        guard let event = event_new(dispatcher.base, fd, what, qkitMainQueueCallback, context) else { return nil }
        self.event = event
        // Not counted in `watchCount`: a pass that does not poll libevent asks the eventfd
        // itself (`poll()`), one read instead of a whole libevent pass.
        event_add(event, nil)
    }

    deinit {
        if let event {
            event_del(event)
            event_free(event)
        }
    }

    fileprivate func woke() { pending = true }

    /// True on the process's initial thread, whose thread id is the process id
    /// (`/proc/thread-self` reads "<pid>/task/<tid>").
    private static func onInitialThread() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBufferPointer { raw in
            raw.withMemoryRebound(to: CChar.self) { readlink("/proc/thread-self", $0.baseAddress!, $0.count) }
        }
        guard count > 0 else { return false }
        let parts = String(decoding: buffer.prefix(count), as: UTF8.self).split(separator: "/")
        return parts.count == 3 && parts[0] == parts[2]
    }

    /// Asks the eventfd directly whether the queue got work (one non-blocking read, which
    /// also resets it); for passes that do not poll libevent.
    func poll() {
        var counter: UInt64 = 0
        if read(fd, &counter, MemoryLayout<UInt64>.size) > 0 && counter > 0 { pending = true }
    }

    /// Runs the queue's work if it was woken; true when it ran.
    func run() -> Bool {
        guard pending else { return false }
        pending = false
        // Reset the eventfd's counter (non-blocking: nothing to read is fine), then run.
        var counter: UInt64 = 0
        _ = read(fd, &counter, MemoryLayout<UInt64>.size)
        dispatcher.threadData.scopeLevel += 1
        cqkit_run_main_queue()
        dispatcher.threadData.scopeLevel -= 1
        return true
    }
}

private func qkitMainQueueCallback(_ fd: Int32, _ what: Int16, _ context: UnsafeMutableRawPointer?) {
    guard let context else { return }
    // Safe: the watch frees this event in deinit, so it is alive while the event can fire.
    Unmanaged<MainQueueWatch>.fromOpaque(context).takeUnretainedValue().woke()
}
