import QCore
import QKitTestSupport
import QNetwork
import Testing

@Suite("README examples", .descriptorChecked)
struct ReadmeExampleTests {
    @Test("the README's QNetwork example serves a local client and receives datagrams")
    func readmeNetworkExample() {
        let name = uniqueName("readme")
        var seen: [Int] = []
        // --- as in the README (with a unique name and port) ---
        let server = QLocalServer()
        server.listen(name)
        server.newConnection.connect(receiver: server) { server in
            while let client = server.nextPendingConnection() { client.write("hello"); client.disconnectFromServer() }
        }
        let udp = QUdpSocket()
        udp.bind(.anyIPv4, 0, .shareAddress)
        udp.readyRead.connect(receiver: udp) { s in
            while let d = s.readDatagram(65536) { seen.append(d.data.count) }
        }
        // --- drive it ---
        let client = QLocalSocket()
        client.connectToServer(name)
        #expect(spinLoop { client.state == .unconnected })
        #expect(client.readAll() == bytes("hello"))
        let sender = QUdpSocket()
        sender.writeDatagram(bytes("12345"), .localHost, udp.localPort)
        #expect(spinLoop { seen == [5] })
        sender.abort(); udp.abort(); server.close()
    }
}
