extension ThreadData {
    /// Posts `call` to this thread and blocks the calling thread until the call has run or
    /// been dropped: the one place a blocking-queued signal call and a blocking-queued
    /// `invokeMethod` wait. The call is released by the queue (after delivery, or when its
    /// receiver died first), and its release wakes the caller (`QueuedCallEvent.deinit`); so
    /// the caller keeps no reference to it. From this thread itself the wait could never end:
    /// that traps with `deadlock`, which names the receiver and the thread.
    /// Qt: `Qt::BlockingQueuedConnection`.
    func postAndWait(_ call: consuming QueuedCallEvent, receiver: QObject?, deadlock: @autoclosure () -> String) {
        if isCurrent { Diagnostics.misuse(deadlock()) }
        let waiter = WaitCondition()
        call.waiter = waiter
        post(PostedEvent(receiver: receiver, event: consume call, priority: 0))
        _ = waiter.wait(msecs: -1)
    }
}
