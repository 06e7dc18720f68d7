// UDP and local-socket echo, server and client, written with async/await only: the flags and
// lines of udp-echo (default) and local-echo (--local), on QKit's main loop (the main actor).
import ArgumentParser
import QCore
import QNetwork
import SampleSupport

struct AsyncEcho: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "async-echo",
        abstract: "udp-echo, or with --local local-echo, written with async/await.")

    @Flag(help: "Local sockets (local-echo) instead of UDP (udp-echo).") var local = false
    @Flag(help: "Run the client instead of the server.") var client = false
    @Option(help: "UDP server: address to bind.") var bind = "127.0.0.1"
    @Option(help: "UDP client: server address.") var host = "127.0.0.1"
    @Option(help: "UDP server: port to bind (0 picks one). UDP client: server port.") var port: UInt16 = 0
    @Option(help: "UDP client: datagrams to send. Local client: lines to send.") var count: Int?
    @Option(help: "UDP client: bytes per datagram (4...65507).") var size = 64
    @Option(help: "Local: server name (a plain name lives in $TMPDIR or /tmp, as in Qt) or a path.") var name = "echo"
    @Option(help: "Local client: the text of each line.") var send = "hello"
    @Option(help: "Give up after this many milliseconds (exit 1); clients default to 10000.") var timeoutMs: Int?

    func validate() throws {
        _ = try parseAddress(bind)
        _ = try parseAddress(host)
        try requireNonNegative(count ?? 0, "--count")
        guard (4...65507).contains(size) else { throw ValidationError("--size must be 4...65507, not \(size)") }
        if client && !local && port == 0 { throw ValidationError("--client needs the server's --port") }
        guard !name.isEmpty else { throw ValidationError("--name must not be empty") }
        guard !send.contains("\n") else { throw ValidationError("--send must be one line") }
        try requirePositive(timeoutMs, "--timeout-ms")
    }
}

let flags = parseFlags(AsyncEcho.self)
var received = 0
var sent = 0
let sample = SampleApp(timeoutMs: flags.timeoutMs ?? (flags.client ? 10000 : nil)) {
    say(flags.client ? "timeout \(received)/\(sent)" : "timeout")
}

/// The UDP server: every datagram goes back to its sender.
@MainActor func udpServer() async {
    let socket = QUdpSocket()
    sample.onCleanup { socket.close() }
    guard socket.bind(try! parseAddress(flags.bind), flags.port) else {
        return sample.fail(socket.error.qtName, socket.errorString, detail: socket.errorDetail)
    }
    say("listening \(socket.localAddress) \(socket.localPort)")
    do {
        for try await datagram in socket.datagrams {
            _ = socket.writeDatagram(datagram.makeReply(datagram.data))
        }
    } catch let error as QSocketError {
        sample.fail(error.code.qtName, error.errorString, detail: error.errorDetail)
    } catch {}
}

/// The UDP client: numbered datagrams, at most 32 in flight, until every echo is back.
@MainActor func udpClient() async {
    let socket = QUdpSocket()
    sample.onCleanup { socket.close() }
    let server = try! parseAddress(flags.host)
    let count = flags.count ?? 10
    func payload(_ n: Int) -> [UInt8] {
        let out = QDataStream()
        out << UInt32(n)
        return out.bytes + [UInt8](repeating: 0x78, count: flags.size - 4)
    }
    func sendMore() -> Bool {
        while sent < count && sent - received < 32 {
            guard socket.writeDatagram(payload(sent + 1), server, flags.port) >= 0 else {
                sample.fail(socket.error.qtName, socket.errorString, detail: socket.errorDetail)
                return false
            }
            sent += 1
        }
        return true
    }
    guard count > 0 else { return finish() }
    // The first write binds the socket; echoes that come before the loop starts wait for it.
    guard sendMore() else { return }
    do {
        for try await datagram in socket.datagrams {
            received += 1
            say("echoed \(QDataStream(datagram.data).read(UInt32.self)) \(datagram.data.count)")
            if received == count { return finish() }
            guard sendMore() else { return }
        }
    } catch let error as QSocketError {
        sample.fail(error.code.qtName, error.errorString, detail: error.errorDetail)
    } catch {}
}

/// The local server: every connection's bytes go back to it, one task per connection.
@MainActor func localServer() async {
    let server = QLocalServer()
    sample.listen(server, flags.name)
    guard server.isListening else { return }
    for await connection in server.connections {
        Task { @MainActor in
            for await chunk in connection.bytes {
                guard (try? await connection.send(chunk)) != nil else { break }
            }
            connection.deleteLater()
        }
    }
}

/// The local client: `--count` lines, then every echoed line until all are back.
@MainActor func localClient() async {
    let socket = QLocalSocket()
    sample.onCleanup { socket.abort() }
    let count = flags.count ?? 1
    socket.connectToServer(flags.name)
    guard await socket.waitForConnected(10000) else {
        return sample.fail(socket.error.qtName, socket.errorString, detail: socket.errorDetail)
    }
    guard count > 0 else { return finish() }
    do {
        try await socket.send(Array(String(repeating: flags.send + "\n", count: count).utf8))
        sent = count
    } catch let error as QLocalSocketError {
        return sample.fail(error.code.qtName, error.errorString, detail: error.errorDetail)
    } catch {}
    var pending: [UInt8] = []
    for await chunk in socket.bytes {
        pending += chunk
        while let end = pending.firstIndex(of: 10) {
            say("echoed \(printable(Array(pending[..<end])))")
            pending.removeSubrange(...end)
            received += 1
        }
        if received == count {
            socket.disconnectFromServer()
            return finish()
        }
    }
    sample.fail(socket.error.qtName, socket.errorString, detail: socket.errorDetail)
}

@MainActor func finish() {
    say("done \(received)/\(sent)")
    sample.finish(SampleExit.ok)
}

Task { @MainActor in
    switch (flags.local, flags.client) {
    case (false, false): await udpServer()
    case (false, true): await udpClient()
    case (true, false): await localServer()
    case (true, true): await localClient()
    }
}
sample.run()
