/// Qt's `QElapsedTimer`: measures elapsed time on the monotonic clock.
public struct QElapsedTimer: Sendable {
    private var startNs: UInt64?

    /// An invalid timer (not started).
    public init() {}

    /// Starts (or restarts) measuring.
    public mutating func start() { startNs = monotonicNanoseconds() }

    /// Restarts and returns the ms elapsed since the previous start.
    @discardableResult
    public mutating func restart() -> Int64 {
        let now = monotonicNanoseconds()
        defer { startNs = now }
        guard let startNs else { return 0 }
        return Int64((now - startNs) / 1_000_000)
    }

    /// Ms since `start()` (−1 if never started). Qt: `elapsed()`.
    public func elapsed() -> Int64 {
        guard let startNs else { return -1 }
        return Int64((monotonicNanoseconds() - startNs) / 1_000_000)
    }

    /// Ns since `start()` (−1 if never started). Qt: `nsecsElapsed()`.
    public func nsecsElapsed() -> Int64 {
        guard let startNs else { return -1 }
        return Int64(monotonicNanoseconds() - startNs)
    }

    /// True if more than `timeout` ms have passed (never for a negative timeout).
    public func hasExpired(_ timeout: Int64) -> Bool {
        timeout >= 0 && elapsed() > timeout
    }

    /// True once started. Qt: `isValid()`.
    public var isValid: Bool { startNs != nil }

    /// Makes it invalid again. Qt: `invalidate()`.
    public mutating func invalidate() { startNs = nil }
}

/// Qt's `QDeadlineTimer`: a point in time on the monotonic clock, or "forever".
public struct QDeadlineTimer: Sendable, Equatable {
    /// Qt's `QDeadlineTimer::ForeverConstant`.
    public enum ForeverConstant: Sendable { case forever }

    private let deadlineNs: UInt64?

    /// A deadline `msecs` ms from now; a negative value means forever.
    public init(_ msecs: Int64) {
        if msecs < 0 {
            deadlineNs = nil
        } else {
            deadlineNs = monotonicNanoseconds() &+ UInt64(msecs) &* 1_000_000
        }
    }

    /// A deadline that never expires.
    public init(_ forever: ForeverConstant) { deadlineNs = nil }

    /// True for a deadline that never expires.
    public var isForever: Bool { deadlineNs == nil }

    /// Ms left (rounded up), 0 once expired, −1 when forever. Qt: `remainingTime()`.
    public var remainingTime: Int64 {
        guard let deadlineNs else { return -1 }
        let now = monotonicNanoseconds()
        return deadlineNs > now ? Int64((deadlineNs - now + 999_999) / 1_000_000) : 0
    }

    /// Ns left, 0 once expired, −1 when forever. Qt: `remainingTimeNSecs()`.
    public var remainingTimeNSecs: Int64 {
        guard let deadlineNs else { return -1 }
        let now = monotonicNanoseconds()
        return deadlineNs > now ? Int64(deadlineNs - now) : 0
    }

    /// True once the deadline has passed (never for forever). Qt: `hasExpired()`.
    public var hasExpired: Bool {
        guard let deadlineNs else { return false }
        return monotonicNanoseconds() >= deadlineNs
    }
}
