/// A posted call (Qt's `QMetaCallEvent`): a queued or blocking-queued signal call, an
/// `invokeMethod`, an executor job or one of QKit's own calls. Every kind is delivered by the
/// one rule in `deliver(on:)` and releases a blocking caller in one place, `release()`.
///
/// A call finds its receiver in one of two ways: a signal call through its `connection`
/// (which never retains the receiver), a call posted to an object through `object` (retained
/// until delivery, as a posted event's receiver is). A call with neither runs as it is.
@usableFromInline
class QueuedCallEvent: QEvent {
    /// A blocking-queued caller waiting for this call: woken by `release()`, whether the call
    /// ran or was dropped (so a dropped call never deadlocks its caller).
    @exclusivity(unchecked) var waiter: WaitCondition?
    /// Runs the call; built by the (specialised) code that queued it, capturing nothing.
    @usableFromInline let runner: ((QueuedCallEvent) -> Void)?
    /// The connection of a queued signal call, retained by hand (`connectionRef`) so that a
    /// spent call can wait for reuse in its connection's spare list without a reference cycle.
    @usableFromInline @exclusivity(unchecked) var connectionRef: Unmanaged<ConnectionBase>?
    /// The object a call was posted to (`invokeMethod`, QKit's internal calls to an object).
    let object: QObject?

    @usableFromInline
    init(connection: ConnectionBase? = nil, object: QObject? = nil, runner: ((QueuedCallEvent) -> Void)? = nil) {
        self.connectionRef = connection.map { Unmanaged.passRetained($0) }
        self.object = object
        self.runner = runner
        super.init(.metaCall)
    }

    deinit {
        connectionRef?.release()
        release()
    }

    /// The connection of a queued signal call (nil for other calls and for a spare call).
    @inlinable var connection: ConnectionBase? { connectionRef?.takeUnretainedValue() }

    /// Set when event filters saw the call (they may keep it): it is then never reused.
    @exclusivity(unchecked) var seenByFilters = false
    /// Set for a signal call whose arguments are plain values: it may be reused.
    @usableFromInline @exclusivity(unchecked) var reusable = false
    /// Set for a reusable call queued from a thread other than its receiver's: once spent, it
    /// goes back to its connection's emitting side (`ConnectionBase.returnSpentCall`).
    @usableFromInline @exclusivity(unchecked) var returnsToSender = false
    /// The next spare in its connection's list (see `recycle`); not a reference of its own.
    @usableFromInline @exclusivity(unchecked) var nextSpare: Unmanaged<QueuedCallEvent>?

    /// Called once the call ran, on `data`'s thread, by the queue, which hands its reference
    /// over. A reusable signal call (plain-value arguments) that no event filter saw, of a
    /// connection that lives, is kept: one queued from another thread goes back to that side
    /// (`returnsToSender`) with its reference to the connection; one queued in the receiver's
    /// thread goes to the connection's spare list when `data` is still that thread and the
    /// list has room, and drops its reference to the connection, which holds it now. Anything
    /// else is released.
    static func recycle(_ call: consuming QueuedCallEvent, on data: ThreadData) {
        // A filter may have kept the call: only a call no filter saw is reused. (Nothing
        // else hands a call out; a uniqueness check would depend on the optimiser's copies.)
        guard call.reusable && !call.seenByFilters else { return }
        let owned = Unmanaged.passRetained(consume call)
        if owned._withUnsafeGuaranteedRef({ $0.returnsToSender }) { return handBack(owned) }
        let kept = owned._withUnsafeGuaranteedRef { call -> Bool in
            guard let ref = call.connectionRef else { return false }
            let here = UInt(bitPattern: Unmanaged.passUnretained(data).toOpaque())
            return ref._withUnsafeGuaranteedRef { connection in
                guard connection.isAlive,
                    connection.receiverThreadBits.load(ordering: .acquiring) == here,
                    connection.keepSpare(owned)
                else { return false }
                call.connectionRef = nil
                ref.release()
                return true
            }
        }
        if !kept { owned.release() }
    }

    /// `recycle` for a call queued from another thread: back to the emitting side, keeping
    /// its reference to the connection (see ConnectionBase+ReturnTrip.swift), unless the
    /// connection died; then it is released. Out of line: `recycle` stays small for calls
    /// queued in the receiver's own thread.
    @inline(never)
    private static func handBack(_ owned: Unmanaged<QueuedCallEvent>) {
        let returned = owned._withUnsafeGuaranteedRef { call -> Bool in
            // Safe: the call holds its connection until it is handed back or released.
            guard let ref = call.connectionRef else { return false }
            return ref._withUnsafeGuaranteedRef { $0.isAlive && $0.returnSpentCall(owned) }
        }
        if !returned { owned.release() }
    }

    /// The call's body, without any check (the rule is `deliver(on:)`).
    @usableFromInline
    func invoke() { runner?(self) }

    /// Wakes a blocking caller once: after the call ran, when it was dropped, or when the
    /// call is freed unrun (its queue was cleared).
    final func release() {
        guard let waiter else { return }
        self.waiter = nil
        waiter.signal()
    }

