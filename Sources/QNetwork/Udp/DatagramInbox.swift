#if canImport(Glibc)
import Glibc
#endif

/// The datagrams one `recvmmsg` took from the kernel ahead of the application's reads, and an
/// ICMP refusal that a peek or a batch consumed, kept for the next read to report. QUdpSocket
/// keeps only readyRead's arming and emission. Each datagram's bytes are copied once, from the
/// thread's receive scratch into the datagram's own array; a read hands that array over
/// (`readDatagram(maxSize)`, `receiveDatagram`, `readDatagrams`) or copies it into the
/// caller's buffer (`readDatagram(into:)`).
struct DatagramInbox {
    private var batch: [BatchedDatagram] = []
    private var head = 0
    /// An ECONNREFUSED the kernel reported while datagrams were taken ahead or peeked at.
    var pendingRefusal: Errno?

    /// Datagrams waiting here.
    var count: Int { batch.count - head }
    /// The first waiting datagram's size, nil when none waits here.
    var firstSize: Int? { head < batch.count ? batch[head].data.count : nil }

    /// When empty, takes up to `limit` waiting datagrams from `fd` with one syscall; returns
    /// the failure, if any (a refusal is also kept for the next read).
    mutating func fill(from fd: Int32, limit: Int) -> Errno? {
        guard count == 0 else { return nil }
        batch.removeAll(keepingCapacity: true)
        head = 0
        do {
            batch = try Posix.receiveBatch(fd, limit: limit)
            return nil
        } catch {
            if error.code == ECONNREFUSED { pendingRefusal = error }
            return error
        }
    }

    /// Takes the first datagram (there must be one), moved out: its array goes to the caller
    /// uniquely referenced, and nothing is copied or reference counted.
    mutating func pop() -> BatchedDatagram {
        var datagram = BatchedDatagram(data: [], info: .none)
        swap(&datagram, &batch[head])
        advance()
        return datagram
    }

    /// Copies the first datagram (there must be one) into `buffer`, as much as fits, and
    /// takes what the kernel told about it (`copied` set); the datagram's array is freed.
    mutating func pop(into buffer: UnsafeMutableRawBufferPointer) -> ReceivedDatagram {
        var info = ReceivedDatagram.none
        batch.withUnsafeMutableBufferPointer { all in
            // Safe: head < batch.count while a datagram waits; the slot is reached in place.
            let slot = all.baseAddress.unsafelyUnwrapped + head
            let n = min(buffer.count, slot.pointee.data.count)
            if n > 0 {
                slot.pointee.data.withUnsafeBytes { source in
                    buffer.baseAddress.unsafelyUnwrapped.copyMemory(from: source.baseAddress.unsafelyUnwrapped, byteCount: n)
                }
            }
            swap(&info, &slot.pointee.info)
            slot.pointee.data = []
            info.copied = n
        }
        advance()
        return info
    }

    private mutating func advance() {
        head += 1
        if head == batch.count {
            batch.removeAll(keepingCapacity: true)
            head = 0
        }
    }

    /// Forgets everything (the socket closed).
    mutating func removeAll() {
        batch.removeAll()
        head = 0
        pendingRefusal = nil
    }
}
