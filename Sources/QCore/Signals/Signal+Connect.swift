import Synchronization

extension Signal {
    /// Connects a closure. With no context it is always direct and lives as long as the
    /// signal (or until disconnected). Qt: `connect(sender, &Signal, functor)`.
    @discardableResult
    public func connect(
        type: SignalConnectionType<repeat each Arg> = .auto, options: ConnectionOptions = [],
        _ body: @escaping (repeat each Arg) -> Void
    ) -> Connection {
        let context: QObject? = type.type == .queued || type.type == .blockingQueued ? owner : nil
        return makeConnection(context: context, type: type.type, options: options, methodKey: nil, Slot<repeat each Arg>(body))
    }

    /// Connects a closure tied to `context`: it runs in the context's thread and the
    /// connection dies with the context (or the sender). Qt: `connect(sender, &Signal, context, functor)`.
    @discardableResult
    public func connect(
        context: QObject, type: SignalConnectionType<repeat each Arg> = .auto, options: ConnectionOptions = [],
        _ body: @escaping (repeat each Arg) -> Void
    ) -> Connection {
        makeConnection(context: context, type: type.type, options: options, methodKey: nil, Slot<repeat each Arg>(body))
    }

    /// Connects a method of `receiver` (e.g. `Receiver.update`). The connection never keeps
    /// the receiver alive and is removed when it is destroyed. `.unique` refuses a second
    /// connection of the same receiver from the same `connect` call site (Swift cannot compare
    /// method references, so the call site stands for the method).
    /// Qt: `connect(sender, &Signal, receiver, &Receiver::slot)`.
    /// Swift builds the bound method (one small allocation) on every call; on hot paths use
    /// `connect(receiver: r) { r, args in r.method(args) }`, which costs nothing extra.
    @discardableResult @inlinable
    public func connect<Receiver: QObject>(
        _ receiver: Receiver, _ method: @escaping (Receiver) -> (repeat each Arg) -> Void,
        type: SignalConnectionType<repeat each Arg> = .auto, options: ConnectionOptions = [],
        file: StaticString = #fileID, line: UInt = #line, column: UInt = #column
    ) -> Connection {
        // Safe: the connection is killed in the receiver's teardown, before its memory goes,
        // and slots only run while the connection is alive on the receiver's thread.
        unowned(unsafe) let target = receiver
        let slot = Slot<repeat each Arg> { (args: repeat each Arg) in method(target)(repeat each args) }
        return makeConnection(
            context: receiver, type: type.type, options: options,
            methodKey: MethodKey(file: file, line: line, column: column), passesReceiver: true, slot)
    }

    /// Connects a slot that receives `receiver` as its first argument, so the closure
    /// captures nothing: the fastest receiver connection (no reference counting, no
    /// allocation per call), with the same lifetime rules as a method connection.
    /// `s.connect(receiver: r) { r, v in r.update(v) }` is Qt's `connect(s, &S::sig, r, &R::update)`.
    @discardableResult @inlinable
    public func connect<Receiver: QObject>(
        receiver: Receiver, type: SignalConnectionType<repeat each Arg> = .auto,
        options: ConnectionOptions = [],
        file: StaticString = #fileID, line: UInt = #line, column: UInt = #column,
        _ slot: @escaping (Receiver, repeat each Arg) -> Void
    ) -> Connection {
        // Safe: as for method connections, the receiver's teardown kills the connection first,
        // so the receiver is alive whenever the slot runs (no retain/release per call).
        let target = Unmanaged.passUnretained(receiver)
        let bound = Slot<repeat each Arg> { (args: repeat each Arg) in
            target._withUnsafeGuaranteedRef { slot($0, repeat each args) }
        }
        // The user's slot itself, for direct emissions to call without `bound` around it.
        // Safe: a class-constrained generic parameter is passed as the plain object reference,
        // borrowed, in the register an address goes in, so both struct types hold the same
        // 16-byte function value with the same calling convention; it is only ever called with
        // `receiver`'s address while `receiver` lives (the emission calls it directly with
        // that address: no closure to borrow the object, which copied the arguments once more).
        let direct = unsafeBitCast(
            ReceiverSlot<Receiver, repeat each Arg>(call: slot), to: ReceiverAddressSlot<repeat each Arg>.self)
        return makeConnection(
            context: receiver, type: type.type, options: options,
            methodKey: MethodKey(file: file, line: line, column: column), passesReceiver: true,
            receiverSlot: direct, bound)
    }

    /// Forwards this signal to `other` (same argument types); the connection dies with
    /// `other`'s owner. Qt: `connect(sender, &A::sig, receiver, &B::sig)`.
    @discardableResult
    public func connect(
        _ other: Signal<repeat each Arg>, type: SignalConnectionType<repeat each Arg> = .auto,
        options: ConnectionOptions = []
    ) -> Connection {
        let key = MethodKey(object: other)
        if let otherOwner = other.owner {
            // Safe: `other` is a property of its owner, whose teardown kills this connection.
            unowned(unsafe) let target = other
            let slot = Slot<repeat each Arg> { (args: repeat each Arg) in target.emit(repeat each args) }
            return makeConnection(context: otherOwner, type: type.type, options: options, methodKey: key, slot)
        }
        let slot = Slot<repeat each Arg> { (args: repeat each Arg) in other.emit(repeat each args) }
        return makeConnection(context: nil, type: type.type, options: options, methodKey: key, slot)
    }

