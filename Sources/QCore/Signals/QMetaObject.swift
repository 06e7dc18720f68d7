/// Qt's `QMetaObject` helpers that make sense with closures.
public enum QMetaObject {
    /// Runs `body` in `object`'s thread: now (`.direct`, or `.auto` from that thread), or
    /// later from its loop (`.queued`), or later while the caller waits (`.blockingQueued`).
    /// A queued call is dropped if `object` is deleted first. Returns false if nothing was
    /// done. Qt: `QMetaObject::invokeMethod(obj, functor, type)`.
    @discardableResult
    public static func invokeMethod(_ object: QObject, type: ConnectionType = .auto, _ body: @escaping @Sendable () -> Void) -> Bool {
        if object.isDeleted { return false }
        let data = object.threadData
        switch type {
        case .direct:
            body()
        case .auto where data.isCurrent:
            body()
        case .auto, .queued:
            data.post(PostedEvent(receiver: object, event: ClosureCallEvent(body), priority: 0))
        case .blockingQueued:
            if data.isCurrent {
                Diagnostics.misuse(
                    "QMetaObject::invokeMethod: dead lock detected: blocking-queued call to \(describe(object)) "
                        + "in its own thread (\(data.debugName))")
            }
            let waiter = WaitCondition()
            do {
                // The call's last reference is the queue's: if it is dropped (object deleted
                // first) its deinit wakes us.
                let call = ClosureCallEvent(body)
                call.waiter = waiter
                data.post(PostedEvent(receiver: object, event: call, priority: 0))
            }
            _ = waiter.wait(msecs: -1)
        }
        return true
    }
}
