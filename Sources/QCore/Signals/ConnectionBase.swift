import Synchronization

/// One connection (Qt's `QObjectPrivate::Connection`), shared by the signal's slot list, the
/// receiver's incoming list and any `Connection` handle. It never retains its receiver:
/// the receiver's teardown marks it gone, and nothing reads the receiver after that.
@usableFromInline
class ConnectionBase {
    /// How the slot is dispatched (and whether the connection is single-shot).
    @usableFromInline let mode: SlotMode
    /// 0 once disconnected (any form) or either end was torn down; while alive,
    /// `directReceiverSlot` for an `.auto` connection with a receiver slot (the common
    /// receiver connection: one compare tells an emission it is alive and how to call it), 1
    /// for any other.
    @usableFromInline let liveState: Atomic<UInt8>
    @usableFromInline static let directReceiverSlot: UInt8 = 2
    /// Set when the receiver/context was destroyed: pending queued calls are then dropped.
    @usableFromInline let receiverGone = Atomic<Bool>(false)
    /// The receiver or context object, valid while `receiverGone` is false (same thread).
    /// Set once, at construction (unchecked: a checked read cost an emission ~75 instructions).
    @usableFromInline @exclusivity(unchecked) unowned(unsafe) var receiver: QObject?
    /// `receiver`'s address (a connection that has one), read without reference counting.
    @inlinable var receiverAddress: UnsafeMutableRawPointer {
        Unmanaged.passUnretained(receiver.unsafelyUnwrapped).toOpaque()
    }
    @usableFromInline let receiverID: ObjectIdentifier?
    /// The receiver's ThreadData as a raw pointer, for the lock-free `.auto` decision.
    @usableFromInline let receiverThreadBits = Atomic<UInt>(0)
    /// The signal's next connection in connection order (the signal's buffer retains it), nil
    /// for its last: an emission walks these links (see `SignalBase.append`).
    @usableFromInline @exclusivity(unchecked) final var nextInSignal: UnsafeMutableRawPointer?
    /// The same ThreadData, retained; written under `connectionRegistryLock`.
    var receiverThreadRef: ThreadData?
    /// The signal it belongs to, cleared when the signal goes away.
    unowned(unsafe) var signal: SignalBase?
    /// Identity of a receiver-method connection, for `.unique`.
    let methodKey: MethodKey?
    /// Whether its arguments are Sendable (may cross threads).
    @usableFromInline let canQueue: Bool
    /// The receiver's life token: queued calls check it at delivery.
    @usableFromInline let receiverLife: LifeToken?
    /// True for method and receiver-closure connections: their slot is handed the receiver.
    var passesReceiver = false
    /// Unique id, for `Connection` handles.
    let id = nextConnectionId.wrappingAdd(1, ordering: .relaxed).newValue

    /// Spent queued calls kept for reuse (`QueuedCallEvent.recycle`), linked through
    /// `nextSpare`; the list owns one reference to each (held by hand, so that moving a call
    /// in or out costs no atomic operation). Touched only on the receiver's thread (the
    /// delivering thread keeps them, an emission in that same thread takes them), so it needs
    /// no lock: a receiver moves only from its own thread.
    @usableFromInline @exclusivity(unchecked) var spareCalls: Unmanaged<QueuedCallEvent>?
    @usableFromInline @exclusivity(unchecked) var spareCount = 0
    /// At most this many spares per connection (a burst of queued calls larger than this
    /// allocates the rest, as every call did before).
    static let spareLimit = 1024

