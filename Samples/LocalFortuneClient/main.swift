// Qt 6's localfortuneclient example in QKit: connects by name and reads one fortune frame
// with a QDataStream transaction, however the bytes arrive.
import ArgumentParser
import QCore
import QNetwork
import SampleSupport

struct LocalFortuneClient: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local-fortune-client",
        abstract: "Reads one fortune from a local fortune server (Qt's or QKit's) and prints it.")

    @Option(help: "Server name (a plain name lives in $TMPDIR or /tmp, as in Qt) or a path.") var name = "fortune"
    @Option(help: "Give up after this many milliseconds (exit 1).") var timeoutMs = 10000

    func validate() throws {
        guard !name.isEmpty else { throw ValidationError("--name must not be empty") }
        try requirePositive(timeoutMs, "--timeout-ms")
    }
}

let flags = parseFlags(LocalFortuneClient.self)
let sample = SampleApp(timeoutMs: flags.timeoutMs) { say("timeout 0/1") }
let socket = QLocalSocket()
sample.onCleanup { socket.abort() }
let input = QDataStream(socket)
var done = false

socket.readyRead.connect {
    switch FortuneFrame.read(from: input) {
    case .incomplete:
        return  // not all there yet: wait for more
    case .corrupt(let why):
        sample.fail("ReadCorruptData", why)
    case .fortune(let fortune):
        done = true
        say("fortune \(fortune)")
        socket.disconnectFromServer()
        sample.finish(SampleExit.ok)
    }
}
socket.errorOccurred.connect { error in
    // The server closes after its one frame (PeerClosedError), as Qt's client expects.
    if error == .peerClosed && done { return }
    sample.fail(error.qtName, socket.errorString, detail: socket.errorDetail)
}
socket.connectToServer(flags.name)
sample.run()
