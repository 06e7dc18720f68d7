/// Qt's `QDataStream`: reads and writes the same bytes as Qt's for integers, booleans,
/// floating point, byte arrays (`[UInt8]` ↔ `QByteArray`) and strings (`String` ↔ `QString`),
/// big-endian by default. It works on a `QIODevice` (a socket, a `QBuffer`) or on its own
/// byte array. A failed read sets `status` and yields zero or empty; writes stop after a failure.
///
/// Read transactions let a reader take a frame that arrives in pieces:
/// `startTransaction()`, read, then `commitTransaction()` returns false (and puts the bytes
/// back) until the whole frame is there.
public final class QDataStream {
    /// Qt's `QDataStream::Status`.
    public enum Status: Sendable, Equatable {
        /// No error.
        case ok
        /// Fewer bytes were available than a value needs.
        case readPastEnd
        /// The bytes cannot be a value of the type read (an odd UTF-16 byte count, say).
        case readCorruptData
        /// The device did not take all the bytes written.
        case writeFailed
        /// A size does not fit the stream version's length field.
        case sizeLimitExceeded
    }

    /// Qt's `QDataStream::ByteOrder` (the default is big-endian, "network order").
    public enum ByteOrder: Sendable, Equatable {
        /// Most significant byte first (Qt's default).
        case bigEndian
        /// Least significant byte first.
        case littleEndian
    }

    /// Qt's `QDataStream::FloatingPointPrecision`: how `Float` and `Double` are written.
    /// The default, double precision, writes both as 8 bytes, as Qt does.
    public enum FloatingPointPrecision: Sendable, Equatable {
        /// 4-byte floats for both Float and Double.
        case singlePrecision
        /// 8-byte doubles for both (Qt's default since 4.6).
        case doublePrecision
    }

    /// Qt's `QDataStream::Version`: the serialisation format number.
    public struct Version: RawRepresentable, Sendable, Comparable, Hashable {
        /// Qt's number for the format.
        public let rawValue: Int
        /// A version by Qt's number.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Older formats compare lower.
        public static func < (a: Version, b: Version) -> Bool { a.rawValue < b.rawValue }
        /// Qt 5.15 (19).
        public static let qt_5_15 = Version(rawValue: 19)
        /// Qt 6.0 (20); the default, as in Qt 6.4.
        public static let qt_6_0 = Version(rawValue: 20)
        /// Qt 6.7 (22): lengths of 4 GiB and more use the extended 64-bit size field.
        public static let qt_6_7 = Version(rawValue: 22)
    }

    /// The length Qt writes for a null QByteArray / QString.
    static let nullLength: UInt32 = 0xFFFF_FFFF
    /// The length marker that announces a 64-bit length (version ≥ Qt 6.7).
    static let extendedLength: UInt32 = 0xFFFF_FFFE

    /// The device read and written, or nil for a stream over its own bytes. Qt: `device()`.
    public let device: QIODevice?
    /// The stream's own bytes (streams made with `init()` or `init(_ bytes:)`).
    /// Qt: the `QByteArray` a stream was made on.
    public private(set) var bytes: [UInt8]
    private(set) var position = 0
    private var savedPosition = 0
    private var ownTransactionOpen = false
    private let ownWritable: Bool

    /// The result of the reads and writes so far. Qt: `status()`.
    public private(set) var status: Status = .ok
    /// Qt: `byteOrder()` / `setByteOrder()`.
    public var byteOrder: ByteOrder = .bigEndian
    /// Qt: `floatingPointPrecision()` / `setFloatingPointPrecision()`.
    public var floatingPointPrecision: FloatingPointPrecision = .doublePrecision
    /// Qt: `version()` / `setVersion()`.
    public var version: Version = .qt_6_0
    /// Depth of nested read transactions.
    private var transactionDepth = 0

    /// A stream on `device` (opened by the caller). Qt: `QDataStream(QIODevice *)`.
    public init(_ device: QIODevice) {
        self.device = device
        self.bytes = []
        self.ownWritable = false
    }

    /// A read-only stream over `bytes`. Qt: `QDataStream(const QByteArray &)`.
    public init(_ bytes: [UInt8]) {
        self.device = nil
        self.bytes = bytes
        self.ownWritable = false
    }

    /// A write-only stream into its own byte array, read back through `bytes`.
    /// Qt: `QDataStream(&block, QIODevice::WriteOnly)`.
    public init() {
        self.device = nil
        self.bytes = []
        self.ownWritable = true
    }

    /// True when nothing more can be read. Qt: `atEnd()`.
    public var atEnd: Bool {
        if let device { return device.atEnd }
        return position >= bytes.count
    }

    /// Sets `status` unless an earlier error is already recorded. Qt: `setStatus()`.
    public func setStatus(_ newStatus: Status) {
        if status == .ok { status = newStatus }
    }

    /// Back to `.ok`. Qt: `resetStatus()`.
    public func resetStatus() { status = .ok }

    // MARK: transactions

    /// Starts a read transaction (nested calls join the outer one); resets the status.
    /// Qt: `startTransaction()`.
    public func startTransaction() {
        transactionDepth += 1
        guard transactionDepth == 1 else { return }
        if let device {
            device.startTransaction()
        } else {
            ownTransactionOpen = true
            savedPosition = position
        }
        resetStatus()
    }

