import QCore
import QKitTestSupport
import QNetwork
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` with the soft descriptor limit lowered to `limit`, then restores it.
func withDescriptorLimit<R>(_ limit: Int, _ body: () -> R) -> R {
    var original = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &original)
    var lowered = original
    lowered.rlim_cur = rlim_t(limit)
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lowered)
    defer { setrlimit(Int32(RLIMIT_NOFILE.rawValue), &original) }
    return body()
}

/// The lowest free descriptor number: the kernel hands out the lowest free number, so a
/// limit at this value allows no new descriptor.
func descriptorCeiling() -> Int {
    let probe = dup(0)
    close(probe)
    return Int(probe)
}

@Suite("Running out of descriptors", .serialized, .descriptorChecked)
struct ResourceTests {
    @Test("a UDP socket that cannot get a descriptor fails with SocketResourceError")
    func udpOutOfDescriptors() {
        let s = QUdpSocket()
        let ok = withDescriptorLimit(descriptorCeiling()) { s.bind(.localHost, 0) }
        #expect(!ok)
        #expect(s.error == .socketResource)
        #expect(s.state == .unconnected)
        #expect(s.bind(.localHost, 0))
        s.abort()
    }

    @Test("out of descriptors, the server reports SocketResourceError, keeps serving its clients, and recovers")
    func serverOutOfDescriptors() {
        guard let (server, client, end) = connectedPair("emfile") else { Issue.record("no pair"); return }
        // A second client connects at OS level (the backlog) while the server cannot accept it.
        let waiting = QLocalSocket()
        waiting.connectToServer(server.serverName)
        #expect(waiting.state == .connected)
        var announced = 0
        server.newConnection.connect { announced += 1 }
        withDescriptorLimit(descriptorCeiling()) {
            pump(); pump()
            #expect(announced == 0)
            #expect(server.serverError == .socketResource)
            // The existing connection still works both ways.
            client.write("still"); client.flush()
            #expect(end.waitForReadyRead(2000))
            #expect(end.readAll() == bytes("still"))
            end.write("here"); end.flush()
            #expect(client.waitForReadyRead(2000))
            #expect(client.readAll() == bytes("here"))
        }
        // Descriptors are back: the server accepts the waiting client.
        #expect(spinLoop { announced == 1 })
        #expect(server.nextPendingConnection() != nil)
        waiting.abort(); client.abort(); end.abort(); server.close()
        // Let the server's pending accept-retry timer and the sockets' posted flushes run.
        spinLoop(timeoutMs: 300) { false }
    }

    @Test("a client that cannot get a descriptor fails with UnsupportedSocketOperationError")
    func clientOutOfDescriptors() {
        let server = QLocalServer()
        #expect(server.listen(uniqueName("client-emfile")))
        let c = QLocalSocket()
        withDescriptorLimit(descriptorCeiling()) { c.connectToServer(server.serverName) }
        #expect(c.error == .unsupportedSocketOperation)
        #expect(c.state == .unconnected)
        server.close()
    }
}
