import CQKitThreads
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A typed Qt signal. Declare it in a QObject subclass with one line,
/// `let valueChanged = Signal<Int>()`: the object adopts it when constructed, so that
/// `blockSignals`, `sender()` and the owner's deletion apply (a `lazy var … = Signal<Int>(owner: self)`
/// works too, at the cost of reference counting on each access). Connect closures, receiver
/// methods, context objects or other signals; `emit` calls the slots in connection order.
public final class Signal<each Arg>: SignalBase {
    /// A signal owned by `owner` (blocked with it, disconnected when it is destroyed).
    public init(owner: QObject) { super.init(owner: owner, sendable: false) }

    /// A signal with no owner yet: declared as a stored property of a QObject subclass, the
    /// object adopts it; elsewhere it is a free-standing signal.
    public init() { super.init(owner: nil, sendable: false) }

    override init(owner: QObject?, sendable: Bool) { super.init(owner: owner, sendable: sendable) }

    /// Calls every connected slot, in connection order. Connections made during the emission
    /// are not called by it; connections removed (or whose receiver is deleted) before their
    /// turn are skipped. Blocked signals do nothing. Qt: `emit signal(args...)`.
    @inlinable @inline(__always)
    public func emit(_ args: repeat each Arg) {
        // The hint only orders the code: the return follows the count check directly, so an
        // emit with no slots takes no branch (measured: 2.7 -> 2.0 ns per emit on this
        // project's 2-CPU test machine).
        if _fastPath(count == 0) { return }
        if flags != 0 { return }
        Signal.emitToSlots(self, repeat each args)
    }

    /// The emission (kept out of line so an emit with no slots is a load and a branch).
    /// Static, the signal an ordinary argument: as a method, the signal went in the register
    /// of `self`, which the emitting function then saved in a stack frame before even
    /// checking for slots. This function is only the common case, one live receiver slot in
    /// the calling thread; everything else goes to `emitToSlotsInGeneral`, so that this one
    /// keeps few values across the slot call (fewer saved registers).
    @inlinable
    static func emitToSlots(_ signal: Signal, _ args: repeat each Arg) {
        guard _fastPath(signal.count == 1) else { return emitToSlotsInGeneral(signal, repeat each args) }
        // Safe: the buffer retains its connections (`first` is its first); removals wait for
        // emitDepth 0.
        let raw = signal.first.unsafelyUnwrapped
        let connection = Unmanaged<ConnectionBase>.fromOpaque(raw)
        // A live .auto receiver slot, whose receiver lives in the calling thread. (Tested one
        // after the other: a thread-data value of 0 meaning "not here" cost a test more.)
        let live = connection._withUnsafeGuaranteedRef { $0.liveState.load(ordering: .relaxed) }
        guard _fastPath(live == ConnectionBase.directReceiverSlot) else { return emitToSlotsInGeneral(signal, repeat each args) }
        // Safe: the connection's receiverThreadRef retains this ThreadData, and an .auto
        // connection has a receiver, which set it at connect (never 0).
        let bits = connection._withUnsafeGuaranteedRef { $0.receiverThreadBits.load(ordering: .acquiring) }
        let data = Unmanaged<ThreadData>.fromOpaque(UnsafeRawPointer(bitPattern: bits).unsafelyUnwrapped)
        guard _fastPath(data._withUnsafeGuaranteedRef { $0.token.load(ordering: .relaxed) } == currentThreadToken())
        else { return emitToSlotsInGeneral(signal, repeat each args) }
        signal.beginEmission()
        // Safe: as above; the thread's data outlives the emission.
        let scope = data._withUnsafeGuaranteedRef { SenderScope(data: $0, connection: raw) }
        Unmanaged<SlotBox<repeat each Arg>>.fromOpaque(raw)._withUnsafeGuaranteedRef { box in
            callDirect(box, ConnectionBase.directReceiverSlot, repeat each args)
        }
        scope.end()
        signal.endEmission()
    }

    /// Every emission but the common one (`emitToSlots`): several slots, or one that is
    /// plain, queued, in another thread, single-shot or dead.
    @inlinable @inline(never)
    static func emitToSlotsInGeneral(_ signal: Signal, _ args: repeat each Arg) {
        let n = signal.count
        // Counted in memory, not restored from a register: kept across the slot calls, it
        // took a register the loop needs.
        signal.beginEmission()
        if n == 1 {
            // Safe: the buffer retains its connections (`first` is its first); removals wait
            // for emitDepth 0.
            emitToSlot(signal, signal.first.unsafelyUnwrapped, repeat each args)
        } else {
            // The calling thread's token (one load from the thread pointer), read once.
            emitToEachSlot(signal, currentThreadToken(), repeat each args)
        }
        signal.endEmission()
    }

