import QCore
import QKitTestSupport
import QNetwork
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Hostile input", .descriptorChecked)
struct HostileInputTests {
    @Test("a directory in the way refuses the connection")
    func directoryRefuses() {
        let path = "/tmp/" + uniqueName("dir")
        mkdir(path, 0o700)
        defer { rmdir(path) }
        let c = QLocalSocket()
        var errors: [QLocalSocket.LocalSocketError] = []
        c.errorOccurred.connect { errors.append($0) }
        c.connectToServer(path)
        #expect(errors == [.connectionRefused])
        #expect(c.state == .unconnected)
    }

    @Test("listening where a regular file is fails with AddressInUseError and leaves the file")
    func listenOverRegularFile() {
        let path = "/tmp/" + uniqueName("plain")
        close(open(path, O_CREAT | O_WRONLY, 0o600))
        defer { unlink(path) }
        let server = QLocalServer()
        #expect(!server.listen(path))
        #expect(server.serverError == .addressInUse)
        var info = stat()
        #expect(stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG, "the file is still a regular file")
    }

    @Test("listening where a directory is fails with AddressInUseError and leaves it")
    func listenOverDirectory() {
        let path = "/tmp/" + uniqueName("dir")
        mkdir(path, 0o700)
        defer { rmdir(path) }
        let server = QLocalServer()
        #expect(!server.listen(path))
        #expect(server.serverError == .addressInUse)
        var info = stat()
        #expect(stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR)
    }

    @Test("garbage where a frame should be reads as ReadCorruptData; the socket then reads a good frame")
    func garbageThenGoodFrame() throws {
        let (server, client, peer) = try #require(connectedPair("garbage"))
        let pair = (server: server, client: client, peer: peer)
        defer { pair.client.abort(); pair.peer.abort(); pair.server.close() }
        let input = QDataStream(pair.client)
        // A string whose byte length is odd: not UTF-16.
        pair.peer.write([0x00, 0x00, 0x00, 0x03, 0x41, 0x42, 0x43])
        #expect(pair.peer.flush())
        #expect(spinLoop { pair.client.bytesAvailable == 7 })
        input.startTransaction()
        #expect(input.read(String.self) == "")
        #expect(input.status == .readCorruptData)
        input.abortTransaction()
        _ = pair.client.readAll()  // resynchronise: drop the rest of the bad frame
        let out = QDataStream()
        out << "ok"
        pair.peer.write(out.bytes)
        #expect(pair.peer.flush())
        #expect(spinLoop { pair.client.bytesAvailable == 8 })
        input.startTransaction()
        #expect(input.read(String.self) == "ok")
        #expect(input.commitTransaction())
    }

    @Test("half a frame, then the peer closes: the transaction never commits and PeerClosedError follows")
    func halfFrameThenClose() throws {
        let (server, client, peer) = try #require(connectedPair("half"))
        let pair = (server: server, client: client, peer: peer)
        defer { pair.client.delete(); pair.server.close() }
        var events: [String] = []
        pair.client.errorOccurred.connect { events.append("error(\($0))") }
        pair.client.disconnected.connect { events.append("disconnected") }
        let input = QDataStream(pair.client)
        var commits = 0
        pair.client.readyRead.connect(receiver: pair.client) { _ in
            input.startTransaction()
            _ = input.read(UInt32.self)
            _ = input.read(String.self)
            if input.commitTransaction() { commits += 1 }
        }
        let out = QDataStream()
        out << UInt32(5)
        out << "Hello"
        pair.peer.write(Array(out.bytes.prefix(9)))
        pair.peer.disconnectFromServer()
        #expect(spinLoop { events.contains("disconnected") })
        #expect(commits == 0)
        #expect(events.first == "error(peerClosed)")
        #expect(pair.client.bytesAvailable == 9, "the partial frame is kept for the reader, not dropped")
        pair.peer.delete()
    }

    @Test("aborting a socket ends a read transaction left open on it")
    func abortEndsTransaction() throws {
        let (server, client, peer) = try #require(connectedPair("txabort"))
        defer { client.delete(); peer.delete(); server.close() }
        peer.write([0, 0, 0, 9, 1])
        #expect(peer.flush())
        #expect(spinLoop { client.bytesAvailable == 5 })
        let input = QDataStream(client)
        input.startTransaction()
        _ = input.read(UInt64.self)
        #expect(client.isTransactionStarted)
        client.abort()
        #expect(!client.isTransactionStarted)
        #expect(client.bytesAvailable == 0)
    }

    @Test("a 1 MiB write to a peer that does not read is buffered whole and arrives whole")
    func bigWriteToStalledReader() throws {
        let (server, client, peer) = try #require(connectedPair("stalled"))
        let pair = (server: server, client: client, peer: peer)
        defer { pair.client.abort(); pair.peer.abort(); pair.server.close() }
        pair.client.readBufferSize = 4096  // the application stops reading: so does the socket
        let block = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(pair.peer.write(block) == Int64(block.count))
        spinLoop(timeoutMs: 100) { false }  // the reader stalls: the kernel buffers fill
        #expect(pair.peer.bytesToWrite > 0, "what the kernel cannot take waits in the write buffer")
        var got: [UInt8] = []
        pair.client.readyRead.connect(receiver: pair.client) { c in got += c.readAll() }
        got += pair.client.readAll()  // the reader wakes up
        #expect(spinLoop(timeoutMs: 10_000) { got.count == block.count }, "received \(got.count) of \(block.count)")
        let intact = got == block  // compared outside #expect: a failure must not diff 1 MiB arrays
        #expect(intact)
        #expect(pair.peer.bytesToWrite == 0)
    }
}

@Suite("Graceful disconnect with traffic both ways", .descriptorChecked)
struct GracefulDisconnectTests {
    @Test("disconnectFromServer right after the peer wrote still delivers everything the client wrote")
    func disconnectWithIncomingData() throws {
        let (server, client, peer) = try #require(connectedPair("both"))
        defer { client.delete(); peer.delete(); server.close() }
        var atPeer: [UInt8] = []
        peer.readyRead.connect(receiver: peer) { p in atPeer += p.readAll() }
        client.write([UInt8](repeating: 1, count: 1566))
        pump(8)
        client.write([UInt8](repeating: 2, count: 2720))
        peer.write([UInt8](repeating: 3, count: 1000))
        client.disconnectFromServer()
        #expect(spinLoop { atPeer.count == 4286 }, "peer has \(atPeer.count) of 4286")
    }
}
