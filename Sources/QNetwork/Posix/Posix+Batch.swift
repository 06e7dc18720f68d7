import CQKitNet

#if canImport(Glibc)
import Glibc
#endif

/// One datagram taken from the kernel ahead of the application's read.
struct BatchedDatagram {
    var data: [UInt8]
    var info: ReceivedDatagram
}

/// Per-thread scratch for `recvmmsg` (64 slots of the largest UDP payload) and `sendmmsg`
/// (its addresses, vectors and headers). A thread makes one such call at a time, so one
/// scratch serves all of its sockets.
final class BatchScratch {
    /// As many datagrams as one recvmmsg takes. Each slot holds the largest datagram, and
    /// pages are touched only as datagrams fill them: 64 small datagrams use 64 pages.
    static let slots = 64
    static let slotSize = 65536
    let buffer: UnsafeMutableRawPointer
    let names: UnsafeMutablePointer<sockaddr_storage>
    let controls: UnsafeMutableRawPointer
    let controlSize = 128
    let iovecs: UnsafeMutablePointer<iovec>
    let headers: UnsafeMutablePointer<MultiMessageHeader>
    /// recvmmsg's own vectors and headers, set up once: a receive then only restores the
    /// two lengths the kernel rewrote in the headers it filled (setting up all 64 on every
    /// call cost more than a thousand instructions, even for one datagram).
    let receiveIovecs: UnsafeMutablePointer<iovec>
    let receiveHeaders: UnsafeMutablePointer<MultiMessageHeader>

    init() {
        buffer = .allocate(byteCount: BatchScratch.slots * BatchScratch.slotSize, alignment: 16)
        names = .allocate(capacity: BatchScratch.slots)
        controls = .allocate(byteCount: BatchScratch.slots * 128, alignment: 16)
        iovecs = .allocate(capacity: BatchScratch.slots)
        headers = .allocate(capacity: BatchScratch.slots)
        receiveIovecs = .allocate(capacity: BatchScratch.slots)
        receiveHeaders = .allocate(capacity: BatchScratch.slots)
        for i in 0..<BatchScratch.slots {
            receiveIovecs[i] = iovec(iov_base: buffer + i * BatchScratch.slotSize, iov_len: BatchScratch.slotSize)
            var header = MultiMessageHeader()
            header.msg_hdr.msg_name = UnsafeMutableRawPointer(names + i)
            header.msg_hdr.msg_iov = receiveIovecs + i
            header.msg_hdr.msg_iovlen = 1
            header.msg_hdr.msg_control = controls + i * controlSize
            (receiveHeaders + i).initialize(to: header)
            resetReceiveLengths(i)
        }
    }

    /// Restores the name and control lengths of receive header `i` (the kernel rewrites them).
    @inline(__always) func resetReceiveLengths(_ i: Int) {
        receiveHeaders[i].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
        receiveHeaders[i].msg_hdr.msg_controllen = controlSize
    }

    deinit {
        buffer.deallocate()
        names.deallocate()
        controls.deallocate()
        iovecs.deallocate()
        headers.deallocate()
        receiveIovecs.deallocate()
        receiveHeaders.deallocate()
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
    /// Takes up to `limit` (at most `BatchScratch.slots`) queued datagrams in one call, each whole (with its addresses).
    /// The corresponding C function is `recvmmsg`.
    static func receiveBatch(_ fd: Int32, limit: Int) throws(Errno) -> [BatchedDatagram] {
        let scratch = BatchScratch.current
        let count = max(1, min(limit, BatchScratch.slots))
        let headers = scratch.receiveHeaders
        let result: IOResult<Int32>
        do {
            result = try syscall(.recvmmsg, on: fd, { cqkit_recvmmsg(fd, headers, UInt32(count), Int32(MSG_DONTWAIT), nil) })
        } catch {
            scratch.resetReceiveLengths(0)
            throw error
        }
        guard let received = result.value else {
            scratch.resetReceiveLengths(0)
            return []
        }
        var out: [BatchedDatagram] = []
        out.reserveCapacity(Int(received))
        for i in 0..<Int(received) {
            let header = headers[i]
            defer { scratch.resetReceiveLengths(i) }
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
            out.append(BatchedDatagram(data: consume data, info: consume info))
        }
        return out
    }
}

/// Linux's `struct mmsghdr` (a GNU extension Glibc's Swift module does not expose).
struct MultiMessageHeader {
    var msg_hdr = msghdr()
    var msg_len: UInt32 = 0
}

/// One datagram of a batch to send: its bytes and its destination (nil: the connected peer).
struct OutgoingDatagram {
    var bytes: UnsafeRawBufferPointer
    var destination: SocketAddress?
}

extension Posix {
    /// The most datagrams one `sendBatch` call hands to the kernel (the thread's scratch has
    /// as many slots).
    static let sendBatchLimit = BatchScratch.slots

    /// Sends up to 64 datagrams in one call; returns how many the kernel took, in order. The
    /// kernel stops at the first datagram it refuses: its error is thrown only when it is the
    /// first of the call (a later call starting there reports it). The corresponding C
    /// function is `sendmmsg`.
    static func sendBatch(_ fd: Int32, _ datagrams: ArraySlice<OutgoingDatagram>) throws(Errno) -> IOResult<Int> {
        let count = min(datagrams.count, sendBatchLimit)
        guard count > 0 else { return .done(0) }
        // The thread's scratch (no allocation per call): the kernel reads it during the call
        // and keeps nothing, and a thread makes one call at a time.
        let scratch = BatchScratch.current
        let names = scratch.names
        let iovecs = scratch.iovecs
        let headers = scratch.headers
        for (i, datagram) in datagrams.prefix(count).enumerated() {
            // Safe: the caller keeps every datagram's bytes alive until this call returns, and
            // the kernel only reads them.
            iovecs[i] = iovec(
                iov_base: UnsafeMutableRawPointer(mutating: datagram.bytes.baseAddress), iov_len: datagram.bytes.count)
            var header = MultiMessageHeader()
            header.msg_hdr.msg_iov = iovecs + i
            header.msg_hdr.msg_iovlen = 1
            if let destination = datagram.destination {
                destination.withSockAddr { address, length in
                    UnsafeMutableRawPointer(names + i).copyMemory(from: address, byteCount: Int(length))
                    header.msg_hdr.msg_name = UnsafeMutableRawPointer(names + i)
                    header.msg_hdr.msg_namelen = length
                }
            }
            headers[i] = header
        }
        return try syscall(.sendmmsg, on: fd, { Int(cqkit_sendmmsg(fd, headers, UInt32(count), Int32(MSG_NOSIGNAL))) })
    }
}
