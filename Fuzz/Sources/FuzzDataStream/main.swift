// QDataStream reading any bytes: every type, nested transactions with commit, rollback and
// abort, over a device and over plain bytes. Never a crash or an allocation beyond the data;
// a rolled-back transaction puts every byte back.
import FuzzSupport

@testable import QCore

/// The operations the first bytes choose.
func run(_ op: UInt8, on stream: QDataStream) {
    switch op % 18 {
    case 0: _ = stream.read(Int8.self)
    case 1: _ = stream.read(UInt8.self)
    case 2: _ = stream.read(Int16.self)
    case 3: _ = stream.read(UInt16.self)
    case 4: _ = stream.read(Int32.self)
    case 5: _ = stream.read(UInt32.self)
    case 6: _ = stream.read(Int64.self)
    case 7: _ = stream.read(UInt64.self)
    case 8: _ = stream.read(Bool.self)
    case 9: _ = stream.read(Float.self)
    case 10: _ = stream.read(Double.self)
    case 11: _ = stream.read(String.self)
    case 12: _ = stream.read([UInt8].self)
    case 13: _ = stream.readRawData(Int(op >> 4))
    case 14: _ = stream.skipRawData(Int(op >> 4))
    case 15: stream.floatingPointPrecision = op & 0x80 == 0 ? .doublePrecision : .singlePrecision
    case 16: stream.byteOrder = op & 0x80 == 0 ? .bigEndian : .littleEndian
    default: stream.resetStatus()
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: UInt) -> Int32 {
    let bytes = fuzzBytes(data, size)
    guard bytes.count >= 2 else { return 0 }
    let opCount = Int(bytes[0] % 32)
    let ops = Array(bytes.dropFirst().prefix(opCount))
    let payload = Array(bytes.dropFirst(1 + opCount))
    let onDevice = bytes[0] & 0x20 != 0
    let buffer = QBuffer(payload)
    if onDevice { buffer.open(.readOnly) }
    let stream = onDevice ? QDataStream(buffer) : QDataStream(payload)
    if bytes[0] & 0x40 != 0 { stream.version = .qt_6_7 }  // 64-bit lengths
    // Nested transactions: 0xF0... starts, 0xF1 commits, 0xF2 rolls back, 0xF3 aborts.
    var depth = 0
    var start = 0
    for op in ops {
        let before = stream.readPosition
        switch op {
        case 0xF0:
            if depth == 0 { start = before }
            depth += 1
            stream.startTransaction()
        case 0xF1 where depth > 0:
            depth -= 1
            let pastEnd = stream.status == .readPastEnd
            let ok = stream.commitTransaction()
            require(ok == (stream.status == .ok), "commit returned \(ok) with status \(stream.status)")
            if depth == 0 && pastEnd { require(stream.readPosition == start, "a commit past the end kept \(stream.readPosition - start) bytes") }
        case 0xF2 where depth > 0:
            depth -= 1
            let clean = stream.status == .ok || stream.status == .readPastEnd
            stream.rollbackTransaction()
            if depth == 0 && clean { require(stream.readPosition == start, "a rollback kept \(stream.readPosition - start) bytes") }
        case 0xF3 where depth > 0:
            depth -= 1
            stream.abortTransaction()
            require(stream.status == .readCorruptData, "abort left status \(stream.status)")
        default:
            run(op, on: stream)
            require(stream.readPosition >= before, "a read moved back")
        }
        require(stream.readPosition <= payload.count, "read position \(stream.readPosition) past \(payload.count) bytes")
        require(stream.status != .writeFailed, "a read reported writeFailed")
    }
    return 0
}

extension QDataStream {
    /// Bytes consumed so far, whatever the stream reads from.
    var readPosition: Int {
        if let buffer = device as? QBuffer { return Int(buffer.pos) }
        return position
    }
}

runFuzzer(testOneInput)
