import QKitTestSupport
import Testing

@testable import QCore

/// One application object at a time, so these run one after another.
@Suite("QCoreApplication", .serialized, .leakChecked)
struct ApplicationTests {
    @Test("exec returns the exit code and aboutToQuit fires once")
    func execAndExit() {
        let app = QCoreApplication(arguments: ["tests"])
        var quitSignals = 0
        app.aboutToQuit.connect { quitSignals += 1 }
        QTimer.singleShot(0) {
            QCoreApplication.exit(5)
            QCoreApplication.exit(6)
        }
        #expect(app.exec() == 6)
        #expect(quitSignals == 1)
        #expect(QCoreApplication.instance === app)
    }

    @Test("exit before exec does nothing and exec still runs")
    func exitBeforeExec() {
        let app = QCoreApplication(arguments: ["tests"])
        QCoreApplication.exit(9)
        QTimer.singleShot(1) { QCoreApplication.exit(2) }
        #expect(app.exec() == 2)
    }

    @Test("quit does nothing unless exec runs, and exits with 0")
    func quitRules() {
        let app = QCoreApplication(arguments: ["tests"])
        QCoreApplication.quit()
        QTimer.singleShot(1) { QCoreApplication.quit() }
        #expect(app.exec() == 0)
    }

    @Test("an event filter on the application can swallow Quit")
    func filterSwallowsQuit() {
        final class Swallow: QObject {
            var swallowed = 0
            override func eventFilter(_ watched: QObject, _ event: QEvent) -> Bool {
                if event.type == .quit && swallowed == 0 { swallowed += 1; return true }
                return false
            }
        }
        let app = QCoreApplication(arguments: ["tests"])
        let filter = Swallow()
        app.installEventFilter(filter)
        QTimer.singleShot(1) {
            QCoreApplication.quit()
            QTimer.singleShot(1) { QCoreApplication.exit(4) }
        }
        #expect(app.exec() == 4)
        #expect(filter.swallowed == 1)
    }

    @Test("exec flushes deferred deletes when it returns")
    func execFlushesDeferredDeletes() {
        let app = QCoreApplication(arguments: ["tests"])
        let o = QObject()
        QTimer.singleShot(0) {
            QTimer.singleShot(0) {
                o.deleteLater()
                QCoreApplication.exit(0)
            }
        }
        app.exec()
        #expect(o.isDeleted)
    }

    @Test("exec while a loop already runs returns -1")
    func execWhileRunning() {
        let app = QCoreApplication(arguments: ["tests"])
        var inner: Int32 = 0
        QTimer.singleShot(0) {
            inner = app.exec()
            QCoreApplication.exit(0)
        }
        app.exec()
        #expect(inner == -1)
    }

    @Test("quit from another thread posts a Quit event to the main thread")
    func quitFromOtherThread() {
        let app = QCoreApplication(arguments: ["tests"])
        final class Quitter: QThread {
            override func run() { QCoreApplication.quit() }
        }
        let t = Quitter()
        QTimer.singleShot(1) { t.start() }
        #expect(app.exec() == 0)
        #expect(t.wait(3000))
    }

    @Test("the README example counts to 3 and exec returns 0")
    func readmeExample() {
        final class Counter: QObject {
            let valueChanged = Signal<Int>()
            var value = 0 { didSet { valueChanged.emit(value) } }
        }
        var printed: [Int] = []
        let app = QCoreApplication(arguments: CommandLine.arguments)
        let root = QObject()
        let counter = Counter(parent: root)
        counter.valueChanged.connect { printed.append($0) }
        let timer = QTimer(parent: root)
        timer.timeout.connect {
            counter.value += 1; if counter.value == 3 { QCoreApplication.quit() }
        }
        timer.start(1)
        #expect(app.exec() == 0)
        #expect(printed == [1, 2, 3])
    }

    @Test("instance is nil once the application object is gone")
    func instanceLifetime() {
        do {
            let app = QCoreApplication(arguments: ["tests"])
            #expect(QCoreApplication.instance === app)
        }
        #expect(QCoreApplication.instance == nil)
    }
}

@Suite("QCoreApplication, more", .serialized, .leakChecked)
struct ApplicationMoreTests {
    @Test("exit from another thread ends exec with its code")
    func exitFromOtherThread() {
        let app = QCoreApplication(arguments: ["tests"])
        final class Exiter: QThread {
            override func run() { QCoreApplication.exit(12) }
        }
        let t = Exiter()
        QTimer.singleShot(1) { t.start() }
        #expect(app.exec() == 12)
        #expect(t.wait(3000))
    }

    @Test("exec can run again and aboutToQuit fires once per exec")
    func execTwice() {
        let app = QCoreApplication(arguments: ["tests"])
        var quits = 0
        app.aboutToQuit.connect { quits += 1 }
        QTimer.singleShot(0) { QCoreApplication.exit(1) }
        #expect(app.exec() == 1)
        QTimer.singleShot(0) { QCoreApplication.exit(2) }
        #expect(app.exec() == 2)
        #expect(quits == 2)
    }

    @Test("exit also ends a nested loop running in the main thread")
    func exitEndsNestedLoops() {
        let app = QCoreApplication(arguments: ["tests"])
        var nestedCode: Int32 = -9
        QTimer.singleShot(0) {
            let nested = QEventLoop()
            QTimer.singleShot(1) { QCoreApplication.exit(3) }
            nestedCode = nested.exec()
        }
        #expect(app.exec() == 3)
        #expect(nestedCode == 3)
    }
}
