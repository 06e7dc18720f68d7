import QCore
import QKitTestSupport
import QNetwork
import Testing

/// A socket is used from its own thread, as in Qt; another thread's call traps, naming both.
@Suite("Socket thread affinity")
struct ThreadAffinityTests {
    @Test("writing a datagram from a thread the socket does not live in traps, naming the socket")
    func foreignWriteTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            final class Writer: QThread, @unchecked Sendable {
                let socket = QUdpSocket()  // lives in the thread that made the writer
                override func run() { _ = socket.writeDatagram([1], .localHost, 9) }
            }
            _ = QThread.currentThread
            let writer = Writer()
            writer.socket.objectName = "sender"
            writer.start()
            writer.wait()
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("cannot writeDatagram on QUdpSocket 'sender'"))
    }
}
