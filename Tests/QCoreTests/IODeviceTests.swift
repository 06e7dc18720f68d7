import QKitTestSupport
import Testing

@testable import QCore

/// A sequential device fed by the test, as the sockets will feed theirs.
final class Pipe: QIODevice {
    var written: [UInt8] = []
    override var isSequential: Bool { true }
    func feed(_ text: String) {
        var copy = text
        copy.withUTF8 { appendToReadBuffer(UnsafeRawBufferPointer($0)) }
        readyRead.emit()
    }
    override func writeData(_ buffer: UnsafeRawBufferPointer) -> Int64 {
        written.append(contentsOf: buffer)
        return Int64(buffer.count)
    }
}

@Suite("QIODevice and QBuffer", .leakChecked)
struct IODeviceTests {
    @Test("a closed device refuses reads and writes with -1")
    func closedDeviceRefuses() {
        let d = Pipe()
        #expect(!d.isOpen)
        #expect(d.write("x") == -1)
        var byte: UInt8 = 0
        #expect(withUnsafeMutableBytes(of: &byte) { d.read(into: $0) } == -1)
        #expect(d.readAll().isEmpty)
    }

    @Test("a read-only device refuses writes")
    func readOnlyRefusesWrite() {
        let d = Pipe()
        d.open(.readOnly)
        #expect(d.isReadable && !d.isWritable)
        #expect(d.write("x") == -1)
    }

    @Test("read takes buffered bytes in order and bytesAvailable follows")
    func readInOrder() {
        let d = Pipe()
        d.open(.readWrite)
        d.feed("hello ")
        d.feed("world")
        #expect(d.bytesAvailable == 11)
        #expect(d.read(5) == Array("hello".utf8))
        #expect(d.bytesAvailable == 6)
        #expect(d.readAll() == Array(" world".utf8))
        #expect(d.atEnd)
    }

    @Test("readLine returns one line with its newline, and canReadLine tells")
    func readLine() {
        let d = Pipe()
        d.open(.readOnly)
        d.feed("one\ntwo")
        #expect(d.canReadLine)
        #expect(d.readLine() == Array("one\n".utf8))
        #expect(!d.canReadLine)
        #expect(d.readLine(3) == Array("tw".utf8))
    }

    @Test("peek does not consume")
    func peekDoesNotConsume() {
        let d = Pipe()
        d.open(.readOnly)
        d.feed("abc")
        #expect(d.peek(2) == Array("ab".utf8))
        #expect(d.bytesAvailable == 3)
        #expect(d.getChar() == UInt8(ascii: "a"))
    }

    @Test("close emits aboutToClose first and drops unread data")
    func closeEmitsAboutToClose() {
        let d = Pipe()
        d.open(.readWrite)
        d.feed("left")
        var availableInside: Int64 = -1
        d.aboutToClose.connect(receiver: d) { d in availableInside = d.bytesAvailable }
        d.close()
        #expect(availableInside == 4)
        #expect(!d.isOpen && d.bytesAvailable == 0)
    }

    @Test("write hands the bytes to writeData, text as UTF-8")
    func writeRoutesToWriteData() {
        let d = Pipe()
        d.open(.writeOnly)
        #expect(d.write("é") == 2)
        #expect(d.write([1, 2]) == 2)
        #expect(d.putChar(3))
        #expect(d.written == [0xC3, 0xA9, 1, 2, 3])
    }

    @Test("a QBuffer reads back what was written after seek")
    func bufferRoundTrip() {
        let b = QBuffer()
        b.open(.readWrite)
        b.write("line1\nline2\n")
        #expect(b.pos == 12)
        #expect(b.seek(0))
        #expect(b.readLine() == Array("line1\n".utf8))
        #expect(b.bytesAvailable == 6)
        #expect(!b.seek(100))
    }

    @Test("a QBuffer emits bytesWritten and readyRead later, once per batch")
    func bufferSignalsAreQueued() {
        let b = QBuffer()
        b.open(.writeOnly)
        var written: [Int64] = []
        var ready = 0
        b.bytesWritten.connect { written.append($0) }
        b.readyRead.connect { ready += 1 }
        b.write("ab"); b.write("cde")
        #expect(written.isEmpty)
        pump()
        #expect(written == [5])
        #expect(ready == 1)
    }

    @Test("truncate empties a buffer and append writes at its end")
    func bufferModes() {
        let b = QBuffer(Array("abc".utf8))
        b.open([.writeOnly, .append])
        b.write("d")
        b.close()
        #expect(b.data == Array("abcd".utf8))
        b.open([.writeOnly, .truncate])
        #expect(b.size == 0)
    }

    @Test("read with a caller buffer copies into it")
    func readIntoUnsafeBuffer() {
        let b = QBuffer(Array("0123456789".utf8))
        b.open(.readOnly)
        var out = [UInt8](repeating: 0, count: 4)
        let n = out.withUnsafeMutableBytes { b.read(into: $0) }
        #expect(n == 4)
        #expect(out == Array("0123".utf8))
    }
}
