import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Qt's message channel: `qWarning()` for defined misuse, a trap for undefined misuse.
enum Diagnostics {
    static let logger = Logger(label: "QKit")

    /// `QKIT_FATAL_WARNINGS=1` turns every warning into a trap, like Qt's `QT_FATAL_WARNINGS`.
    static let fatalWarnings: Bool = {
        guard let value = getenv("QKIT_FATAL_WARNINGS") else { return false }
        return String(cString: value) == "1"
    }()

    /// Warnings seen so far (tests read it to prove a misuse was reported).
    static let warnings = Locked<[String]>([])

    /// Qt's `qWarning()`: reports defined misuse; the call then does what Qt documents.
    static func warning(_ message: String) {
        if fatalWarnings { fatalError(message) }
        warnings.withLock { list in
            list.append(message)
            if list.count > 256 { list.removeFirst(list.count - 256) }
        }
        logger.warning("\(message)")
    }

    /// Undefined misuse: traps with a message that names the object and the threads.
    static func misuse(_ message: String) -> Never {
        fatalError(message)
    }
}