    /// The delivery rule of every posted call, on the thread `data` belongs to:
    /// 1. a call whose receiver was destroyed is dropped;
    /// 2. a call whose receiver moved to another thread follows it there;
    /// 3. the receiver's event filters see the call first, as a MetaCall event, and may stop it;
    /// 4. the call runs, a signal call with `sender()` answering its connection.
    /// Then a blocking caller is released. Returns whether the call ran.
    final func deliver(on data: ThreadData) -> Bool {
        let here = UInt(bitPattern: Unmanaged.passUnretained(data).toOpaque())
        var scopeConnection: UnsafeMutableRawPointer?
        if let ref = connectionRef {
            // Safe: this call retains its connection until it is freed or kept for reuse.
            let verdict = ref._withUnsafeGuaranteedRef { connection -> Verdict in
                guard !connection.receiverGone.load(ordering: .acquiring) else { return .drop }
                // One load answers both: has the receiver begun to die, has it event filters?
                let life = connection.receiverLife?.bits.load(ordering: .acquiring) ?? 0
                guard life & LifeToken.endedBit == 0 else { return .drop }
                let bits = connection.receiverThreadBits.load(ordering: .acquiring)
                // bits == 0: a receiver-less queued closure, no receiver to check, no sender.
                guard bits != 0 else { return .run }
                guard bits == here else { return .follow }
                return life & LifeToken.filteredBit != 0 ? .filter : .runAsSlot
            }
            switch verdict {
            case .drop: return drop()
            case .follow: return follow(ref._withUnsafeGuaranteedRef { $0.receiverThread })
            case .run: break
            case .filter:
                if ref._withUnsafeGuaranteedRef({ filtersStop(connection: $0) }) { return drop() }
                scopeConnection = ref.toOpaque()
            case .runAsSlot: scopeConnection = ref.toOpaque()
            }
        } else if let object {
            // Atomic read (compared as an address): a receiver that moved away may be moving
            // again in its new thread.
            guard object.threadDataBits.load(ordering: .acquiring) == here else { return follow(object.postingThreadData) }
            guard !object.isDeleted else { return drop() }
            if object.filtersStopCall(self) { return drop() }
        }
        let scope = SenderScope(data: data, connection: scopeConnection)
        invoke()
        scope.end()
        release()
        return true
    }

    /// What `deliver(on:)` decided about a signal call (`filter`: run it as a slot unless the
    /// receiver's event filters stop it).
    private enum Verdict { case drop, follow, run, filter, runAsSlot }

    /// True when the receiver's event filters stop this call (they see it as a MetaCall
    /// event). Out of line, so the checks before it inline into `deliver(on:)`.
    @inline(never)
    private func filtersStop(connection: ConnectionBase) -> Bool {
        guard let receiver = connection.receiver else { return false }
        seenByFilters = true
        return receiver.filtersStopCall(self)
    }

    private func drop() -> Bool {
        release()
        return false
    }

    /// Re-posts this call to the thread its receiver lives in now (its waiter still waits).
    private func follow(_ target: ThreadData?) -> Bool {
        target?.post(.call(self))
        return false
    }
}

/// A posted closure, to an object (dropped if the object was deleted first) or to a thread.
final class ClosureCallEvent: QueuedCallEvent {
    let body: () -> Void
    init(to object: QObject? = nil, _ body: @escaping () -> Void) {
        self.body = body
        super.init(object: object)
    }
    override func invoke() { body() }
}

extension ThreadData {
    /// Posts `call` to this thread and blocks the calling thread until the call has run or
    /// been dropped: the one place a blocking-queued signal call and a blocking-queued
    /// `invokeMethod` wait. The call's `release()` wakes the caller, so the caller keeps no
    /// reference to it. From this thread itself the wait could never end: that traps with
    /// `deadlock`, which names the receiver and the thread.
    /// Qt: `Qt::BlockingQueuedConnection`.
    func postAndWait(_ call: consuming QueuedCallEvent, deadlock: @autoclosure () -> String) {
        if isCurrent { Diagnostics.misuse(deadlock()) }
        let waiter = WaitCondition()
        call.waiter = waiter
        post(.call(call))
        _ = waiter.wait(msecs: -1)
    }
}

extension SignalBase {
    /// Posts a queued signal call to its receiver's thread; for blocking-queued, waits for it.
    /// `call` is an owned reference, handed to the queue (so the hot path moves it, with no
    /// reference counting).
    @usableFromInline
    func postQueuedCall(_ call: Unmanaged<QueuedCallEvent>, box: ConnectionBase, blocking: Bool) {
        let bits = box.receiverThreadBits.load(ordering: .acquiring)
        if !blocking && bits != 0 {
            // The hot path. Safe: the connection's receiverThreadRef keeps this ThreadData alive;
            // it changes only when the receiver moves, and the old thread data outlives the move.
            Unmanaged<ThreadData>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!)._withUnsafeGuaranteedRef {
                $0.postCall(call)
            }
            return
        }
        let target: ThreadData
        if bits != 0 {
            target = Unmanaged<ThreadData>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!).takeUnretainedValue()
        } else {
            target = owner?.threadData ?? ThreadData.current
        }
        guard blocking else {
            target.post(.call(call.takeRetainedValue()))
            return
        }
        target.postAndWait(
            call.takeRetainedValue(),
            deadlock: "Signal: blocking-queued call to \(box.receiver.map(describe) ?? "a slot") in \(target.debugName), "
                + "the emitting thread: this would deadlock (Qt: Qt::BlockingQueuedConnection in the same thread)")
    }
}