    /// Spent calls that were queued from another thread, handed back by the thread that ran
    /// them (`returnSpentCall`): a lock-free stack of owned references, as raw bits, or
    /// `retired` once the connection died. Threads that ran calls push; the emitting side
    /// takes the whole stack at once, so no pop can meet a node popped and pushed again
    /// meanwhile (the ABA problem). See ConnectionBase+ReturnTrip.swift.
    let returnedCalls = Atomic<UInt>(0)
    /// The emitting side's spares (owned references linked through `nextSpare`, as raw bits),
    /// `senderBusy` while one emission takes from them (an emission that finds it busy, another
    /// thread emitting at the same moment, allocates instead), or `retired`.
    let senderSpares = Atomic<UInt>(0)
    /// Calls made for a return trip that may still exist (at most `returnTripLimit`), counted
    /// while `senderSpares` is held.
    @exclusivity(unchecked) var senderCirculating = 0
    static let senderBusy: UInt = 1
    /// The value of both lists once the connection died: nothing is kept any more.
    static let retired: UInt = 2
    /// At most this many calls of one connection make return trips. A thread that emits to a
    /// loop on the same CPU runs a whole time slice ahead of it: on this project's 2-CPU test
    /// machine a slice held 30,000 calls and often more, so with 16,384 two calls in three were
    /// still allocated and freed (one CPU: 8.3 -> 9.9 M calls/s at 65,536). The calls kept are
    /// at most the connection's own peak of calls in flight (which allocated calls would have
    /// taken from malloc as well, and malloc keeps freed memory too), about 7 MB at this limit
    /// for small arguments, and are freed when the connection dies.
    static let returnTripLimit = 65_536

    init(mode: SlotMode, receiver: QObject?, methodKey: MethodKey?, canQueue: Bool, hasReceiverSlot: Bool = false) {
        self.mode = mode
        liveState = Atomic(mode == .auto && hasReceiverSlot ? Self.directReceiverSlot : 1)
        self.receiver = receiver
        self.receiverID = receiver.map(ObjectIdentifier.init)
        self.methodKey = methodKey
        self.canQueue = canQueue
        self.receiverLife = receiver?.extraData.lifeToken
        if let receiver { setReceiverThread(receiver.postingThreadData) }
    }

    deinit {
        ConnectionBase.releaseSpares(spareCalls)
        // The return-trip lists are empty or retired here: each call in them holds this
        // connection (see ConnectionBase+ReturnTrip.swift).
    }

    /// Releases a list of spares linked through `nextSpare` (the list's references).
    static func releaseSpares(_ first: Unmanaged<QueuedCallEvent>?) {
        var next = first
        while let call = next {
            next = call._withUnsafeGuaranteedRef { $0.nextSpare }
            call.release()
        }
    }

    /// The first call of a list stored as raw bits (nil for empty, busy and retired).
    static func spare(bits: UInt) -> Unmanaged<QueuedCallEvent>? {
        bits <= retired ? nil : Unmanaged.fromOpaque(UnsafeRawPointer(bitPattern: bits).unsafelyUnwrapped)
    }

    /// A spare call to reuse (the caller owns the list's reference to it). Only from the
    /// receiver's thread (`receiverInCurrentThread`).
    @inlinable @inline(__always)
    func popSpareCall() -> Unmanaged<QueuedCallEvent>? {
        guard let call = spareCalls else { return nil }
        // Safe: the list holds a reference to each spare.
        spareCalls = call._withUnsafeGuaranteedRef { $0.nextSpare }
        spareCount -= 1
        return call
    }

    /// Takes over one reference to `call` (spent) as a spare; false when the list is full.
    func keepSpare(_ call: Unmanaged<QueuedCallEvent>) -> Bool {
        guard spareCount < Self.spareLimit else { return false }
        call._withUnsafeGuaranteedRef { $0.nextSpare = spareCalls }
        spareCalls = call
        spareCount += 1
        return true
    }

    @inline(__always) @usableFromInline var isAlive: Bool { liveState.load(ordering: .relaxed) != 0 }

    /// Marks the connection dead; returns whether it was alive.
    @discardableResult
    func markDead() -> Bool {
        liveState.exchange(0, ordering: .acquiringAndReleasing) != 0
    }

