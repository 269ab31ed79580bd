// ENVI's ASCII ROI export ("; ENVI Output of ROIs"), the way several public benchmark scenes ship
// their training and test pixels: a header naming each ROI and its point count, one column header
// line, then the points, ROI after ROI (blank lines between them). A point is placed by its 1-based
// pixel columns X and Y when the export has them, else by Map X / Map Y through the scene's
// geotransform. Exports of band values alone cannot be placed and are refused.

import Foundation
import Shared

public enum EnviROIFile {
    static let signature = "; ENVI Output of ROIs"

    /// Whether the file starts like an ENVI ROI ASCII export.
    public static func isROI(_ path: String) -> Bool {
        guard let head = try? FileHeader.read(path: path, count: signature.utf8.count) else { return false }
        return String(decoding: head, as: UTF8.self).lowercased() == signature.lowercased()
    }

    /// The ROIs as a label raster on `grid`: ROI k (in file order) is class k, named after the ROI.
    public static func read(_ path: String, grid: RasterGrid) throws -> LabelRaster {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ReticleError(.io, file: path, "cannot read the ROI file: \(error.localizedDescription)")
        }
        return try parse(String(decoding: data, as: UTF8.self), source: path, grid: grid)
    }

    public static func parse(_ text: String, source: String, grid: RasterGrid) throws -> LabelRaster {
        func bad(_ line: Int?, _ reason: String) -> ReticleError {
            ReticleError(.corrupt, file: source, line.map { "line \($0): \(reason)" } ?? reason)
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces.union(["\r"])) }
        guard let first = lines.first(where: { !$0.isEmpty }), first.lowercased().hasPrefix(signature.lowercased()) else {
            throw bad(nil, "not an ENVI ROI ASCII export (it must start with \"\(signature)\")")
        }
        var names: [String] = [], counts: [Int?] = [], declared: Int?
        var columns: [String]?
        var rows: [(line: Int, values: [Double])] = []
        for (i, line) in lines.enumerated() where !line.isEmpty {
            let number = i + 1
            if line.hasPrefix(";") {
                let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
                guard !body.isEmpty, !body.lowercased().hasPrefix("envi output of rois") else { continue }
                if let v = value(body, "ROI name:") {
                    names.append(v); counts.append(nil)
                } else if let v = value(body, "ROI npts:") {
                    guard !counts.isEmpty else { throw bad(number, "\"ROI npts\" before any \"ROI name\"") }
                    guard let n = Int(v), (0...100_000_000).contains(n) else { throw bad(number, "\"ROI npts: \(v)\" is not a point count") }
                    counts[counts.count - 1] = n
                } else if let v = value(body, "Number of ROIs:") {
                    guard let n = Int(v), n >= 0 else { throw bad(number, "\"Number of ROIs: \(v)\" is not a count") }
                    declared = n
                } else if let v = value(body, "File Dimension:") {
                    let parts = v.lowercased().split(separator: "x").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                    guard parts.count == 2, let s = parts[0], let l = parts[1] else { throw bad(number, "\"File Dimension: \(v)\" is not SAMPLES x LINES") }
                    guard s == grid.samples, l == grid.lines else {
                        throw ReticleError(.usage, file: source, "the ROIs were drawn on a \(s) × \(l) image but the scene is \(grid.samples) × \(grid.lines)")
                    }
                } else if value(body, "ROI ") == nil, value(body, "Description:") == nil, rows.isEmpty {
                    // The column header: multi-word names ("Map X") joined before splitting on blanks.
                    columns = body.replacingOccurrences(of: "Map X", with: "MapX").replacingOccurrences(of: "Map Y", with: "MapY")
                        .split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                }
                continue
            }
            guard let columns else { throw bad(number, "a data row before the column header line (\"; ID X Y ...\")") }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count == columns.count else {
                throw bad(number, "\(fields.count) values for the \(columns.count) columns \(columns.joined(separator: ", "))")
            }
            var values: [Double] = []
            for f in fields {
                guard let v = Double(f), v.isFinite else { throw bad(number, "\"\(f)\" is not a number") }
                values.append(v)
            }
            rows.append((number, values))
        }
        guard !names.isEmpty else { throw bad(nil, "declares no ROI (no \"; ROI name:\" line)") }
        if let declared, declared != names.count { throw bad(nil, "declares \(declared) ROIs but names \(names.count)") }
        if let k = counts.firstIndex(where: { $0 == nil }) { throw bad(nil, "ROI \"\(names[k])\" has no \"; ROI npts:\" line") }
        let points = counts.map { $0! }
        let total = points.reduce(0, +)
        guard rows.count == total else { throw bad(nil, "holds \(rows.count) points but its ROIs declare \(total)") }
        guard let columns else { throw bad(nil, "has no column header line, so its points cannot be placed") }

        let xy = (columns.firstIndex(of: "X"), columns.firstIndex(of: "Y"))
        let map = (columns.firstIndex(of: "MapX"), columns.firstIndex(of: "MapY"))
        guard (xy.0 != nil && xy.1 != nil) || (map.0 != nil && map.1 != nil) else {
            throw ReticleError(.unsupported, file: source, "its columns (\(columns.joined(separator: ", "))) hold no pixel X/Y or Map X/Map Y: "
                               + "export the ROIs again with pixel locations")
        }
        if xy.0 == nil, grid.transform == nil {
            throw ReticleError(.usage, file: source, "places points by map coordinates only, and the scene has no georeferencing")
        }
        var labels = [Int](repeating: 0, count: grid.pixelCount)
        var r = 0
        for (k, n) in points.enumerated() {
            for _ in 0..<n {
                let (number, v) = rows[r]
                r += 1
                let column: Int, row: Int
                if let xi = xy.0, let yi = xy.1 {
                    guard v[xi] == v[xi].rounded(), v[yi] == v[yi].rounded(), abs(v[xi]) < 1e9, abs(v[yi]) < 1e9 else {
                        throw bad(number, "pixel X \(v[xi]), Y \(v[yi]) are not whole numbers")
                    }
                    (column, row) = (Int(v[xi]) - 1, Int(v[yi]) - 1)
                } else {
                    guard let p = grid.transform!.pixel(x: v[map.0!], y: v[map.1!]), abs(p.column) < 1e9, abs(p.row) < 1e9 else {
                        throw bad(number, "map point \(v[map.0!]), \(v[map.1!]) cannot be placed on the scene's grid")
                    }
                    (column, row) = (Int(p.column.rounded(.down)), Int(p.row.rounded(.down)))
                }
                guard (0..<grid.samples).contains(column), (0..<grid.lines).contains(row) else {
                    throw ReticleError(.usage, file: source, "line \(number): ROI \"\(names[k])\" has a point at pixel \(column + 1), \(row + 1) "
                                       + "(1-based), outside the \(grid.samples) × \(grid.lines) scene")
                }
                let pixel = row * grid.samples + column
                if labels[pixel] != 0 && labels[pixel] != k + 1 {
                    throw ReticleError(.usage, file: source, "line \(number): pixel \(column + 1), \(row + 1) (1-based) lies in ROI "
                                       + "\"\(names[labels[pixel] - 1])\" and in ROI \"\(names[k])\"")
                }
                labels[pixel] = k + 1
            }
        }
        return LabelRaster(samples: grid.samples, lines: grid.lines, labels: labels, classNames: names, source: source,
                           transform: grid.transform)
    }

    /// The text after `key` when `body` starts with it (case-insensitive).
    static func value(_ body: String, _ key: String) -> String? {
        guard body.lowercased().hasPrefix(key.lowercased()) else { return nil }
        return body.dropFirst(key.count).trimmingCharacters(in: .whitespaces)
    }
}
