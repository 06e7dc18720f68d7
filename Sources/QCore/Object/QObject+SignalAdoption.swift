@_spi(Reflection) import Swift
import Synchronization

/// Lets a subclass declare its signals as plain stored properties,
/// `let valueChanged = Signal<Int>()`: they are initialised before `QObject.init` runs, so
/// `QObject.init` finds them (by field offset, cached per class) and becomes their owner.
/// A `let` signal is read without reference counting, so emitting costs no ARC.
extension QObject {
    func adoptDeclaredSignals() {
        let offsets = SignalFieldCache.offsets(of: type(of: self))
        guard !offsets.isEmpty else { return }
        let base = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
        for offset in offsets {
            // Safe: the offset comes from this class's field metadata and names a stored
            // property whose static type is a SignalBase subclass, initialised by now.
            let signal = (base + offset).load(as: SignalBase.self)
            if signal.owner == nil { signal.adopt(owner: self) }
        }
    }
}

/// Per-class list of the offsets of stored properties whose type is a signal.
enum SignalFieldCache {
    private static let cache = Locked<[ObjectIdentifier: [Int]]>([:])

    static func offsets(of type: QObject.Type) -> [Int] {
        let key = ObjectIdentifier(type)
        if let known = cache.withLock({ $0[key] }) { return known }
        var found: [Int] = []
        // `classType` (bit 0): walk a class's fields, inherited ones included.
        _ = _forEachField(of: type, options: _EachFieldOptions(rawValue: 1)) { _, offset, fieldType, _ in
            if fieldType is SignalBase.Type { found.append(offset) }
            return true
        }
        cache.withLock { $0[key] = found }
        return found
    }
}

extension SignalBase {
    /// Becomes a signal of `owner` (blocked with it, disconnected when it is destroyed).
    func adopt(owner: QObject) {
        self.owner = owner
        owner.registerSignal(self)
        if owner.signalsBlocked { flags |= SignalBase.blockedFlag }
    }
}
