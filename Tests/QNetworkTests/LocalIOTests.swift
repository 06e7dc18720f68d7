import QCore
import QKitTestSupport
import QNetwork
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("QLocalSocket I/O and closing", .descriptorChecked)
struct LocalIOTests {
    @Test("write buffers everything, returns its length, and the loop flushes it")
    func writeIsBuffered() {
        guard let (server, c, end) = connectedPair("write") else { Issue.record("no pair"); return }
        let log = SignalLog()
        record(c, into: log)
        #expect(c.write("hello") == 5)
        #expect(c.bytesToWrite == 5)
        #expect(log.entries.isEmpty)
        #expect(spinLoop { end.bytesAvailable == 5 })
        #expect(log.entries == ["bytesWritten(5)"])
        #expect(c.bytesToWrite == 0)
        #expect(end.readAll() == bytes("hello"))
        c.abort(); end.abort(); server.close()
    }

    @Test("flush writes at once and emits bytesWritten inside the call")
    func flushIsSynchronous() {
        guard let (server, c, end) = connectedPair("flush") else { Issue.record("no pair"); return }
        let log = SignalLog()
        record(c, into: log)
        c.write("abc")
        #expect(c.flush())
        #expect(log.entries == ["bytesWritten(3)"])
        #expect(!c.flush())
        #expect(end.waitForReadyRead(2000))
        #expect(end.readAll() == bytes("abc"))
        c.abort(); end.abort(); server.close()
    }

    @Test("readyRead comes each time bytes arrive, with everything unread available")
    func readyReadPerArrival() {
        guard let (server, c, end) = connectedPair("ready") else { Issue.record("no pair"); return }
        var seen: [Int64] = []
        end.readyRead.connect(receiver: end) { e in seen.append(e.bytesAvailable) }
        c.write("abc"); c.flush()
        #expect(spinLoop { seen.count == 1 })
        c.write("def"); c.flush()
        #expect(spinLoop { seen.count == 2 })
        #expect(seen == [3, 6])
        c.abort(); end.abort(); server.close()
    }

    @Test("a read buffer limit stops reading from the kernel but loses nothing")
    func readBufferLimit() {
        guard let (server, c, end) = connectedPair("limit") else { Issue.record("no pair"); return }
        end.readBufferSize = 4
        var received: [UInt8] = []
        var maxSeen: Int64 = 0
        end.readyRead.connect(receiver: end) { e in
            maxSeen = max(maxSeen, e.bytesAvailable)
            received += e.readAll()
        }
        let payload = Array((0..<100).map { UInt8($0) })
        c.write(payload); c.flush()
        #expect(spinLoop { received.count == 100 })
        #expect(received == payload)
        #expect(maxSeen <= 4)
        c.abort(); end.abort(); server.close()
    }

