/// Read transactions, as Qt 5.7+ has them: reads after `startTransaction()` can be undone by
/// `rollbackTransaction()` (a message that has not fully arrived is read again later) or
/// kept by `commitTransaction()`. Sequential devices keep the read bytes in the read buffer;
/// random-access devices remember their position.
extension QIODevice {
    /// True between `startTransaction()` and its commit or rollback.
    /// Qt: `QIODevice::isTransactionStarted()`.
    public var isTransactionStarted: Bool { transactionOpen }

    /// Marks a point that reads can return to. Nested calls warn and do nothing.
    /// Qt: `QIODevice::startTransaction()`.
    public func startTransaction() {
        guard !transactionOpen else {
            Diagnostics.warning("QIODevice::startTransaction (\(describe(self))): Called while transaction already in progress")
            return
        }
        transactionOpen = true
        transactionPos = 0
        saveTransactionPoint()
    }

    /// Keeps what the transaction read: the bytes are consumed.
    /// Qt: `QIODevice::commitTransaction()`.
    public func commitTransaction() {
        guard transactionOpen else {
            Diagnostics.warning("QIODevice::commitTransaction (\(describe(self))): Called while no transaction in progress")
            return
        }
        let consumed = transactionPos
        endTransaction()
        if isSequential && consumed > 0 {
            readBuffer.skip(consumed)
            didConsume(Int64(consumed))
        }
    }

    /// Undoes the transaction's reads: the next read returns the same bytes again.
    /// Qt: `QIODevice::rollbackTransaction()`.
    public func rollbackTransaction() {
        guard transactionOpen else {
            Diagnostics.warning("QIODevice::rollbackTransaction (\(describe(self))): Called while no transaction in progress")
            return
        }
        endTransaction()
        if !isSequential { restoreTransactionPoint() }
    }

    /// Bytes of the read buffer already read by an open transaction (sequential devices).
    var bufferedReadOffset: Int { transactionOpen && isSequential ? transactionPos : 0 }

    func endTransaction() {
        transactionOpen = false
        transactionPos = 0
    }

    /// A sequential read inside a transaction: copies from the read buffer without consuming;
    /// bytes fetched from the device itself are appended to the buffer so a rollback keeps them.
    func transactedRead(into buffer: UnsafeMutableRawBufferPointer) -> Int64 {
        var copied = readBuffer.peek(into: buffer, at: transactionPos)
        while copied < buffer.count {
            let rest = UnsafeMutableRawBufferPointer(rebasing: buffer[copied...])
            let more = readData(into: rest)
            if more <= 0 {
                if more < 0 && copied == 0 { return -1 }
                break
            }
            readBuffer.append(UnsafeRawBufferPointer(rebasing: rest[..<Int(more)]))
            copied += Int(more)
        }
        transactionPos += copied
        return Int64(copied)
    }

    /// `readLine` inside a transaction on a sequential device.
    func transactedReadLine(limit: Int) -> [UInt8] {
        let available = readBuffer.count - transactionPos
        let length: Int
        if let index = readBuffer.firstIndex(of: 0x0A, from: transactionPos, limit: limit) {
            length = index - transactionPos + 1  // the index counts from the buffer's head
        } else {
            length = min(available, limit)
        }
        let line = readBuffer.prefix(length, from: transactionPos)
        transactionPos += line.count
        return line
    }
}
