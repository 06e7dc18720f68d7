/// A FIFO of bytes for device buffers: appends at the tail, consumes from the head, and
/// compacts lazily, so reading and writing in pieces never moves data per byte.
@_spi(QKitInternal)
public struct ByteQueue {
    private var storage: [UInt8] = []
    private var head = 0

    /// An empty queue.
    public init() {}

    /// Bytes queued.
    public var count: Int { storage.count - head }
    public var isEmpty: Bool { head == storage.count }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        compactIfWorthIt(adding: bytes.count)
        storage.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Copies up to `buffer.count` bytes out and consumes them; returns how many.
    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let n = peek(into: buffer)
        skip(n)
        return n
    }

    /// Copies up to `buffer.count` bytes out without consuming them.
    public func peek(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let n = min(buffer.count, count)
        guard n > 0, let target = buffer.baseAddress else { return 0 }
        storage.withUnsafeBytes { source in
            // Safe: head + n <= storage.count, and the target holds at least n bytes.
            target.copyMemory(from: source.baseAddress! + head, byteCount: n)
        }
        return n
    }

    /// Copies up to `buffer.count` bytes starting `offset` bytes after the head, without
    /// consuming them (transactions read ahead this way).
    public func peek(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        let n = min(buffer.count, count - offset)
        guard n > 0, offset >= 0, let target = buffer.baseAddress else { return 0 }
        storage.withUnsafeBytes { source in
            // Safe: head + offset + n <= storage.count, and the target holds at least n bytes.
            target.copyMemory(from: source.baseAddress! + head + offset, byteCount: n)
        }
        return n
    }

    /// Consumes and returns up to `max` bytes.
    public mutating func take(_ max: Int) -> [UInt8] {
        let n = min(max, count)
        guard n > 0 else { return [] }
        let out = Array(storage[head..<(head + n)])
        skip(n)
        return out
    }

    /// Returns up to `max` bytes from `offset` on, without consuming them.
    public func prefix(_ max: Int, from offset: Int = 0) -> [UInt8] {
        let start = head + min(offset, count)
        return Array(storage[start..<(start + min(max, storage.count - start))])
    }

    /// Drops `n` bytes from the head.
    public mutating func skip(_ n: Int) {
        head += min(n, count)
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    /// The index (from the head) of the first `byte` at or after `offset`, searching at most
    /// `limit` bytes.
    public func firstIndex(of byte: UInt8, from offset: Int = 0, limit: Int = .max) -> Int? {
        let end = head + offset + min(count - offset, limit)
        var i = head + offset
        while i < end {
            if storage[i] == byte { return i - head }
            i += 1
        }
        return nil
    }

    public mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        head = 0
    }

    /// Gives the contiguous queued bytes to `body` (for writing them to a descriptor).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[head...]))
        }
    }

    private mutating func compactIfWorthIt(adding: Int) {
        // Move the live bytes to the front only when the dead prefix is the larger part.
        if head > 0 && head >= count && storage.count + adding > storage.capacity {
            storage.removeSubrange(0..<head)
            head = 0
        }
    }
}
