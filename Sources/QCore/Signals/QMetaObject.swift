/// Qt's `QMetaObject` helpers that make sense with closures.
public enum QMetaObject {
    /// Runs `body` in `object`'s thread: now (`.direct`, or `.auto` from that thread), or
    /// later from its loop (`.queued`), or later while the caller waits (`.blockingQueued`).
    /// A queued call is dropped if `object` is deleted first. Returns false if nothing was
    /// done. Qt: `QMetaObject::invokeMethod(obj, functor, type)`.
    @discardableResult
    public static func invokeMethod(_ object: QObject, type: ConnectionType = .auto, _ body: @escaping @Sendable () -> Void)
        -> Bool
    {
        if object.isDeleted { return false }
        let data = object.postingThreadData
        switch type {
        case .direct:
            body()
        case .auto where data.isCurrent:
            body()
        case .auto, .queued:
            data.post(.call(ClosureCallEvent(to: object, body)))
        case .blockingQueued:
            data.postAndWait(
                ClosureCallEvent(to: object, body),
                deadlock: "QMetaObject::invokeMethod: dead lock detected: blocking-queued call to \(describe(object)) "
                    + "in its own thread (\(data.debugName))")
        }
        return true
    }

    /// `invokeMethod` that hands `object` to the closure, so the closure need not capture a
    /// (non-Sendable) QObject: `QMetaObject.invokeMethod(worker, type: .queued) { w in w.start() }`.
    @discardableResult
    public static func invokeMethod<Target: QObject>(
        _ object: Target, type: ConnectionType = .auto, _ body: @escaping @Sendable (Target) -> Void
    ) -> Bool {
        // Safe: the call runs only in object's thread, and a queued call keeps object alive.
        let target = UncheckedObject(object)
        return invokeMethod(object as QObject, type: type) { body(target.object) }
    }
}

/// Carries an object to its own thread inside a Sendable closure (QKit's threading rule:
/// the object is only used in the thread it lives in).
struct UncheckedObject<Object: AnyObject>: @unchecked Sendable {
    let object: Object
    init(_ object: Object) { self.object = object }
}
