@_spi(QKitInternal) import QCore

#if canImport(Glibc)
import Glibc
#endif

/// Qt's `QLocalServer`: listens on a name (Qt's name → path rule), a path or an abstract
/// name, and hands out connected `QLocalSocket`s (children of the server) through
/// `newConnection` and `nextPendingConnection`.
open class QLocalServer: QObject {
    /// Qt's `QLocalServer::SocketOptions` (same bit values).
    public struct SocketOptions: OptionSet, Sendable {
        public let rawValue: Int
        /// Creates options from Qt's raw bits.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// No restriction: the umask decides the socket file's mode.
        public static let noOptions: SocketOptions = []
        /// Owner may connect (0700).
        public static let userAccess = SocketOptions(rawValue: 0x01)
        /// Group may connect (0070).
        public static let groupAccess = SocketOptions(rawValue: 0x02)
        /// Others may connect (0007).
        public static let otherAccess = SocketOptions(rawValue: 0x04)
        /// Everyone may connect (0777).
        public static let worldAccess: SocketOptions = [.userAccess, .groupAccess, .otherAccess]
        /// Linux abstract namespace: no file exists.
        public static let abstractNamespace = SocketOptions(rawValue: 0x08)
    }

    /// Emitted for each accepted connection (from the loop, or inside `waitForNewConnection`).
    /// Qt: `newConnection()`.
    public let newConnection = Signal0()
    /// Emitted by `close()` once listening stopped (ends `connections`); QKit-internal.
    let listeningEnded = Signal0()

    /// The name given to `listen`; empty when not listening. Qt: `serverName()`.
    public internal(set) var serverName = ""
    /// The path (or abstract name) it listens on; empty when not listening. Qt: `fullServerName()`.
    public internal(set) var fullServerName = ""
    /// The last error (`.unknownSocket` when none). Qt: `serverError()`.
    public internal(set) var serverError: QAbstractSocket.SocketError = .unknownSocket
    /// The last error's text, exactly as Qt words it. Qt: `errorString()`.
    public internal(set) var errorString = ""
    /// What failed, on which path, and the OS's reason ("listen /tmp/x: Address already in
    /// use"); empty when `errorString` is. QKit only; Qt has no counterpart.
    public internal(set) var errorDetail = ""
    /// File permissions or the abstract namespace; set before `listen`. Qt: `socketOptions()`.
    public var socketOptions: SocketOptions = []
    /// How many accepted sockets wait for `nextPendingConnection` before the server stops
    /// accepting (default 30). Qt: `maxPendingConnections()`.
    public var maxPendingConnections = 30 {
        didSet { updateAccepting() }
    }
    /// The backlog given to the kernel's `listen` (default 50); set before `listen`. Qt: `listenBacklogSize()`.
    public var listenBacklogSize = 50

    var fd: Int32 = -1
    var pending: [QLocalSocket] = []
    var acceptNotifier: QSocketNotifier?
    /// Resumes accepting a moment after the process ran out of descriptors; a child, so it
    /// stops with the server.
    var acceptRetry: QTimer?
    /// Whether we created the socket file (close() removes only ours).
    var ownsSocketFile = false
    var listeningAbstract = false

    /// Creates a server that is not listening.
    public override init(parent: QObject? = nil) {
        super.init(parent: parent)
    }

    deinit {
        if fd >= 0 { Posix.close(fd) }
    }

    /// Qt's destructor closes a listening server (then its child sockets are deleted).
    open override func willDestroy() {
        close()
        super.willDestroy()
    }

    /// True while listening. Qt: `isListening()`.
    public var isListening: Bool { fd >= 0 }

    /// The listening descriptor, −1 when not listening. Qt: `socketDescriptor()`.
    public var socketDescriptor: Int32 { fd }

    /// Qt: `setMaxPendingConnections()`.
    public func setMaxPendingConnections(_ count: Int) { maxPendingConnections = count }

    /// Qt: `setSocketOptions()`.
    public func setSocketOptions(_ options: SocketOptions) { socketOptions = options }

    /// Records an error (Qt's text, and QKit's detail) and returns false.
    func fail(_ code: QAbstractSocket.SocketError, _ text: String, detail: String) -> Bool {
        serverError = code
        errorString = text
        errorDetail = detail
        qkitDebug("\(qkitDescription): \(code.qtName): \(detail)")
        return false
    }

    // MARK: listen (errno → serverError and Qt's text; a stale file is kept)

