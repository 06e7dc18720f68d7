import Synchronization

/// A scope id as an address stores it, a plain value: up to 15 UTF-8 bytes inline (every
/// interface name, at most 15 bytes on Linux, and every interface number fits), a longer one as
/// a key into a process-wide table of at most `tableLimit` texts. An address so holds no
/// reference: copying and dropping one (once per datagram read) costs no reference counting.
struct ScopeId: Hashable, Sendable {
    /// Bytes 0..<15: the text; byte 15: its length, or `tableTag` when bytes 0..<4 are a key.
    private var bytes: (UInt64, UInt64) = (0, 0)
    private static let tableTag: UInt8 = 0xFF
    /// At most this many scope ids longer than 15 bytes (which name no interface) are kept.
    static let tableLimit = 1024

    /// No scope id.
    static let none = ScopeId()

    private init() {}

    /// The stored form of `text` (not empty); nil when it is longer than 15 bytes and the
    /// table already holds `tableLimit` others.
    init?(_ text: String) {
        let utf8 = Array(text.utf8)
        if utf8.count <= 15 {
            withUnsafeMutableBytes(of: &bytes) { raw in
                raw.copyBytes(from: utf8)
                raw[15] = UInt8(utf8.count)
            }
            return
        }
        guard let key = ScopeIdTable.key(of: text) else { return nil }
        withUnsafeMutableBytes(of: &bytes) { raw in
            raw.storeBytes(of: key, as: UInt32.self)
            raw[15] = Self.tableTag
        }
    }

    /// The text ("" for none).
    var text: String {
        withUnsafeBytes(of: bytes) { raw in
            if raw[15] == Self.tableTag { return ScopeIdTable.name(of: raw.load(as: UInt32.self)) }
            return String(decoding: raw[0..<Int(raw[15])], as: UTF8.self)
        }
    }

    static func == (a: ScopeId, b: ScopeId) -> Bool { a.bytes == b.bytes }

    func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.0)
        hasher.combine(bytes.1)
    }
}

/// The scope ids longer than 15 bytes, each stored once and named by its index.
private enum ScopeIdTable {
    private static let names = Mutex<[String]>([])

    static func key(of name: String) -> UInt32? {
        names.withLock { names in
            if let index = names.firstIndex(of: name) { return UInt32(index) }
            guard names.count < ScopeId.tableLimit else { return nil }
            names.append(name)
            return UInt32(names.count - 1)
        }
    }

    static func name(of key: UInt32) -> String {
        names.withLock { $0[Int(key)] }
    }
}
