extension QObject {
    /// Inside a slot invoked by a signal: the object that emitted it. Nil outside slots, in
    /// plain-closure slots, after the slot disconnected itself, when the sender is deleted,
    /// and in single-shot slots (Qt's quirk: the connection is already gone).
    /// Qt: `QObject::sender()`.
    public func sender() -> QObject? {
        let data = threadData
        guard data.isCurrent, let connection = data.currentConnection,
            connection.receiverID == ObjectIdentifier(self), connection.isAlive,
            let signal = connection.signal, !signal.ownerGone,
            let owner = signal.owner, !owner.isDeleted
        else { return nil }
        return owner
    }

    /// Whether emits of this object's signals are ignored. Qt: `signalsBlocked()`.
    public var signalsBlocked: Bool { state.contains(.signalsBlocked) }

    /// Blocks (or unblocks) this object's signals: emits then do nothing at all (nothing
    /// queued either); `destroyed` is still emitted. Returns the previous value.
    @discardableResult
    public func blockSignals(_ block: Bool) -> Bool {
        let previous = state.contains(.signalsBlocked)
        if block { state.insert(.signalsBlocked) } else { state.remove(.signalsBlocked) }
        if let extra {
            for signal in extra.signals where signal !== extra.destroyedSignal { signal.setBlocked(block) }
        }
        return previous
    }

    /// Removes every connection from this object's signals to `receiver` (closures with
    /// `receiver` as context included); true if any was removed.
    /// Qt: `disconnect(sender, nullptr, receiver, nullptr)`.
    @discardableResult
    public func disconnect(_ receiver: QObject) -> Bool {
        assertAffinity("disconnect")
        guard let extra else { return false }
        var any = false
        for signal in extra.signals where signal.removeConnections(to: receiver, methodKey: nil) { any = true }
        return any
    }

    /// Removes every connection from every signal of this object; true if any was removed.
    /// Qt: `disconnect(sender, nullptr, nullptr, nullptr)`.
    @discardableResult
    public func disconnectAll() -> Bool {
        assertAffinity("disconnect")
        guard let extra else { return false }
        var any = false
        for signal in extra.signals where signal.removeAllConnections() { any = true }
        return any
    }

    /// Qt: `QObject::disconnect(sender, nullptr, receiver, nullptr)`.
    @discardableResult
    public static func disconnect(_ sender: QObject, _ receiver: QObject) -> Bool {
        sender.disconnect(receiver)
    }

    func registerSignal(_ signal: SignalBase) {
        extraData.signals.append(signal)
    }
}
