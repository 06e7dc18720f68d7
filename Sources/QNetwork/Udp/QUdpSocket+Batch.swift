@_spi(QKitInternal) import QCore

#if canImport(Glibc)
import Glibc
#endif

extension QUdpSocket {
    // MARK: batches (beyond Qt: one syscall for many datagrams)

    /// Sends `datagrams` in order, up to 64 per system call, and returns how many were sent.
    /// Where the kernel can (Linux 4.18+), a run of equal-size datagrams to one destination
    /// goes as one segmented send (UDP GSO); the receiver still gets them one by one.
    /// Each sent datagram emits `bytesWritten` as `writeDatagram` does. A datagram that
    /// carries a hop limit, a sender address or an interface goes alone, with that control
    /// data. At the first failure the datagrams before it stay sent and counted; the failure
    /// is reported as a failed `writeDatagram` reports it (error code and text,
    /// `errorOccurred`), and the rest are not sent. An empty batch does nothing. An unbound
    /// socket binds to `.any` first. Qt has no counterpart (one `writeDatagram` per datagram);
    /// the corresponding C function is `sendmmsg`.
    @discardableResult
    public func writeDatagrams(_ datagrams: [QNetworkDatagram]) -> Int {
        qkitAssertAffinity("writeDatagrams")
        guard !datagrams.isEmpty else { return 0 }
        if state == .unconnected {
            guard bind(.any, 0) else { return 0 }
        }
        var sent = 0
        while sent < datagrams.count && fd >= 0 {
            if datagrams[sent].carriesControlData {
                guard writeDatagram(datagrams[sent]) >= 0 else { return sent }
                sent += 1
                continue
            }
            var end = sent
            while end < datagrams.count && end - sent < Posix.sendBatchLimit && !datagrams[end].carriesControlData {
                end += 1
            }
            let (taken, failed) = sendRun(datagrams[sent..<end])
            sent += taken
            if failed { return sent }
        }
        return sent
    }

    /// Sends a run of plain datagrams, in order: equal-size datagrams to one destination as
    /// one segmented send, the others by `sendmmsg`; returns how many were sent and whether a
    /// failure was reported.
    private func sendRun(_ run: ArraySlice<QNetworkDatagram>) -> (sent: Int, failed: Bool) {
        var outgoing: [OutgoingDatagram] = []
        outgoing.reserveCapacity(run.count)
        return withPayloads(of: run, collecting: &outgoing) { outgoing in
            var offset = 0
            while offset < outgoing.count && fd >= 0 {
                do throws(Errno) {
                    let step: IOResult<Int>
                    let group = segmentGroup(outgoing, at: offset)
                    if group >= 2 {
                        step = try sendSegmented(outgoing[offset..<(offset + group)])
                    } else {
                        var end = offset + 1
                        while end < outgoing.count && segmentGroup(outgoing, at: end) < 2 { end += 1 }
                        step = try Posix.sendBatch(fd, outgoing[offset..<end])
                    }
                    switch step {
                    case .done(let n):
                        for i in offset..<(offset + n) { bytesWritten.emit(Int64(outgoing[i].bytes.count)) }
                        offset += n
                    case .wouldBlock:
                        report(
                            .temporary, "Unable to send a datagram",
                            detail: "send to \(describeDestination(run[run.startIndex + offset])): the send buffer is full")
                        return (offset, true)
                    }
                } catch {
                    let (code, text) = SocketErrors.forSend(error)
                    report(
                        code, text,
                        detail: SocketErrors.detail("send to", describeDestination(run[run.startIndex + offset]), error))
                    return (offset, true)
                }
            }
            return (offset, false)
        }
    }

    /// How many datagrams from `start` one segmented send can carry: equal sizes (non-zero,
    /// under `segmentationLimit`), one destination, at most 64 and 65,507 bytes in all.
    private func segmentGroup(_ outgoing: [OutgoingDatagram], at start: Int) -> Int {
        let size = outgoing[start].bytes.count
        guard size > 0 && size < segmentationLimit else { return 1 }
        let most = min(Posix.maxSegments, Posix.maxSegmentedBytes / size, outgoing.count - start)
        var count = 1
        while count < most && outgoing[start + count].bytes.count == size
            && outgoing[start + count].destination == outgoing[start].destination
        {
            count += 1
        }
        return count
    }

