import Synchronization

/// The scope ids addresses carry, each stored once and named by a number (its key): an
/// address keeps the key, so it stays a plain value. Scope ids are interface names or
/// numbers, a small set per process; a key, once given, names its text for the process's life.
enum ScopeIdTable {
    private struct Table {
        var names: [String] = [""]
        var keys: [String: UInt32] = [:]
    }

    private static let table = Mutex(Table())

    /// The key of `name` (not empty), given now if it has none yet.
    static func key(of name: String) -> UInt32 {
        table.withLock { table in
            if let key = table.keys[name] { return key }
            let key = UInt32(table.names.count)
            table.names.append(name)
            table.keys[name] = key
            return key
        }
    }

    /// The text of a key given by `key(of:)`.
    static func name(of key: UInt32) -> String {
        table.withLock { $0.names[Int(key)] }
    }
}
