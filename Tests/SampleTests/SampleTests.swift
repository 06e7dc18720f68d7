import Foundation
import QCore
import QKitTestSupport
import QNetwork
import Testing

/// The number at the end of lines like "received 127.0.0.1 4000 Broadcast message 7".
private func trailingNumber(_ line: String) -> Int? {
    line.split(separator: " ").last.flatMap { Int($0) }
}

@Suite("Samples: UDP pairs", .serialized)
struct UdpSampleTests {
    @Test("broadcast-receiver prints consecutive messages from broadcast-sender and exits 0 after --count")
    func broadcastPair() throws {
        let port = String(freeUdpPort())
        let receiver = try SampleProcess("broadcast-receiver", ["--port", port, "--count", "3", "--timeout-ms", "8000"])
        defer { receiver.stop() }
        usleep(300_000)  // the receiver binds before the first message
        let sender = try SampleProcess(
            "broadcast-sender", ["--port", port, "--address", "127.0.0.1", "--interval-ms", "25", "--count", "200"])
        defer { sender.stop() }
        #expect(receiver.exitCode() == 0)
        let lines = receiver.printed
        #expect(lines.count == 3)
        for line in lines {
            #expect(line.hasPrefix("received 127.0.0.1 ") && line.contains(" Broadcast message "))
        }
        let numbers = lines.compactMap(trailingNumber)
        #expect(numbers.count == 3 && numbers[1] == numbers[0] + 1 && numbers[2] == numbers[0] + 2)
        sender.send(SIGTERM)
        #expect(sender.exitCode() == 130)
        #expect(sender.printed.first == "sent 1 Broadcast message 1")
    }

    @Test("broadcast-sender sends --count messages, one line each, and exits 0")
    func senderCount() throws {
        let sender = try SampleProcess(
            "broadcast-sender", ["--port", String(freeUdpPort()), "--address", "127.0.0.1", "--interval-ms", "5", "--count", "4"])
        defer { sender.stop() }
        #expect(sender.exitCode() == 0)
        #expect(sender.printed == (1...4).map { "sent \($0) Broadcast message \($0)" })
    }

    @Test("a receiver that gets fewer than --count datagrams before --timeout-ms prints timeout and exits 1")
    func receiverTimeout() throws {
        let receiver = try SampleProcess(
            "broadcast-receiver", ["--port", String(freeUdpPort()), "--count", "5", "--timeout-ms", "200"])
        defer { receiver.stop() }
        #expect(receiver.exitCode() == 1)
        #expect(receiver.printed == ["timeout 0/5"])
    }

    @Test("a payload that is not printable UTF-8 is printed as hex")
    func binaryPayloadAsHex() throws {
        let port = freeUdpPort()
        let receiver = try SampleProcess("broadcast-receiver", ["--port", String(port), "--count", "1", "--timeout-ms", "8000"])
        defer { receiver.stop() }
        usleep(300_000)
        let socket = QUdpSocket()
        defer { socket.delete() }
        #expect(socket.writeDatagram([0x00, 0x01, 0xfe], .localHost, port) == 3)
        #expect(receiver.exitCode() == 0)
        #expect(receiver.printed == ["received 127.0.0.1 \(socket.localPort) hex:0001fe"])
    }

    @Test("multicast-receiver joins the group on lo, then prints what multicast-sender sends")
    func multicastPair() throws {
        let port = String(freeUdpPort())
        let receiver = try SampleProcess(
            "multicast-receiver", ["--port", port, "--interface", "lo", "--count", "3", "--timeout-ms", "8000"])
        defer { receiver.stop() }
        #expect(receiver.waitForLine(startingWith: "joined") == "joined 239.255.43.21 on lo")
        let sender = try SampleProcess(
            "multicast-sender", ["--port", port, "--interface", "lo", "--interval-ms", "20", "--count", "3"])
        defer { sender.stop() }
        #expect(sender.exitCode() == 0)
        #expect(receiver.exitCode() == 0)
        let received = receiver.printed.dropFirst().map { $0.split(separator: " ", maxSplits: 3).last.map(String.init) }
        #expect(received == ["Multicast message 1", "Multicast message 2", "Multicast message 3"])
    }

