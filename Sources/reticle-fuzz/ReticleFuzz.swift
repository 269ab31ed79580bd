// `reticle-fuzz`: the fuzz targets of FuzzTargets behind one binary.
//   make fuzz SECONDS=N                       builds it with libFuzzer + AddressSanitizer and runs
//                                             every target (scripts/fuzz)
//   reticle-fuzz list                         the targets
//   reticle-fuzz replay TARGET FILE|DIR...    runs inputs once each, prints how each ended
//   reticle-fuzz seeds DIR                    writes the generated seed corpora (fixtures/fuzz)
// Built with -DFUZZING and RETICLE_FUZZ_TARGET set, `main` hands over to libFuzzer (argv holds
// libFuzzer's flags and corpus folders); without the variable the commands above run, sanitized.

import CSupport
import FuzzTargets
import Foundation

nonisolated(unsafe) private var fuzzTarget: FuzzTarget?
nonisolated(unsafe) private var fuzzScratch: FuzzScratch?

@main
enum ReticleFuzz {
    static func main() {
        #if FUZZING
        if ProcessInfo.processInfo.environment["RETICLE_FUZZ_TARGET"] != nil { runLibFuzzer() }
        #endif
        runCommand(Array(CommandLine.arguments.dropFirst()))
    }

    #if FUZZING
    static func runLibFuzzer() {
        let name = ProcessInfo.processInfo.environment["RETICLE_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget.named(name) else {
            fail("set RETICLE_FUZZ_TARGET to one of: \(FuzzTarget.all.map(\.name).joined(separator: ", "))")
        }
        do { fuzzScratch = try FuzzScratch() } catch { fail("cannot make a scratch folder: \(error)") }
        fuzzTarget = target
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { bytes, count in
            let data = count == 0 ? Data() : Data(bytes: bytes!, count: count)
            fuzzTarget!.run(data, scratch: fuzzScratch!)
            return 0
        })
    }
    #endif

    static func runCommand(_ args: [String]) {
        switch args.first {
        case "list":
            // name, extension, seed folders, summary: tab-separated for scripts/fuzz.
            for t in FuzzTarget.all {
                print([t.name, t.fileExtension ?? "-", t.seedFolders.joined(separator: ","), t.summary].joined(separator: "\t"))
            }
        case "replay" where args.count >= 3:
            guard let target = FuzzTarget.named(args[1]) else { fail("no fuzz target named \(args[1])") }
            do {
                let scratch = try FuzzScratch()
                for file in try FuzzReplay.files(Array(args.dropFirst(2))) {
                    let outcome = FuzzReplay.describe(target.run(try Data(contentsOf: URL(fileURLWithPath: file)), scratch: scratch))
                    print("\(file): \(outcome)")
                }
            } catch { fail("\(error)") }
        case "seeds" where args.count == 2:
            do {
                let written = try FuzzSeeds.write(to: URL(fileURLWithPath: args[1]))
                print("wrote \(written) seeds under \(args[1])")
            } catch { fail("\(error)") }
        default:
            fail("usage: reticle-fuzz list | replay TARGET FILE|DIR... | seeds DIR")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("reticle-fuzz: \(message)\n".utf8))
        exit(1)
    }
}