    /// Listens on `name`: `/absolute/path`, or a name placed in `$TMPDIR` (or /tmp), or an
    /// abstract name with `.abstractNamespace`. False with `serverError`/`errorString` on
    /// failure (a stale socket file is AddressInUseError and is kept; see `removeServer`).
    /// Qt: `QLocalServer::listen(const QString &)`.
    @discardableResult
    public func listen(_ name: String) -> Bool {
        qkitAssertAffinity("listen")
        if isListening {
            qkitWarning("QLocalServer::listen() called when already listening on \(fullServerName)")
            return false
        }
        guard !name.isEmpty else {
            return fail(.hostNotFound, "QLocalServer::listen: Name error", detail: "listen: the name is empty")
        }
        let abstract = socketOptions.contains(.abstractNamespace)
        let full = LocalName.fullName(name, abstract: abstract)
        guard let (address, _) = LocalName.address(name, abstract: abstract) else {
            return fail(
                .hostNotFound, "QLocalServer::listen: Name error",
                detail: "listen \(full): longer than \(LocalName.maximumLength) bytes")
        }
        let descriptor: Int32
        do {
            descriptor = try Posix.openSocket(domain: AF_UNIX, type: Int32(SOCK_STREAM.rawValue))
        } catch let e {
            let (code, text) = SocketErrors.forListenSocket(e)
            return fail(code, text, detail: "socket for \(full): \(e.reason)")
        }
        let permissions = socketOptions.intersection(.worldAccess)
        var bound = false
        do {
            if !abstract && !permissions.isEmpty {
                try bindWithPermissions(descriptor, full: full, permissions: permissions)
            } else {
                try Posix.bindSocket(descriptor, address)
            }
            bound = true
            try Posix.startListening(descriptor, backlog: Int32(clamping: listenBacklogSize))
        } catch let e {
            Posix.close(descriptor)
            // The file our bind made would be a stale socket file that blocks the next listen.
            if bound && !abstract { Posix.unlink(full) }
            let (code, text) = SocketErrors.forListen(e)
            return fail(code, text, detail: "listen \(full): \(e.reason)")
        }
        fd = descriptor
        serverName = name
        fullServerName = full
        ownsSocketFile = !abstract
        listeningAbstract = abstract
        updateAccepting()
        return true
    }

    /// Binds in a private temporary directory, sets the file mode, then renames the socket
    /// into place, so it is never reachable with the wrong permissions.
    private func bindWithPermissions(_ descriptor: Int32, full: String, permissions: SocketOptions) throws(Errno) {
        if Posix.exists(full) { throw Errno(EADDRINUSE, "bind") }
        let directory = String(full[..<(full.lastIndex(of: "/") ?? full.startIndex)])
        let temporaryDirectory = try Posix.makeTemporaryDirectory(near: directory.isEmpty ? "/" : directory)
        defer { Posix.removeDirectory(temporaryDirectory) }
        let temporaryPath = temporaryDirectory + "/s"
        guard temporaryPath.utf8.count <= LocalName.maximumLength else { throw Errno(ENAMETOOLONG, "bind") }
        try Posix.bindSocket(descriptor, .unix(Array(temporaryPath.utf8)))
        var mode: UInt32 = 0
        if permissions.contains(.userAccess) { mode |= 0o700 }
        if permissions.contains(.groupAccess) { mode |= 0o070 }
        if permissions.contains(.otherAccess) { mode |= 0o007 }
        do throws(Errno) {
            try Posix.chmod(temporaryPath, mode)
            if Posix.exists(full) { throw Errno(EADDRINUSE, "bind") }
            try Posix.rename(temporaryPath, full)
        } catch {
            Posix.unlink(temporaryPath)
            throw error
        }
    }

    /// Listens on an already listening descriptor (its name is read back). Qt: `QLocalServer::listen(qintptr)`.
    @discardableResult
    public func listen(socketDescriptor descriptor: Int32) -> Bool {
        guard !isListening else {
            qkitWarning("QLocalServer::listen() called when already listening")
            return false
        }
        guard descriptor >= 0 else {
            return fail(
                .unknownSocket, "QLocalServer::listen: Unknown error \(EBADF)",
                detail: "listen on descriptor \(descriptor): not a descriptor")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        fd = descriptor
        if case .unix(let bytes)? = try? Posix.localAddress(descriptor) {
            listeningAbstract = bytes.first == 0
            fullServerName = String(decoding: listeningAbstract ? Array(bytes.dropFirst()) : bytes, as: UTF8.self)
            serverName = listeningAbstract ? fullServerName : LocalName.lastComponent(fullServerName)
        }
        ownsSocketFile = false
        updateAccepting()
        return true
    }

    /// Deletes a stale socket file for `name` (no abstract names); true if no file is left.
    /// Qt: `removeServer()`.
    @discardableResult
    public static func removeServer(_ name: String) -> Bool {
        guard !name.isEmpty else { return true }
        return Posix.unlink(LocalName.fullName(name, abstract: false))
    }

    /// Stops listening: deletes the sockets not yet retrieved, removes the socket file it
    /// made, clears both names and resets the error. Retrieved sockets are unaffected.
    /// Qt: `close()`.
    public func close() {
        guard isListening else { return }
        acceptNotifier?.setEnabled(false)
        acceptNotifier?.delete()
        acceptNotifier = nil
        acceptRetry?.stop()
        let unclaimed = pending
        pending.removeAll()
        for socket in unclaimed { socket.delete() }
        Posix.close(fd)
        fd = -1
        if ownsSocketFile { Posix.unlink(fullServerName) }
        ownsSocketFile = false
        serverName = ""
        fullServerName = ""
        serverError = .unknownSocket
        errorString = ""
        errorDetail = ""
        listeningEnded.emit()
    }
}
