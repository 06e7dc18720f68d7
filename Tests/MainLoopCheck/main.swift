// Runs one scenario of Swift concurrency on QKit's main loop and prints what happened, one
// line per event; `MainActorTests` runs it as a process, because the main actor lives on the
// process's main thread (a test runner's threads are not it). Exit 1 after 5 s: a hang.
import Dispatch
import QCore

#if canImport(Glibc)
import Glibc
#endif

let app = QCoreApplication(arguments: CommandLine.arguments)
let scenario = CommandLine.arguments.dropFirst().first ?? ""
let mainThread = pthread_self()

func say(_ line: String) {
    print(line)
    fflush(nil)
}
/// Runs on the main actor: true when on the main thread.
@MainActor func onMainThread() -> Bool { pthread_equal(pthread_self(), mainThread) != 0 }

QTimer.singleShot(5000) {
    say("timeout")
    QCoreApplication.exit(1)
}

/// Objects a scenario sets up live as long as the program (a `case` scope would end them).
var keep: [QObject] = []

/// Posts itself an event after every event: a flood of posted events that never ends.
final class Flooder: QObject {
    var events = 0
    override func customEvent(_ event: QEvent) {
        events += 1
        QCoreApplication.postEvent(self, QEvent(.user))
    }
}

switch scenario {
case "task-before-exec":
    Task { @MainActor in
        say("main actor task ran on the main thread: \(onMainThread())")
        QCoreApplication.quit()
    }
case "dispatch-main":
    DispatchQueue.main.async {
        say("DispatchQueue.main ran")
        QCoreApplication.quit()
    }
case "main-actor-run-from-detached":
    Task.detached {
        let ok = await MainActor.run { onMainThread() }
        await MainActor.run {
            say("MainActor.run from a detached task: \(ok)")
            QCoreApplication.quit()
        }
    }
case "sleep":
    Task { @MainActor in
        try? await Task.sleep(for: .milliseconds(30))
        say("slept on the main actor: \(onMainThread())")
        QCoreApplication.quit()
    }
case "assume-isolated-in-slot":
    let timer = QTimer()
    timer.isSingleShot = true
    timer.timeout.connect {
        let ok = MainActor.assumeIsolated { onMainThread() }
        say("assumeIsolated in a slot: \(ok)")
        QCoreApplication.quit()
    }
    timer.start(1)
    keep.append(timer)
case "job-from-slot-same-thread":
    let timer = QTimer()
    timer.isSingleShot = true
    timer.timeout.connect {
        Task { @MainActor in
            say("main-actor job from a slot ran on the main thread: \(onMainThread())")
            QCoreApplication.quit()
        }
    }
    timer.start(1)
    keep.append(timer)
case "timers-not-starved-by-jobs":
    // A main-actor task that yields forever must not keep a 10 ms timer from firing.
    var yields = 0
    Task { @MainActor in
        while !Task.isCancelled {
            yields += 1
            await Task.yield()
        }
    }
    var ticks = 0
    let timer = QTimer()
    timer.timeout.connect {
        ticks += 1
        if ticks == 5 {
            say("timer fired 5 times beside a yielding task: \(yields > 0)")
            QCoreApplication.quit()
        }
    }
    timer.start(10)
    keep.append(timer)
case "jobs-not-starved-by-posted-events":
    let flooder = Flooder()
    QCoreApplication.postEvent(flooder, QEvent(.user))
    Task { @MainActor in
        say("main actor ran during a posted-event flood: \(flooder.events > 0)")
        QCoreApplication.quit()
    }
case "nested-loop":
    let timer = QTimer()
    timer.isSingleShot = true
    timer.timeout.connect {
        let nested = QEventLoop()
        Task { @MainActor in
            say("main actor ran inside a nested loop")
            nested.quit()
        }
        nested.exec()
        say("nested loop returned")
        QCoreApplication.quit()
    }
    timer.start(1)
    keep.append(timer)
case "task-outlives-exec":
    Task { @MainActor in
        try? await Task.sleep(for: .seconds(10))
        say("the long task ran to its end")
    }
    QTimer.singleShot(10) {
        say("quitting with a main-actor task still asleep")
        QCoreApplication.quit()
    }
default:
    say("unknown scenario \(scenario)")
    exit(2)
}
exit(app.exec())
