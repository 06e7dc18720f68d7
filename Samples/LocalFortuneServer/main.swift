// Qt 6's localfortuneserver example in QKit: one fortune per connection, framed as Qt's
// QDataStream writes it (a quint32 count of UTF-16 units, then the QString), then disconnect.
import ArgumentParser
import QCore
import QNetwork
import SampleSupport

struct LocalFortuneServer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local-fortune-server",
        abstract: "Serves one fortune per connection on a local socket name, in Qt 6's fortune framing.")

    @Option(help: "Server name (a plain name lives in $TMPDIR or /tmp, as in Qt) or a path.") var name = "fortune"
    @Option(help: "A fortune to serve (repeat for several; default: a built-in list).") var fortune: [String] = []
    @Option(help: "Exit 0 after serving this many clients; 0 serves until interrupted.") var count = 0
    @Option(help: "Give up after this many milliseconds (exit 1).") var timeoutMs: Int?

    func validate() throws {
        guard !name.isEmpty else { throw ValidationError("--name must not be empty") }
        try requireNonNegative(count, "--count")
        try requirePositive(timeoutMs, "--timeout-ms")
    }
}

/// The fortunes of Qt's example.
let builtInFortunes = [
    "You've been leading a dog's life. Stay off the furniture.",
    "You've got to think about tomorrow.",
    "You will be surprised by a loud noise.",
    "You will feel hungry again in another hour.",
    "You might have mail.",
    "You cannot kill time without injuring eternity.",
    "Computers are not intelligent. They only think they are.",
]

let flags = parseFlags(LocalFortuneServer.self)
let fortunes = flags.fortune.isEmpty ? builtInFortunes : flags.fortune
var served = 0
let sample = SampleApp(timeoutMs: flags.timeoutMs) { say("timeout \(served)/\(flags.count)") }
let server = QLocalServer()

/// Qt 6's frame: `out << quint32(message.size()); out << message;`
func frame(_ fortune: String) -> [UInt8] {
    let out = QDataStream()
    out << UInt32(fortune.utf16.count)
    out << fortune
    return out.bytes
}

sample.listen(server, flags.name)
server.newConnection.connect(receiver: server) { server in
    while let connection = server.nextPendingConnection() {
        let fortune = fortunes.randomElement()!
        connection.disconnected.connect(context: connection) {
            served += 1
            say("served \(served) \(fortune)")
            connection.deleteLater()
            if flags.count > 0 && served == flags.count { sample.finish(SampleExit.ok) }
        }
        connection.write(frame(fortune))
        connection.disconnectFromServer()
    }
}
sample.run()
