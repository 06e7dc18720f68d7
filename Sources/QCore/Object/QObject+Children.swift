extension QObject {
    /// The parent, or nil. Qt: `QObject::parent()`.
    public var parent: QObject? { parentStorage }

    /// The children in insertion order. Qt: `QObject::children()`.
    public var children: [QObject] { childList }

    /// Moves the object under `parent` (at the end of its children), or makes it top-level.
    /// Sends ChildRemoved to the old parent, then ChildAdded to the new one, synchronously.
    /// A parent in another thread is refused with a warning (the object then has no parent).
    public func setParent(_ parent: QObject?) {
        assertAffinity("setParent")
        if parent === parentStorage { return }
        detachFromParent(sendEvent: true)
        if let parent { attach(to: parent) }
    }

    /// Appends to `parent`'s children and sends ChildAdded. A new object cannot be an
    /// ancestor of its parent, so only `setParent` checks for cycles.
    func attach(to parent: QObject, isNew: Bool = false) {
        // Compared by address: `===` on the unowned(unsafe) fields retained both.
        guard parent.threadDataBits.load(ordering: .relaxed) == threadDataBits.load(ordering: .relaxed) else {
            Diagnostics.warning(
                "QObject::setParent: cannot set parent of \(describe(self)), new parent \(describe(parent)) "
                    + "is in a different thread (\(parent.threadData.debugName), object in \(threadData.debugName))")
            return
        }
        if parent.isDeleted { return }
        if !isNew && isAncestor(of: parent) {
            Diagnostics.warning("QObject::setParent: \(describe(self)) cannot be its own ancestor")
            return
        }
        parentStorage = parent
        if parent.childList.capacity == 0 {
            // Its first child: the list starts from the thread's spare one, if any.
            withThreadData { data in
                if data.spareChildList.capacity > 0 && data.isCurrent { swap(&parent.childList, &data.spareChildList) }
            }
        }
        parent.childList.append(self)
        // A plain QObject with no event filters does nothing with ChildAdded (its childEvent
        // is empty): skip building and dispatching the event. Subclasses always get it.
        if parent.state.contains(.plainObject) && !parent.state.contains(.filtered) { return }
        // One ChildAdded event per thread is reused unless a handler kept it.
        // (unowned(unsafe): the thread data lives while this object counts in it.)
        unowned(unsafe) let data = threadData
        // Taken out of the spare slot with the slot's reference (a handler creating children
        // meanwhile finds the slot empty and uses an event of its own), and put back with it.
        // A `let` while it is delivered: a `var` was retained and released around `notify`.
        let delivered = data.spareChildEvent.take()?.takeRetainedValue() ?? QChildEvent(spareFor: .childAdded)
        delivered.lend(self)
        _ = QCoreApplication.notify(parent, delivered)
        var event = consume delivered
        let unique = isKnownUniquelyReferenced(&event)
        event.endLoan(unique: unique)
        if unique, data.spareChildEvent == nil { data.spareChildEvent = .passRetained(consume event) }
    }

    private func isAncestor(of object: QObject) -> Bool {
        var p: QObject? = object
        while let ancestor = p {
            if ancestor === self { return true }
            p = ancestor.parentStorage
        }
        return false
    }

    /// Leaves the parent's list. ChildRemoved goes to the parent unless it is deleting its children.
    func detachFromParent(sendEvent: Bool) {
        guard let parent = parentStorage else { return }
        parentStorage = nil
        if parent.state.contains(.deletingChildren) { return }
        if let index = parent.childList.lastIndex(where: { $0 === self }) {
            parent.childList.remove(at: index)
        }
        if sendEvent && !parent.state.contains(.deleted) {
            _ = QCoreApplication.sendEvent(parent, QChildEvent(.childRemoved, self))
        }
    }

    /// The first child of type `T` (optionally named `name`), searching breadth-first when recursive.
    /// Qt: `findChild<T>(name, options)`.
    public func findChild<T: QObject>(_ type: T.Type = T.self, name: String? = nil, recursive: Bool = true) -> T? {
        for child in childList {
            if let match = child as? T, name == nil || child.objectName == name! { return match }
        }
        guard recursive else { return nil }
        for child in childList {
            if let match = child.findChild(type, name: name, recursive: true) { return match }
        }
        return nil
    }

    /// Every descendant of type `T` (optionally named `name`), depth-first in child order.
    /// Qt: `findChildren<T>(name, options)`.
    public func findChildren<T: QObject>(_ type: T.Type = T.self, name: String? = nil, recursive: Bool = true) -> [T] {
        var result: [T] = []
        collectChildren(type, name: name, recursive: recursive, into: &result)
        return result
    }

    private func collectChildren<T: QObject>(_ type: T.Type, name: String?, recursive: Bool, into result: inout [T]) {
        for child in childList {
            if let match = child as? T, name == nil || child.objectName == name! { result.append(match) }
            if recursive { child.collectChildren(type, name: name, recursive: true, into: &result) }
        }
    }
}
