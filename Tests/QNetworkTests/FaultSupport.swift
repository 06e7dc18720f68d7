import Testing

@testable import QNetwork

// What the fault-injection suites (UdpFaultTests, LocalFaultTests) share.

/// Every test starts and ends with no planned syscall failure.
struct FaultsCleared: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }
    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        SyscallFaults.clear()
        defer { SyscallFaults.clear() }
        try await function()
    }
}

extension Trait where Self == FaultsCleared {
    static var faultsCleared: FaultsCleared { FaultsCleared() }
}

/// An errno with the Qt error code and text it must become.
struct FaultCase<Code: Sendable>: Sendable, CustomTestStringConvertible {
    let code: Int32
    let error: Code
    let text: String
    var testDescription: String { "errno \(code) → \(error)" }
}
