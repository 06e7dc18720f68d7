extension QObject {
    /// QObject's own event handling (see `event(_:)`), inlined there: one call less per event.
    @inline(__always)
    func defaultEvent(_ event: QEvent) -> Bool {
        // Custom events first: the commonest events that reach here.
        if event.type.rawValue >= QEvent.EventType.user.rawValue {
            customEvent(event)
            return true
        }
        switch event.type {
        // `is` then `unsafeDowncast`: an `as?` cast hands back a new reference (a retain and
        // a release per timer or child event). The exact class is compared first: QKit's own
        // events are of it, and the runtime's dynamic cast costs a call per event.
        case .timer:
            if type(of: event) == QTimerEvent.self || event is QTimerEvent {
                self.timerEvent(unsafeDowncast(event, to: QTimerEvent.self))
            }
        case .childAdded, .childRemoved:
            if type(of: event) == QChildEvent.self || event is QChildEvent {
                self.childEvent(unsafeDowncast(event, to: QChildEvent.self))
            }
        case .deferredDelete:
            delete()
        case .metaCall, .threadChange:
            // A posted call never reaches here: it is delivered by its own rule
            // (`QueuedCallEvent.deliver(on:)`), its receiver's filters seeing it first.
            break
        default:
            return false
        }
        return true
    }

    /// Makes `filter` see this object's events before it does; the most recently installed
    /// filter runs first. The filter must live in the same thread (else a warning).
    public func installEventFilter(_ filter: QObject) {
        guard filter.threadData === threadData else {
            Diagnostics.warning(
                "QObject::installEventFilter: cannot filter events for objects in a different thread "
                    + "(\(describe(filter)) in \(filter.threadData.debugName), \(describe(self)) in \(threadData.debugName))")
            return
        }
        removeEventFilter(filter)
        extraData.eventFilters.append(WeakObject(object: filter))
        extraData.lifeToken.setFiltered(true)
        state.insert(.filtered)
    }

    /// Removes an installed event filter (nothing happens if it is not installed).
    public func removeEventFilter(_ filter: QObject) {
        guard let extra else { return }
        extra.eventFilters.removeAll { $0.object == nil || $0.object === filter }
        extra.lifeToken.setFiltered(!extra.eventFilters.isEmpty)
        if extra.eventFilters.isEmpty { state.remove(.filtered) }
    }

    /// Runs the installed filters, most recent first; true if one of them consumed the event.
    /// Qt's MetaCall rule for a posted call (a queued signal call or `invokeMethod`): the
    /// receiver's event filters see it first; true when one of them stopped it.
    @usableFromInline
    func filtersStopCall(_ call: QueuedCallEvent) -> Bool {
        guard let extra, !extra.eventFilters.isEmpty else { return false }
        return runEventFilters(call)
    }

    func runEventFilters(_ event: QEvent) -> Bool {
        guard let filters = extra?.eventFilters, !filters.isEmpty else { return false }
        for entry in filters.reversed() {
            guard let filter = entry.object, !filter.isDeleted else { continue }
            if filter.threadData !== threadData { continue }
            if filter.eventFilter(self, event) { return true }
        }
        return false
    }
}
