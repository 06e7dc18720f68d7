/// A type `QDataStream` reads and writes with Qt's byte layout. Swift's `Int` and `UInt` are
/// left out on purpose: Qt's `int` is 32 bits, so say `Int32(x)` and the bytes are Qt's.
public protocol QDataStreamValue {
    /// Reads a value; on failure the stream's status says why and the value is zero/empty.
    static func read(from stream: QDataStream) -> Self
    /// Writes the value in Qt's layout.
    func write(to stream: QDataStream)
}

extension QDataStream {
    /// Reads a fixed-width integer in the stream's byte order (zero on failure).
    func readInteger<T: FixedWidthInteger>(_: T.Type) -> T {
        readIntegerIfPresent(T.self) ?? 0
    }

    /// Reads a fixed-width integer; nil when the bytes were not there.
    func readIntegerIfPresent<T: FixedWidthInteger>(_: T.Type) -> T? {
        var raw: T = 0
        let n = withUnsafeMutableBytes(of: &raw) { readBlock(into: $0) }
        guard n == MemoryLayout<T>.size else { return nil }
        return byteOrder == .bigEndian ? T(bigEndian: raw) : T(littleEndian: raw)
    }

    /// Writes a fixed-width integer in the stream's byte order.
    func writeInteger<T: FixedWidthInteger>(_ value: T) {
        var raw = byteOrder == .bigEndian ? value.bigEndian : value.littleEndian
        _ = withUnsafeBytes(of: &raw) { writeBlock($0) }
    }

    /// Writes the length field of a byte array or string: 32 bits, or the extended 64-bit
    /// form from Qt 6.7 on. Returns false (status `.sizeLimitExceeded`) when it cannot.
    func writeLength(_ length: Int) -> Bool {
        if length < Int(Self.extendedLength) {
            writeInteger(UInt32(length))
            return true
        }
        guard version >= .qt_6_7 else {
            setStatus(.sizeLimitExceeded)
            return false
        }
        writeInteger(Self.extendedLength)
        writeInteger(UInt64(length))
        return true
    }

    /// Reads a length field: 0 for Qt's null marker (a null QByteArray/QString reads as
    /// empty), nil when the field itself could not be read.
    func readLength() -> Int? {
        guard let short = readIntegerIfPresent(UInt32.self) else { return nil }
        if short == Self.nullLength { return 0 }
        if short == Self.extendedLength && version >= .qt_6_7 {
            guard let long = readIntegerIfPresent(UInt64.self) else { return nil }
            guard long <= UInt64(Int.max) else {
                setStatus(.sizeLimitExceeded)
                return nil
            }
            return Int(long)
        }
        return Int(short)
    }

    /// Reads `length` bytes in 1 MiB steps, so a hostile length field cannot make it
    /// allocate more than the data that really arrived. Each step reads straight into new,
    /// uninitialised storage (no zero fill). Empty on failure.
    func readSizedBlock(_ length: Int) -> [UInt8] {
        guard length > 0 else { return [] }
        let step = 1 << 20
        var out: [UInt8] = []
        while out.count < length {
            let chunk = min(step, length - out.count)
            var complete = false
            let piece = [UInt8](unsafeUninitializedCapacity: chunk) { storage, initialized in
                // Safe: readBlock writes at most `chunk` bytes into the fresh storage, and
                // only a full read keeps them (a short one keeps none).
                complete = readBlock(into: UnsafeMutableRawBufferPointer(storage)) == chunk
                initialized = complete ? chunk : 0
            }
            guard complete else { return [] }
            if out.isEmpty { out = piece } else { out += piece }
        }
        return out
    }

    /// Reads a Qt byte array: a length then the bytes (a null array reads as empty).
    /// Qt: `operator>>(QByteArray &)` / `readBytes()`.
    public func readBytes() -> [UInt8] {
        guard let length = readLength() else { return [] }
        return readSizedBlock(length)
    }

    /// Writes a Qt byte array: a length then the bytes. Qt: `operator<<(QByteArray)` / `writeBytes()`.
    public func writeBytes(_ data: [UInt8]) {
        guard status == .ok, writeLength(data.count), !data.isEmpty else { return }
        _ = data.withUnsafeBytes { writeBlock($0) }
    }
}

