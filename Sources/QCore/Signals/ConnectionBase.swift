import Synchronization

/// One connection (Qt's `QObjectPrivate::Connection`), shared by the signal's slot list, the
/// receiver's incoming list and any `Connection` handle. It never retains its receiver:
/// the receiver's teardown marks it gone, and nothing reads the receiver after that.
@usableFromInline
class ConnectionBase {
    /// How the slot is dispatched (and whether the connection is single-shot).
    @usableFromInline let mode: SlotMode
    /// Cleared by disconnect (any form) and by either end's teardown.
    @usableFromInline let alive = Atomic<Bool>(true)
    /// Set when the receiver/context was destroyed: pending queued calls are then dropped.
    @usableFromInline let receiverGone = Atomic<Bool>(false)
    /// The receiver or context object, valid while `receiverGone` is false (same thread).
    @usableFromInline unowned(unsafe) var receiver: QObject?
    @usableFromInline let receiverID: ObjectIdentifier?
    /// The receiver's ThreadData as a raw pointer, for the lock-free `.auto` decision.
    @usableFromInline let receiverThreadBits = Atomic<UInt>(0)
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

    init(mode: SlotMode, receiver: QObject?, methodKey: MethodKey?, canQueue: Bool) {
        self.mode = mode
        self.receiver = receiver
        self.receiverID = receiver.map(ObjectIdentifier.init)
        self.methodKey = methodKey
        self.canQueue = canQueue
        self.receiverLife = receiver?.extraData.lifeToken
        if let receiver { setReceiverThread(receiver.postingThreadData) }
    }

    deinit {
        var next = spareCalls
        while let call = next {
            next = call._withUnsafeGuaranteedRef { $0.nextSpare }
            call.release()
        }
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

    @inline(__always) @usableFromInline var isAlive: Bool { alive.load(ordering: .relaxed) }

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

    init(slot: Slot<repeat each Arg>, mode: SlotMode, receiver: QObject?, methodKey: MethodKey?, canQueue: Bool) {
        self.slot = slot
        super.init(mode: mode, receiver: receiver, methodKey: methodKey, canQueue: canQueue)
    }
}

/// A slot closure.
@usableFromInline
struct Slot<each Arg> {
    @usableFromInline let call: (repeat each Arg) -> Void
    @usableFromInline init(_ call: @escaping (repeat each Arg) -> Void) { self.call = call }
}
