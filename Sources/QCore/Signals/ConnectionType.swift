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

/// Dispatch modes stored in a connection (one byte, read on every emission).
@usableFromInline enum SlotMode {
    /// A plain closure, always direct, no receiver: the fast path.
    @usableFromInline static let plain: UInt8 = 0
    @usableFromInline static let auto: UInt8 = 1
    @usableFromInline static let direct: UInt8 = 2
    @usableFromInline static let queued: UInt8 = 3
    @usableFromInline static let blocking: UInt8 = 4
    /// Added to the mode of single-shot connections so they leave the fast path.
    @usableFromInline static let singleShotBit: UInt8 = 0x80

    static func mode(for type: ConnectionType, hasReceiver: Bool) -> UInt8 {
        switch type {
        case .auto: return hasReceiver ? auto : plain
        case .direct: return hasReceiver ? direct : plain
        case .queued: return queued
        case .blockingQueued: return blocking
        }
    }
}
