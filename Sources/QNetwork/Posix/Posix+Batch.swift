import CQKitNet

#if canImport(Glibc)
import Glibc
#endif

/// One datagram taken from the kernel ahead of the application's read.
struct BatchedDatagram {
    var data: [UInt8]
    var info: ReceivedDatagram
}

/// Per-thread receive scratch for `recvmmsg`: 16 slots of the largest UDP payload. A thread
/// reads one socket at a time, so one scratch serves all of its sockets.
final class BatchScratch {
    static let slots = 16
    static let slotSize = 65536
    let buffer: UnsafeMutableRawPointer
    let names: UnsafeMutablePointer<sockaddr_storage>
    let controls: UnsafeMutableRawPointer
    let controlSize = 128
    let iovecs: UnsafeMutablePointer<iovec>
    let headers: UnsafeMutablePointer<MultiMessageHeader>

    init() {
        buffer = .allocate(byteCount: BatchScratch.slots * BatchScratch.slotSize, alignment: 16)
        names = .allocate(capacity: BatchScratch.slots)
        controls = .allocate(byteCount: BatchScratch.slots * 128, alignment: 16)
        iovecs = .allocate(capacity: BatchScratch.slots)
        headers = .allocate(capacity: BatchScratch.slots)
    }

    deinit {
        buffer.deallocate()
        names.deallocate()
        controls.deallocate()
        iovecs.deallocate()
        headers.deallocate()
    }

    /// The calling thread's scratch (created on first use, freed when the thread ends).
    static var current: BatchScratch {
        if let raw = pthread_getspecific(batchScratchKey) {
            return Unmanaged<BatchScratch>.fromOpaque(raw).takeUnretainedValue()
        }
        let scratch = BatchScratch()
        pthread_setspecific(batchScratchKey, Unmanaged.passRetained(scratch).toOpaque())
        return scratch
    }
}

private let batchScratchKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { raw in
        if let raw { Unmanaged<BatchScratch>.fromOpaque(raw).release() }
    }
    return key
}()

extension Posix {
    /// Takes up to 16 queued datagrams in one call, each whole (with its addresses).
    /// The corresponding C function is `recvmmsg`.
    static func receiveBatch(_ fd: Int32, limit: Int) throws(Errno) -> [BatchedDatagram] {
        let scratch = BatchScratch.current
        let count = max(1, min(limit, BatchScratch.slots))
        for i in 0..<count {
            scratch.iovecs[i] = iovec(iov_base: scratch.buffer + i * BatchScratch.slotSize, iov_len: BatchScratch.slotSize)
            var header = MultiMessageHeader()
            header.msg_hdr.msg_name = UnsafeMutableRawPointer(scratch.names + i)
            header.msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
            header.msg_hdr.msg_iov = scratch.iovecs + i
            header.msg_hdr.msg_iovlen = 1
            header.msg_hdr.msg_control = scratch.controls + i * scratch.controlSize
            header.msg_hdr.msg_controllen = scratch.controlSize
            scratch.headers[i] = header
        }
        let result = try syscall("recvmmsg", { cqkit_recvmmsg(fd, scratch.headers, UInt32(count), Int32(MSG_DONTWAIT), nil) })
        guard let received = result.value else { return [] }
        var out: [BatchedDatagram] = []
        out.reserveCapacity(Int(received))
        for i in 0..<Int(received) {
            let header = scratch.headers[i]
            let size = Int(header.msg_len)
            let data = [UInt8](UnsafeRawBufferPointer(start: scratch.buffer + i * BatchScratch.slotSize, count: size))
            var info = ReceivedDatagram(
                copied: size, size: size,
                sender: header.msg_hdr.msg_namelen > 0
                    ? SocketAddress(storage: scratch.names + i, length: header.msg_hdr.msg_namelen) : nil,
                destination: nil, interfaceIndex: 0, hopLimit: -1)
            // Parsed in place: no copy of the control bytes per datagram.
            let control = UnsafeRawBufferPointer(start: scratch.controls + i * scratch.controlSize, count: scratch.controlSize)
            parseControl(control, length: header.msg_hdr.msg_controllen, into: &info)
            out.append(BatchedDatagram(data: data, info: info))
        }
        return out
    }
}

/// Linux's `struct mmsghdr` (a GNU extension Glibc's Swift module does not expose).
struct MultiMessageHeader {
    var msg_hdr = msghdr()
    var msg_len: UInt32 = 0
}