    @Test("udp-echo's client gets every datagram back from its server")
    func udpEchoPair() throws {
        let server = try SampleProcess("udp-echo", ["--bind", "127.0.0.1", "--port", "0"])
        defer { server.stop() }
        let listening = try #require(server.waitForLine(startingWith: "listening"))
        let port = try #require(trailingNumber(listening))
        #expect(listening == "listening 127.0.0.1 \(port)")
        let client = try SampleProcess("udp-echo", ["--client", "--port", String(port), "--count", "50", "--size", "200"])
        defer { client.stop() }
        #expect(client.exitCode() == 0)
        let lines = client.printed
        #expect(lines.last == "done 50/50")
        #expect(Set(lines.dropLast()) == Set((1...50).map { "echoed \($0) 200" }))
        server.send(SIGINT)
        #expect(server.exitCode() == 130)
    }
}

/// A local-fortune-client process connected to a QLocalServer of the test: the server, the
/// process and the server's end of the connection.
private func fortuneClientOfTestServer(_ tag: String) throws -> (QLocalServer, SampleProcess, QLocalSocket) {
    let name = uniqueServerName(tag)
    let server = QLocalServer()
    #expect(server.listen(name))
    let client = try SampleProcess("local-fortune-client", ["--name", name])
    #expect(spinLoop { server.hasPendingConnections() })
    guard let connection = server.nextPendingConnection() else {
        client.stop()
        server.close()
        throw SampleTestFailure.noConnection
    }
    return (server, client, connection)
}

private enum SampleTestFailure: Error { case noConnection }

@Suite("Samples: local-socket pairs", .serialized)
struct LocalSampleTests {
    @Test("local-fortune-client prints the fortune local-fortune-server serves, and both exit 0")
    func fortunePair() throws {
        let name = uniqueServerName("fortune")
        let server = try SampleProcess("local-fortune-server", ["--name", name, "--fortune", "Hello", "--count", "1"])
        defer { server.stop() }
        #expect(server.waitForLine(startingWith: "listening") == "listening \(socketDirectory)/\(name)")
        let client = try SampleProcess("local-fortune-client", ["--name", name])
        defer { client.stop() }
        #expect(client.exitCode() == 0)
        #expect(client.printed == ["fortune Hello"])
        #expect(server.exitCode() == 0)
        #expect(server.printed == ["listening \(socketDirectory)/\(name)", "served 1 Hello"])
        #expect(!FileManager.default.fileExists(atPath: "\(socketDirectory)/\(name)"), "the server removed its socket file")
    }

    @Test("local-fortune-client reads a frame that arrives in pieces")
    func fortuneInPieces() throws {
        let (server, client, connection) = try fortuneClientOfTestServer("pieces")
        defer { client.stop(); connection.delete(); server.close(); server.delete() }
        let out = QDataStream()
        out << UInt32(5)
        out << "Hello"
        let frame = out.bytes
        for piece in [frame[0..<2], frame[2..<7], frame[7..<15], frame[15...]] {
            connection.write(Array(piece))
            #expect(connection.waitForBytesWritten(1000))
            spinLoop(timeoutMs: 60) { false }
            #expect(client.printed.isEmpty || piece.endIndex == frame.endIndex)
        }
        #expect(client.exitCode() == 0)
        #expect(client.printed == ["fortune Hello"])
    }

    @Test(
        "local-fortune-client given garbage prints ReadCorruptData and exits 3",
        arguments: [
            ([0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x03, 0x41, 0x42, 0x43], "error: ReadCorruptData: "),
            ([0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x48], "error: PeerClosedError: "),
        ] as [([UInt8], String)])
    func fortuneClientHostileServer(bytes: [UInt8], expected: String) throws {
        let (server, client, connection) = try fortuneClientOfTestServer("hostile")
        defer { client.stop(); connection.delete(); server.close(); server.delete() }
        connection.write(bytes)
        connection.disconnectFromServer()  // garbage, or half a frame, then the server goes
        spinLoop(timeoutMs: 200) { false }
        #expect(client.exitCode() == 3)
        #expect(client.printed.last?.hasPrefix(expected) == true, "\(client.printed)")
    }

