import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Qt's message channel: `qWarning()` for defined misuse, a trap for undefined misuse.
enum Diagnostics {
    /// `QKIT_FATAL_WARNINGS=1` turns every warning into a trap, like Qt's `QT_FATAL_WARNINGS`.
    static let fatalWarnings: Bool = {
        guard let value = getenv("QKIT_FATAL_WARNINGS") else { return false }
        return String(cString: value) == "1"
    }()

    /// Qt's `qWarning()`: reports defined misuse through swift-log (label "QKit", level
    /// warning); the call then does what Qt documents. The logger is made per message, so a
    /// handler bootstrapped at any time (a test's capture, an app's own) receives it.
    static func warning(_ message: String) {
        if fatalWarnings { fatalError(message) }
        Logger(label: "QKit").warning("\(message)")
    }

    /// Qt's `qDebug()`: what failed and why, for an error whose `errorString` is Qt's terse
    /// text (level debug, off unless the application's log handler asks for it). One logger,
    /// made at the first error: errors can be frequent (a full send buffer), warnings are not.
    static func debug(_ message: @autoclosure () -> String) {
        debugLogger.debug("\(message())")
    }

    private static let debugLogger = Logger(label: "QKit")

    /// Undefined misuse: traps with a message that names the object and the threads.
    static func misuse(_ message: String) -> Never {
        fatalError(message)
    }
}
