/// Qt's `Qt` namespace: enums shared by several classes.
public enum Qt {
    /// Qt's `Qt::TimerType`: how accurately a timer fires.
    public enum TimerType: Sendable {
        /// Millisecond accuracy; never fires early.
        case precise
        /// Within 5 % of the interval (≤ 20 ms behaves as precise, ≥ 20 s as very coarse).
        case coarse
        /// Whole seconds: the interval is rounded to the nearest second.
        case veryCoarse
    }
}
