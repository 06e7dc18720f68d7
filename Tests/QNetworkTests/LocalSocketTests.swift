import QCore
import QKitTestSupport
import QNetwork
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Records QLocalSocket signals in order.
func record(_ socket: QLocalSocket, into log: SignalLog) {
    socket.stateChanged.connect(receiver: socket) { s, st in log.add("stateChanged(\(st))\(st == .connecting ? "" : "")") }
    socket.errorOccurred.connect(receiver: socket) { s, e in log.add("errorOccurred(\(e),state=\(s.state))") }
    socket.connected.connect(receiver: socket) { s in log.add("connected(open=\(s.isOpen))") }
    socket.disconnected.connect(receiver: socket) { s in log.add("disconnected(state=\(s.state))") }
    socket.readyRead.connect { log.add("readyRead") }
    socket.bytesWritten.connect { log.add("bytesWritten(\($0))") }
    socket.aboutToClose.connect { log.add("aboutToClose") }
    socket.readChannelFinished.connect(receiver: socket) { s in log.add("readChannelFinished(state=\(s.state))") }
}

/// A unique server name per test, placed in /tmp by Qt's rule.
func uniqueName(_ tag: String) -> String { "qkit-test-\(getpid())-\(tag)-\(UInt32.random(in: 0...UInt32.max))" }

/// A listening server and a connected client with the server's end, or nil.
func connectedPair(_ tag: String) -> (QLocalServer, QLocalSocket, QLocalSocket)? {
    let server = QLocalServer()
    guard server.listen(uniqueName(tag)) else { return nil }
    let client = QLocalSocket()
    client.connectToServer(server.serverName)
    guard client.state == .connected, server.waitForNewConnection(2000).ok,
        let end = server.nextPendingConnection()
    else { return nil }
    return (server, client, end)
}

@Suite("QLocalSocket connecting", .descriptorChecked)
struct LocalConnectTests {
    @Test("a plain name lives at $TMPDIR/name (or /tmp/name); a /path is used as it is")
    func nameToPath() {
        let server = QLocalServer()
        let name = uniqueName("path")
        #expect(server.listen(name))
        let tmp = ProcessInfoLike.tempPath
        #expect(server.fullServerName == tmp + "/" + name)
        #expect(access(server.fullServerName, F_OK) == 0)
        server.close()
        let absolute = "/tmp/" + uniqueName("abs")
        #expect(server.listen(absolute))
        #expect(server.fullServerName == absolute && server.serverName == absolute)
        server.close()
        #expect(access(absolute, F_OK) != 0)
    }

    @Test("connect succeeds synchronously: Connecting, Connected, connected (device open inside)")
    func connectSucceeds() {
        let server = QLocalServer()
        #expect(server.listen(uniqueName("ok")))
        let c = QLocalSocket(), log = SignalLog()
        record(c, into: log)
        c.connectToServer(server.serverName)
        #expect(log.entries == ["stateChanged(connecting)", "stateChanged(connected)", "connected(open=true)"])
        #expect(c.state == .connected && c.isValid && c.isOpen)
        #expect(c.serverName == server.serverName && c.fullServerName == server.fullServerName)
        #expect(c.error == .unknownSocket && c.errorString == "Unknown error")
        #expect(!server.hasPendingConnections())
        #expect(spinLoop { server.hasPendingConnections() })
        c.abort(); server.close()
    }

