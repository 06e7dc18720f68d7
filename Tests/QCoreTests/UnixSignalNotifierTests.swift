import QKitTestSupport
import Testing

@testable import QCore

#if canImport(Glibc)
import Glibc
#endif

/// The handler the process has for `signal` now.
private func currentHandlerIsDefault(_ signal: Int32) -> Bool {
    var action = sigaction()
    sigaction(signal, nil, &action)
    return action.__sigaction_handler.sa_handler == nil
}

@Suite("QUnixSignalNotifier", .serialized, .leakChecked)
struct UnixSignalNotifierTests {
    @Test("a raised signal is emitted from the event loop with its number")
    func raisedSignalIsEmitted() {
        let notifier = QUnixSignalNotifier([SIGUSR1, SIGUSR2])
        var got: [Int32] = []
        notifier.activated.connect { got.append($0) }
        // Process-directed: test worker threads block signals, the main thread takes it.
        kill(getpid(), SIGUSR2)
        #expect(got.isEmpty, "delivery waits for the event loop")
        #expect(spinLoop { got == [SIGUSR2] })
        notifier.delete()
    }

    @Test("deleting the notifier gives the signal its default action back")
    func deletionRestoresDefault() {
        #expect(currentHandlerIsDefault(SIGUSR1))
        let notifier = QUnixSignalNotifier([SIGUSR1])
        #expect(!currentHandlerIsDefault(SIGUSR1))
        notifier.delete()
        #expect(currentHandlerIsDefault(SIGUSR1))
    }
}
