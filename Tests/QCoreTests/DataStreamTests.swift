import QKitTestSupport
import Testing

@testable import QCore

/// Writes with `body` into a fresh stream and returns the bytes.
private func bytes(_ body: (QDataStream) -> Void) -> [UInt8] {
    let out = QDataStream()
    body(out)
    #expect(out.status == .ok)
    return out.bytes
}

private func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

@Suite("QDataStream: Qt's bytes", .leakChecked)
struct DataStreamBytesTests {
    @Test("integers are written big-endian in their own width")
    func integersBigEndian() {
        #expect(bytes { $0 << Int8(-2) } == hex("fe"))
        #expect(bytes { $0 << UInt16(0x1234) } == hex("1234"))
        #expect(bytes { $0 << Int32(-1) } == hex("ffffffff"))
        #expect(bytes { $0 << UInt32(5) } == hex("00000005"))
        #expect(bytes { $0 << Int64(0x0102_0304_0506_0708) } == hex("0102030405060708"))
        #expect(bytes { $0 << UInt64.max } == hex("ffffffffffffffff"))
    }

    @Test("little-endian byte order reverses every integer")
    func littleEndian() {
        let out = QDataStream()
        out.byteOrder = .littleEndian
        out << UInt32(0x1122_3344)
        out << Int16(0x0102)
        #expect(out.bytes == hex("44332211 0201"))
    }

    @Test("bool is one byte, 0 or 1")
    func boolByte() {
        #expect(
            bytes {
                $0 << true; $0 << false
            } == hex("0100"))
        let input = QDataStream(hex("07"))
        #expect(input.read(Bool.self) == true)
    }

    @Test("Float and Double are 8-byte IEEE doubles by default, as in Qt")
    func floatingPoint() {
        #expect(bytes { $0 << 1.5 } == hex("3ff8000000000000"))
        #expect(bytes { $0 << Float(1.5) } == hex("3ff8000000000000"))
        let single = QDataStream()
        single.floatingPointPrecision = .singlePrecision
        single << Float(1.5)
        single << 1.5
        #expect(single.bytes == hex("3fc00000 3fc00000"))
    }

    @Test("a string is a byte length then UTF-16 big-endian code units")
    func stringHello() {
        #expect(bytes { $0 << "Hello" } == hex("0000000a 0048 0065 006c 006c 006f"))
    }

    @Test("Qt 6's fortune frame for Hello is the count of UTF-16 units then the string")
    func fortuneFrame() {
        let frame = bytes { out in
            let text = "Hello"
            out << UInt32(text.utf16.count)
            out << text
        }
        #expect(frame == hex("00000005 0000000a 0048 0065 006c 006c 006f"))
    }

    @Test("characters outside the BMP are written as surrogate pairs")
    func surrogatePairs() {
        #expect(bytes { $0 << "é😀" } == hex("00000006 00e9 d83d de00"))
    }

    @Test("an empty string and an empty byte array have length 0")
    func emptyValues() {
        #expect(bytes { $0 << "" } == hex("00000000"))
        #expect(bytes { $0 << [UInt8]() } == hex("00000000"))
    }

    @Test("a byte array is a 32-bit length then the bytes")
    func byteArray() {
        #expect(bytes { $0 << [UInt8]([1, 2, 0xff]) } == hex("00000003 0102ff"))
    }

    @Test("raw data has no length field")
    func rawData() {
        #expect(bytes { $0.writeRawData([9, 8]) } == hex("0908"))
    }
}

@Suite("QDataStream: reading", .leakChecked)
struct DataStreamReadingTests {
    @Test("every written value reads back in order")
    func roundTrip() {
        let out = QDataStream()
        out << Int8(-5)
        out << UInt16(65535)
        out << Int32(-123456)
        out << UInt64(1 << 40)
        out << true
        out << 2.25
        out << [UInt8]([0, 1, 2])
        out << "Grüße 😀"
        let input = QDataStream(out.bytes)
        var a: Int8 = 0, b: UInt16 = 0, c: Int32 = 0, d: UInt64 = 0, e = false, f = 0.0
        var g: [UInt8] = [], h = ""
        input >> a; input >> b; input >> c; input >> d; input >> e; input >> f; input >> g; input >> h
        #expect((a, b, c, d, e, f) == (-5, 65535, -123456, 1 << 40, true, 2.25))
        #expect(g == [0, 1, 2])
        #expect(h == "Grüße 😀")
        #expect(input.status == .ok)
        #expect(input.atEnd)
    }