    /// Calls one slot (the signal's only one) that `emitToSlots` did not take: directly when
    /// its receiver lives in the calling thread (a context closure; a receiver slot only
    /// when its thread changed meanwhile), with sender() answering for it; queued otherwise.
    @inlinable @inline(__always)
    static func emitToSlot(_ signal: Signal, _ raw: UnsafeMutableRawPointer, _ args: repeat each Arg) {
        Unmanaged<SlotBox<repeat each Arg>>.fromOpaque(raw)._withUnsafeGuaranteedRef { box in
            // One byte says alive, and whether .auto with a receiver slot.
            let live = box.liveState.load(ordering: .relaxed)
            if live != 0 && box.mode == .auto {
                let bits = box.receiverThreadBits.load(ordering: .acquiring)
                // Safe: the connection's receiverThreadRef retains this ThreadData, and an
                // .auto connection has a receiver, which set it at connect (bits are never 0;
                // unchecked, the unwrap costs no test per slot). The closures capture only
                // plain values: one that captured `box` would retain and release it on every
                // emission.
                let receiverData = Unmanaged<ThreadData>.fromOpaque(UnsafeRawPointer(bitPattern: bits).unsafelyUnwrapped)
                if receiverData._withUnsafeGuaranteedRef({ $0.token.load(ordering: .relaxed) == currentThreadToken() }) {
                    let scope = receiverData._withUnsafeGuaranteedRef { SenderScope(data: $0, connection: raw) }
                    callDirect(box, live, repeat each args)
                    scope.end()
                } else {
                    signal.queueFromEmission(raw, repeat each args)
                }
            } else if box.mode == .plain {
                if live != 0 { box.slot.call(repeat each args) } else { signal.needsCompaction = true }
            } else {
                signal.dispatch(box, repeat each args)
            }
        }
    }

    /// Calls each slot the signal had when the emission began, in connection order. The
    /// calling thread's data, once a direct slot found its receiver there (`here`, 0 before),
    /// spares later receivers in it the thread check, and sender()'s record is saved once and
    /// restored once for the emission (each direct slot only sets it; any other slot runs with
    /// the record as it was).
    @inlinable @inline(__always)
    static func emitToEachSlot(_ signal: Signal, _ me: UInt, _ args: repeat each Arg) {
        var here: UInt = 0
        var saved: UnsafeMutableRawPointer?
        // Safe: the buffer retains every connection and removals wait for emitDepth 0, so the
        // links from `first` to `last` stay valid; a connection made meanwhile only changes
        // the link after `last`. (Walked by link, not by index: an indexed loop kept the
        // buffer's address on the stack and reloaded it for every slot.)
        var raw = signal.first.unsafelyUnwrapped
        let last = signal.last.unsafelyUnwrapped
        while true {
            Unmanaged<SlotBox<repeat each Arg>>.fromOpaque(raw)._withUnsafeGuaranteedRef { box in
                let live = box.liveState.load(ordering: .relaxed)
                if _fastPath(live == ConnectionBase.directReceiverSlot) || (live != 0 && box.mode == .auto) {
                    let bits = box.receiverThreadBits.load(ordering: .acquiring)
                    // Safe: as in emitToSlot.
                    let receiverData = Unmanaged<ThreadData>.fromOpaque(UnsafeRawPointer(bitPattern: bits).unsafelyUnwrapped)
                    if _fastPath(bits == here) {
                        receiverData._withUnsafeGuaranteedRef { $0.currentConnectionRaw = raw }
                        callDirect(box, live, repeat each args)
                    } else if receiverData._withUnsafeGuaranteedRef({ $0.token.load(ordering: .relaxed) == me }) {
                        // The first receiver found in this thread (`here` is only ever this
                        // thread's data, so it is 0 here; restored anyway should a thread
                        // ever have two).
                        if here != 0 { restoreSender(here, saved) }
                        here = bits
                        receiverData._withUnsafeGuaranteedRef {
                            saved = $0.currentConnectionRaw
                            $0.currentConnectionRaw = raw
                        }
                        callDirect(box, live, repeat each args)
                    } else {
                        if here != 0 {
                            restoreSender(here, saved)
                            here = 0
                        }
                        signal.queueFromEmission(raw, repeat each args)
                    }
                } else {
                    if here != 0 {
                        restoreSender(here, saved)
                        here = 0
                    }
                    if box.mode == .plain {
                        if live != 0 { box.slot.call(repeat each args) } else { signal.needsCompaction = true }
                    } else {
                        signal.dispatch(box, repeat each args)
                    }
                }
            }
            if raw == last { break }
            // Safe: as above.
            raw = Unmanaged<ConnectionBase>.fromOpaque(raw)._withUnsafeGuaranteedRef { $0.nextInSignal.unsafelyUnwrapped }
        }
        if here != 0 { restoreSender(here, saved) }
    }

