// Progress of long work on stderr (batch runs, data synthesis, training steps): a
// redrawn bar on a terminal, a quiet line every so often otherwise (CI logs, files),
// nothing with --quiet. The one progress display of the package.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class ProgressReporter: @unchecked Sendable {
    public enum Mode: Sendable {
        case bar, lines, quiet
        /// A bar when stderr is a terminal, plain lines otherwise.
        public static func automatic(quiet: Bool) -> Mode {
            quiet ? .quiet : (isatty(STDERR_FILENO) == 1 ? .bar : .lines)
        }
    }

    public let mode: Mode
    public let label: String
    public let total: Int
    private let lock = NSLock()
    private var done = 0
    private var failed = 0
    private var note = ""
    private let started = Date()
    private var lastPrint = Date.distantPast
    private var lastPrintedDone = -1
    private let write: @Sendable (String) -> Void

    /// - Parameter write: where text goes (stderr by default; tests capture it).
    public init(label: String, total: Int, mode: Mode,
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.label = label
        self.total = total
        self.mode = mode
        self.write = write
    }

    /// One item finished; `failed` counts it as an error; `note` (e.g. "loss 0.43") is shown after the counts
    /// until the next one replaces it.
    public func advance(failed itemFailed: Bool = false, note newNote: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if itemFailed { failed += 1 }
        if let newNote { note = newNote }
        let now = Date()
        switch mode {
        case .quiet: return
        case .bar:
            if now.timeIntervalSince(lastPrint) >= 0.1 || done == total {
                write("\r" + barLine(now: now))
                lastPrint = now
            }
        case .lines:
            // At each 10 % step but at most once a second, and at least every 15 seconds,
            // so a CI log gets a few lines for a long batch and none for a quick one.
            let step = max(1, total / 10)
            let sinceLast = now.timeIntervalSince(lastPrint == .distantPast ? started : lastPrint)
            if (done % step == 0 && sinceLast >= 1) || sinceLast >= 15 {
                write(textLine(now: now) + "\n")
                lastPrint = now
                lastPrintedDone = done
            }
        }
    }

    /// Ends the bar's line.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        if mode == .bar && done > 0 { write("\n") }
        // The closing line only for runs long enough to have printed, or to be worth a line.
        if mode == .lines && done != lastPrintedDone && done > 0
            && (lastPrintedDone >= 0 || Date().timeIntervalSince(started) >= 2) {
            write(textLine(now: Date()) + "\n")
        }
    }

    func barLine(now: Date) -> String {
        let width = 28
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        return "\(label) \(bar) \(done)/\(total) \(rateText(now: now))" + (failed > 0 ? " \(failed) failed" : "")
            + (note.isEmpty ? "" : "  \(note)") + "   "
    }

    func textLine(now: Date) -> String {
        let pct = total > 0 ? 100 * done / total : 100
        return "\(label): \(done)/\(total) (\(pct)%) \(rateText(now: now))" + (failed > 0 ? ", \(failed) failed" : "") + (note.isEmpty ? "" : ", \(note)")
    }

    func rateText(now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(started), 1e-6)
        let rate = Double(done) / elapsed
        let rateText = rate >= 10 ? String(format: "%.0f/s", rate) : String(format: "%.2f/s", rate)
        guard done < total, rate > 0 else { return "\(rateText), \(Self.clock(elapsed))" }
        return "\(rateText), ETA \(Self.clock(Double(total - done) / rate))"
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }
}
