// Qt's multicastreceiver example in QKit: joins a group and prints every datagram.
import ArgumentParser
import QCore
import QNetwork
import SampleSupport

struct MulticastReceiver: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "multicast-receiver",
        abstract: "Joins a multicast group and prints the datagrams sent to it.")

    @Option(help: "Multicast group address.") var group = "239.255.43.21"
    @Option(help: "Port to listen on.") var port: UInt16 = 45454
    @Option(help: "Join on this interface (e.g. lo); default: the kernel's choice.") var interface: String?
    @Option(help: "Exit 0 after this many datagrams; 0 listens until interrupted.") var count = 0
    @Option(help: "Give up after this many milliseconds (exit 1).") var timeoutMs: Int?

    func validate() throws {
        let address = try parseAddress(group)
        guard address.isMulticast else { throw ValidationError("\(group) is not a multicast address") }
        if let interface { _ = try parseInterface(interface) }
        try requireNonNegative(count, "--count")
        try requirePositive(timeoutMs, "--timeout-ms")
    }
}

let flags = parseFlags(MulticastReceiver.self)
let group = try parseAddress(flags.group)
let iface = try flags.interface.map(parseInterface)
let sample = SampleApp(timeoutMs: flags.timeoutMs)
let socket = QUdpSocket()
sample.onCleanup {
    _ = socket.leaveMulticastGroup(group, iface)
    socket.close()
}

let isIPv6 = group.protocol == .ipv6
if !socket.bind(isIPv6 ? .anyIPv6 : .anyIPv4, flags.port, [.shareAddress, .reuseAddressHint]) {
    sample.fail(socket.error.qtName, socket.errorString, detail: socket.errorDetail)
} else if !socket.joinMulticastGroup(group, iface) {
    sample.fail(socket.error.qtName, socket.errorString, detail: socket.errorDetail)
} else {
    say("joined \(group) on \(iface?.name ?? "default")")
}
let printer = DatagramPrinter(socket, count: flags.count, sample: sample)
sample.onTimeout = { say("timeout \(printer.received)/\(flags.count)") }
sample.run()
