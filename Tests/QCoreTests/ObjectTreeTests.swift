import QKitTestSupport
import Testing

@testable import QCore

@Suite("Object tree", .leakChecked)
struct ObjectTreeTests {
    @Test("children keep insertion order")
    func childrenKeepInsertionOrder() {
        let p = QObject()
        let a = Probe("a", parent: p), b = Probe("b", parent: p), c = Probe("c", parent: p)
        #expect(p.children.map(ObjectIdentifier.init) == [a, b, c].map(ObjectIdentifier.init))
        p.delete()
    }

    @Test("a child made with a parent and one made with an optional parent are owned alike, in order; nil makes a root")
    func bothParentFormsOwn() {
        let p = QObject()
        let maybe: QObject? = p
        let a = QObject(parent: p), b = QObject(parent: maybe), root = QObject(parent: nil)
        #expect(p.children.map(ObjectIdentifier.init) == [a, b].map(ObjectIdentifier.init))
        #expect(a.parent === p && b.parent === p && root.parent == nil)
        p.delete()
        #expect(a.isDeleted && b.isDeleted && !root.isDeleted)
        root.delete()
    }

    @Test("setParent moves the child to the end of the new parent's list")
    func setParentAppendsAtEnd() {
        let p = QObject(), q = QObject()
        let a = Probe("a", parent: p), b = Probe("b", parent: q)
        a.setParent(q)
        #expect(q.children.map { $0.objectName } == ["b", "a"])
        #expect(p.children.isEmpty)
        #expect(a.parent === q)
        _ = b
        p.delete(); q.delete()
    }

    @Test("reparenting sends ChildRemoved to the old parent, then ChildAdded to the new one, synchronously")
    func reparentingSendsChildEventsInOrder() {
        let trace = Trace()
        let a = Probe("A", trace: trace), b = Probe("B", trace: trace)
        let child = Probe("c", parent: a)
        // As in Qt, ChildAdded arrives while the child is still being constructed (no name yet).
        #expect(trace.entries == ["A.ChildAdded()"])
        trace.clear()
        child.setParent(b)
        #expect(trace.entries == ["A.ChildRemoved(c)", "B.ChildAdded(c)"])
        a.delete(); b.delete()
    }

    @Test("setting the same parent again does nothing")
    func sameParentAgainDoesNothing() {
        let trace = Trace()
        let p = Probe("P", trace: trace)
        let c = Probe("c", parent: p)
        trace.clear()
        c.setParent(p)
        #expect(trace.entries.isEmpty)
        #expect(p.children.count == 1)
        p.delete()
    }

    @Test("destroyed fires parent first, then children depth-first in list order")
    func destructionOrderIsDepthFirst() {
        let trace = Trace()
        let p = Probe("p"), a = Probe("a", parent: p), c = Probe("c", parent: a), b = Probe("b", parent: p)
        for o in [p, a, c, b] {
            let name = o.objectName
            o.destroyed.connect { _ in trace.add(name) }
        }
        p.delete()
        #expect(trace.entries == ["p", "a", "c", "b"])
    }

    @Test("destroyed fires exactly once however the object ends")
    func destroyedFiresOnce() {
        let trace = Trace()
        do {
            let explicit = QObject()
            explicit.destroyed.connect { _ in trace.add("explicit") }
            explicit.delete()
            explicit.delete()
        }
        do {
            let parent = QObject()
            let child = QObject(parent: parent)
            child.destroyed.connect { _ in trace.add("child") }
            parent.delete()
            child.delete()
        }
        do {
            let dropped = QObject()
            dropped.destroyed.connect { _ in trace.add("dropped") }
        }
        #expect(trace.entries == ["explicit", "child", "dropped"])
    }

    @Test("a deleted object stays a valid Swift object with isDeleted true")
    func deletedObjectIsMarked() {
        let o = Probe("x")
        o.delete()
        #expect(o.isDeleted)
        #expect(o.objectName == "x")
    }

