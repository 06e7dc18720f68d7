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
