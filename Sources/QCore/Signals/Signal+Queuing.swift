/// Queuing an emission for a receiver in another thread (or a `.queued` connection): the
/// call event that carries the arguments, and its reuse.
extension Signal {
    /// `queue` for the emission loop, out of line: inlined there, its reference to the
    /// connection (kept by the posted call) made the loop retain and release every receiver
    /// connection on each emission, cross-thread or not.
    @usableFromInline @inline(never)
    func queueFromEmission(_ raw: UnsafeMutableRawPointer, _ args: repeat each Arg) {
        queue(Unmanaged<SlotBox<repeat each Arg>>.fromOpaque(raw).takeUnretainedValue(), blocking: false, repeat each args)
    }

    /// Posts the call to the receiver's thread (arguments copied now).
    @inlinable
    func queue(_ box: SlotBox<repeat each Arg>, blocking: Bool, _ args: repeat each Arg) {
        guard box.canQueue else { refuseQueuing(box, argumentTypes: "\((repeat (each Arg).self))") }
        // Only calls whose arguments are plain values (decided at compile time per argument
        // list) are reused: a spare then holds nothing that needs releasing. One queued in the
        // receiver's own thread waits in that thread's list; one queued from another thread
        // goes back to the emitting side.
        guard !blocking && _isPOD((repeat each Arg).self) else {
            postQueuedCall(.passRetained(SignalCallEvent(box: box, args: repeat each args)), box: box, blocking: blocking)
            return
        }
        // A spare of this connection, or a new call (kept once spent when the lists have room).
        let fromOtherThread = !box.receiverInCurrentThread
        var mayKeep = true
        if let spare = fromOtherThread ? box.takeSenderSpare(mayCirculate: &mayKeep) : box.popSpareCall() {
            // Safe: a connection's spares are calls of that connection, so of its type;
            // the list's reference passes to the queue.
            spare._withUnsafeGuaranteedRef {
                unsafeDowncast($0, to: SignalCallEvent<repeat each Arg>.self)
                    .reuse(box: box, holdsBox: fromOtherThread, args: repeat each args)
            }
            postQueuedCall(spare, box: box, blocking: false)
        } else {
            let call = SignalCallEvent(box: box, args: repeat each args)
            call.reusable = mayKeep
            call.returnsToSender = fromOtherThread && mayKeep
            postQueuedCall(.passRetained(call), box: box, blocking: false)
        }
    }
}

/// The queued form of one emission: the connection and a copy of the arguments. When the
/// arguments are plain values (no references: `Int`, `Double`, enums and structs of such),
/// the receiver's thread keeps the call once it ran in its connection's spare list
/// (`QueuedCallEvent.recycle`), and the next emission queued from that thread reuses it:
/// steady same-thread queued calls then allocate nothing. Calls with other arguments are
/// freed after delivery, releasing their arguments then, as Qt destroys its call event.
@usableFromInline
final class SignalCallEvent<each Arg>: QueuedCallEvent {
    /// The arguments. (Not an optional to empty after the slot ran: destroying a generic
    /// optional in this class's deinit looked its type up at run time, about 300
    /// instructions per call freed.)
    @usableFromInline @exclusivity(unchecked) var args: (repeat each Arg)

    /// The typed connection (stored once, in the untyped base).
    @inlinable var box: SlotBox<repeat each Arg> {
        unsafeDowncast(connection.unsafelyUnwrapped, to: SlotBox<repeat each Arg>.self)
    }

    @inlinable
    init(box: SlotBox<repeat each Arg>, args: repeat each Arg) {
        self.args = (repeat each args)
        // Capture-free and built here, in specialised code: no allocation, no generic dispatch.
        super.init(
            connection: box,
            runner: { event in
                unsafeDowncast(event, to: SignalCallEvent<repeat each Arg>.self).run()
            })
    }

    /// Makes a spare taken from `box` the call of a new emission. A spare of the emitting
    /// side still holds its connection (`holdsBox`); one of the receiver's thread retains it.
    @inlinable
    func reuse(box: SlotBox<repeat each Arg>, holdsBox: Bool, args: repeat each Arg) {
        self.args = (repeat each args)
        if holdsBox {
            assert(connectionRef?.toOpaque() == Unmanaged.passUnretained(box).toOpaque(), "a spare of another connection")
        } else {
            connectionRef = Unmanaged.passRetained(box)
        }
        isAccepted = true
    }

    /// The slot call alone: `QueuedCallEvent.deliver(on:)` has checked the receiver and set
    /// `sender()`. Still delivered after a disconnect or the sender's destruction (then
    /// sender() is nil).
    @inlinable
    func run() {
        // Safe: this event retains its connection until it is freed or kept as a spare.
        Unmanaged.passUnretained(box)._withUnsafeGuaranteedRef { box in
            box.slot.call(repeat each args)
        }
    }
}

extension SignalBase {
    @usableFromInline
    func refuseQueuing(_ box: ConnectionBase, argumentTypes: String) -> Never {
        Diagnostics.misuse(
            "Signal<\(argumentTypes)>: cannot queue a call to "
                + "\(box.receiver.map(describe) ?? "a context") in another thread: the signal's arguments "
                + "are not Sendable. Emit from the receiver's thread or make the arguments Sendable.")
    }
}
