import QCore
import QKitTestSupport
import QNetwork
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Permission errors need an unprivileged process: these run in a child that drops to
/// `nobody` (when started as root) and exits 0 only if every check held.
@Suite("Permission errors (unprivileged child process)")
struct PermissionTests {
    @Test("binding a port below 1024 without privilege fails with SocketAccessError")
    func udpPrivilegedPort() async {
        await #expect(processExitsWith: .success) {
            if getuid() == 0 { _ = setgid(65534); _ = setuid(65534) }
            let s = QUdpSocket()
            let ok =
                !s.bind(.localHost, 80) && s.error == .socketAccess
                && s.errorString == "The address is protected"
                && s.errorDetail == "bind 127.0.0.1:80: Permission denied"
            exit(ok ? 0 : 1)
        }
    }

    @Test("listening in a directory without write permission fails with SocketAccessError")
    func listenWithoutPermission() async {
        await #expect(processExitsWith: .success) {
            // /proc/1 is not writable by an unprivileged user (and exists on every Linux).
            if getuid() == 0 { _ = setgid(65534); _ = setuid(65534) }
            let server = QLocalServer()
            let ok =
                !server.listen("/root/qkit-denied-\(getpid())") && server.serverError == .socketAccess
                && server.errorString == "QLocalServer::listen: Permission denied"
            exit(ok ? 0 : 1)
        }
    }

    @Test("connecting to a socket the user may not open fails with SocketAccessError")
    func connectWithoutPermission() async {
        await #expect(processExitsWith: .success) {
            // A world-writable directory without the sticky bit: the unprivileged child can
            // remove the owner-only socket it cannot connect to (in /tmp it could not, and a
            // later child with the same process id found the old file there).
            let directory = "/tmp/qkit-permission-tests"
            _ = mkdir(directory, 0o777)
            _ = chmod(directory, 0o777)
            let path = "\(directory)/private-\(getpid())"
            _ = unlink(path)
            let server = QLocalServer()
            server.socketOptions = .userAccess
            guard server.listen(path) else { exit(2) }
            if getuid() == 0 { _ = setgid(65534); _ = setuid(65534) }
            let c = QLocalSocket()
            c.connectToServer(server.fullServerName)
            let ok = c.error == .socketAccess && c.errorString == "QLocalSocket::connectToServer: Socket access error"
            unlink(server.fullServerName)
            exit(ok || getuid() == 0 ? (ok ? 0 : 3) : 1)
        }
    }
}

@Suite("Descriptors handed in", .descriptorChecked)
struct DescriptorTests {
    @Test("every UDP socket may broadcast (SO_BROADCAST is set)")
    func broadcastAllowed() {
        let s = QUdpSocket()
        #expect(s.bind(.anyIPv4, 0))
        var value: Int32 = 0
        var length = socklen_t(4)
        #expect(getsockopt(s.socketDescriptor, SOL_SOCKET, SO_BROADCAST, &value, &length) == 0)
        #expect(value == 1)
        s.abort()
    }

    @Test("setSocketDescriptor takes over a connected descriptor")
    func setSocketDescriptor() {
        var pair: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        let a = QLocalSocket(), b = QLocalSocket()
        var states: [QLocalSocket.LocalSocketState] = []
        a.stateChanged.connect { states.append($0) }
        #expect(a.setSocketDescriptor(pair[0]))
        #expect(b.setSocketDescriptor(pair[1]))
        #expect(states == [.connected])
        #expect(a.state == .connected && a.isOpen && a.socketDescriptor == pair[0])
        a.write("via fd")
        #expect(a.flush())
        #expect(b.waitForReadyRead(2000))
        #expect(b.readAll() == bytes("via fd"))
        #expect(!QLocalSocket().setSocketDescriptor(-1))
        a.abort(); b.abort()
    }

    @Test("listen(socketDescriptor:) serves on a descriptor that is already listening")
    func listenOnDescriptor() {
        let path = "/tmp/" + uniqueName("fdlisten")
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in pathBytes.enumerated() { raw[i] = b } }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        #expect(listen(fd, 5) == 0)
        let server = QLocalServer()
        #expect(server.listen(socketDescriptor: fd))
        #expect(server.isListening && server.fullServerName == path)
        let c = QLocalSocket()
        c.connectToServer(path)
        #expect(server.waitForNewConnection(2000).ok)
        c.abort()
        server.close()
        // The server did not create the file: close() leaves it to its owner.
        #expect(FileManagerLike.exists(path))
        unlink(path)
    }
}
