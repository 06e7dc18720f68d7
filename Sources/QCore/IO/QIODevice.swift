/// Qt's `QIODevice`: the base of byte devices (sockets, `QBuffer`). It keeps a read buffer
/// that sequential subclasses fill (then emit `readyRead`), and routes `read`/`write` through
/// `readData`/`writeData`. Reading or writing a device that is not open returns −1 with a warning.
open class QIODevice: QObject {
    /// Qt's `QIODeviceBase::OpenMode` (same bit values).
    public struct OpenMode: OptionSet, Sendable {
        public let rawValue: Int
        /// Creates a mode from Qt's raw bits.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Not open.
        public static let notOpen: OpenMode = []
        /// Open for reading.
        public static let readOnly = OpenMode(rawValue: 0x01)
        /// Open for writing.
        public static let writeOnly = OpenMode(rawValue: 0x02)
        /// Open for reading and writing.
        public static let readWrite: OpenMode = [.readOnly, .writeOnly]
        /// Writes go to the end.
        public static let append = OpenMode(rawValue: 0x04)
        /// Truncate on open.
        public static let truncate = OpenMode(rawValue: 0x08)
        /// Text mode (accepted; QKit does no newline translation on Linux).
        public static let text = OpenMode(rawValue: 0x10)
        /// Bypass the device's buffer.
        public static let unbuffered = OpenMode(rawValue: 0x20)
        /// Fail if the target exists (files).
        public static let newOnly = OpenMode(rawValue: 0x40)
        /// Fail if the target does not exist (files).
        public static let existingOnly = OpenMode(rawValue: 0x80)
    }

    /// Emitted when new data can be read. Qt: `readyRead()`.
    public let readyRead = Signal0()
    /// Emitted when bytes were written to the device. Qt: `bytesWritten(qint64)`.
    public let bytesWritten = Signal<Int64>()
    /// Emitted by `close()` before the device closes. Qt: `aboutToClose()`.
    public let aboutToClose = Signal0()
    /// Emitted when no more data will arrive (the read channel closed). Qt: `readChannelFinished()`.
    public let readChannelFinished = Signal0()

    // The device's state below is its thread's alone (QKit's threading rule, checked at the
    // public entry points), and no access to it spans a call into user code: run-time
    // exclusivity checks are off for it (they were a quarter of a local ping-pong's
    // instructions).
    /// The current open mode. Qt: `openMode()`.
    @exclusivity(unchecked) public internal(set) var openMode: OpenMode = .notOpen
    /// Bytes received but not yet read (sequential devices fill it).
    @exclusivity(unchecked) var readBuffer = ByteQueue()
    private var errorText = ""
    /// Read transactions (see QIODevice+Transactions.swift): whether one is open and, for
    /// sequential devices, how far into `readBuffer` it has read.
    @exclusivity(unchecked) var transactionOpen = false
    @exclusivity(unchecked) var transactionPos = 0

    /// Creates a closed device.
    public override init(parent: QObject? = nil) {
        super.init(parent: parent)
    }

    /// True when open in any mode. Qt: `isOpen()`.
    public var isOpen: Bool { openMode != .notOpen }
    /// True when open for reading. Qt: `isReadable()`.
    public var isReadable: Bool { openMode.contains(.readOnly) }
    /// True when open for writing. Qt: `isWritable()`.
    public var isWritable: Bool { openMode.contains(.writeOnly) }
    /// True for stream devices (sockets): no position, no size. Qt: `isSequential()`.
    open var isSequential: Bool { false }

    /// A readable description of the last error. Qt: `errorString()` ("Unknown error" by default).
    public var errorString: String { errorText.isEmpty ? "Unknown error" : errorText }

    /// Sets the error description. Qt: `setErrorString()`.
    public func setErrorString(_ text: String) { errorText = text }

    /// Opens the device. Qt: `open(OpenMode)`.
    @discardableResult
    open func open(_ mode: OpenMode) -> Bool {
        openMode = mode
        readBuffer.removeAll()
        endTransaction()
        return true
    }

