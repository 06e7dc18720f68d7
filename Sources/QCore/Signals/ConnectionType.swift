/// Qt's `Qt::ConnectionType`: how a slot is invoked, decided at each emission.
/// `.queued` and `.blockingQueued` exist only for signals whose arguments are `Sendable`.
public enum ConnectionType: Sendable {
    /// Direct when the receiver lives in the emitting thread, otherwise queued.
    case auto
    /// The slot runs inside `emit`, in the emitting thread.
    case direct
    /// The arguments are copied and the call runs later in the receiver's thread.
    case queued
    /// Queued, and the emitter waits until the slot has returned (never into the emitting thread).
    case blockingQueued
}

/// The connection type of a `connect` on a `Signal<Arg...>`: `.auto` and `.direct` always,
/// `.queued` and `.blockingQueued` only when every argument type is `Sendable`, so a call that
/// would carry non-Sendable values to another thread does not compile (Qt finds out at run time).
public struct SignalConnectionType<each Arg>: Sendable {
    @usableFromInline let type: ConnectionType

    init(_ type: ConnectionType) { self.type = type }

    /// Direct when the receiver lives in the emitting thread, otherwise queued (for signals
    /// whose arguments are not Sendable, a cross-thread emission traps with a message).
    public static var auto: Self { Self(.auto) }
    /// The slot runs inside `emit`, in the emitting thread.
    public static var direct: Self { Self(.direct) }
}

extension SignalConnectionType where repeat each Arg: Sendable {
    /// The arguments are copied and the call runs later in the receiver's thread.
    public static var queued: Self { Self(.queued) }
    /// Queued, and the emitter waits until the slot has returned.
    public static var blockingQueued: Self { Self(.blockingQueued) }
}

/// Qt's `Qt::UniqueConnection` and `Qt::SingleShotConnection` flags.
public struct ConnectionOptions: OptionSet, Sendable {
    public let rawValue: Int
    /// Creates options from raw bits.
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// Refuse the connection if this receiver+method is already connected to the signal.
    public static let unique = ConnectionOptions(rawValue: 1)
    /// Disconnect before the first invocation; a queued single-shot posts at most one call.
    public static let singleShot = ConnectionOptions(rawValue: 2)
}

/// How a connection's slot is dispatched, stored in the connection (one byte, read on every
/// emission). Each mode has a single-shot twin, so that single-shot connections leave the
/// emission's fast path (`plain`) without a second field to load.
@usableFromInline enum SlotMode: UInt8 {
    /// A plain closure, always direct, no receiver: the fast path.
    case plain
    /// Direct in the receiver's thread, queued elsewhere.
    case auto
    /// Direct, with a receiver or context (for `sender()` and its lifetime).
    case direct
    case queued
    case blocking
    /// The single-shot twins of the five above (Qt: `Qt::SingleShotConnection`).
    case plainOnce, autoOnce, directOnce, queuedOnce, blockingOnce

    /// True for the single-shot twins.
    @inlinable var isSingleShot: Bool { rawValue >= SlotMode.plainOnce.rawValue }

    /// The mode of a `connect` with `type`, with or without a receiver (or context).
    static func of(_ type: ConnectionType, hasReceiver: Bool, singleShot: Bool) -> SlotMode {
        let mode: SlotMode
        switch type {
        case .auto: mode = hasReceiver ? .auto : .plain
        case .direct: mode = hasReceiver ? .direct : .plain
        case .queued: mode = .queued
        case .blockingQueued: mode = .blocking
        }
        return singleShot ? SlotMode(rawValue: mode.rawValue + SlotMode.plainOnce.rawValue).unsafelyUnwrapped : mode
    }
}