    @Test("reading past the end yields zero and readPastEnd")
    func readPastEnd() {
        let input = QDataStream(hex("0001"))
        #expect(input.read(UInt32.self) == 0)
        #expect(input.status == .readPastEnd)
    }

    @Test("a string with an odd byte length is corrupt data")
    func oddStringLength() {
        let input = QDataStream(hex("00000003 004100"))
        #expect(input.read(String.self) == "")
        #expect(input.status == .readCorruptData)
    }

    @Test("Qt's null marker reads as an empty string and an empty byte array")
    func nullMarker() {
        let input = QDataStream(hex("ffffffff ffffffff"))
        #expect(input.read(String.self) == "")
        #expect(input.read([UInt8].self) == [])
        #expect(input.status == .ok)
    }

    @Test("a huge length field with little data fails without allocating the length")
    func hostileLength() {
        let input = QDataStream(hex("7ffffff0 0041"))
        #expect(input.read([UInt8].self) == [])
        #expect(input.status == .readPastEnd)
    }

    @Test("an earlier error stays until resetStatus")
    func statusSticks() {
        let input = QDataStream(hex("00000003 004100"))
        _ = input.read(String.self)
        input.setStatus(.readPastEnd)
        #expect(input.status == .readCorruptData)
        input.resetStatus()
        #expect(input.status == .ok)
    }

    @Test("writing to a read-only byte stream fails with writeFailed")
    func readOnlyBytes() {
        let stream = QDataStream(hex("00"))
        stream << UInt8(1)
        #expect(stream.status == .writeFailed)
    }

    @Test("writes stop after a write failure")
    func writesStopAfterFailure() {
        let buffer = QBuffer()
        buffer.open(.readOnly)
        let out = QDataStream(buffer)
        out << UInt32(1)
        #expect(out.status == .writeFailed)
        buffer.close()
    }

    @Test("little-endian strings read back with the same byte order")
    func littleEndianString() {
        let out = QDataStream()
        out.byteOrder = .littleEndian
        out << "Hi"
        #expect(out.bytes == hex("04000000 4800 6900"))
        let input = QDataStream(out.bytes)
        input.byteOrder = .littleEndian
        #expect(input.read(String.self) == "Hi")
    }
}

@Suite("QDataStream: transactions", .leakChecked)
struct DataStreamTransactionTests {
    @Test("a frame arriving in pieces is read whole by a transaction")
    func frameInPieces() {
        let pipe = Pipe()
        pipe.open(.readWrite)
        let input = QDataStream(pipe)
        let frame = hex("00000005 0000000a 0048 0065 006c 006c 006f")
        var got: String?
        for piece in [frame[0..<3], frame[3..<9], frame[9...]] {
            piece.withUnsafeBytes { pipe.appendToReadBuffer($0) }
            input.startTransaction()
            let count = input.read(UInt32.self)
            let text = input.read(String.self)
            if input.commitTransaction() {
                #expect(count == 5)
                got = text
            }
        }
        #expect(got == "Hello")
        #expect(pipe.bytesAvailable == 0)
        pipe.close()
    }

    @Test("a failed commit puts every byte back")
    func failedCommitRollsBack() {
        let pipe = Pipe()
        pipe.open(.readWrite)
        pipe.feed("abcdef")
        let input = QDataStream(pipe)
        input.startTransaction()
        _ = input.read(UInt32.self)
        _ = input.read(UInt32.self)
        #expect(input.commitTransaction() == false)
        #expect(input.status == .readPastEnd)
        #expect(pipe.bytesAvailable == 6)
        #expect(pipe.readAll() == Array("abcdef".utf8))
        pipe.close()
    }

    @Test("reads after a failure inside a transaction are suspended")
    func suspendedReads() {
        let input = QDataStream(hex("0001 00000007"))
        input.startTransaction()
        _ = input.read(UInt64.self)
        #expect(input.status == .readPastEnd)
        input.rollbackTransaction()
        input.startTransaction()
        #expect(input.status == .ok)
        #expect(input.read(UInt16.self) == 1)
        #expect(input.read(UInt32.self) == 7)
        #expect(input.commitTransaction())
    }

    @Test("rollbackTransaction returns to the start and sets readPastEnd")
    func rollback() {
        let input = QDataStream(hex("00000009"))
        input.startTransaction()
        #expect(input.read(UInt32.self) == 9)
        input.rollbackTransaction()
        #expect(input.status == .readPastEnd)
        input.resetStatus()
        #expect(input.read(UInt32.self) == 9)
    }

