@_spi(QKitInternal) import QCore

#if canImport(Glibc)
import Glibc
#endif

extension QLocalServer {
    // MARK: accepting (sockets become the server's children, FIFO; newConnection per accept)

    /// Accepts from the loop while fewer than `maxPendingConnections` wait.
    func updateAccepting() {
        guard isListening else { return }
        let wanted = pending.count < maxPendingConnections
        if acceptNotifier == nil {
            guard wanted else { return }
            let n = QSocketNotifier(fd, .read)
            n.activated.connect(receiver: self) { server, _ in server.acceptReady() }
            acceptNotifier = n
            return
        }
        acceptNotifier?.setEnabled(wanted)
    }

    private func acceptReady() {
        while isListening && pending.count < maxPendingConnections {
            guard acceptOne() else { break }
            newConnection.emit()
        }
        updateAccepting()
    }

    /// Accepts one connection into the pending queue; false when none (or on error).
    @discardableResult
    func acceptOne() -> Bool {
        do {
            guard let client = try Posix.acceptConnection(fd) else { return false }
            let socket = QLocalSocket(parent: self)
            socket.adoptAccepted(client, serverPath: fullServerName, abstract: listeningAbstract)
            pending.append(socket)
            return true
        } catch let e {
            (serverError, errorString) = SocketErrors.forAccept(e)
            errorDetail = "accept on \(fullServerName): \(e.reason)"
            if serverError == .socketResource {
                // Stop watching for a moment (the pending connection stays readable), then retry:
                // the server keeps serving the clients it has.
                acceptNotifier?.setEnabled(false)
                if acceptRetry == nil {
                    let timer = QTimer(parent: self)
                    timer.setSingleShot(true)
                    timer.timeout.connect(receiver: self) { server in server.updateAccepting() }
                    acceptRetry = timer
                }
                acceptRetry?.start(100)
            }
            return false
        }
    }

    /// True while accepted sockets wait. Qt: `hasPendingConnections()`.
    public func hasPendingConnections() -> Bool { !pending.isEmpty }

    /// The oldest accepted socket (a child of the server until reparented), or nil.
    /// Qt: `nextPendingConnection()`.
    public func nextPendingConnection() -> QLocalSocket? {
        guard !pending.isEmpty else { return nil }
        let socket = pending.removeFirst()
        updateAccepting()
        return socket
    }

    /// Blocks until a client connects (accepting at most one, emitting newConnection inside)
    /// or `msec` pass. Returns (hasPendingConnections, timedOut); not listening: (false, false).
    /// Qt: `waitForNewConnection(int, bool *)`.
    public func waitForNewConnection(_ msec: Int = 0) -> (ok: Bool, timedOut: Bool) {
        guard isListening else { return (false, false) }
        if Posix.poll(fd, read: true, write: false, timeoutMs: msec) == 0 {
            return (hasPendingConnections(), true)
        }
        if acceptOne() { newConnection.emit() }
        return (hasPendingConnections(), false)
    }
}