    @Test("local-fortune-client without a server prints ServerNotFoundError and exits 3")
    func fortuneClientNoServer() throws {
        let name = uniqueServerName("none")
        let client = try SampleProcess("local-fortune-client", ["--name", name])
        defer { client.stop() }
        #expect(client.exitCode() == 3)
        let line = try #require(client.printed.last)
        // Qt's errorString, then QKit's errorDetail in brackets.
        #expect(
            line == "error: ServerNotFoundError: QLocalSocket::connectToServer: Invalid name "
                + "(connect \(socketDirectory)/\(name): No such file or directory)")
    }

    @Test("local-echo's client prints every echoed line, then done")
    func localEchoPair() throws {
        let name = uniqueServerName("echo")
        let server = try SampleProcess("local-echo", ["--name", name])
        defer { server.stop() }
        #expect(server.waitForLine(startingWith: "listening") == "listening \(socketDirectory)/\(name)")
        let client = try SampleProcess("local-echo", ["--client", "--name", name, "--send", "hi there", "--count", "3"])
        defer { client.stop() }
        #expect(client.exitCode() == 0)
        #expect(client.printed == ["echoed hi there", "echoed hi there", "echoed hi there", "done 3/3"])
    }

    @Test("SIGTERM ends a server through its event loop with 130 and removes the socket file")
    func sigtermRemovesSocketFile() throws {
        let name = uniqueServerName("term")
        let server = try SampleProcess("local-echo", ["--name", name])
        defer { server.stop() }
        #expect(server.waitForLine(startingWith: "listening") != nil)
        #expect(FileManager.default.fileExists(atPath: "\(socketDirectory)/\(name)"))
        server.send(SIGTERM)
        #expect(server.exitCode() == 130)
        #expect(!FileManager.default.fileExists(atPath: "\(socketDirectory)/\(name)"))
    }

    @Test("a second server on a name in use fails with AddressInUseError and exits 3")
    func nameInUse() throws {
        let name = uniqueServerName("busy")
        let first = try SampleProcess("local-fortune-server", ["--name", name])
        defer { first.stop() }
        #expect(first.waitForLine(startingWith: "listening") != nil)
        let second = try SampleProcess("local-fortune-server", ["--name", name])
        defer { second.stop() }
        #expect(second.exitCode() == 3)
        #expect(
            second.printed.last == "error: AddressInUseError: QLocalServer::listen: Address in use "
                + "(listen \(socketDirectory)/\(name): Address already in use)")
        first.send(SIGINT)
        #expect(first.exitCode() == 130)
    }

    @Test("the server name follows TMPDIR, as Qt's does")
    func tmpdirName() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueServerName("dir")).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try SampleProcess("local-echo", ["--name", "echo"], environment: ["TMPDIR": folder])
        defer { server.stop() }
        #expect(server.waitForLine(startingWith: "listening") == "listening \(folder)/echo")
        server.send(SIGTERM)
        #expect(server.exitCode() == 130)
    }
}

@Suite("Samples: command line")
struct CommandLineTests {
    @Test("--help prints the flags and exits 0")
    func help() throws {
        let sample = try SampleProcess("multicast-sender", ["--help"])
        defer { sample.stop() }
        #expect(sample.exitCode() == 0)
        let text = sample.printed.joined(separator: "\n")
        for flag in ["--group", "--port", "--ttl", "--interface", "--interval-ms", "--count"] {
            #expect(text.contains(flag))
        }
    }

    @Test(
        "bad flags exit 2",
        arguments: [
            ("broadcast-sender", ["--address", "not-an-address"]),
            ("broadcast-receiver", ["--port", "70000"]),
            ("multicast-receiver", ["--group", "10.0.0.1"]),
            ("multicast-sender", ["--interface", "no-such-interface0"]),
            ("udp-echo", ["--client"]),
            ("local-echo", ["--unknown-flag"]),
        ])
    func badFlags(sample: String, arguments: [String]) throws {
        let process = try SampleProcess(sample, arguments)
        defer { process.stop() }
        #expect(process.exitCode() == 2)
    }

    @Test("the tour prints its trace and a summary, and exits 0")
    func tour() throws {
        let tour = try SampleProcess("tour")
        defer { tour.stop() }
        #expect(tour.exitCode() == 0)
        let lines = tour.printed
        #expect(lines.last?.hasPrefix("summary: ") == true)
        #expect(lines.contains { $0.contains("udpReceiver.readyRead -> datagram #1") })
        #expect(lines.contains { $0.contains("client.readyRead -> Hello from the QLocalServer") })
        #expect(lines.contains("signal   worker.finished"))
        #expect(lines.contains("await    counter.valueChanged.next() -> 2, on the main actor"))
        #expect(lines.contains("await    tally.add(2) ran on the worker thread"))
    }
}