    /// Runs a live .auto connection's slot in its receiver's thread: a receiver slot with its
    /// receiver (`live` is `directReceiverSlot`), else the closure.
    @inlinable @inline(__always)
    static func callDirect(_ box: SlotBox<repeat each Arg>, _ live: UInt8, _ args: repeat each Arg) {
        if live == ConnectionBase.directReceiverSlot {
            // Safe: a live connection in its receiver's thread has a live receiver (its
            // teardown kills its connections first).
            box.receiverSlot.call(box.receiverAddress, repeat each args)
        } else {
            box.slot.call(repeat each args)
        }
    }

    /// Gives the calling thread's data (`bits`, retained by the thread) back the sender()
    /// record it had before the emission.
    @inlinable @inline(__always)
    static func restoreSender(_ bits: UInt, _ saved: UnsafeMutableRawPointer?) {
        // Safe: `bits` is the calling thread's data, which its thread keeps alive.
        Unmanaged<ThreadData>.fromOpaque(UnsafeRawPointer(bitPattern: bits).unsafelyUnwrapped)._withUnsafeGuaranteedRef {
            $0.currentConnectionRaw = saved
        }
    }

    /// Everything but a plain closure: receiver tracking, thread decision, queuing.
    @inlinable
    func dispatch(_ box: SlotBox<repeat each Arg>, _ args: repeat each Arg) {
        guard box.isAlive else {
            needsCompaction = true
            return
        }
        let mode = box.mode
        if mode.isSingleShot {
            // Qt: a single-shot connection is removed before its slot runs.
            guard kill(box) else { return }
        }
        switch mode {
        case .plain, .plainOnce:
            box.slot.call(repeat each args)
        case .auto, .autoOnce:
            if box.receiverInCurrentThread {
                invokeDirect(box, repeat each args)
            } else {
                queue(box, blocking: false, repeat each args)
            }
        case .direct, .directOnce:
            invokeDirect(box, repeat each args)
        case .queued, .queuedOnce:
            queue(box, blocking: false, repeat each args)
        case .blocking, .blockingOnce:
            queue(box, blocking: true, repeat each args)
        }
    }

    /// Runs a slot now, with `sender()` answering for its receiver meanwhile.
    @inlinable
    func invokeDirect(_ box: SlotBox<repeat each Arg>, _ args: repeat each Arg) {
        let scope = SenderScope(box)
        box.slot.call(repeat each args)
        scope.end()
    }
}

extension Signal where repeat each Arg: Sendable {
    /// A signal owned by `owner`; its arguments are Sendable, so `.auto` connections may
    /// queue calls to receivers in other threads.
    public convenience init(owner: QObject) { self.init(owner: owner, sendable: true) }

    /// A signal with no owner yet (see `init()`) whose arguments may cross threads.
    public convenience init() { self.init(owner: nil, sendable: true) }
}

/// While a slot runs, records (on the receiver's thread) which connection invoked it, so
/// that `receiver.sender()` can answer. Restored afterwards, so nested emissions work.
@usableFromInline
struct SenderScope {
    @usableFromInline unowned(unsafe) let data: ThreadData
    @usableFromInline let saved: UnsafeMutableRawPointer?

    @inlinable @inline(__always)
    init(_ box: ConnectionBase) {
        let bits = box.receiverThreadBits.load(ordering: .acquiring)
        let data: ThreadData
        if box.receiverInCurrentThread {
            // Safe: the connection's receiverThreadRef retains it.
            data = Unmanaged<ThreadData>.fromOpaque(UnsafeRawPointer(bitPattern: bits).unsafelyUnwrapped).takeUnretainedValue()
        } else {
            data = ThreadData.current
        }
        self.init(data: data, connection: Unmanaged.passUnretained(box).toOpaque())
    }

    /// The scope of `connection`'s slot on `data`'s thread (the caller knows the thread).
    @inlinable @inline(__always)
    init(data: ThreadData, connection: UnsafeMutableRawPointer?) {
        self.data = data
        saved = data.currentConnectionRaw
        data.currentConnectionRaw = connection
    }

    @inlinable @inline(__always)
    func end() {
        data.currentConnectionRaw = saved
    }
}

/// The calling thread's identity as ThreadData tokens store it: its `pthread_t`, read without
/// a call where the shim can (x86-64).
@inlinable @inline(__always)
func currentThreadToken() -> UInt {
    UInt(cqkit_thread_self())
}

/// "Type 'name'" for messages.
func describe(_ object: QObject) -> String {
    let name = object.objectName
    return name.isEmpty ? "\(type(of: object))" : "\(type(of: object)) '\(name)'"
}

/// A zero-argument signal, `Signal< >`. Qt: a signal declared with no parameters.
// swift-format-ignore
public typealias Signal0 = Signal< >