    @Test("abortTransaction keeps the position and sets readCorruptData")
    func abort() {
        let pipe = Pipe()
        pipe.open(.readWrite)
        pipe.feed("abcd!")
        let input = QDataStream(pipe)
        input.startTransaction()
        _ = input.read(UInt32.self)
        input.abortTransaction()
        #expect(input.status == .readCorruptData)
        #expect(pipe.readAll() == Array("!".utf8))
        pipe.close()
    }

    @Test("inner transactions commit with the outer one")
    func nested() {
        let input = QDataStream(hex("0001 0002"))
        input.startTransaction()
        #expect(input.read(UInt16.self) == 1)
        input.startTransaction()
        #expect(input.read(UInt16.self) == 2)
        #expect(input.commitTransaction())
        _ = input.read(UInt16.self)
        #expect(input.commitTransaction() == false)
        #expect(input.read(UInt16.self) == 1, "the outer commit put every byte back")
    }

    @Test("commitTransaction without a transaction returns false")
    func commitWithout() {
        let input = QDataStream(hex("00"))
        #expect(input.commitTransaction() == false)
    }
}

@Suite("QIODevice transactions", .leakChecked)
struct IODeviceTransactionTests {
    @Test("a rolled-back read on a sequential device returns the same bytes again")
    func sequentialRollback() {
        let pipe = Pipe()
        pipe.open(.readWrite)
        pipe.feed("hello\nworld")
        pipe.startTransaction()
        #expect(pipe.isTransactionStarted)
        #expect(pipe.readLine() == Array("hello\n".utf8))
        #expect(pipe.bytesAvailable == 5)
        #expect(pipe.peek(3) == Array("wor".utf8))
        pipe.rollbackTransaction()
        #expect(!pipe.isTransactionStarted)
        #expect(pipe.bytesAvailable == 11)
        #expect(pipe.readAll() == Array("hello\nworld".utf8))
        pipe.close()
    }

    @Test("a committed read on a sequential device consumes the bytes")
    func sequentialCommit() {
        let pipe = Pipe()
        pipe.open(.readWrite)
        pipe.feed("abc")
        pipe.startTransaction()
        #expect(pipe.read(2) == Array("ab".utf8))
        pipe.commitTransaction()
        #expect(pipe.readAll() == Array("c".utf8))
        pipe.close()
    }

    @Test("a rolled-back read on a QBuffer returns to the saved position")
    func bufferRollback() {
        let buffer = QBuffer(Array("xyz".utf8))
        buffer.open(.readOnly)
        #expect(buffer.read(1) == Array("x".utf8))
        buffer.startTransaction()
        #expect(buffer.read(2) == Array("yz".utf8))
        buffer.rollbackTransaction()
        #expect(buffer.pos == 1)
        #expect(buffer.readAll() == Array("yz".utf8))
        buffer.close()
    }

    @Test("a second startTransaction warns and keeps the first")
    func nestedDeviceTransactionWarns() {
        let pipe = Pipe()
        pipe.open(.readWrite)
        pipe.feed("ab")
        pipe.startTransaction()
        _ = pipe.read(1)
        let warnings = capturedWarnings { pipe.startTransaction() }
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasSuffix("Called while transaction already in progress") == true)
        _ = pipe.read(1)
        pipe.rollbackTransaction()
        #expect(pipe.readAll() == Array("ab".utf8))
        pipe.close()
    }
}

@Suite("QIODevice transactions, line by line", .leakChecked)
struct TransactionLineTests {
    @Test("consecutive readLine calls inside a transaction return consecutive lines")
    func consecutiveLines() {
        let pipe = Pipe()
        pipe.open(.readWrite)
        pipe.feed("a\nbb\nccc\n")
        pipe.startTransaction()
        #expect(pipe.readLine() == Array("a\n".utf8))
        #expect(pipe.readLine() == Array("bb\n".utf8))
        #expect(pipe.readLine() == Array("ccc\n".utf8))
        pipe.rollbackTransaction()
        #expect(pipe.readLine() == Array("a\n".utf8))
        pipe.close()
    }

    @Test("closing a device ends its read transaction")
    func closeEndsTransaction() {
        let pipe = Pipe()
        pipe.open(.readWrite)
        pipe.feed("abcd")
        pipe.startTransaction()
        _ = pipe.read(2)
        pipe.close()
        #expect(!pipe.isTransactionStarted)
        pipe.open(.readWrite)
        pipe.feed("xy")
        #expect(pipe.bytesAvailable == 2)
        #expect(pipe.readAll() == Array("xy".utf8))
        pipe.close()
    }
}