    @Test(
        "peer close: readyRead for the data, then PeerClosedError (still Connected), Closing, Unconnected, readChannelFinished, disconnected"
    )
    func peerCloseOrder() {
        guard let (server, c, end) = connectedPair("peer") else { Issue.record("no pair"); return }
        let log = SignalLog()
        record(end, into: log)
        c.write("bye"); c.flush()
        c.abort()
        #expect(spinLoop { end.state == .unconnected })
        #expect(
            log.entries == [
                "readyRead", "errorOccurred(peerClosed,state=connected)", "stateChanged(closing)",
                "stateChanged(unconnected)", "readChannelFinished(state=unconnected)", "disconnected(state=unconnected)",
            ])
        #expect(end.errorString == "QLocalSocket: Remote closed")
        #expect(end.isOpen)
        #expect(end.readAll() == bytes("bye"))
        #expect(end.write("x") == -1)
        server.close()
    }

    @Test("disconnectFromServer with nothing pending: Closing, Unconnected, readChannelFinished, disconnected; device stays open")
    func disconnectNothingPending() {
        guard let (server, c, end) = connectedPair("disc") else { Issue.record("no pair"); return }
        let log = SignalLog()
        record(c, into: log)
        c.disconnectFromServer()
        #expect(
            log.entries == [
                "stateChanged(closing)", "stateChanged(unconnected)", "readChannelFinished(state=unconnected)",
                "disconnected(state=unconnected)",
            ])
        #expect(c.isOpen)
        #expect(c.serverName.isEmpty && c.fullServerName.isEmpty)
        end.abort(); server.close()
    }

    @Test("disconnectFromServer with data pending returns in Closing and finishes after bytesWritten")
    func disconnectWithPending() {
        guard let (server, c, end) = connectedPair("discp") else { Issue.record("no pair"); return }
        let log = SignalLog()
        record(c, into: log)
        c.write("data")
        c.disconnectFromServer()
        #expect(log.entries == ["stateChanged(closing)"])
        #expect(c.state == .closing)
        #expect(spinLoop { c.state == .unconnected })
        #expect(
            log.entries == [
                "stateChanged(closing)", "bytesWritten(4)", "stateChanged(unconnected)", "readChannelFinished(state=unconnected)",
                "disconnected(state=unconnected)",
            ])
        #expect(spinLoop { end.bytesAvailable == 4 })
        end.abort(); server.close()
    }

    @Test("waitForDisconnected drives a pending disconnect without an event loop")
    func waitForDisconnectedDrives() {
        guard let (server, c, end) = connectedPair("wfd") else { Issue.record("no pair"); return }
        c.write("data")
        c.disconnectFromServer()
        #expect(c.waitForDisconnected(2000))
        #expect(c.state == .unconnected)
        #expect(end.waitForReadyRead(2000))
        end.abort(); server.close()
    }

    @Test("close emits aboutToClose first; the device closes at once and pending data still goes out")
    func closeOrder() {
        guard let (server, c, end) = connectedPair("close") else { Issue.record("no pair"); return }
        let log = SignalLog()
        record(c, into: log)
        var stateInAboutToClose: QLocalSocket.LocalSocketState?
        c.aboutToClose.connect(receiver: c) { c in stateInAboutToClose = c.state }
        c.write("tail")
        c.close()
        #expect(stateInAboutToClose == .connected)
        #expect(!c.isOpen && c.bytesAvailable == 0)
        #expect(log.entries == ["aboutToClose", "stateChanged(closing)"])
        #expect(spinLoop { c.state == .unconnected })
        #expect(
            log.entries.suffix(4) == [
                "bytesWritten(4)", "stateChanged(unconnected)", "readChannelFinished(state=unconnected)",
                "disconnected(state=unconnected)",
            ])
        #expect(spinLoop { end.bytesAvailable == 4 })
        end.abort(); server.close()
    }

    @Test("abort discards pending writes: Unconnected, readChannelFinished, disconnected, aboutToClose")
    func abortOrder() {
        guard let (server, c, end) = connectedPair("abort") else { Issue.record("no pair"); return }
        let log = SignalLog()
        record(c, into: log)
        c.write("lost")
        c.abort()
        #expect(
            log.entries == [
                "stateChanged(unconnected)", "readChannelFinished(state=unconnected)", "disconnected(state=unconnected)",
                "aboutToClose",
            ])
        #expect(c.bytesToWrite == 0 && !c.isOpen)
        pump(); pump()
        #expect(end.bytesAvailable == 0)
        end.abort(); server.close()
    }

    @Test("waitForReadyRead times out with SocketTimeoutError and stays Connected")
    func waitForReadyReadTimeout() {
        guard let (server, c, end) = connectedPair("wfrr") else { Issue.record("no pair"); return }
        let log = SignalLog()
        record(c, into: log)
        #expect(!c.waitForReadyRead(20))
        #expect(c.error == .socketTimeout && c.state == .connected)
        #expect(c.errorString == "QLocalSocket: Socket operation timed out")
        #expect(c.errorDetail == "waitForReadyRead on \(c.fullServerName): no data within 20 ms")
        #expect(log.entries == ["errorOccurred(socketTimeout,state=connected)"])
        c.abort(); end.abort(); server.close()
    }

    @Test("waitForReadyRead returns false quickly when the peer closes, with the peer-close sequence")
    func waitForReadyReadPeerClose() {
        guard let (server, c, end) = connectedPair("wfrrpc") else { Issue.record("no pair"); return }
        end.abort()
        var e = QElapsedTimer(); e.start()
        #expect(!c.waitForReadyRead(5000))
        #expect(e.elapsed() < 2000)
        #expect(c.state == .unconnected && c.error == .peerClosed)
        server.close()
    }

    @Test("waitForBytesWritten writes without a loop and emits bytesWritten inside")
    func waitForBytesWritten() {
        guard let (server, c, end) = connectedPair("wfbw") else { Issue.record("no pair"); return }
        var written: Int64 = 0
        c.bytesWritten.connect { written += $0 }
        c.write("12345")
        #expect(c.waitForBytesWritten(2000))
        #expect(written == 5)
        #expect(!c.waitForBytesWritten(10))
        c.abort(); end.abort(); server.close()
    }

    @Test("large writes to a slow reader are all delivered, in order")
    func largeTransfer() {
        guard let (server, c, end) = connectedPair("large") else { Issue.record("no pair"); return }
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var received: [UInt8] = []
        end.readyRead.connect(receiver: end) { e in received += e.readAll() }
        c.write(payload)
        #expect(spinLoop(timeoutMs: 10000) { received.count == payload.count })
        #expect(received == payload)
        c.abort(); end.abort(); server.close()
    }
}