    @Test("connecting to a missing name fails synchronously: Connecting, errorOccurred (still Connecting), Unconnected")
    func connectMissing() {
        let c = QLocalSocket(), log = SignalLog()
        record(c, into: log)
        var nameInsideError = ""
        c.errorOccurred.connect(receiver: c) { c, _ in nameInsideError = c.serverName }
        let name = uniqueName("missing")
        c.connectToServer(name)
        #expect(
            log.entries == [
                "stateChanged(connecting)", "errorOccurred(serverNotFound,state=connecting)", "stateChanged(unconnected)",
            ])
        #expect(c.error == .serverNotFound)
        #expect(c.errorString == "QLocalSocket::connectToServer: Invalid name")
        #expect(c.errorDetail == "connect \(ProcessInfoLike.tempPath)/\(name): No such file or directory")
        #expect(nameInsideError == name)
        #expect(c.serverName.isEmpty && c.fullServerName.isEmpty && !c.isOpen)
    }

    @Test("an empty name and a name over 106 bytes fail with ServerNotFoundError")
    func badNames() {
        let c = QLocalSocket()
        c.connectToServer("")
        #expect(c.error == .serverNotFound && c.state == .unconnected)
        #expect(c.errorString == "QLocalSocket::connectToServer: Invalid name")
        #expect(c.errorDetail == "connect: the name is empty")
        let long = "/tmp/" + String(repeating: "x", count: 110)
        c.connectToServer(long)
        #expect(c.error == .serverNotFound)
        #expect(c.errorString == "QLocalSocket::connectToServer: Invalid name")
        #expect(c.errorDetail == "connect: \(long): the path is longer than 106 bytes")
    }

    @Test("a stale socket file refuses clients, and a server gets AddressInUseError until removeServer")
    func staleFile() {
        let name = uniqueName("stale")
        let path = ProcessInfoLike.tempPath + "/" + name
        makeStaleSocketFile(path)
        let c = QLocalSocket()
        c.connectToServer(name)
        #expect(c.error == .connectionRefused)
        #expect(c.errorString == "QLocalSocket::connectToServer: Connection refused")
        #expect(c.errorDetail == "connect \(path): Connection refused")
        let server = QLocalServer()
        #expect(!server.listen(name))
        #expect(server.serverError == .addressInUse)
        #expect(server.errorString == "QLocalServer::listen: Address in use")
        #expect(server.errorDetail == "listen \(path): Address already in use")
        #expect(FileManagerLike.exists(path))
        #expect(!server.isListening && server.serverName.isEmpty && server.socketDescriptor == -1)
        #expect(QLocalServer.removeServer(name))
        #expect(!FileManagerLike.exists(path))
        #expect(QLocalServer.removeServer(name))
        #expect(server.listen(name))
        server.close()
    }

    @Test("a regular file in the way refuses the connection")
    func regularFileRefuses() {
        let regular = "/tmp/" + uniqueName("regular")
        close(open(regular, O_CREAT | O_WRONLY, 0o600))
        let c = QLocalSocket()
        c.connectToServer(regular)
        #expect(c.error == .connectionRefused)
        unlink(regular)
    }

    @Test("a path through a regular file fails with UnknownSocketError and the errno")
    func notADirectory() {
        let regular = "/tmp/" + uniqueName("file")
        close(open(regular, O_CREAT | O_WRONLY, 0o600))
        let c = QLocalSocket()
        c.connectToServer(regular + "/sub")
        #expect(c.error == .unknownSocket)
        #expect(c.errorString == "QLocalSocket::connectToServer: Unknown error \(ENOTDIR)")
        #expect(c.errorDetail == "connect \(regular)/sub: Not a directory")
        unlink(regular)
    }

    @Test("connectToServer while connected reports OperationError and changes nothing")
    func connectWhileConnected() {
        guard let (server, c, end) = connectedPair("twice") else { Issue.record("no pair"); return }
        let log = SignalLog()
        record(c, into: log)
        c.connectToServer("whatever")
        #expect(log.entries == ["errorOccurred(operation,state=connected)"])
        #expect(c.error == .operation && c.state == .connected)
        #expect(c.errorString == "QLocalSocket::connectToserver: Operation not permitted when socket is in this state")
        c.abort(); end.abort(); server.close()
    }

    @Test("an unconnected socket: no signals on close, flush false, write -1, waits false")
    func unconnectedMisuse() {
        let c = QLocalSocket(), log = SignalLog()
        record(c, into: log)
        c.abort(); c.close(); c.disconnectFromServer()
        #expect(!c.flush() && !c.isValid)
        #expect(c.bytesAvailable == 0 && c.bytesToWrite == 0)
        #expect(c.write("x") == -1)
        #expect(!c.waitForConnected(10) && !c.waitForReadyRead(10) && !c.waitForDisconnected(10))
        #expect(log.entries.isEmpty)
    }

    @Test("an abstract name meets a server listening on it, with no file")
    func abstractNamespace() {
        let server = QLocalServer()
        server.socketOptions = .abstractNamespace
        let name = uniqueName("abstract")
        #expect(server.listen(name))
        #expect(server.fullServerName == name)
        #expect(access("/tmp/" + name, F_OK) != 0)
        let c = QLocalSocket()
        c.socketOptions = .abstractNamespace
        c.connectToServer(name)
        #expect(c.state == .connected)
        let plain = QLocalSocket()
        plain.connectToServer(name)
        #expect(plain.error == .serverNotFound)
        #expect(spinLoop { server.hasPendingConnections() })
        let end = server.nextPendingConnection()
        #expect(end?.serverName == name && end?.fullServerName == name)
        c.abort(); server.close()
    }

    @Test("a socket accepted by an abstract-namespace server carries the abstract option and the name")
    func acceptedAbstractSocket() {
        let server = QLocalServer()
        server.socketOptions = .abstractNamespace
        let name = uniqueName("abstract-accepted")
        #expect(server.listen(name))
        let c = QLocalSocket()
        c.socketOptions = .abstractNamespace
        c.connectToServer(name)
        #expect(server.waitForNewConnection(2000).0)
        let end = server.nextPendingConnection()
        #expect(end?.socketOptions == .abstractNamespace)
        #expect(end?.serverName == name && end?.fullServerName == name)
        c.abort(); end?.abort(); server.close()
    }

    @Test("a socket accepted by a file-based server has no abstract option")
    func acceptedFileSocket() {
        guard let (server, c, end) = connectedPair("file-accepted") else { Issue.record("no pair"); return }
        #expect(end.socketOptions.isEmpty)
        #expect(end.fullServerName == server.fullServerName && end.serverName == server.serverName)
        c.abort(); end.abort(); server.close()
    }

    @Test("setSocketDescriptor names the socket after its peer's address, abstract or file, as Qt 6 does")
    func adoptedDescriptorNames() {
        let server = QLocalServer()
        server.socketOptions = .abstractNamespace
        let name = uniqueName("adopt-abstract")
        #expect(server.listen(name))
        let helper = QLocalSocket()
        helper.socketOptions = .abstractNamespace
        helper.connectToServer(name)
        let adopted = QLocalSocket()
        #expect(adopted.setSocketDescriptor(dup(helper.socketDescriptor)))
        #expect(adopted.socketOptions == .abstractNamespace)
        #expect(adopted.serverName == name && adopted.fullServerName == name)
        adopted.abort(); helper.abort(); server.close()

        guard let (fileServer, c, end) = connectedPair("adopt-file") else { Issue.record("no pair"); return }
        let copy = QLocalSocket()
        #expect(copy.setSocketDescriptor(dup(c.socketDescriptor)))
        #expect(copy.socketOptions.isEmpty)
        #expect(copy.fullServerName == fileServer.fullServerName && copy.serverName == fileServer.serverName)
        copy.abort(); c.abort(); end.abort(); fileServer.close()
    }

    @Test("setServerName then connectToServer(mode) uses that name")
    func setServerNameThenConnect() {
        let server = QLocalServer()
        #expect(server.listen(uniqueName("named")))
        let c = QLocalSocket()
        c.setServerName(server.serverName)
        #expect(c.serverName == server.serverName)
        c.connectToServer(.readWrite)
        #expect(c.state == .connected)
        c.abort(); server.close()
    }
}

/// $TMPDIR as Qt resolves it.
enum ProcessInfoLike {
    static var tempPath: String {
        guard let raw = getenv("TMPDIR") else { return "/tmp" }
        var dir = String(cString: raw)
        if dir.isEmpty { return "/tmp" }
        while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
        return dir
    }
}

enum FileManagerLike {
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}

/// Leaves a socket file with no listener behind, as a crashed server does.
func makeStaleSocketFile(_ path: String) {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    close(fd)
}
