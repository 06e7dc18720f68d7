#!/usr/bin/env python3
"""PySide6 (real Qt 6) peers for `make interop`: the other side of the QKit samples.

  peers.py fortune-client --name N       prints "fortune <text>"      (Qt 6 localfortuneclient)
  peers.py fortune-server --name N --fortune T
                                         prints "listening <path>", "served 1 <text>"
  peers.py udp-sender --port P --count C prints "sent <n> Broadcast message <n>" (to 127.0.0.1)
  peers.py udp-receiver --port P --count C
                                         prints "received <addr> <port> <text>"
Every peer exits 0 on success, 1 after --timeout-ms (default 10000), 3 on a socket error.
"""
import argparse
import sys

from PySide6.QtCore import QByteArray, QCoreApplication, QDataStream, QIODevice, QTimer
from PySide6.QtNetwork import QHostAddress, QLocalServer, QLocalSocket, QUdpSocket


def say(text):
    print(text, flush=True)


def fortune_client(app, args):
    socket = QLocalSocket()
    stream = QDataStream(socket)
    stream.setVersion(QDataStream.Qt_6_0)

    def ready():
        stream.startTransaction()
        units = stream.readUInt32()
        text = stream.readQString()
        if not stream.commitTransaction():
            return
        if len(text.encode("utf-16-le")) // 2 != units:
            say(f"error: ReadCorruptData: announced {units} UTF-16 units")
            app.exit(3)
            return
        say(f"fortune {text}")
        app.exit(0)

    def failed(error):
        if error == QLocalSocket.PeerClosedError:
            return
        say(f"error: {error.name}: {socket.errorString()}")
        # A failed connect is reported inside connectToServer, before the loop runs.
        QTimer.singleShot(0, lambda: app.exit(3))

    socket.readyRead.connect(ready)
    socket.errorOccurred.connect(failed)
    socket.connectToServer(args.name)
    return socket


def fortune_server(app, args):
    server = QLocalServer()
    if not server.listen(args.name):
        say(f"error: {server.serverError().name}: {server.errorString()}")
        sys.exit(3)
    say(f"listening {server.fullServerName()}")
    state = {"served": 0}

    def incoming():
        while server.hasPendingConnections():
            connection = server.nextPendingConnection()
            block = QByteArray()
            out = QDataStream(block, QIODevice.WriteOnly)
            out.setVersion(QDataStream.Qt_6_0)
            out.writeUInt32(len(args.fortune.encode("utf-16-le")) // 2)
            out.writeQString(args.fortune)

            def done(c=connection):
                state["served"] += 1
                say(f"served {state['served']} {args.fortune}")
                c.deleteLater()
                server.close()
                app.exit(0)

            connection.disconnected.connect(done)
            connection.write(block)
            connection.disconnectFromServer()

    server.newConnection.connect(incoming)
    return server


def udp_sender(app, args):
    socket = QUdpSocket()
    state = {"sent": 0}

    def tick():
        state["sent"] += 1
        text = f"Broadcast message {state['sent']}"
        if socket.writeDatagram(text.encode(), QHostAddress("127.0.0.1"), args.port) < 0:
            say(f"error: {socket.error().name}: {socket.errorString()}")
            app.exit(3)
            return
        say(f"sent {state['sent']} {text}")
        if state["sent"] == args.count:
            app.exit(0)

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(args.interval_ms)
    return socket, timer


def udp_receiver(app, args):
    socket = QUdpSocket()
    if not socket.bind(QHostAddress.AnyIPv4, args.port,
                       QUdpSocket.ShareAddress | QUdpSocket.ReuseAddressHint):
        say(f"error: {socket.error().name}: {socket.errorString()}")
        sys.exit(3)
    say(f"bound {args.port}")
    state = {"received": 0}

    def ready():
        while socket.hasPendingDatagrams():
            datagram = socket.receiveDatagram()
            state["received"] += 1
            text = bytes(datagram.data()).decode("utf-8", "replace")
            say(f"received {datagram.senderAddress().toString()} {datagram.senderPort()} {text}")
            if state["received"] == args.count:
                app.exit(0)
                return

    socket.readyRead.connect(ready)
    return socket


def udp_echo_client(app, args):
    """Sends --count datagrams to 127.0.0.1:--port and prints each echo, then done."""
    socket = QUdpSocket()
    state = {"received": 0}

    def ready():
        while socket.hasPendingDatagrams():
            datagram = socket.receiveDatagram()
            state["received"] += 1
            say(f"echoed {bytes(datagram.data()).decode('utf-8', 'replace')}")
            if state["received"] == args.count:
                say(f"done {state['received']}/{args.count}")
                app.exit(0)
                return

    socket.readyRead.connect(ready)
    for n in range(1, args.count + 1):
        socket.writeDatagram(f"datagram {n}".encode(), QHostAddress("127.0.0.1"), args.port)
    return socket


def local_echo_client(app, args):
    """Connects to --name, sends --count lines and prints each echoed line, then done."""
    socket = QLocalSocket()
    state = {"received": 0}

    def ready():
        while socket.canReadLine():
            line = bytes(socket.readLine()).decode("utf-8", "replace").rstrip("\n")
            state["received"] += 1
            say(f"echoed {line}")
        if state["received"] == args.count:
            say(f"done {state['received']}/{args.count}")
            app.exit(0)

    def failed(error):
        say(f"error: {error.name}: {socket.errorString()}")
        QTimer.singleShot(0, lambda: app.exit(3))

    socket.readyRead.connect(ready)
    socket.errorOccurred.connect(failed)
    socket.connectToServer(args.name)
    for _ in range(args.count):
        socket.write(QByteArray(f"{args.fortune}\n".encode()))
    return socket


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("role", choices=["fortune-client", "fortune-server", "udp-sender", "udp-receiver",
                                         "udp-echo-client", "local-echo-client"])
    parser.add_argument("--name", default="fortune")
    parser.add_argument("--fortune", default="Hello")
    parser.add_argument("--port", type=int, default=45454)
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--interval-ms", type=int, default=50)
    parser.add_argument("--timeout-ms", type=int, default=10000)
    args = parser.parse_args()

    app = QCoreApplication([])
    roles = {"fortune-client": fortune_client, "fortune-server": fortune_server,
             "udp-sender": udp_sender, "udp-receiver": udp_receiver,
             "udp-echo-client": udp_echo_client, "local-echo-client": local_echo_client}
    keep = roles[args.role](app, args)

    def timeout():
        say("timeout")
        app.exit(1)

    QTimer.singleShot(args.timeout_ms, timeout)
    code = app.exec()
    del keep
    sys.exit(code)


if __name__ == "__main__":
    main()