@Suite("QLocalServer", .descriptorChecked)
struct LocalServerTests {
    @Test("an accepted socket is a Connected child of the server, announced by newConnection")
    func acceptedSocket() {
        let server = QLocalServer()
        #expect(server.listen(uniqueName("acc")))
        var pendingInside = false
        server.newConnection.connect(receiver: server) { s in pendingInside = s.hasPendingConnections() }
        let c = QLocalSocket()
        c.connectToServer(server.serverName)
        #expect(spinLoop { server.hasPendingConnections() })
        #expect(pendingInside)
        let end = server.nextPendingConnection()
        #expect(end?.state == .connected && end?.isOpen == true)
        #expect(end?.parent === server)
        #expect(end?.serverName == server.serverName && end?.fullServerName == server.fullServerName)
        #expect(server.nextPendingConnection() == nil)
        c.abort(); server.close()
    }

    @Test("nextPendingConnection is FIFO")
    func fifo() {
        let server = QLocalServer()
        #expect(server.listen(uniqueName("fifo")))
        let clients = (0..<3).map { _ in QLocalSocket() }
        for (i, c) in clients.enumerated() {
            c.connectToServer(server.serverName)
            c.write("\(i)")
            c.flush()
            #expect(server.waitForNewConnection(2000).ok)
        }
        var order: [String] = []
        while let s = server.nextPendingConnection() {
            _ = s.waitForReadyRead(1000)
            order.append(String(decoding: s.readAll(), as: UTF8.self))
        }
        #expect(order == ["0", "1", "2"])
        for c in clients { c.abort() }
        server.close()
    }

    @Test("the server stops accepting once maxPendingConnections sockets wait, and resumes")
    func maxPending() {
        let server = QLocalServer()
        server.maxPendingConnections = 2
        #expect(server.listen(uniqueName("max")))
        var announced = 0
        server.newConnection.connect { announced += 1 }
        let clients = (0..<4).map { _ in QLocalSocket() }
        for c in clients { c.connectToServer(server.serverName) }
        #expect(clients.allSatisfy { $0.state == .connected })
        #expect(spinLoop { announced >= 2 })
        pump(); pump()
        #expect(announced >= 2 && announced <= 4)
        let firstBatch = announced
        _ = server.nextPendingConnection()
        _ = server.nextPendingConnection()
        #expect(spinLoop { announced == 4 })
        #expect(firstBatch <= 4)
        for c in clients { c.abort() }
        server.close()
    }

    @Test("waitForNewConnection accepts without a loop and reports time-outs")
    func waitForNewConnection() {
        let server = QLocalServer()
        #expect(QLocalServer().waitForNewConnection(10) == (false, false))
        #expect(server.listen(uniqueName("wait")))
        #expect(server.waitForNewConnection(20) == (false, true))
        let c = QLocalSocket()
        c.connectToServer(server.serverName)
        var inside = false
        server.newConnection.connect { inside = true }
        #expect(server.waitForNewConnection(2000) == (true, false))
        #expect(inside)
        c.abort(); server.close()
    }

