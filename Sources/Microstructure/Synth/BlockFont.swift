// A 5×7 pixel font for scale-bar labels ("50 µm"): blocky, as microscope software burns
// them in, and enough for lengths in µm.

import Foundation

enum BlockFont {
    static let glyphWidth = 5
    static let glyphHeight = 7

    /// Rows top to bottom, '#' set.
    static let glyphs: [Character: [String]] = [
        "0": [" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "],
        "1": ["  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
        "2": [" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"],
        "3": ["#### ", "    #", "    #", " ### ", "    #", "    #", "#### "],
        "4": ["   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "],
        "5": ["#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "],
        "6": [" ### ", "#    ", "#    ", "#### ", "#   #", "#   #", " ### "],
        "7": ["#####", "    #", "   # ", "  #  ", " #   ", " #   ", " #   "],
        "8": [" ### ", "#   #", "#   #", " ### ", "#   #", "#   #", " ### "],
        "9": [" ### ", "#   #", "#   #", " ####", "    #", "    #", " ### "],
        ".": ["     ", "     ", "     ", "     ", "     ", " ##  ", " ##  "],
        "µ": ["     ", "     ", "#   #", "#   #", "#   #", "#### ", "#    "],
        "m": ["     ", "     ", "## # ", "# # #", "# # #", "# # #", "# # #"],
        " ": ["     ", "     ", "     ", "     ", "     ", "     ", "     "],
    ]

    /// Width in px of `text` at integer `scale` (one blank column between glyphs).
    static func width(of text: String, scale: Int) -> Int {
        let n = text.count
        return n == 0 ? 0 : (n * (glyphWidth + 1) - 1) * scale
    }

    /// Calls `set(x, y)` for every pixel of `text` with its top-left corner at (x0, y0).
    static func draw(_ text: String, x0: Int, y0: Int, scale: Int, set: (Int, Int) -> Void) {
        for (k, ch) in text.enumerated() {
            guard let rows = glyphs[ch] ?? glyphs[" "] else { continue }
            let gx = x0 + k * (glyphWidth + 1) * scale
            for (r, row) in rows.enumerated() {
                for (c, bit) in row.enumerated() where bit == "#" {
                    for dy in 0..<scale { for dx in 0..<scale { set(gx + c * scale + dx, y0 + r * scale + dy) } }
                }
            }
        }
    }
}