    @Test("deleting a child directly sends ChildRemoved to its parent")
    func directDeleteSendsChildRemoved() {
        let trace = Trace()
        let p = Probe("P", trace: trace)
        let c = Probe("c", parent: p)
        trace.clear()
        c.delete()
        #expect(trace.entries == ["P.ChildRemoved(c)"])
        #expect(p.children.isEmpty)
        p.delete()
    }

    @Test("a parent deleting its children gets no ChildRemoved")
    func parentDeletionSendsNoChildRemoved() {
        let trace = Trace()
        let p = Probe("P", trace: trace)
        _ = Probe("c", parent: p)
        trace.clear()
        p.delete()
        #expect(trace.entries.isEmpty)
    }

    @Test("a child's destroyed slot may delete a sibling that is not yet deleted")
    func childMayDeleteSibling() {
        let trace = Trace()
        let p = QObject()
        let a = Probe("a", parent: p), b = Probe("b", parent: p), c = Probe("c", parent: p)
        for o in [a, b, c] {
            let name = o.objectName
            o.destroyed.connect { _ in trace.add(name) }
        }
        a.destroyed.connect { _ in b.delete() }
        p.delete()
        #expect(trace.entries == ["a", "b", "c"])
        #expect(a.isDeleted && b.isDeleted && c.isDeleted)
    }

    @Test("a child's destroyed never reaches slots of its parent that is being destroyed")
    func childDestroyedSkipsDyingParent() {
        let parent = Probe("p")
        let child = QObject(parent: parent)
        child.destroyed.connect(context: parent) { _ in parent.received.append(1) }
        parent.delete()
        #expect(parent.received.isEmpty)
    }

    @Test("the parent keeps its children alive; deleting it releases them")
    func parentOwnsChildren() {
        let counter = DeinitCounter()
        var parent: QObject? = QObject()
        for i in 0..<5 { _ = Probe("c\(i)", parent: parent, counter: counter) }
        #expect(counter.value == 0)
        parent?.delete()
        parent = nil
        #expect(counter.value == 5)
    }

    @Test("dropping the last reference to a parent destroys the whole tree")
    func droppingParentDestroysTree() {
        let counter = DeinitCounter()
        let trace = Trace()
        do {
            let p = Probe("p", counter: counter)
            let c = Probe("c", parent: p, counter: counter)
            c.destroyed.connect { _ in trace.add("c destroyed") }
        }
        #expect(counter.value == 2)
        #expect(trace.entries == ["c destroyed"])
    }

    @Test("findChild searches direct children first, then recursively")
    func findChildIsBreadthFirst() {
        let root = QObject()
        let a = Probe("a", parent: root)
        _ = Probe("target", parent: a)
        let direct = Probe("target", parent: root)
        #expect(root.findChild(Probe.self, name: "target") === direct)
        #expect(root.findChild(Probe.self, name: "nothing") == nil)
        #expect(root.findChild(QTimer.self) == nil)
        root.delete()
    }

    @Test("findChildren lists matches depth-first and honours non-recursive search")
    func findChildrenDepthFirst() {
        let root = QObject()
        let a = Probe("x", parent: root)
        let a1 = Probe("x", parent: a)
        let b = Probe("x", parent: root)
        #expect(root.findChildren(Probe.self, name: "x").map(ObjectIdentifier.init) == [a, a1, b].map(ObjectIdentifier.init))
        #expect(root.findChildren(Probe.self, recursive: false).count == 2)
        root.delete()
    }

    @Test("objectName changes emit objectNameChanged once per change")
    func objectNameChanged() {
        let o = QObject()
        var seen: [String] = []
        o.objectNameChanged.connect { seen.append($0) }
        o.objectName = "a"
        o.objectName = "a"
        o.setObjectName("b")
        #expect(seen == ["a", "b"])
    }

    @Test("an object cannot become its own ancestor")
    func noCycles() {
        let a = QObject(), b = QObject(parent: a)
        a.setParent(b)
        #expect(a.parent == nil)
        #expect(b.parent === a)
        a.delete()
    }

