// A UDP echo server and client: the server sends every datagram back to its sender; the
// client sends numbered datagrams (a window in flight) and counts the echoes.
import ArgumentParser
import QCore
import QNetwork
import SampleSupport

struct UdpEcho: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "udp-echo",
        abstract: "UDP echo: a server (default) or, with --client, a client that counts echoes.")

    @Flag(help: "Run the client instead of the server.") var client = false
    @Option(help: "Server: address to bind.") var bind = "127.0.0.1"
    @Option(help: "Client: server address.") var host = "127.0.0.1"
    @Option(help: "Server: port to bind (0 picks one). Client: server port.") var port: UInt16 = 0
    @Option(help: "Client: datagrams to send.") var count = 10
    @Option(help: "Client: bytes per datagram (4...65507).") var size = 64
    @Option(help: "Give up after this many milliseconds (exit 1); clients default to 10000.") var timeoutMs: Int?

    func validate() throws {
        _ = try parseAddress(bind)
        _ = try parseAddress(host)
        try requireNonNegative(count, "--count")
        guard (4...65507).contains(size) else { throw ValidationError("--size must be 4...65507, not \(size)") }
        if client && port == 0 { throw ValidationError("--client needs the server's --port") }
        try requirePositive(timeoutMs, "--timeout-ms")
    }
}

let flags = parseFlags(UdpEcho.self)
let socket = QUdpSocket()
var received = 0
var sent = 0

if !flags.client {
    let sample = SampleApp(timeoutMs: flags.timeoutMs) { say("timeout") }
    sample.onCleanup { socket.close() }
    if !socket.bind(try parseAddress(flags.bind), flags.port) {
        sample.fail(socket.error.qtName, socket.errorString, detail: socket.errorDetail)
    } else {
        say("listening \(socket.localAddress) \(socket.localPort)")
    }
    socket.readyRead.connect(receiver: socket) { socket in
        while socket.hasPendingDatagrams() {
            let datagram = socket.receiveDatagram()
            _ = socket.writeDatagram(datagram.makeReply(datagram.data))
        }
    }
    sample.run()
}

let server = try parseAddress(flags.host)
let sample = SampleApp(timeoutMs: flags.timeoutMs ?? 10000) { say("timeout \(received)/\(sent)") }
sample.onCleanup { socket.close() }
let window = 32

/// Datagram `n`: its number (big-endian) then filler up to `--size` bytes.
@MainActor func payload(_ n: Int) -> [UInt8] {
    let out = QDataStream()
    out << UInt32(n)
    return out.bytes + [UInt8](repeating: 0x78, count: flags.size - 4)
}

@MainActor func sendMore() {
    while sent < flags.count && sent - received < window {
        guard socket.writeDatagram(payload(sent + 1), server, flags.port) >= 0 else {
            sample.fail(socket.error.qtName, socket.errorString, detail: socket.errorDetail)
            return
        }
        sent += 1
    }
}

socket.readyRead.connect(receiver: socket) { socket in
    while socket.hasPendingDatagrams() {
        let datagram = socket.receiveDatagram()
        received += 1
        let number = QDataStream(datagram.data).read(UInt32.self)
        say("echoed \(number) \(datagram.data.count)")
    }
    if received == flags.count {
        say("done \(received)/\(sent)")
        sample.finish(SampleExit.ok)
    } else {
        sendMore()
    }
}
socket.errorOccurred.connect { error in
    sample.fail(error.qtName, socket.errorString, detail: socket.errorDetail)
}
if flags.count == 0 {
    say("done 0/0")
    sample.finish(SampleExit.ok)
} else {
    sendMore()
}
sample.run()
