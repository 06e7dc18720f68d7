// The fortune samples' frame, as Qt 6's fortune examples write it: a quint32 count of UTF-16
// units, then the QString.
import QCore

/// What one attempt to read a fortune frame found.
public enum FortuneFrame: Equatable, Sendable {
    /// A whole frame: its text.
    case fortune(String)
    /// Not all of it has arrived: the bytes stay for the next attempt.
    case incomplete
    /// The bytes are not a fortune frame (why, in words).
    case corrupt(String)

    /// Reads one frame from `stream` in a transaction, however the bytes arrive: nothing is
    /// consumed until the whole frame is there.
    public static func read(from stream: QDataStream) -> FortuneFrame {
        stream.startTransaction()
        let units = stream.read(UInt32.self)
        let fortune = stream.read(String.self)
        guard stream.commitTransaction() else {
            if stream.status == .readCorruptData { return .corrupt("the server's bytes are not a Qt fortune frame") }
            return .incomplete
        }
        guard fortune.utf16.count == Int(units) else {
            return .corrupt("the frame announced \(units) UTF-16 units but held \(fortune.utf16.count)")
        }
        return .fortune(fortune)
    }
}
