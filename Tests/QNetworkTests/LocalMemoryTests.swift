import QCore
import QKitTestSupport
import Testing

@testable import QNetwork

/// What a connection costs in memory: small exchanges keep small reads (the soak found
/// 64 KiB reads per socket made resident memory creep with 1,000 idle connections).
@Suite("QLocalSocket read sizes", .descriptorChecked)
struct LocalMemoryTests {
    @Test("small messages are read in one-page chunks; a bulk stream grows its reads to 256 KiB")
    func readChunkAdapts() {
        guard let (server, c, end) = connectedPair("chunk") else { Issue.record("no pair"); return }
        for i in 0..<20 {
            #expect(c.write(bytes("message \(i)")) > 0 && c.flush())
            #expect(spinLoop { end.bytesAvailable > 0 })
            _ = end.readAll()
        }
        #expect(end.readChunk == 4096)
        let bulk = [UInt8](repeating: 7, count: 4 << 20)
        #expect(c.write(bulk) == Int64(bulk.count))
        var got = 0
        #expect(
            spinLoop {
                got += end.readAll().count
                return got == bulk.count
            })
        #expect(end.readChunk == 262_144)
        c.abort(); end.abort(); server.close()
    }
}