/// In its own width, in the stream's byte order. Qt: `operator<<(qint8)`.
extension Int8: QDataStreamValue {
    public static func read(from stream: QDataStream) -> Int8 { stream.readInteger(Int8.self) }
    public func write(to stream: QDataStream) { stream.writeInteger(self) }
}
/// In its own width, in the stream's byte order. Qt: `operator<<(quint8)`.
extension UInt8: QDataStreamValue {
    public static func read(from stream: QDataStream) -> UInt8 { stream.readInteger(UInt8.self) }
    public func write(to stream: QDataStream) { stream.writeInteger(self) }
}
/// In its own width, in the stream's byte order. Qt: `operator<<(qint16)`.
extension Int16: QDataStreamValue {
    public static func read(from stream: QDataStream) -> Int16 { stream.readInteger(Int16.self) }
    public func write(to stream: QDataStream) { stream.writeInteger(self) }
}
/// In its own width, in the stream's byte order. Qt: `operator<<(quint16)`.
extension UInt16: QDataStreamValue {
    public static func read(from stream: QDataStream) -> UInt16 { stream.readInteger(UInt16.self) }
    public func write(to stream: QDataStream) { stream.writeInteger(self) }
}
/// In its own width, in the stream's byte order. Qt: `operator<<(qint32)`.
extension Int32: QDataStreamValue {
    public static func read(from stream: QDataStream) -> Int32 { stream.readInteger(Int32.self) }
    public func write(to stream: QDataStream) { stream.writeInteger(self) }
}
/// In its own width, in the stream's byte order. Qt: `operator<<(quint32)`.
extension UInt32: QDataStreamValue {
    public static func read(from stream: QDataStream) -> UInt32 { stream.readInteger(UInt32.self) }
    public func write(to stream: QDataStream) { stream.writeInteger(self) }
}
/// In its own width, in the stream's byte order. Qt: `operator<<(qint64)`.
extension Int64: QDataStreamValue {
    public static func read(from stream: QDataStream) -> Int64 { stream.readInteger(Int64.self) }
    public func write(to stream: QDataStream) { stream.writeInteger(self) }
}
/// In its own width, in the stream's byte order. Qt: `operator<<(quint64)`.
extension UInt64: QDataStreamValue {
    public static func read(from stream: QDataStream) -> UInt64 { stream.readInteger(UInt64.self) }
    public func write(to stream: QDataStream) { stream.writeInteger(self) }
}

/// One byte, 0 or 1 (any non-zero byte reads as true). Qt: `operator<<(bool)`.
extension Bool: QDataStreamValue {
    public static func read(from stream: QDataStream) -> Bool { stream.readInteger(Int8.self) != 0 }
    public func write(to stream: QDataStream) { stream.writeInteger(Int8(self ? 1 : 0)) }
}

/// IEEE 754, 8 bytes at double precision (the default), 4 at single. Qt: `operator<<(double)`.
extension Double: QDataStreamValue {
    public static func read(from stream: QDataStream) -> Double {
        if stream.floatingPointPrecision == .singlePrecision {
            return Double(Float(bitPattern: stream.readInteger(UInt32.self)))
        }
        return Double(bitPattern: stream.readInteger(UInt64.self))
    }
    public func write(to stream: QDataStream) {
        if stream.floatingPointPrecision == .singlePrecision {
            stream.writeInteger(Float(self).bitPattern)
        } else {
            stream.writeInteger(bitPattern)
        }
    }
}

/// Written as a Double at double precision (Qt's default), as 4 bytes at single.
/// Qt: `operator<<(float)`.
extension Float: QDataStreamValue {
    public static func read(from stream: QDataStream) -> Float {
        if stream.floatingPointPrecision == .doublePrecision {
            return Float(Double(bitPattern: stream.readInteger(UInt64.self)))
        }
        return Float(bitPattern: stream.readInteger(UInt32.self))
    }
    public func write(to stream: QDataStream) {
        if stream.floatingPointPrecision == .doublePrecision {
            stream.writeInteger(Double(self).bitPattern)
        } else {
            stream.writeInteger(bitPattern)
        }
    }
}

/// Qt's `QByteArray` layout: a 32-bit length, then the bytes.
extension Array: QDataStreamValue where Element == UInt8 {
    public static func read(from stream: QDataStream) -> [UInt8] { stream.readBytes() }
    public func write(to stream: QDataStream) { stream.writeBytes(self) }
}

/// Qt's `QString` layout: a 32-bit length in bytes, then UTF-16 code units in the stream's
/// byte order. An odd byte count reads as `.readCorruptData`; unpaired surrogates read as U+FFFD.
extension String: QDataStreamValue {
    public static func read(from stream: QDataStream) -> String {
        guard let length = stream.readLength() else { return "" }
        guard length % 2 == 0 else {
            stream.setStatus(.readCorruptData)
            return ""
        }
        let raw = stream.readSizedBlock(length)
        guard raw.count == length else { return "" }
        var units = [UInt16](repeating: 0, count: length / 2)
        units.withUnsafeMutableBytes { target in
            raw.withUnsafeBytes { target.copyMemory(from: $0) }
        }
        if stream.byteOrder == .bigEndian {
            for i in units.indices { units[i] = UInt16(bigEndian: units[i]) }
        } else {
            for i in units.indices { units[i] = UInt16(littleEndian: units[i]) }
        }
        return String(decoding: units, as: UTF16.self)
    }

    public func write(to stream: QDataStream) {
        guard stream.status == .ok else { return }
        var units = Array(utf16)
        guard stream.writeLength(units.count * 2), !units.isEmpty else { return }
        if stream.byteOrder == .bigEndian {
            for i in units.indices { units[i] = units[i].bigEndian }
        } else {
            for i in units.indices { units[i] = units[i].littleEndian }
        }
        _ = units.withUnsafeBytes { stream.writeBlock($0) }
    }
}
