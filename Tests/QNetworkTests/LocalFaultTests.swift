import QCore
import QKitTestSupport
import Testing

@testable import QNetwork

#if canImport(Glibc)
import Glibc
#endif

/// A QLocalSocket failure.
typealias LocalFault = FaultCase<QLocalSocket.LocalSocketError>

/// A QLocalServer failure (its errors are QAbstractSocket's).
typealias ServerFault = FaultCase<QAbstractSocket.SocketError>

/// QLocalSocket and QLocalServer when the kernel fails a call: Qt's error, signal order and
/// state, no byte lost or duplicated on the stream, no descriptor leaked, and the socket or
/// server keeps working when Qt's would.
@Suite("QLocalSocket and QLocalServer under injected syscall failures", .serialized, .faultsCleared, .descriptorChecked)
struct LocalFaultTests {
    /// `count` bytes of a pattern that shows any loss, duplication or reordering.
    func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) } }

    /// Reads from `end` until `count` bytes arrived (or time runs out).
    func drain(_ end: QLocalSocket, _ count: Int) -> [UInt8] {
        var got: [UInt8] = []
        _ = spinLoop(timeoutMs: 5000) {
            got += end.readAll()
            return got.count >= count
        }
        return got
    }

    @Test(
        "connect fails: Connecting, errorOccurred (still Connecting), Unconnected; names empty; the next connect works",
        arguments: [
            LocalFault(code: ENOENT, error: .serverNotFound, text: "QLocalSocket::connectToServer: Invalid name"),
            LocalFault(code: ECONNREFUSED, error: .connectionRefused, text: "QLocalSocket::connectToServer: Connection refused"),
            LocalFault(code: EINVAL, error: .connectionRefused, text: "QLocalSocket::connectToServer: Connection refused"),
            LocalFault(code: EACCES, error: .socketAccess, text: "QLocalSocket::connectToServer: Socket access error"),
            LocalFault(code: EPERM, error: .socketAccess, text: "QLocalSocket::connectToServer: Socket access error"),
            LocalFault(code: ETIMEDOUT, error: .socketTimeout, text: "QLocalSocket::connectToServer: Socket operation timed out"),
            LocalFault(code: ENOTDIR, error: .unknownSocket, text: "QLocalSocket::connectToServer: Unknown error \(ENOTDIR)"),
        ])
    func connectFails(_ fault: LocalFault) {
        let server = QLocalServer()
        #expect(server.listen(uniqueName("cf")))
        let c = QLocalSocket(), log = SignalLog()
        record(c, into: log)
        SyscallFaults.inject(fault.code, into: .connect)
        c.connectToServer(server.serverName)
        #expect(
            log.entries == [
                "stateChanged(connecting)", "errorOccurred(\(fault.error),state=connecting)", "stateChanged(unconnected)",
            ])
        #expect(c.state == .unconnected && c.error == fault.error && c.errorString == fault.text)
        #expect(c.serverName.isEmpty && c.fullServerName.isEmpty && !c.isOpen)
        c.connectToServer(server.serverName)
        #expect(c.state == .connected)
        c.abort()
        server.close()
    }

    @Test("socket() fails on connect: UnsupportedSocketOperationError, then Unconnected")
    func connectSocketFails() {
        let c = QLocalSocket(), log = SignalLog()
        record(c, into: log)
        SyscallFaults.inject(EMFILE, into: .socket)
        c.connectToServer(uniqueName("sf"))
        #expect(
            log.entries == [
                "stateChanged(connecting)", "errorOccurred(unsupportedSocketOperation,state=connecting)",
                "stateChanged(unconnected)",
            ])
        #expect(c.errorString == "QLocalSocket::connectToServer: The socket operation is not supported")
    }

    @Test("a full backlog (EAGAIN) keeps the socket Connecting; it connects from the loop once the retry goes through")
    func connectRetries() {
        let server = QLocalServer()
        #expect(server.listen(uniqueName("retry")))
        let c = QLocalSocket(), log = SignalLog()
        record(c, into: log)
        SyscallFaults.inject(EAGAIN, into: .connect)
        c.connectToServer(server.serverName)
        #expect(log.entries == ["stateChanged(connecting)"])
        #expect(c.state == .connecting)
        #expect(spinLoop { c.state == .connected })
        #expect(log.entries == ["stateChanged(connecting)", "stateChanged(connected)", "connected(open=true)"])
        c.abort()
        server.close()
    }

    @Test(
        "listen fails in bind: false, the mapped serverError and text, nothing listening; the next listen works",
        arguments: [
            ServerFault(code: EADDRINUSE, error: .addressInUse, text: "QLocalServer::listen: Address in use"),
            ServerFault(code: EACCES, error: .socketAccess, text: "QLocalServer::listen: Permission denied"),
            ServerFault(code: ENOENT, error: .hostNotFound, text: "QLocalServer::listen: Name error"),
            ServerFault(code: ENOTDIR, error: .hostNotFound, text: "QLocalServer::listen: Name error"),
            ServerFault(code: ELOOP, error: .hostNotFound, text: "QLocalServer::listen: Name error"),
            ServerFault(code: ENAMETOOLONG, error: .hostNotFound, text: "QLocalServer::listen: Name error"),
            ServerFault(code: EROFS, error: .hostNotFound, text: "QLocalServer::listen: Name error"),
            ServerFault(code: ENOMEM, error: .unknownSocket, text: "QLocalServer::listen: Unknown error \(ENOMEM)"),
        ])
    func listenBindFails(_ fault: ServerFault) {
        let server = QLocalServer(), name = uniqueName("lb")
        SyscallFaults.inject(fault.code, into: .bind)
        #expect(!server.listen(name))
        #expect(server.serverError == fault.error && server.errorString == fault.text)
        #expect(!server.isListening && server.serverName.isEmpty && server.socketDescriptor == -1)
        #expect(server.listen(name))
        server.close()
    }

    @Test("listen() itself fails after the bind: the socket file it made is removed, so the next listen works")
    func listenCallFails() {
        let server = QLocalServer(), name = uniqueName("ll")
        SyscallFaults.inject(EADDRINUSE, into: .listen)
        #expect(!server.listen(name))
        #expect(server.serverError == .addressInUse && server.errorString == "QLocalServer::listen: Address in use")
        #expect(access(LocalName.fullName(name, abstract: false), F_OK) != 0)
        #expect(server.listen(name))
        server.close()
    }

    @Test("socket() fails on listen: SocketResourceError with Qt's text, nothing listening")
    func listenSocketFails() {
        let server = QLocalServer()
        SyscallFaults.inject(EMFILE, into: .socket)
        #expect(!server.listen(uniqueName("ls")))
        #expect(server.serverError == .socketResource && server.errorString == "QLocalServer::listen: Unknown error \(EMFILE)")
        #expect(!server.isListening)
    }

    @Test("accept runs out of descriptors: SocketResourceError with Qt's text, then the waiting client is accepted on retry")
    func acceptOutOfDescriptors() {
        let server = QLocalServer()
        #expect(server.listen(uniqueName("am")))
        var announced = 0
        server.newConnection.connect { announced += 1 }
        SyscallFaults.inject(EMFILE, into: .accept, on: server.socketDescriptor)
        let c = QLocalSocket()
        c.connectToServer(server.serverName)
        #expect(spinLoop { SyscallFaults.injected == 1 })
        #expect(server.serverError == .socketResource && server.errorString == "QLocalSocket::activated: Unknown error \(EMFILE)")
        #expect(server.isListening)
        #expect(spinLoop { server.hasPendingConnections() })
        #expect(announced == 1)
        c.abort()
        server.close()
    }

    @Test("an aborted connection (ECONNABORTED) is skipped; the server keeps accepting")
    func acceptAborted() {
        let server = QLocalServer()
        #expect(server.listen(uniqueName("aa")))
        SyscallFaults.inject(ECONNABORTED, into: .accept, on: server.socketDescriptor)
        let c = QLocalSocket()
        c.connectToServer(server.serverName)
        #expect(spinLoop { server.hasPendingConnections() })
        #expect(SyscallFaults.injected == 1)
        #expect(
            server.serverError == .unknownSocket && server.errorString == "QLocalSocket::activated: Unknown error \(ECONNABORTED)"
        )
        c.abort()
        server.close()
    }

    @Test("interrupted and would-block sends in the middle of a stream: every byte arrives once, in order")
    func sendInterruptions() {
        guard let (server, c, end) = connectedPair("si") else { Issue.record("no pair"); return }
        SyscallFaults.inject(EINTR, into: .send, on: c.socketDescriptor, after: 1, times: 2)
        SyscallFaults.inject(EAGAIN, into: .send, on: c.socketDescriptor, after: 3, times: 2)
        let data = pattern(600_000)
        var written: Int64 = 0
        c.bytesWritten.connect { written += $0 }
        for chunk in stride(from: 0, to: data.count, by: 50_000) {
            #expect(c.write(Array(data[chunk..<min(chunk + 50_000, data.count)])) == Int64(min(50_000, data.count - chunk)))
        }
        #expect(drain(end, data.count) == data)
        #expect(written == Int64(data.count))
        #expect(SyscallFaults.injected == 4)
        #expect(c.state == .connected && c.error == .unknownSocket)
        c.abort(); end.abort(); server.close()
    }

    @Test("interrupted and would-block reads in the middle of a stream: every byte arrives once, in order")
    func readInterruptions() {
        guard let (server, c, end) = connectedPair("ri") else { Issue.record("no pair"); return }
        SyscallFaults.inject(EINTR, into: .read, on: end.socketDescriptor, times: 2)
        SyscallFaults.inject(EAGAIN, into: .read, on: end.socketDescriptor, after: 1, times: 2)
        let data = pattern(300_000)
        #expect(c.write(data) == Int64(data.count))
        #expect(drain(end, data.count) == data)
        #expect(SyscallFaults.injected == 4)
        #expect(end.state == .connected)
        c.abort(); end.abort(); server.close()
    }

    @Test(
        "a send refused with EPIPE or ECONNRESET: PeerClosedError (still Connected), Closing, Unconnected, readChannelFinished, disconnected",
        arguments: [EPIPE, ECONNRESET])
    func sendPeerGone(_ code: Int32) {
        guard let (server, c, end) = connectedPair("sp") else { Issue.record("no pair"); return }
        let log = SignalLog()
        record(c, into: log)
        SyscallFaults.inject(code, into: .send, on: c.socketDescriptor)
        #expect(c.write(bytes("x")) == 1)
        #expect(!c.flush())
        #expect(
            log.entries == [
                "errorOccurred(peerClosed,state=connected)", "stateChanged(closing)", "stateChanged(unconnected)",
                "readChannelFinished(state=unconnected)", "disconnected(state=unconnected)",
            ])
        #expect(c.errorString == "QLocalSocket: Remote closed" && c.bytesToWrite == 0)
        #expect(spinLoop { end.state == .unconnected })
        end.abort(); server.close()
    }

    @Test("a read that fails with ECONNRESET runs the peer-close sequence; what arrived before stays readable")
    func readReset() {
        guard let (server, c, end) = connectedPair("rr") else { Issue.record("no pair"); return }
        let log = SignalLog()
        record(c, into: log)
        #expect(end.write(bytes("abc")) == 3 && end.flush())
        #expect(spinLoop { log.entries.contains("readyRead") })
        SyscallFaults.inject(ECONNRESET, into: .read, on: c.socketDescriptor)
        #expect(end.write(bytes("def")) == 3 && end.flush())
        #expect(spinLoop { c.state == .unconnected })
        #expect(
            log.entries == [
                "readyRead", "errorOccurred(peerClosed,state=connected)", "stateChanged(closing)", "stateChanged(unconnected)",
                "readChannelFinished(state=unconnected)", "disconnected(state=unconnected)",
            ])
        #expect(c.readAll() == bytes("abc"))
        end.abort(); server.close()
    }

    @Test("close() reports EIO on both ends: descriptors gone anyway, the usual sequence, nothing leaks")
    func closeFails() {
        guard let (server, c, end) = connectedPair("cl") else { Issue.record("no pair"); return }
        let log = SignalLog()
        record(c, into: log)
        let fd = c.socketDescriptor
        SyscallFaults.inject(EIO, into: .close, times: 3)
        c.disconnectFromServer()
        #expect(
            log.entries == [
                "stateChanged(closing)", "stateChanged(unconnected)", "readChannelFinished(state=unconnected)",
                "disconnected(state=unconnected)",
            ])
        #expect(fcntl(fd, F_GETFD) == -1)
        #expect(spinLoop { end.state == .unconnected })
        server.close()
        #expect(SyscallFaults.injected == 3)
    }

    @Test("an interrupted poll (EINTR) inside waitForReadyRead is resumed and still sees the bytes")
    func waitInterrupted() {
        guard let (server, c, end) = connectedPair("wi") else { Issue.record("no pair"); return }
        SyscallFaults.inject(EINTR, into: .poll, on: c.socketDescriptor, times: 2)
        #expect(end.write(bytes("w")) == 1 && end.flush())
        #expect(c.waitForReadyRead(2000))
        #expect(c.readAll() == bytes("w"))
        c.abort(); end.abort(); server.close()
    }
}
