@_spi(QKitInternal) import QCore

#if canImport(Glibc)
import Glibc
#endif

extension QLocalSocket {
    // MARK: reading (readyRead per arrival, never recursive; then the peer-close sequence)

    func armReading() {
        guard fd >= 0 else { return }
        if let readNotifier {
            readNotifier.setEnabled(true)
            return
        }
        let n = QSocketNotifier(fd, .read)
        n.activated.connect(receiver: self) { socket, _ in socket.readFromSocket(emitSignal: true) }
        readNotifier = n
    }

    func resumeReading() {
        if state == .connected || state == .closing { readNotifier?.setEnabled(true) }
    }

    /// Moves what the kernel has into the read buffer (up to readBufferSize), then emits
    /// readyRead for new bytes and runs the peer-close sequence on end of stream.
    /// Returns whether new bytes arrived.
    @discardableResult
    func readFromSocket(emitSignal: Bool) -> Bool {
        guard fd >= 0 else { return false }
        var total = 0
        var peerGone = false
        // Each read lands straight in the read buffer's tail: one copy from the kernel.
        enum Outcome {
            case data(Int)
            case endOfStream, wouldBlock, failed
        }
        while true {
            var room = readChunk
            if readBufferSize > 0 {
                room = min(readChunk, Int(readBufferSize) - qkitBufferedCount)
                if room <= 0 {
                    readNotifier?.setEnabled(false)
                    break
                }
            }
            var outcome = Outcome.wouldBlock
            _ = qkitReadIntoBuffer(maxCount: room) { target in
                do {
                    switch try Posix.read(fd, into: target) {
                    case .done(0): outcome = .endOfStream
                    case .done(let n): outcome = .data(n)
                    case .wouldBlock: outcome = .wouldBlock
                    }
                } catch {
                    outcome = .failed
                }
                if case .data(let n) = outcome { return n }
                return 0
            }
            switch outcome {
            case .data(let n):
                total += n
                if n == room {
                    if room == readChunk { readChunk = min(2 * readChunk, 262_144) }
                    continue
                }
            case .endOfStream, .failed:
                peerGone = true
            case .wouldBlock:
                break
            }
            break
        }
        if total > 0 && emitSignal {
            emitReadyRead()
            // A reply written by the readyRead slot goes out as soon as the slot returns
            // (write() has returned and reported bytesToWrite; bytesWritten follows now).
            if !writeBuffer.isEmpty && state == .connected && !peerGone { _ = flushWriteBuffer() }
        }
        if peerGone { peerClosed() }
        return total > 0
    }

    func emitReadyRead() {
        guard !emittingReadyRead else { return }
        emittingReadyRead = true
        readyRead.emit()
        emittingReadyRead = false
    }

    /// Peer closed: errorOccurred(PeerClosedError) (still Connected) → Closing → Unconnected →
    /// readChannelFinished → disconnected. Received data stays readable; the device stays open.
    func peerClosed() {
        guard state == .connected || state == .closing else { return }
        writeBuffer.removeAll()
        closeWhenFlushed = false
        if state == .connected {
            report(.peerClosed, "QLocalSocket: Remote closed", detail: "\(fullServerName): the peer closed the connection")
        }
        setState(.closing)
        finishDisconnect()
    }

    /// Unconnected → readChannelFinished → disconnected; the names are cleared.
    func finishDisconnect() {
        dropDescriptor()
        closeWhenFlushed = false
        setState(.unconnected)
        serverName = ""
        fullServerName = ""
        readChannelFinished.emit()
        disconnected.emit()
    }

    // MARK: writing (buffered, flushed by the loop; bytesWritten never recursive)

    /// Buffers the bytes and returns their count; they are written on the next loop pass,
    /// by `flush()` or by `waitForBytesWritten()`. −1 when not connected.
    func bufferWrite(_ buffer: UnsafeRawBufferPointer) -> Int64 {
        guard state == .connected, fd >= 0 else { return -1 }
        writeBuffer.append(buffer)
        // Inside our own readyRead emission the flush right after the slot covers it.
        if !emittingReadyRead { scheduleFlush() }
        return Int64(buffer.count)
    }

    func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        // Unowned: a posted call holds its object until it runs (no weak side table per socket).
        qkitPost { [unowned self] in
            self.flushScheduled = false
            _ = self.flushWriteBuffer()
        }
    }

    /// Writes as much of the buffer as the kernel takes; emits bytesWritten (never
    /// recursively); finishes a pending close once empty. Returns whether it wrote anything.
    func flushWriteBuffer() -> Bool {
        guard fd >= 0, !writeBuffer.isEmpty else { return false }
        var written = 0
        var peerGone = false
        var blocked = false
        while !writeBuffer.isEmpty {
            let result = writeBuffer.withUnsafeBytes { bytes in Result { try Posix.send(fd, bytes) } }
            switch result {
            case .success(.done(let n)):
                writeBuffer.skip(n)
                written += n
                continue
            case .success(.wouldBlock):
                blocked = true
            case .failure:
                peerGone = true
            }
            break
        }
        if blocked { waitUntilWritable() }
        if written > 0 && !emittingBytesWritten {
            emittingBytesWritten = true
            bytesWritten.emit(Int64(written))
            emittingBytesWritten = false
        }
        if peerGone {
            // The peer is gone, but what it sent before closing is still in the kernel: take
            // it first (readyRead), as far as the read buffer's limit allows.
            writeBuffer.removeAll()
            if isReadable && (state == .connected || state == .closing) { readFromSocket(emitSignal: true) }
            peerClosed()
        } else if writeBuffer.isEmpty && closeWhenFlushed && state == .closing {
            finishDisconnect()
        }
        return written > 0
    }

    private func waitUntilWritable() {
        if let writeNotifier {
            writeNotifier.setEnabled(true)
            return
        }
        let n = QSocketNotifier(fd, .write)
        n.activated.connect(receiver: self) { socket, _ in socket.writable() }
        writeNotifier = n
    }

    /// Writes buffered data now; true if anything was written. Qt: `flush()`.
    @discardableResult
    public func flush() -> Bool {
        flushWriteBuffer()
    }
}
