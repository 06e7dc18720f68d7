/// Qt's `QBuffer`: a random-access `QIODevice` over an in-memory byte array.
open class QBuffer: QIODevice {
    /// The bytes it reads and writes. Qt: `buffer()` / `setData()`.
    public private(set) var data: [UInt8]
    /// The read/write position. Qt: `pos()`.
    public private(set) var pos: Int64 = 0

    /// A closed buffer over `data`.
    public init(_ data: [UInt8] = [], parent: QObject? = nil) {
        self.data = data
        super.init(parent: parent)
    }

    /// Replaces the bytes (allowed while closed). Qt: `setData()`.
    public func setData(_ bytes: [UInt8]) {
        guard !isOpen else {
            Diagnostics.warning("QBuffer::setData: Buffer is open")
            return
        }
        data = bytes
    }

    /// Opens it; `.truncate` empties it and `.append` moves to the end. Qt: `open()`.
    @discardableResult
    open override func open(_ mode: OpenMode) -> Bool {
        if mode.contains(.truncate) { data.removeAll() }
        pos = mode.contains(.append) ? Int64(data.count) : 0
        return super.open(mode)
    }

    private var transactionStart: Int64 = 0
    override func saveTransactionPoint() { transactionStart = pos }
    override func restoreTransactionPoint() { pos = min(transactionStart, size) }

    /// The byte count. Qt: `size()`.
    public var size: Int64 { Int64(data.count) }

    /// Moves the position (0...size). Qt: `seek()`.
    @discardableResult
    public func seek(_ position: Int64) -> Bool {
        guard position >= 0 && position <= size else {
            Diagnostics.warning("QBuffer::seek: Invalid pos: \(position)")
            return false
        }
        pos = position
        return true
    }

    open override var bytesAvailable: Int64 { isOpen ? size - pos : 0 }

    open override var canReadLine: Bool {
        guard isOpen else { return false }
        return data[Int(pos)...].contains(0x0A)
    }

    open override func peek(_ maxSize: Int64) -> [UInt8] {
        guard isOpen, maxSize > 0 else { return [] }
        let start = Int(pos)
        return Array(data[start..<min(data.count, start + Int(maxSize))])
    }

    open override func readData(into buffer: UnsafeMutableRawBufferPointer) -> Int64 {
        let n = min(buffer.count, data.count - Int(pos))
        guard n > 0 else { return 0 }
        data.withUnsafeBytes { source in
            // Safe: pos + n <= data.count and the buffer holds at least n bytes.
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + Int(pos), byteCount: n)
        }
        pos += Int64(n)
        return Int64(n)
    }

    open override func writeData(_ buffer: UnsafeRawBufferPointer) -> Int64 {
        let start = Int(pos)
        let end = start + buffer.count
        if end > data.count { data.append(contentsOf: repeatElement(0, count: end - data.count)) }
        data.withUnsafeMutableBytes { target in
            // Safe: the array was grown to hold end bytes.
            if let base = buffer.baseAddress { (target.baseAddress! + start).copyMemory(from: base, byteCount: buffer.count) }
        }
        pos = Int64(end)
        scheduleSignals(written: Int64(buffer.count))
        return Int64(buffer.count)
    }

    private var pendingWritten: Int64 = 0

    /// As in Qt, `bytesWritten` and `readyRead` are emitted later from the event loop, once
    /// per batch of writes.
    private func scheduleSignals(written: Int64) {
        let first = pendingWritten == 0
        pendingWritten += written
        guard first else { return }
        threadData.post(
            .call(
                ClosureCallEvent(to: self) { [unowned self] in
                    guard self.isOpen else { return }
                    let total = self.pendingWritten
                    self.pendingWritten = 0
                    self.bytesWritten.emit(total)
                    self.readyRead.emit()
                }))
    }
}
