import Foundation
import QCore
import QKitTestSupport
import QNetwork
import Synchronization

/// A sample executable started by a test: its output is collected line by line as it comes,
/// and it never outlives the test (`stop()` in a `defer` sends SIGKILL if it still runs).
final class SampleProcess: @unchecked Sendable {
    private let process = Process()
    private let output = Pipe()
    private let lines = Guarded<[String]>([])
    private let partial = Guarded<String>("")

    /// The folder holding the built samples (beside the test binary: `.build/<config>/`).
    static let binaries: URL = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent()
    }()

    /// Starts `name` with `arguments`.
    init(_ name: String, _ arguments: [String] = [], environment: [String: String]? = nil) throws {
        process.executableURL = Self.binaries.appendingPathComponent(name)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            self.take(String(decoding: data, as: UTF8.self))
        }
        try process.run()
    }

    private func take(_ text: String) {
        let complete: [String] = partial.withLock { rest in
            rest += text
            var parts = rest.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            rest = parts.removeLast()
            return parts
        }
        if !complete.isEmpty { lines.withLock { $0.append(contentsOf: complete) } }
    }

    /// Lines printed so far.
    var printed: [String] { lines.withLock { $0 } }

    /// Waits until a line starting with `prefix` appears; returns it (nil after `timeoutMs`).
    func waitForLine(startingWith prefix: String, timeoutMs: Int = 10_000) -> String? {
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        while Date() < deadline {
            if let line = printed.first(where: { $0.hasPrefix(prefix) }) { return line }
            usleep(5_000)
        }
        return nil
    }

    /// Waits for the process to end; its exit code, or nil after `timeoutMs`.
    func exitCode(timeoutMs: Int = 15_000) -> Int32? {
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        while process.isRunning {
            if Date() > deadline { return nil }
            usleep(5_000)
        }
        // Let the reader take the last bytes.
        let drainUntil = Date().addingTimeInterval(1)
        while output.fileHandleForReading.readabilityHandler != nil && Date() < drainUntil { usleep(2_000) }
        return process.terminationStatus
    }

    /// Sends a signal (SIGINT, SIGTERM).
    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Kills the process if it still runs.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A UDP port that was free a moment ago (bound to port 0 on loopback and released).
func freeUdpPort() -> UInt16 {
    let probe = QUdpSocket()
    defer { probe.delete() }
    _ = probe.bind(.localHost, 0)
    let port = probe.localPort
    probe.close()
    return port
}

/// Where Qt (and QKit) put a plain server name: `$TMPDIR`, else /tmp.
let socketDirectory: String = {
    var dir = ProcessInfo.processInfo.environment["TMPDIR"] ?? ""
    while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
    return dir.isEmpty ? "/tmp" : dir
}()

/// A local server name no other test or run uses.
func uniqueServerName(_ base: String) -> String {
    "qkit-sample-\(base)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
}
