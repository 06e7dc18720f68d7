import CFuzzDriver

#if canImport(Glibc)
import Glibc
#endif

/// What libFuzzer calls with each input (its bytes and their count); returns 0.
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, UInt) -> Int32

/// Runs libFuzzer on `callback` with this process's arguments (libFuzzer's flags and corpus
/// folders), then exits with its status. A fuzz target's main calls it; the target also
/// exports `LLVMFuzzerTestOneInput`, so whichever `main` the linker keeps runs the same code.
public func runFuzzer(_ callback: FuzzCallback) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}

/// The input as an array.
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: UInt) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: Int(size)))
}

/// A property every input must keep; a violation crashes, so libFuzzer saves the input.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("property violated: \(message())") }
}
