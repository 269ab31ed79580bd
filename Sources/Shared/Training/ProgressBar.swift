// A one-line text progress bar for long runs (training epochs, batch grading),
// redrawn in place with a carriage return; quiet when output is not a terminal.

import Foundation

public struct ProgressBar: Sendable {
    public var width: Int

    public init(width: Int = 30) { self.width = width }

    /// "label [#########.........]  12/40  loss 0.4312" — `done` of `total`, with an optional trailing note.
    public func line(_ label: String, done: Int, total: Int, note: String = "") -> String {
        let fraction = total > 0 ? min(max(Double(done) / Double(total), 0), 1) : 0
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        return "\(label) [\(bar)] \(done)/\(total)" + (note.isEmpty ? "" : "  \(note)")
    }

    /// Redraws the line on standard error when it is a terminal (a newline once `done == total`).
    public func draw(_ label: String, done: Int, total: Int, note: String = "") {
        guard isatty(STDERR_FILENO) != 0 else { return }
        let end = done >= total ? "\n" : ""
        FileHandle.standardError.write(Data(("\r" + line(label, done: done, total: total, note: note) + end).utf8))
    }
}

extension Trainer {
    /// Draws a progress bar per epoch on standard error (terminals only).
    public func showProgress(_ bar: ProgressBar = ProgressBar()) {
        let epochs = config.epochs
        progress = { epoch, batch, batches, loss in
            bar.draw("epoch \(epoch + 1)/\(epochs)", done: batch, total: batches, note: String(format: "loss %.4f", loss))
        }
    }
}
