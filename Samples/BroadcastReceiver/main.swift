// Qt's broadcastreceiver example in QKit: binds the port shared with other receivers and
// prints every datagram.
import ArgumentParser
import QCore
import QNetwork
import SampleSupport

struct BroadcastReceiver: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broadcast-receiver",
        abstract: "Prints the datagrams sent to a UDP port (bound with ShareAddress | ReuseAddressHint).")

    @Option(help: "Port to listen on.") var port: UInt16 = 45454
    @Option(help: "Exit 0 after this many datagrams; 0 listens until interrupted.") var count = 0
    @Option(help: "Give up after this many milliseconds (exit 1).") var timeoutMs: Int?

    func validate() throws {
        try requireNonNegative(count, "--count")
        try requirePositive(timeoutMs, "--timeout-ms")
    }
}

let flags = parseFlags(BroadcastReceiver.self)
let sample = SampleApp(timeoutMs: flags.timeoutMs)
let socket = QUdpSocket()
sample.onCleanup { socket.close() }

if !socket.bind(.anyIPv4, flags.port, [.shareAddress, .reuseAddressHint]) {
    sample.fail(socket.error.qtName, socket.errorString, detail: socket.errorDetail)
}
let printer = DatagramPrinter(socket, count: flags.count, sample: sample)
sample.onTimeout = { say("timeout \(printer.received)/\(flags.count)") }
sample.run()