    @Test("listen failures: empty name, a missing directory, a name over 106 bytes")
    func listenFailures() {
        let server = QLocalServer()
        #expect(!server.listen(""))
        #expect(server.serverError == .hostNotFound)
        #expect(server.errorString == "QLocalServer::listen: Name error")
        #expect(server.errorDetail == "listen: the name is empty")
        #expect(!server.listen("no-such-dir-\(getpid())/x"))
        #expect(server.serverError == .hostNotFound)
        #expect(server.errorString == "QLocalServer::listen: Name error")
        #expect(server.errorDetail.hasSuffix("no-such-dir-\(getpid())/x: No such file or directory"))
        // Qt 6.12 answers a path over the limit with the same Name error.
        let long = "/tmp/" + String(repeating: "y", count: 120)
        #expect(!server.listen(long))
        #expect(server.serverError == .hostNotFound)
        #expect(server.errorString == "QLocalServer::listen: Name error")
        #expect(server.errorDetail == "listen \(long): longer than 106 bytes")
        #expect(!server.isListening && server.socketDescriptor == -1 && server.fullServerName.isEmpty)
    }

    @Test("listening twice warns and keeps the first name; success keeps an earlier error")
    func listenTwice() {
        let server = QLocalServer()
        #expect(!server.listen(""))
        let name = uniqueName("twice")
        #expect(server.listen(name))
        #expect(server.serverError == .hostNotFound)
        let warnings = capturedWarnings { #expect(!server.listen(uniqueName("other"))) }
        #expect(warnings == ["QLocalServer::listen() called when already listening on \(server.fullServerName)"])
        #expect(server.serverName == name)
        server.close()
        #expect(server.serverError == .unknownSocket && server.errorString.isEmpty)
    }

    @Test("socket access options set the socket file's mode")
    func fileModes() {
        for (options, mode) in [
            (QLocalServer.SocketOptions.userAccess, 0o700), (.worldAccess, 0o777), ([.userAccess, .groupAccess], 0o770),
        ] {
            let server = QLocalServer()
            server.socketOptions = options
            #expect(server.listen(uniqueName("mode")))
            var st = stat()
            #expect(stat(server.fullServerName, &st) == 0)
            #expect(Int(st.st_mode) & 0o777 == mode)
            let c = QLocalSocket()
            c.connectToServer(server.serverName)
            #expect(c.state == .connected)
            c.abort()
            server.close()
        }
    }

    @Test("close deletes unclaimed sockets (their peers see PeerClosedError), removes the file and the names")
    func closeServer() {
        let server = QLocalServer()
        #expect(server.listen(uniqueName("closing")))
        let path = server.fullServerName
        let c = QLocalSocket()
        c.connectToServer(server.serverName)
        #expect(spinLoop { server.hasPendingConnections() })
        server.close()
        #expect(!FileManagerLike.exists(path))
        #expect(server.serverName.isEmpty && server.fullServerName.isEmpty && !server.isListening)
        #expect(spinLoop { c.state == .unconnected })
        #expect(c.error == .peerClosed)
        let late = QLocalSocket()
        late.connectToServer(LocalNameLike.last(path))
        #expect(late.error == .serverNotFound)
    }

    @Test("deleting the server closes it and its retrieved child sockets")
    func deleteServer() {
        let server = QLocalServer()
        #expect(server.listen(uniqueName("delete")))
        let path = server.fullServerName
        let c = QLocalSocket()
        c.connectToServer(server.serverName)
        #expect(server.waitForNewConnection(2000).ok)
        let end = server.nextPendingConnection()
        server.delete()
        #expect(end?.isDeleted == true)
        #expect(!FileManagerLike.exists(path))
        #expect(spinLoop { c.state == .unconnected })
        #expect(c.error == .peerClosed)
    }
}

enum LocalNameLike {
    static func last(_ path: String) -> String { String(path.split(separator: "/").last ?? "") }
}