    /// Emits `aboutToClose`, then closes the device and drops unread data. Qt: `close()`.
    open func close() {
        guard isOpen else { return }
        aboutToClose.emit()
        openMode = .notOpen
        readBuffer.removeAll()
        endTransaction()
    }

    /// Bytes that can be read now. Subclasses add what they hold beyond the buffer.
    /// Qt: `bytesAvailable()`.
    open var bytesAvailable: Int64 { Int64(readBuffer.count - bufferedReadOffset) }

    /// Bytes waiting to be written. Qt: `bytesToWrite()`.
    open var bytesToWrite: Int64 { 0 }

    /// True when nothing more can be read now. Qt: `atEnd()`.
    open var atEnd: Bool { !isOpen || bytesAvailable == 0 }

    /// Subclass hook: reads up to `buffer.count` bytes from the device itself (beyond the
    /// read buffer); returns the count, 0 for none now, −1 on error. Qt: `readData()`.
    open func readData(into buffer: UnsafeMutableRawBufferPointer) -> Int64 { 0 }

    /// Subclass hook: writes `buffer`; returns the bytes accepted or −1. Qt: `writeData()`.
    open func writeData(_ buffer: UnsafeRawBufferPointer) -> Int64 { -1 }

    /// Called after a read consumed bytes (sockets re-arm their notifiers here).
    open func didConsume(_ count: Int64) {}

    /// Random-access devices remember (and return to) their position for read transactions.
    func saveTransactionPoint() {}
    func restoreTransactionPoint() {}

    // MARK: reading