    /// Ends the transaction. If a read ran past the end, the bytes go back and it returns
    /// false: wait for more data and try again. Returns whether the status is `.ok`.
    /// Qt: `commitTransaction()`.
    @discardableResult
    public func commitTransaction() -> Bool {
        guard transactionDepth > 0 else {
            Diagnostics.warning("QDataStream: No transaction in progress")
            return false
        }
        transactionDepth -= 1
        if transactionDepth == 0 {
            if status == .readPastEnd {
                rollbackSource()
                return false
            }
            commitSource()
        }
        return status == .ok
    }

    /// Ends the transaction putting the bytes back; the status becomes `.readPastEnd` unless
    /// it already holds an error (then the transaction is discarded instead).
    /// Qt: `rollbackTransaction()`.
    public func rollbackTransaction() {
        setStatus(.readPastEnd)
        guard transactionDepth > 0 else {
            Diagnostics.warning("QDataStream: No transaction in progress")
            return
        }
        transactionDepth -= 1
        guard transactionDepth == 0 else { return }
        if status == .readPastEnd { rollbackSource() } else { commitSource() }
    }

    /// Ends the transaction keeping the read position (the frame is dropped) and sets
    /// `.readCorruptData`. Qt: `abortTransaction()`.
    public func abortTransaction() {
        status = .readCorruptData
        guard transactionDepth > 0 else {
            Diagnostics.warning("QDataStream: No transaction in progress")
            return
        }
        transactionDepth -= 1
        guard transactionDepth == 0 else { return }
        commitSource()
    }

    private var sourceTransactionOpen: Bool { device?.isTransactionStarted ?? ownTransactionOpen }

    private func commitSource() {
        if let device { device.commitTransaction() } else { ownTransactionOpen = false }
    }

    private func rollbackSource() {
        if let device {
            device.rollbackTransaction()
        } else {
            ownTransactionOpen = false
            position = savedPosition
        }
    }

    // MARK: raw bytes

    /// Reads exactly `buffer.count` bytes or records `.readPastEnd`; returns the count read
    /// (−1 once a transaction has failed: reads are then suspended, as in Qt).
    func readBlock(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if status != .ok && sourceTransactionOpen { return -1 }
        let n: Int
        if let device {
            n = Int(device.read(into: buffer))
        } else {
            n = min(buffer.count, bytes.count - position)
            if n > 0 {
                bytes.withUnsafeBytes { source in
                    // Safe: position + n <= bytes.count and the buffer holds at least n bytes.
                    buffer.baseAddress!.copyMemory(from: source.baseAddress! + position, byteCount: n)
                }
                position += n
            }
        }
        if n != buffer.count { setStatus(.readPastEnd) }
        return n
    }

    /// Writes `buffer`, recording `.writeFailed` when not all of it is taken; nothing is
    /// written once the status is not `.ok`.
    func writeBlock(_ buffer: UnsafeRawBufferPointer) -> Int {
        guard status == .ok else { return -1 }
        let n: Int
        if let device {
            n = Int(device.write(buffer))
        } else if ownWritable {
            bytes.append(contentsOf: buffer)
            n = buffer.count
        } else {
            Diagnostics.warning("QDataStream: cannot write to a read-only byte array stream")
            n = -1
        }
        if n != buffer.count { status = .writeFailed }
        return n
    }

    /// Reads up to `count` bytes as they are (no length field); fewer on `.readPastEnd`.
    /// Qt: `readRawData()`.
    public func readRawData(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        let n = out.withUnsafeMutableBytes { readBlock(into: $0) }
        out.removeLast(count - max(n, 0))
        return out
    }

    /// Writes bytes as they are (no length field); returns the count or −1. Qt: `writeRawData()`.
    @discardableResult
    public func writeRawData(_ data: [UInt8]) -> Int {
        data.withUnsafeBytes { writeBlock($0) }
    }

    /// Skips `count` bytes; returns how many were skipped. Qt: `skipRawData()`.
    @discardableResult
    public func skipRawData(_ count: Int) -> Int {
        readRawData(count).count
    }

    // MARK: values

    /// Reads a value of type `T`. Qt: `operator>>`.
    public func read<T: QDataStreamValue>(_ type: T.Type = T.self) -> T {
        T.read(from: self)
    }

    /// Writes `value`. Qt: `operator<<`.
    public func write<T: QDataStreamValue>(_ value: T) {
        value.write(to: self)
    }
}

/// Writes `value` to the stream, as Qt's `out << value`. (Swift's shift operators do not
/// chain: write one value per statement, or use `write(_:)`.)
@discardableResult
public func << <T: QDataStreamValue>(stream: QDataStream, value: T) -> QDataStream {
    value.write(to: stream)
    return stream
}

/// Reads into `value`, as Qt's `in >> value` (no `&` needed).
@discardableResult
public func >> <T: QDataStreamValue>(stream: QDataStream, value: inout T) -> QDataStream {
    value = T.read(from: stream)
    return stream
}