    @Test("a ChildAdded event a handler keeps keeps its child alive, and is not reused for the next child")
    func keptChildAddedEvent() {
        final class Keeper: QObject {
            var kept: [QChildEvent] = []
            override func childEvent(_ event: QChildEvent) { if event.added { kept.append(event) } }
        }
        let counter = DeinitCounter()
        let parent = Keeper()
        _ = Probe("first", parent: parent, counter: counter)
        _ = Probe("second", parent: parent, counter: counter)
        #expect(parent.kept.count == 2)
        #expect(parent.kept[0] !== parent.kept[1])
        #expect(parent.kept.map(\.child.objectName) == ["first", "second"])
        parent.delete()
        // Deleted with their parent, but still referenced by the kept events.
        #expect(counter.value == 0)
        #expect(parent.kept[0].child.isDeleted)
        parent.kept.removeAll()
        #expect(counter.value == 2)
    }

    @Test("a ChildAdded handler that creates children of another parent: each parent sees its own children, in order")
    func childAddedHandlerCreatesChildren() {
        final class Spawner: QObject {
            var seen: [ObjectIdentifier] = []
            var stillOwnChild = true
            let other: Spawner?
            init(other: Spawner?) {
                self.other = other
                super.init()
            }
            override func childEvent(_ event: QChildEvent) {
                guard event.added else { return }
                let child = event.child
                seen.append(ObjectIdentifier(child))
                // Created while this event is delivered: that ChildAdded needs an event of its own.
                if let other { _ = QObject(parent: other) }
                if event.child !== child { stillOwnChild = false }
            }
        }
        let inner = Spawner(other: nil)
        let outer = Spawner(other: inner)
        let kids = (0..<3).map { _ in QObject(parent: outer) }
        #expect(outer.seen == kids.map(ObjectIdentifier.init))
        #expect(outer.stillOwnChild)
        #expect(inner.seen.count == 3)
        #expect(inner.seen == inner.children.map(ObjectIdentifier.init))
        outer.delete()
        inner.delete()
    }

    @Test("a plain QObject with an event filter gets ChildAdded through its filter; without one it is skipped")
    func plainParentFilterSeesChildAdded() {
        final class Watcher: QObject {
            var added: [ObjectIdentifier] = []
            override func eventFilter(_ watched: QObject, _ event: QEvent) -> Bool {
                if let child = event as? QChildEvent, child.added { added.append(ObjectIdentifier(child.child)) }
                return false
            }
        }
        let parent = QObject()
        let watcher = Watcher()
        let before = QObject(parent: parent)
        parent.installEventFilter(watcher)
        let during = QObject(parent: parent)
        parent.removeEventFilter(watcher)
        _ = QObject(parent: parent)
        #expect(watcher.added == [ObjectIdentifier(during)])
        #expect(parent.children.count == 3 && parent.children[0] === before)
        parent.delete()
        watcher.delete()
    }

    @Test(
        "a parent made after another was destroyed reuses its emptied children list: its own children, in order, and nothing else"
    )
    func childrenListReused() {
        let first = QObject()
        let old = (0..<100).map { _ in QObject(parent: first) }
        first.delete()
        #expect(old.allSatisfy { $0.isDeleted && $0.parent == nil })
        let reused = ThreadData.current.spareChildList.capacity
        #expect(reused >= 100, "the destroyed parent's list is kept for the next one")
        let second = QObject()
        let kids = (0..<3).map { Probe("k\($0)", parent: second) }
        #expect(second.children.map(\.objectName) == ["k0", "k1", "k2"])
        #expect(second.children.map(ObjectIdentifier.init) == kids.map(ObjectIdentifier.init))
        second.delete()
    }

    @Test("a copy of the children taken before the parent is destroyed keeps every child")
    func childrenCopySurvivesParent() {
        let parent = QObject()
        for _ in 0..<50 { _ = QObject(parent: parent) }
        let kept = parent.children
        parent.delete()
        #expect(kept.count == 50 && kept.allSatisfy { $0.isDeleted })
        let next = QObject()
        _ = QObject(parent: next)
        #expect(next.children.count == 1)
        next.delete()
    }
}