    /// Reads up to `buffer.count` bytes into `buffer`; returns the count, or −1 when the
    /// device is not open for reading. Copies nothing extra. Qt: `read(char *, qint64)`.
    @discardableResult
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int64 {
        guard checkReadable("read") else { return -1 }
        if transactionOpen && isSequential { return transactedRead(into: buffer) }
        var copied = readBuffer.read(into: buffer)
        if copied < buffer.count {
            let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[copied...])
            let more = readData(into: rest)
            if more < 0 && copied == 0 { return -1 }
            if more > 0 { copied += Int(more) }
        }
        if copied > 0 { didConsume(Int64(copied)) }
        return Int64(copied)
    }

    /// Reads up to `maxSize` bytes (empty when none, or on error). Qt: `read(qint64)`.
    public func read(_ maxSize: Int64) -> [UInt8] {
        guard maxSize > 0 else { return [] }
        let limit = Int(min(maxSize, max(bytesAvailable, 0) + (isSequential ? 0 : Int64(1) << 16)))
        guard limit > 0 else { return isOpen ? [] : readFailed("read") }
        if readBuffer.count >= limit && !transactionOpen && isOpen && isReadable {
            // All of it is buffered: one copy out of the buffer. `Array(UnsafeRawBufferPointer)`
            // is specialised here; `Array(unsafeUninitializedCapacity:)` allocates through
            // the standard library's generic path, a run-time metadata lookup (~500
            // instructions) per array.
            let bytes = readBuffer.take(limit)
            didConsume(Int64(limit))
            return bytes
        }
        // Filled in place, no zeroing first. Safe: read(into:) writes the first n bytes, and
        // only those are counted.
        return [UInt8](unsafeUninitializedCapacity: limit) { buffer, count in
            count = Int(max(read(into: UnsafeMutableRawBufferPointer(buffer)), 0))
        }
    }

    /// Reads everything available now. Qt: `readAll()`.
    public func readAll() -> [UInt8] {
        guard checkReadable("readAll") else { return [] }
        var out: [UInt8] = []
        while true {
            let chunk = read(max(bytesAvailable, 4096))
            if chunk.isEmpty { break }
            out.append(contentsOf: chunk)
            if isSequential && bytesAvailable == 0 { break }
        }
        return out
    }

    /// Reads one line including its "\n" (or up to `maxSize` − 1 bytes when `maxSize` > 0).
    /// Qt: `readLine(qint64)`.
    public func readLine(_ maxSize: Int64 = 0) -> [UInt8] {
        guard checkReadable("readLine") else { return [] }
        let limit = maxSize > 0 ? Int(maxSize - 1) : Int.max
        if transactionOpen && isSequential { return transactedReadLine(limit: limit) }
        if let index = readBuffer.firstIndex(of: 0x0A, limit: limit) {
            let line = readBuffer.take(index + 1)
            didConsume(Int64(line.count))
            return line
        }
        if isSequential || !readBuffer.isEmpty {
            let line = readBuffer.take(limit)
            if !line.isEmpty { didConsume(Int64(line.count)) }
            return line
        }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < limit {
            let n = withUnsafeMutableBytes(of: &byte) { readData(into: $0) }
            if n <= 0 { break }
            line.append(byte)
            if byte == 0x0A { break }
        }
        if !line.isEmpty { didConsume(Int64(line.count)) }
        return line
    }

    /// True when a whole line can be read now. Qt: `canReadLine()`.
    open var canReadLine: Bool { readBuffer.firstIndex(of: 0x0A, from: bufferedReadOffset) != nil }

    /// Returns up to `maxSize` bytes without consuming them. Qt: `peek(qint64)`.
    open func peek(_ maxSize: Int64) -> [UInt8] {
        guard checkReadable("peek") else { return [] }
        return readBuffer.prefix(Int(max(0, maxSize)), from: bufferedReadOffset)
    }

    /// Reads one byte. Qt: `getChar()`.
    public func getChar() -> UInt8? {
        var byte: UInt8 = 0
        let n = withUnsafeMutableBytes(of: &byte) { read(into: $0) }
        return n == 1 ? byte : nil
    }

    // MARK: writing

    /// Writes `buffer`; returns the bytes accepted, or −1 when not open for writing.
    /// Qt: `write(const char *, qint64)`.
    @discardableResult
    public func write(_ buffer: UnsafeRawBufferPointer) -> Int64 {
        guard isOpen else {
            Diagnostics.warning("QIODevice::write (\(describe(self))): device not open")
            return -1
        }
        guard isWritable else {
            Diagnostics.warning("QIODevice::write (\(describe(self))): ReadOnly device")
            return -1
        }
        return writeData(buffer)
    }

    /// Writes bytes. Qt: `write(const QByteArray &)`.
    @discardableResult
    public func write(_ data: [UInt8]) -> Int64 {
        data.withUnsafeBytes { write($0) }
    }

    /// Writes the UTF-8 bytes of `text`. Qt: `write(const char *)`.
    @discardableResult
    public func write(_ text: String) -> Int64 {
        var copy = text
        return copy.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// Writes one byte. Qt: `putChar()`.
    @discardableResult
    public func putChar(_ byte: UInt8) -> Bool {
        var b = byte
        return withUnsafeBytes(of: &b) { write($0) } == 1
    }

    // MARK: waiting

    /// Blocks until new data is readable (true) or `msecs` pass (false). The base device has
    /// nothing to wait for and returns false. Qt: `waitForReadyRead(int)`.
    open func waitForReadyRead(_ msecs: Int = 30000) -> Bool { false }

    /// Blocks until buffered data was written (true) or `msecs` pass. Base: false.
    /// Qt: `waitForBytesWritten(int)`.
    open func waitForBytesWritten(_ msecs: Int = 30000) -> Bool { false }

    // MARK: helpers for subclasses

    /// Appends received bytes to the read buffer (sequential subclasses).
    func appendToReadBuffer(_ bytes: UnsafeRawBufferPointer) {
        readBuffer.append(bytes)
    }

    private func checkReadable(_ what: String) -> Bool {
        guard isOpen else {
            Diagnostics.warning("QIODevice::\(what) (\(describe(self))): device not open")
            return false
        }
        guard isReadable else {
            Diagnostics.warning("QIODevice::\(what) (\(describe(self))): WriteOnly device")
            return false
        }
        return true
    }

    private func readFailed(_ what: String) -> [UInt8] {
        _ = checkReadable(what)
        return []
    }
}
