import Synchronization

/// What QKit's other modules (QNetwork) need from QCore's internals. Not API for users:
/// `@_spi(QKitInternal) import QCore`.
@_spi(QKitInternal)
extension QObject {
    /// Traps unless called from this object's thread (or before that thread runs). Inlined
    /// into QNetwork: every socket call makes this check, and a call to it cost about 15
    /// instructions more than the check itself.
    @inlinable @inline(__always)
    public func qkitAssertAffinity(_ what: @autoclosure () -> String) {
        // Safe: an object's thread data lives while the object does (ThreadData+Objects.swift).
        let data = Unmanaged<ThreadData>.fromOpaque(
            UnsafeRawPointer(bitPattern: threadDataBits.load(ordering: .acquiring)).unsafelyUnwrapped)
        let token = data._withUnsafeGuaranteedRef { $0.token.load(ordering: .relaxed) }
        if _slowPath(token != currentThreadToken() && token != 0) { qkitAffinityViolation(what()) }
    }

    @usableFromInline
    func qkitAffinityViolation(_ what: String) -> Never { affinityViolation(what) }

    /// Runs `body` from this object's thread's event loop (dropped if the object is deleted first).
    public func qkitPost(_ body: @escaping () -> Void) {
        threadData.post(.call(ClosureCallEvent(to: self, body)))
    }

    /// "Type 'name'" for messages.
    public var qkitDescription: String { describe(self) }
}

/// Qt's `qWarning()` (honours `QKIT_FATAL_WARNINGS`).
@_spi(QKitInternal)
public func qkitWarning(_ message: String) { Diagnostics.warning(message) }

/// Qt's `qDebug()`: an error's detail, logged at debug level.
@_spi(QKitInternal)
public func qkitDebug(_ message: @autoclosure () -> String) { Diagnostics.debug(message()) }

@_spi(QKitInternal)
extension QIODevice {
    /// Sets the open mode without `open()`'s side effects.
    public func qkitSetOpenMode(_ mode: OpenMode) {
        openMode = mode
        if mode == .notOpen { endTransaction() }
    }

    /// Reads up to `maxCount` bytes straight into the read buffer's tail with `fill` (returns
    /// the bytes kept: what `fill` returned, clamped to 0...maxCount).
    public func qkitReadIntoBuffer(maxCount: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        readBuffer.appendInPlace(maxCount: maxCount, fill)
    }

    /// Drops the unread bytes (and any read transaction over them).
    public func qkitClearReadBuffer() {
        readBuffer.removeAll()
        endTransaction()
    }

    /// Bytes in the read buffer.
    public var qkitBufferedCount: Int { readBuffer.count }
}