    /// Points the connection at its receiver's (new) thread. Callers hold the registry lock
    /// or own the connection exclusively.
    func setReceiverThread(_ data: ThreadData) {
        receiverThreadRef = data
        receiverThreadBits.store(UInt(bitPattern: Unmanaged.passUnretained(data).toOpaque()), ordering: .releasing)
    }

    /// True when the receiver lives in the calling thread; false for a receiver-less
    /// connection. No lock, no retain.
    @inlinable @inline(__always) var receiverInCurrentThread: Bool {
        let bits = receiverThreadBits.load(ordering: .acquiring)
        // Safe: receiverThreadRef keeps this ThreadData alive while the connection points at it.
        return bits != 0
            && Unmanaged<ThreadData>.fromOpaque(UnsafeRawPointer(bitPattern: bits)!)._withUnsafeGuaranteedRef { $0.isCurrent }
    }

    /// The receiver's ThreadData, retained (takes the registry lock: cross-thread paths only).
    var receiverThread: ThreadData? {
        connectionRegistryLock.withLock { receiverThreadRef }
    }
}

private let nextConnectionId = Atomic<UInt64>(0)

/// Identifies "the same slot" for `.unique`: the source location of the connect call.
@usableFromInline
struct MethodKey: Hashable {
    @usableFromInline let function: UInt
    @usableFromInline let context: UInt
}

/// A connection with its typed slot. The slot closure is wrapped in a struct: Swift 6.3
/// refuses arrays/fields of bare `(repeat each Arg) -> Void`.
@usableFromInline
final class SlotBox<each Arg>: ConnectionBase {
    @usableFromInline let slot: Slot<repeat each Arg>
    /// For `connect(receiver:)` (`liveState` says so): the user's own slot, which takes the
    /// receiver first. A direct emission calls it with the receiver's address (as a
    /// `ReceiverAddressSlot`, the same function value): one indirect call instead
    /// of two through `slot`, which wraps it (an emission to one receiver slot went from 133 to
    /// 111 instructions). Not optional: reading an optional closure for the call copied it
    /// (an atomic retain and release of its context per emission) where the optimiser could
    /// not see through the copy.
    @usableFromInline let receiverSlot: ReceiverAddressSlot<repeat each Arg>

    init(
        slot: Slot<repeat each Arg>, receiverSlot: ReceiverAddressSlot<repeat each Arg>?, mode: SlotMode,
        receiver: QObject?, methodKey: MethodKey?, canQueue: Bool
    ) {
        self.slot = slot
        self.receiverSlot = receiverSlot ?? ReceiverAddressSlot { (_: UnsafeMutableRawPointer, _: repeat each Arg) in }
        super.init(
            mode: mode, receiver: receiver, methodKey: methodKey, canQueue: canQueue, hasReceiverSlot: receiverSlot != nil)
    }
}

/// A slot closure that takes its receiver first (`connect(receiver:)`). Wrapped in a struct:
/// Swift 6.3 refuses to reinterpret a bare variadic function type (see `connect(receiver:)`).
@usableFromInline
struct ReceiverSlot<Receiver: QObject, each Arg> {
    @usableFromInline let call: (Receiver, repeat each Arg) -> Void
    @usableFromInline init(call: @escaping (Receiver, repeat each Arg) -> Void) { self.call = call }
}

/// A `ReceiverSlot` as the emission calls it: with the receiver's address, which the slot
/// receives as its (borrowed) receiver reference.
@usableFromInline
struct ReceiverAddressSlot<each Arg> {
    @usableFromInline let call: (UnsafeMutableRawPointer, repeat each Arg) -> Void
    @usableFromInline init(call: @escaping (UnsafeMutableRawPointer, repeat each Arg) -> Void) { self.call = call }
}

/// A slot closure.
@usableFromInline
struct Slot<each Arg> {
    @usableFromInline let call: (repeat each Arg) -> Void
    @usableFromInline init(_ call: @escaping (repeat each Arg) -> Void) { self.call = call }
}
