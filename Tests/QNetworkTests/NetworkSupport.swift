import QCore
import QKitTestSupport
import QNetwork
import Synchronization
import Testing

@_spi(QKitInternal) @testable import QCore

#if canImport(Glibc)
import Glibc
#endif

/// Records signals in order.
final class SignalLog {
    var entries: [String] = []
    func add(_ s: String) { entries.append(s) }
}

/// Hooks every QAbstractSocket signal of `socket` into `log`.
func record(_ socket: QAbstractSocket, into log: SignalLog) {
    socket.stateChanged.connect { log.add("stateChanged(\($0))") }
    socket.errorOccurred.connect { log.add("errorOccurred(\($0))") }
    socket.hostFound.connect { log.add("hostFound") }
    socket.connected.connect { log.add("connected") }
    socket.disconnected.connect { log.add("disconnected") }
    socket.readyRead.connect { log.add("readyRead") }
    socket.bytesWritten.connect { log.add("bytesWritten(\($0))") }
    socket.aboutToClose.connect { log.add("aboutToClose") }
    socket.readChannelFinished.connect { log.add("readChannelFinished") }
}

/// Every test of a suite must leave as many descriptors open and QObjects alive as it found.
struct DescriptorChecked: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }
    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil else { return try await function() }
        QCoreApplication.processEvents()
        let before = openDescriptorCount()
        let objectsBefore = QObject.liveObjects
        try await function()
        QCoreApplication.sendPostedEvents(nil, .deferredDelete)
        for _ in 0..<3 { QCoreApplication.processEvents() }
        #expect(openDescriptorCount() == before, "descriptors leaked by this test")
        #expect(QObject.liveObjects == objectsBefore, "QObjects leaked by this test: \(QObject.liveObjects - objectsBefore)")
    }
}

extension Trait where Self == DescriptorChecked {
    static var descriptorChecked: DescriptorChecked { DescriptorChecked() }
}

/// Bytes of a string.
func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
