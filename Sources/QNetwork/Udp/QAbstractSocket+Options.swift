#if canImport(Glibc)
import Glibc
#endif

extension QAbstractSocket {
    /// Applies an option the application asked for. A refused option is reported (Qt's
    /// engine ignores it): `errorOccurred` with the code and text of `SocketErrors.forOption`.
    func applyOption(_ option: SocketOption, _ value: Int) {
        let v6 = family == AF_INET6
        do throws(Errno) {
            switch option {
            case .multicastTtl:
                guard (0...255).contains(value) else { return }
                if v6 {
                    try Posix.setOption(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_HOPS, Int32(value))
                } else {
                    try Posix.setOption(fd, Int32(IPPROTO_IP), IP_MULTICAST_TTL, Int32(value))
                }
                if dualStack { try Posix.setOption(fd, Int32(IPPROTO_IP), IP_MULTICAST_TTL, Int32(value)) }
            case .multicastLoopback:
                let flag: Int32 = value != 0 ? 1 : 0
                if v6 {
                    try Posix.setOption(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_LOOP, flag)
                } else {
                    try Posix.setOption(fd, Int32(IPPROTO_IP), IP_MULTICAST_LOOP, flag)
                }
                if dualStack { try Posix.setOption(fd, Int32(IPPROTO_IP), IP_MULTICAST_LOOP, flag) }
            case .sendBufferSize:
                try Posix.setOption(fd, SOL_SOCKET, SO_SNDBUF, Int32(clamping: value))
            case .receiveBufferSize:
                try Posix.setOption(fd, SOL_SOCKET, SO_RCVBUF, Int32(clamping: value))
            case .typeOfService:
                if !v6 { try Posix.setOption(fd, Int32(IPPROTO_IP), IP_TOS, Int32(clamping: value)) }
            case .keepAlive:
                try Posix.setOption(fd, SOL_SOCKET, SO_KEEPALIVE, value != 0 ? 1 : 0)
            case .lowDelay, .pathMtu:
                break
            }
        } catch {
            let (code, text) = SocketErrors.forOption(error)
            report(code, text, detail: SocketErrors.detail("setsockopt \(option) on", "\(localAddress):\(localPort)", error))
        }
    }

    func readOption(_ option: SocketOption) -> Int? {
        let v6 = family == AF_INET6
        // A refused read is Qt's invalid QVariant (nil), as in Qt.
        func get(_ level: Int32, _ name: Int32) -> Int? { (try? Posix.option(fd, level, name)).map(Int.init) }
        switch option {
        case .multicastTtl:
            return v6 ? get(Int32(IPPROTO_IPV6), IPV6_MULTICAST_HOPS) : get(Int32(IPPROTO_IP), IP_MULTICAST_TTL)
        case .multicastLoopback:
            let raw = v6 ? get(Int32(IPPROTO_IPV6), IPV6_MULTICAST_LOOP) : get(Int32(IPPROTO_IP), IP_MULTICAST_LOOP)
            return raw.map { $0 != 0 ? 1 : 0 }
        case .sendBufferSize: return get(SOL_SOCKET, SO_SNDBUF)
        case .receiveBufferSize: return get(SOL_SOCKET, SO_RCVBUF)
        case .typeOfService: return v6 ? nil : get(Int32(IPPROTO_IP), IP_TOS)
        case .keepAlive: return get(SOL_SOCKET, SO_KEEPALIVE)
        case .pathMtu: return v6 ? get(Int32(IPPROTO_IPV6), IPV6_MTU) : get(Int32(IPPROTO_IP), IP_MTU)
        case .lowDelay: return nil
        }
    }
}