    @usableFromInline
    func makeConnection(
        context: QObject?, type: ConnectionType, options: ConnectionOptions, methodKey: MethodKey?,
        passesReceiver: Bool = false, receiverSlot: ReceiverAddressSlot<repeat each Arg>? = nil,
        _ slot: Slot<repeat each Arg>
    ) -> Connection {
        checkAffinity("connect to a signal of")
        if let context, context.isDeleted { return Connection(nil) }
        if options.contains(.unique) {
            guard let methodKey, let context else {
                Diagnostics.warning("Signal.connect: unique connections require a receiver method, not a closure")
                return Connection(nil)
            }
            if hasConnection(to: context, methodKey: methodKey) { return Connection(nil) }
        }
        let mode = SlotMode.of(type, hasReceiver: context != nil, singleShot: options.contains(.singleShot))
        let box = SlotBox(
            slot: slot, receiverSlot: receiverSlot, mode: mode, receiver: context, methodKey: methodKey,
            canQueue: argumentsSendable)
        box.passesReceiver = passesReceiver
        box.registerWithReceiver()
        append(box)
        if !ownerGone, let owner { owner.connectNotify(self) }
        return Connection(box)
    }

    /// Removes every connection of this signal to `receiver` (closures with it as context
    /// too); true if any was removed. Qt: `disconnect(sender, &Signal, receiver, nullptr)`.
    @discardableResult
    public func disconnect(_ receiver: QObject) -> Bool {
        checkAffinity("disconnect from a signal of")
        return removeConnections(to: receiver, methodKey: nil)
    }

    /// Removes every connection of this signal; true if any was removed.
    /// Qt: `disconnect(sender, &Signal, nullptr, nullptr)`.
    @discardableResult
    public func disconnectAll() -> Bool {
        checkAffinity("disconnect from a signal of")
        return removeAllConnections()
    }
}

extension MethodKey {
    /// A method connection's identity: the source location of its `connect` call.
    @usableFromInline
    init(file: StaticString, line: UInt, column: UInt) {
        self.init(function: UInt(bitPattern: file.utf8Start), context: line << 20 | column)
    }

    /// The identity of a forwarding target signal.
    init(object: AnyObject) {
        self.init(function: UInt(bitPattern: ObjectIdentifier(object).hashValue), context: 0)
    }
}

/// A handle on one connection (Qt's `QMetaObject::Connection`). Invalid when `connect`
/// refused. It names the connection by id, so a slot may capture its own handle without a
/// reference cycle, and it never keeps the receiver alive. Used, like its signal, from the
/// signal's thread.
public struct Connection {
    /// Its signal's anchor: the handle keeps neither the signal nor what the signal's slots
    /// capture alive.
    private let anchor: SignalAnchor?
    /// The connection's id on that signal; 0 when `connect` made none.
    private let id: UInt64

    @usableFromInline
    init(_ box: ConnectionBase?) {
        anchor = box?.signal?.anchor
        id = box?.id ?? 0
    }

    /// Whether `connect` made a connection at all.
    public var isValid: Bool { id != 0 }

    /// True while the connection exists. Qt: `operator bool`.
    public var isConnected: Bool {
        anchor?.withSignal { $0.liveConnection(id: id) != nil } ?? false
    }

    /// Removes the connection; true if it was connected. Qt: `QObject::disconnect(connection)`.
    @discardableResult
    public func disconnect() -> Bool {
        anchor?.withSignal { signal in
            guard let box = signal.liveConnection(id: id) else { return false }
            signal.checkAffinity("disconnect from a signal of")
            return signal.kill(box)
        } ?? false
    }
}

/// What `Connection` handles hold of their signal: its address, cleared when the signal is
/// destroyed. A handle holding the signal weakly instead gave every connected signal a weak
/// reference's side table, and then every retain and release of the signal took the
/// runtime's slow path (five times the instructions: an emission through a signal read from
/// another object paid about 130 more).
final class SignalAnchor: Sendable {
    private let signalBits: Atomic<UInt>

    init(_ signal: SignalBase) {
        signalBits = Atomic(UInt(bitPattern: Unmanaged.passUnretained(signal).toOpaque()))
    }

    /// Called by the signal's deinit.
    func signalDestroyed() { signalBits.store(0, ordering: .releasing) }

    /// `body` with the signal, nil once it was destroyed. The signal is retained while `body`
    /// runs: a disconnect may release the last slot that holds it.
    func withSignal<R>(_ body: (SignalBase) -> R) -> R? {
        let bits = signalBits.load(ordering: .acquiring)
        guard bits != 0 else { return nil }
        // Safe: the signal clears this first thing in its deinit, and both are used from its
        // thread, so a non-zero address names a signal whose destruction has not begun.
        let signal = Unmanaged<SignalBase>.fromOpaque(UnsafeRawPointer(bitPattern: bits).unsafelyUnwrapped)
            .takeUnretainedValue()
        return body(signal)
    }
}
