import Foundation
import Testing

/// The main actor and `DispatchQueue.main` on QKit's main loop. Each scenario runs in a
/// process of its own (`mainloop-check`), whose main thread runs `QCoreApplication.exec()`:
/// the main actor belongs to a process's main thread, which a test runner does not lend out.
@Suite("Swift concurrency on the main loop", .serialized)
struct MainActorTests {
    /// Runs a scenario and returns its exit code and lines.
    func run(_ scenario: String) throws -> (code: Int32?, lines: [String]) {
        let check = try SampleProcess("mainloop-check", [scenario])
        defer { check.stop() }
        let code = check.exitCode()
        return (code, check.printed)
    }

    @Test("a main-actor task started before exec() runs on the main thread once exec() runs")
    func taskBeforeExec() throws {
        let (code, lines) = try run("task-before-exec")
        #expect(code == 0)
        #expect(lines == ["main actor task ran on the main thread: true"])
    }

    @Test("DispatchQueue.main work runs while exec() runs")
    func dispatchMain() throws {
        let (code, lines) = try run("dispatch-main")
        #expect(code == 0)
        #expect(lines == ["DispatchQueue.main ran"])
    }

    @Test("MainActor.run from a detached task reaches the main thread")
    func mainActorRunFromDetached() throws {
        let (code, lines) = try run("main-actor-run-from-detached")
        #expect(code == 0)
        #expect(lines == ["MainActor.run from a detached task: true"])
    }

    @Test("Task.sleep in a main-actor task resumes while the loop runs")
    func sleepResumes() throws {
        let (code, lines) = try run("sleep")
        #expect(code == 0)
        #expect(lines == ["slept on the main actor: true"])
    }

    @Test("MainActor.assumeIsolated works in a slot on the main thread")
    func assumeIsolatedInSlot() throws {
        let (code, lines) = try run("assume-isolated-in-slot")
        #expect(code == 0)
        #expect(lines == ["assumeIsolated in a slot: true"])
    }

    @Test("a main-actor job enqueued from a slot runs on the main thread, with no thread switch")
    func jobFromSlot() throws {
        let (code, lines) = try run("job-from-slot-same-thread")
        #expect(code == 0)
        #expect(lines == ["main-actor job from a slot ran on the main thread: true"])
    }

    @Test("a main-actor task that yields forever does not starve a timer")
    func timersNotStarved() throws {
        let (code, lines) = try run("timers-not-starved-by-jobs")
        #expect(code == 0)
        #expect(lines == ["timer fired 5 times beside a yielding task: true"])
    }

    @Test("a flood of posted events does not starve the main actor")
    func jobsNotStarved() throws {
        let (code, lines) = try run("jobs-not-starved-by-posted-events")
        #expect(code == 0)
        #expect(lines == ["main actor ran during a posted-event flood: true"])
    }

    @Test("main-actor jobs run inside a nested event loop started from a slot")
    func nestedLoop() throws {
        let (code, lines) = try run("nested-loop")
        #expect(code == 0)
        #expect(lines == ["main actor ran inside a nested loop", "nested loop returned"])
    }

    @Test("a main-actor task that outlives exec() does not crash the exit")
    func taskOutlivesExec() throws {
        let (code, lines) = try run("task-outlives-exec")
        #expect(code == 0)
        #expect(lines == ["quitting with a main-actor task still asleep"])
    }
}

/// async-echo: udp-echo and local-echo written with async/await, same flags and lines.
@Suite("Samples: async-echo", .serialized)
struct AsyncEchoSampleTests {
    @Test("async-echo's UDP client gets every datagram back from its server, as udp-echo's does")
    func udpPair() throws {
        let server = try SampleProcess("async-echo", ["--bind", "127.0.0.1", "--port", "0"])
        defer { server.stop() }
        let listening = try #require(server.waitForLine(startingWith: "listening"))
        let port = try #require(listening.split(separator: " ").last.map(String.init))
        #expect(listening == "listening 127.0.0.1 \(port)")
        let client = try SampleProcess("async-echo", ["--client", "--port", port, "--count", "50", "--size", "200"])
        defer { client.stop() }
        #expect(client.exitCode() == 0)
        let lines = client.printed
        #expect(lines.last == "done 50/50")
        #expect(Set(lines.dropLast()) == Set((1...50).map { "echoed \($0) 200" }))
        server.send(SIGINT)
        #expect(server.exitCode() == 130)
    }

    @Test("async-echo's local client prints every echoed line, then done, as local-echo's does")
    func localPair() throws {
        let name = uniqueServerName("async-echo")
        let server = try SampleProcess("async-echo", ["--local", "--name", name])
        defer { server.stop() }
        #expect(server.waitForLine(startingWith: "listening") == "listening \(socketDirectory)/\(name)")
        let client = try SampleProcess(
            "async-echo", ["--local", "--client", "--name", name, "--send", "hi there", "--count", "3"])
        defer { client.stop() }
        #expect(client.exitCode() == 0)
        #expect(client.printed == ["echoed hi there", "echoed hi there", "echoed hi there", "done 3/3"])
        server.send(SIGTERM)
        #expect(server.exitCode() == 130)
    }

    @Test("async-echo's local client without a server prints ServerNotFoundError and exits 3")
    func localNoServer() throws {
        let name = uniqueServerName("async-none")
        let client = try SampleProcess("async-echo", ["--local", "--client", "--name", name])
        defer { client.stop() }
        #expect(client.exitCode() == 3)
        #expect(
            client.printed.last == "error: ServerNotFoundError: QLocalSocket::connectToServer: Invalid name "
                + "(connect \(socketDirectory)/\(name): No such file or directory)")
    }

    @Test("async-echo refuses bad flags with exit 2")
    func badFlags() throws {
        let client = try SampleProcess("async-echo", ["--client"])
        defer { client.stop() }
        #expect(client.exitCode() == 2)
    }
}
