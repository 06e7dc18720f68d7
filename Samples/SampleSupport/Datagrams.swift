// The datagram halves shared by the broadcast and multicast samples.
import QCore
import QNetwork

/// Sends "<label> message N" from `socket` to `address`:`port` once per interval, printing
/// `sent <n> <text>`; finishes the sample after `count` messages (0: until interrupted) and
/// fails it with the socket's error when a send fails.
public final class MessageSender {
    /// Messages sent so far.
    public private(set) var sent = 0
    private let timer = QTimer()

    /// Starts sending at once (the first message after one interval, as in Qt's example).
    public init(
        _ socket: QUdpSocket, to address: QHostAddress, port: UInt16, label: String,
        intervalMs: Int, count: Int, sample: SampleApp
    ) {
        timer.timeout.connect { [unowned self] in
            let text = "\(label) message \(self.sent + 1)"
            guard socket.writeDatagram(text, address, port) >= 0 else {
                sample.fail(socket.error.qtName, socket.errorString, detail: socket.errorDetail)
                return
            }
            self.sent += 1
            say("sent \(self.sent) \(text)")
            if count > 0 && self.sent == count { sample.finish(SampleExit.ok) }
        }
        timer.start(intervalMs)
    }
}

/// Prints every datagram `socket` receives as `received <address> <port> <text>`; finishes
/// the sample after `count` datagrams (0: until interrupted).
public final class DatagramPrinter {
    /// Datagrams printed so far.
    public private(set) var received = 0

    /// Prints from the next readyRead on.
    public init(_ socket: QUdpSocket, count: Int, sample: SampleApp) {
        socket.readyRead.connect(receiver: socket) { [unowned self] socket in
            while socket.hasPendingDatagrams() {
                let datagram = socket.receiveDatagram()
                self.received += 1
                say("received \(datagram.senderAddress) \(datagram.senderPort) \(printable(datagram.data))")
                if count > 0 && self.received == count {
                    sample.finish(SampleExit.ok)
                    return
                }
            }
        }
    }
}