    /// One segmented send. When the kernel or the route refuses segmentation (EIO without
    /// checksum offload, EINVAL for a size over the path's MTU), the same datagrams go by
    /// `sendmmsg`, and if that sends them this socket stops segmenting that size (any size,
    /// for EIO and for a kernel without the option). Other errors are the send's own.
    private func sendSegmented(_ group: ArraySlice<OutgoingDatagram>) throws(Errno) -> IOResult<Int> {
        do {
            return try Posix.sendSegmented(fd, group)
        } catch {
            let refusal = error.code
            guard [EIO, EINVAL, EMSGSIZE, EOPNOTSUPP, ENOPROTOOPT].contains(refusal) else { throw error }
            let result = try Posix.sendBatch(fd, group)
            if case .done(let n) = result, n > 0 {
                let size = group[group.startIndex].bytes.count
                segmentationLimit = refusal == EINVAL || refusal == EMSGSIZE ? min(segmentationLimit, size) : 0
            }
            return result
        }
    }

    /// Calls `body` with every datagram's bytes pinned (nested `withUnsafeBytes`, at most 64
    /// deep) and its kernel destination.
    private func withPayloads<R>(
        of run: ArraySlice<QNetworkDatagram>, collecting outgoing: inout [OutgoingDatagram],
        _ body: ([OutgoingDatagram]) -> R
    ) -> R {
        guard let first = run.first else { return body(outgoing) }
        return first.data.withUnsafeBytes { bytes in
            let host = first.destinationAddress
            // No destination: the connected peer (the kernel refuses it on an unconnected socket).
            let target = host.isNull ? nil : destination(for: host, port: first.destinationPort)
            outgoing.append(OutgoingDatagram(bytes: bytes, destination: target))
            return withPayloads(of: run.dropFirst(), collecting: &outgoing, body)
        }
    }

    private func describeDestination(_ datagram: QNetworkDatagram) -> String {
        let host = datagram.destinationAddress
        if host.isNull { return "\(peerAddress):\(peerPort)" }
        return endpointText(host, datagram.destinationPort)
    }

    /// Reads up to `maxCount` waiting datagrams, each whole, with sender, destination, hop
    /// limit and interface as `receiveDatagram` gives them (up to 64 per system call). Empty when
    /// none is waiting, without an error: an empty batch is an answer. A receive error ends
    /// the batch: reported as a failed read reports it when it comes first, otherwise on the
    /// next read. Re-arms `readyRead` as a read does. Unbound: empty, with a warning.
    /// Qt has no counterpart (one `receiveDatagram` per datagram); the corresponding C
    /// function is `recvmmsg`.
    public func readDatagrams(maxCount: Int) -> [QNetworkDatagram] {
        guard fd >= 0 else {
            qkitWarning("QUdpSocket::readDatagrams() called on a QUdpSocket when not in QUdpSocket::BoundState")
            return []
        }
        guard maxCount > 0 else { return [] }
        defer { armReadyRead() }
        if reportPendingRefusal() { return [] }
        var batch: [QNetworkDatagram] = []
        batch.reserveCapacity(min(maxCount, 64))
        while batch.count < maxCount {
            if inbox.count == 0 {
                if let failure = fillInbox(limit: maxCount - batch.count) {
                    if batch.isEmpty {
                        reportReceiveFailure(failure)
                    } else {
                        // The kernel handed the error over once: keep it for the next read.
                        inbox.pendingRefusal = failure
                    }
                    break
                }
                if inbox.count == 0 { break }
            }
            let taken = inbox.pop()
            batch.append(QNetworkDatagram(taken.data, received: taken.info, localPort: localPort))
        }
        return batch
    }
}

extension QNetworkDatagram {
    /// Whether sending it needs control data (a hop limit, a sender address or an interface).
    var carriesControlData: Bool { hopLimit >= 0 || !senderAddress.isNull || interfaceIndex != 0 }
}
