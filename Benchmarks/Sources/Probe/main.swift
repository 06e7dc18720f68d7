// A plain loop over one dispatch path, for profilers (perf, callgrind): `swift run -c release probe <case> <n>`.
import QCore

final class Sink: QObject { var total = 0; func take(_ v: Int) { total &+= v } }
final class Source: QObject { let value = Signal<Int>() }

let args = CommandLine.arguments
let which = args.count > 1 ? args[1] : "emit1"
let n = args.count > 2 ? Int(args[2])! : 10_000_000
let source = Source(), sink = Sink()
switch which {
case "emit0": break
case "emit1": source.value.connect { [unowned(unsafe) sink] v in sink.total &+= v }
case "method1": source.value.connect(sink, Sink.take)
case "receiver1": source.value.connect(receiver: sink) { s, v in s.take(v) }
case "receiver10": for _ in 0..<10 { source.value.connect(receiver: sink) { s, v in s.take(v) } }
case "emit10": for _ in 0..<10 { source.value.connect { [unowned(unsafe) sink] v in sink.total &+= v } }
case "tree":
    for _ in 0..<(n / 1000) {
        let p = QObject()
        for _ in 0..<1000 { _ = QObject(parent: p) }
        p.delete()
    }
default: break
}
if which != "tree" {
    for i in 0..<n { source.value.emit(i) }
}
print(sink.total)
