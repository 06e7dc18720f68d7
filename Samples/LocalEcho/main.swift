// A local-socket echo server and client: the server sends every byte back; the client
// sends a line N times and prints each echoed line.
import ArgumentParser
import QCore
import QNetwork
import SampleSupport

struct LocalEcho: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local-echo",
        abstract: "Local-socket echo: a server (default) or, with --client, a client that sends lines.")

    @Flag(help: "Run the client instead of the server.") var client = false
    @Option(help: "Server name (a plain name lives in $TMPDIR or /tmp, as in Qt) or a path.") var name = "echo"
    @Option(help: "Client: the text of each line.") var send = "hello"
    @Option(help: "Client: lines to send.") var count = 1
    @Option(help: "Give up after this many milliseconds (exit 1); clients default to 10000.") var timeoutMs: Int?

    func validate() throws {
        guard !name.isEmpty else { throw ValidationError("--name must not be empty") }
        guard !send.contains("\n") else { throw ValidationError("--send must be one line") }
        try requireNonNegative(count, "--count")
        try requirePositive(timeoutMs, "--timeout-ms")
    }
}

let flags = parseFlags(LocalEcho.self)

if !flags.client {
    let sample = SampleApp(timeoutMs: flags.timeoutMs) { say("timeout") }
    let server = QLocalServer()
    sample.listen(server, flags.name)
    server.newConnection.connect(receiver: server) { server in
        while let connection = server.nextPendingConnection() {
            connection.readyRead.connect(receiver: connection) { c in c.write(c.readAll()) }
            connection.disconnected.connect(context: connection) { connection.deleteLater() }
        }
    }
    sample.run()
}

var received = 0
var sent = 0
let sample = SampleApp(timeoutMs: flags.timeoutMs ?? 10000) { say("timeout \(received)/\(sent)") }
let socket = QLocalSocket()
sample.onCleanup { socket.abort() }

socket.connected.connect {
    for _ in 0..<flags.count {
        socket.write(flags.send + "\n")
        sent += 1
    }
    if flags.count == 0 {
        say("done 0/0")
        sample.finish(SampleExit.ok)
    }
}
socket.readyRead.connect(receiver: socket) { socket in
    while socket.canReadLine {
        let line = socket.readLine().dropLast()
        received += 1
        say("echoed \(printable(Array(line)))")
    }
    if received == flags.count {
        say("done \(received)/\(sent)")
        socket.disconnectFromServer()
        sample.finish(SampleExit.ok)
    }
}
socket.errorOccurred.connect { error in
    sample.fail(error.qtName, socket.errorString, detail: socket.errorDetail)
}
socket.connectToServer(flags.name)
sample.run()
