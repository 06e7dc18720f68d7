#if canImport(Glibc)
import Glibc
#endif

extension Posix {
    /// Removes a file; true if it is gone (or was never there). The corresponding C function is `unlink`.
    @discardableResult
    static func unlink(_ path: String) -> Bool {
        Glibc.unlink(path) == 0 || errno == ENOENT
    }

    /// True when `path` exists (any file type). The corresponding C function is `lstat`.
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Changes a file's permission bits. The corresponding C function is `chmod`.
    static func chmod(_ path: String, _ mode: UInt32) throws(Errno) {
        _ = try syscallOrThrow(.chmod, on: -1, { Glibc.chmod(path, mode_t(mode)) })
    }

    /// Renames a file (atomically replacing nothing: the caller checked). The corresponding C function is `rename`.
    static func rename(_ from: String, _ to: String) throws(Errno) {
        _ = try syscallOrThrow(.rename, on: -1, { Glibc.rename(from, to) })
    }

    /// Creates a private temporary directory next to `near` (mode 0700); returns its path.
    /// The corresponding C function is `mkdtemp`.
    static func makeTemporaryDirectory(near directory: String) throws(Errno) -> String {
        var template = Array((directory + "/qkit-socket-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw Errno(errno, "mkdtemp") }
        return String(cChars: template)
    }

    /// Removes an empty directory. The corresponding C function is `rmdir`.
    static func removeDirectory(_ path: String) {
        _ = rmdir(path)
    }

    /// An environment variable, nil when unset. The corresponding C function is `getenv`.
    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
