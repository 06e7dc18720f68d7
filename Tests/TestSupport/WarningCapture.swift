// Captures QKit's warnings through the logging system, as an application's own log handler
// would receive them, so a test can assert the warning a misuse produced.
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` and returns the warnings QKit logged meanwhile (label "QKit", level warning),
/// from any thread. Tests run one at a time (`--no-parallel`), so the window is the test's.
public func capturedWarnings(_ body: () throws -> Void) rethrows -> [String] {
    installCapture()
    let start = capturedLog.withLock { $0.count }
    try body()
    return capturedLog.withLock { Array($0[start...]) }
}

/// Every QKit warning of this process, in order.
private let capturedLog = Guarded<[String]>([])

/// swift-log can be bootstrapped once per process: the first capture installs a handler
/// that records QKit's warnings and prints everything as the default handler does.
private let bootstrapOnce: Void = {
    LoggingSystem.bootstrap { label in
        CapturingHandler(label: label, printer: StreamLogHandler.standardError(label: label))
    }
}()

private func installCapture() { _ = bootstrapOnce }

private struct CapturingHandler: LogHandler {
    let label: String
    var printer: StreamLogHandler

    var logLevel: Logger.Level {
        get { printer.logLevel }
        set { printer.logLevel = newValue }
    }
    var metadata: Logger.Metadata {
        get { printer.metadata }
        set { printer.metadata = newValue }
    }
    var metadataProvider: Logger.MetadataProvider? {
        get { printer.metadataProvider }
        set { printer.metadataProvider = newValue }
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { printer[metadataKey: key] }
        set { printer[metadataKey: key] = newValue }
    }

    init(label: String, printer: StreamLogHandler) {
        self.label = label
        self.printer = printer
    }

    func log(event: LogEvent) {
        if label == "QKit" && event.level == .warning {
            let text = event.message.description
            capturedLog.withLock { $0.append(text) }
        }
        printer.log(event: event)
    }
}
