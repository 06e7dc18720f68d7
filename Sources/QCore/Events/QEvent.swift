import Synchronization

/// The base of all events (Qt's `QEvent`): a type, and an accepted flag that handlers may clear.
/// Subclass it for custom events with a type from `QEvent.registerEventType()`.
open class QEvent {
    /// Qt's `QEvent::Type`: built-in values keep Qt's numbers; user types lie in `user...maxUser`.
    public struct EventType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int
        /// Creates an event type from Qt's number.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Creates an event type from Qt's number.
        public init(_ rawValue: Int) { self.rawValue = rawValue }

        /// Qt: `QEvent::None`.
        public static let none = EventType(0)
        /// Qt: `QEvent::Timer`, sent by `startTimer` timers.
        public static let timer = EventType(1)
        /// Qt: `QEvent::Quit`, sent by `QCoreApplication.quit()`.
        public static let quit = EventType(8)
        /// Qt: `QEvent::MetaCall`, a queued slot invocation.
        public static let metaCall = EventType(43)
        /// Qt: `QEvent::SockAct`, a socket notifier activation.
        public static let sockAct = EventType(50)
        /// Qt: `QEvent::DeferredDelete`, posted by `deleteLater()`.
        public static let deferredDelete = EventType(52)
        /// Qt: `QEvent::ChildAdded`.
        public static let childAdded = EventType(68)
        /// Qt: `QEvent::ChildRemoved`.
        public static let childRemoved = EventType(71)
        /// Qt: `QEvent::ThreadChange`, sent before `moveToThread` moves the object.
        public static let threadChange = EventType(22)
        /// Qt: `QEvent::User`, the first user event type.
        public static let user = EventType(1000)
        /// Qt: `QEvent::MaxUser`, the last user event type.
        public static let maxUser = EventType(65535)

        public var description: String { "QEvent.EventType(\(rawValue))" }
    }

    /// The event's type.
    public let type: EventType
    /// Whether the receiver wants it (Qt's default: accepted).
    @exclusivity(unchecked) public var isAccepted = true
    /// True for events that come from outside the application (socket and timer activations).
    public internal(set) var spontaneous = false

    /// Creates an event of the given type.
    public init(_ type: EventType) { self.type = type }

    /// Qt: `QEvent::accept()`.
    public func accept() { isAccepted = true }
    /// Qt: `QEvent::ignore()`.
    public func ignore() { isAccepted = false }

    /// Reserves a user event type (from `maxUser` downwards, or `hint` if it is free);
    /// returns `nil`... never: when the range is exhausted it returns `.none`, like Qt's -1.
    public static func registerEventType(_ hint: Int = -1) -> EventType {
        registeredEventTypes.withLock { used in
            if hint >= EventType.user.rawValue && hint <= EventType.maxUser.rawValue && !used.contains(hint) {
                used.insert(hint)
                return EventType(hint)
            }
            var candidate = EventType.maxUser.rawValue
            while candidate >= EventType.user.rawValue {
                if !used.contains(candidate) {
                    used.insert(candidate)
                    return EventType(candidate)
                }
                candidate -= 1
            }
            return .none
        }
    }
}

private let registeredEventTypes = Locked<Set<Int>>([])

/// Qt's `QTimerEvent`: delivered to `timerEvent(_:)` for timers from `startTimer`.
open class QTimerEvent: QEvent {
    /// The id returned by `startTimer`. (Unchecked: the dispatcher sets it on its reused event
    /// for every timeout, and a checked write cost ~75 instructions.)
    @exclusivity(unchecked) public internal(set) var timerId: Int
    /// Creates a timer event for `timerId`.
    public init(_ timerId: Int) {
        self.timerId = timerId
        super.init(.timer)
        spontaneous = true
    }
}

/// Qt's `QChildEvent`: ChildAdded / ChildRemoved, sent synchronously to the parent.
open class QChildEvent: QEvent {
    /// The child, nil only while a recycled event waits in its thread's spare slot. Retained
    /// when `childRetained`: the reused ChildAdded event borrows the child while it is
    /// delivered (the child is being attached, so it lives), and takes a reference only if a
    /// handler kept the event; that spares two atomic operations per child added.
    @exclusivity(unchecked) var childRaw: Unmanaged<QObject>?
    @exclusivity(unchecked) var childRetained = false
    /// The child that was added or removed.
    public final var child: QObject { childRaw.unsafelyUnwrapped.takeUnretainedValue() }
    /// Creates a child event (`.childAdded` or `.childRemoved`).
    public init(_ type: EventType, _ child: QObject) {
        childRaw = .passRetained(child)
        childRetained = true
        super.init(type)
    }

    /// A ChildAdded event for the thread's spare slot (no child yet).
    init(spareFor type: EventType) {
        super.init(type)
    }

    deinit {
        if childRetained { childRaw?.release() }
    }

    /// Lends `child` to this (spare, unretained) event for one delivery.
    func lend(_ child: QObject) {
        childRaw = .passUnretained(child)
        isAccepted = true
    }

    /// After the delivery: whether the event can go back to the spare slot (no handler kept
    /// it); a kept event takes its own reference to the child.
    func endLoan(unique: Bool) {
        if unique {
            childRaw = nil
        } else {
            _ = childRaw?.retain()
            childRetained = true
        }
    }
    /// True for ChildAdded. Qt: `QChildEvent::added()`.
    public final var added: Bool { type == .childAdded }
    /// True for ChildRemoved. Qt: `QChildEvent::removed()`.
    public final var removed: Bool { type == .childRemoved }
}

/// Posted by `deleteLater()`; remembers the loop level at which it was posted.
final class DeferredDeleteEvent: QEvent {
    let loopLevel: Int
    init(loopLevel: Int) {
        self.loopLevel = loopLevel
        super.init(.deferredDelete)
    }
}
