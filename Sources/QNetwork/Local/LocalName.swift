/// Qt's rule for turning a QLocalSocket/QLocalServer name into an address,
/// so a Qt or PySide program and a QKit program using the same name meet.
enum LocalName {
    /// The most bytes a path (or abstract name) may have: `sun_path` (108) minus 2.
    static let maximumLength = 106

    /// `$TMPDIR` without its trailing slash (cleaned), or "/tmp".
    static var tempPath: String {
        guard var dir = Posix.environment("TMPDIR"), !dir.isEmpty else { return "/tmp" }
        while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
        while dir.contains("//") { dir = dir.replacingAll("//", with: "/") }
        return dir
    }

    /// The full name: the path as given when it starts with "/", otherwise tempPath/name;
    /// for an abstract name, the name itself.
    static func fullName(_ name: String, abstract: Bool) -> String {
        if abstract || name.hasPrefix("/") { return name }
        return tempPath + "/" + name
    }

    /// The kernel address, or nil when the name is empty or too long (no syscall is made).
    static func address(_ name: String, abstract: Bool) -> (SocketAddress, String)? {
        guard !name.isEmpty else { return nil }
        let full = fullName(name, abstract: abstract)
        let bytes = Array(full.utf8)
        guard bytes.count <= maximumLength else { return nil }
        return (.unix(abstract ? [0] + bytes : bytes), full)
    }

    /// The last path component (what an accepted socket reports as its serverName).
    static func lastComponent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        guard !target.isEmpty else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}
