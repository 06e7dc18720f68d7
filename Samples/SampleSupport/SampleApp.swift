// Shared by every sample: flag parsing with the exit codes the README's Samples section
// lists, line output, Ctrl-C through the event loop, time-outs and socket-error exits.
import ArgumentParser
import QCore
import QNetwork

#if canImport(Glibc)
import Glibc
#endif

/// The exit codes every sample uses.
public enum SampleExit {
    /// Done.
    public static let ok: Int32 = 0
    /// `--timeout-ms` passed first.
    public static let timeout: Int32 = 1
    /// The command line could not be parsed or validated.
    public static let badFlags: Int32 = 2
    /// A socket reported an error (the line before says which).
    public static let socketError: Int32 = 3
    /// SIGINT or SIGTERM ended the event loop.
    public static let interrupted: Int32 = 130
}

/// Prints one line at once (one `write` per line, so pipes see lines as they happen).
public func say(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(1, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}

/// A payload as the samples print it: the text when it is printable UTF-8, else `hex:…`.
public func printable(_ bytes: [UInt8]) -> String {
    if let text = String(validating: bytes, as: UTF8.self),
        text.unicodeScalars.allSatisfy({ !$0.properties.generalCategory.isControlLike })
    {
        return text
    }
    return "hex:" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}

extension Unicode.GeneralCategory {
    fileprivate var isControlLike: Bool {
        switch self {
        case .control, .format, .surrogate, .unassigned, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }
}

/// Parses the command line: `--help` prints the help and exits 0, bad flags print the
/// error and usage to stderr and exit 2.
public func parseFlags<Flags: ParsableCommand>(_: Flags.Type) -> Flags {
    do {
        return try Flags.parse()
    } catch {
        let message = Flags.fullMessage(for: error)
        if Flags.exitCode(for: error) == .success {
            say(message)
            exit(SampleExit.ok)
        }
        var text = message + "\n"
        text.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
        exit(SampleExit.badFlags)
    }
}

/// The application object of a sample: a QCoreApplication whose SIGINT/SIGTERM, time-out
/// and fatal socket errors end the event loop with the samples' exit codes (README,
/// "Samples"), running the cleanup steps (close sockets, remove socket files) first.
public final class SampleApp {
    /// The sample's application object (its event loop runs in `run()`).
    public let app: QCoreApplication
    private var cleanups: [() -> Void] = []
    private var finished = false
    private var exitCode: Int32 = 0
    private let signals: QUnixSignalNotifier
    private var timeoutTimer: QTimer?
    /// Prints the time-out line (set it once the counters it reports exist).
    public var onTimeout: (() -> Void)?

    /// Makes the application; a `timeoutMs` starts a single-shot timer that calls `onTimeout`
    /// (which prints its line), then ends with `SampleExit.timeout`.
    public init(timeoutMs: Int? = nil, onTimeout: (() -> Void)? = nil) {
        self.onTimeout = onTimeout
        app = QCoreApplication(arguments: CommandLine.arguments)
        signals = QUnixSignalNotifier([SIGINT, SIGTERM])
        signals.activated.connect { [unowned self] _ in self.finish(SampleExit.interrupted) }
        if let timeoutMs {
            let timer = QTimer()
            timer.isSingleShot = true
            timer.timeout.connect { [unowned self] in
                if let onTimeout = self.onTimeout { onTimeout() } else { say("timeout") }
                self.finish(SampleExit.timeout)
            }
            timer.start(timeoutMs)
            timeoutTimer = timer
        }
    }

    /// Adds a step run once before the loop ends, whatever the reason (latest first).
    public func onCleanup(_ step: @escaping () -> Void) { cleanups.append(step) }

    /// Runs the cleanup steps and ends the event loop with `code`.
    public func finish(_ code: Int32) {
        guard !finished else { return }
        finished = true
        exitCode = code
        timeoutTimer?.stop()
        for step in cleanups.reversed() { step() }
        cleanups.removeAll()
        QCoreApplication.exit(code)
    }

    /// Prints `error: <QtEnumName>: <errorString>`, followed by ` (<detail>)` when QKit's
    /// `errorDetail` says more than Qt's text, and ends with exit code 3.
    public func fail(_ qtName: String, _ errorString: String, detail: String = "") {
        let more = detail.isEmpty || detail == errorString ? "" : " (\(detail))"
        say("error: \(qtName): \(errorString)\(more)")
        finish(SampleExit.socketError)
    }

    /// Runs the event loop and exits the process with its code (at once when the sample
    /// already finished while setting up, e.g. a failed bind).
    public func run() -> Never {
        if finished { exit(exitCode) }
        exit(app.exec())
    }
}

extension SampleApp {
    /// Listens on `name`, printing `listening <fullServerName>`, or fails the sample with the
    /// server's error; the server is closed (its socket file removed) when the sample ends.
    public func listen(_ server: QLocalServer, _ name: String) {
        onCleanup { server.close() }
        if server.listen(name) {
            say("listening \(server.fullServerName)")
        } else {
            fail(server.serverError.qtName, server.errorString, detail: server.errorDetail)
        }
    }
}
