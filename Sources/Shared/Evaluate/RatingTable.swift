// One label's round-robin ratings: which category each rater gave each image, with gaps
// where a rater did not rate an image. Categories are kept in order (it matters for
// ordinal labels: a tumour grade, a steel's needle-length class).

import Foundation

public struct RatingTable: Equatable, Sendable {
    /// Images (units of analysis), in first-seen order.
    public let units: [String]
    /// Raters (and possibly the model), in first-seen order.
    public let raters: [String]
    /// Category names, lowest first for ordinal labels.
    public let categories: [String]
    /// `codes[unit][rater]`: index into `categories`, nil when that rater did not rate that unit.
    public let codes: [[Int?]]

    /// - Throws: `ReticleError(.usage)` unless `codes` is `units.count × raters.count` and every
    ///   code indexes `categories`.
    public init(units: [String], raters: [String], categories: [String], codes: [[Int?]]) throws {
        guard codes.count == units.count && codes.allSatisfy({ $0.count == raters.count }) else {
            throw ReticleError(.usage, "rating table: codes must be \(units.count) units × \(raters.count) raters")
        }
        guard codes.allSatisfy({ $0.allSatisfy { $0 == nil || categories.indices.contains($0!) } }) else {
            throw ReticleError(.usage, "rating table: a code is outside the \(categories.count) categories")
        }
        self.init(checkedUnits: units, raters: raters, categories: categories, codes: codes)
    }

    private init(checkedUnits units: [String], raters: [String], categories: [String], codes: [[Int?]]) {
        self.units = units
        self.raters = raters
        self.categories = categories
        self.codes = codes
    }

    /// Builds the table from (unit, rater, category) triples; `categories` fixes the order
    /// (default: `RatingTable.naturalOrder` of the values seen). A later triple for the same
    /// unit and rater replaces an earlier one.
    /// - Throws: `ReticleError(.usage)` when a category is not in the given order.
    public init(ratings: [(unit: String, rater: String, category: String)], categories: [String]? = nil) throws {
        var units: [String] = [], raters: [String] = []
        var unitIndex: [String: Int] = [:], raterIndex: [String: Int] = [:]
        for r in ratings {
            if unitIndex[r.unit] == nil { unitIndex[r.unit] = units.count; units.append(r.unit) }
            if raterIndex[r.rater] == nil { raterIndex[r.rater] = raters.count; raters.append(r.rater) }
        }
        let order = categories ?? Self.naturalOrder(Array(Set(ratings.map(\.category))))
        let categoryIndex = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var codes = [[Int?]](repeating: [Int?](repeating: nil, count: raters.count), count: units.count)
        for r in ratings {
            guard let c = categoryIndex[r.category] else {
                throw ReticleError(.usage, "rating table: category '\(r.category)' is not one of \(order.joined(separator: ", "))")
            }
            codes[unitIndex[r.unit]!][raterIndex[r.rater]!] = c
        }
        self.init(checkedUnits: units, raters: raters, categories: order, codes: codes)
    }

    /// A table from a units × raters matrix of codes (nil for missing), categories named "0", "1", ...
    /// unless given.
    /// - Throws: `ReticleError(.usage)` for ragged rows or codes outside the categories.
    public init(matrix: [[Int?]], categories: [String]? = nil) throws {
        let count = (matrix.flatMap { $0 }.compactMap { $0 }.max() ?? -1) + 1
        try self.init(units: matrix.indices.map { "unit \($0 + 1)" },
                  raters: (matrix.first ?? []).indices.map { "rater \($0 + 1)" },
                  categories: categories ?? (0..<count).map(String.init), codes: matrix)
    }

    /// One rater's codes, unit by unit.
    public func column(_ rater: Int) -> [Int?] { codes.map { $0[rater] } }

    /// The table without the given raters (e.g. the model, for human-only statistics).
    public func removing(raters names: Set<String>) -> RatingTable {
        let keep = raters.indices.filter { !names.contains(raters[$0]) }
        return RatingTable(checkedUnits: units, raters: keep.map { raters[$0] }, categories: categories,
                           codes: codes.map { row in keep.map { row[$0] } })
    }

    /// Numbers in numeric order when every value is a number; otherwise text with runs of digits
    /// compared as numbers ("N2" before "N10"), so house scales sort as people read them.
    public static func naturalOrder(_ values: [String]) -> [String] {
        let numbers = values.compactMap { Double($0) }
        if numbers.count == values.count {
            return values.sorted { Double($0)! < Double($1)! || (Double($0)! == Double($1)! && $0 < $1) }
        }
        return values.sorted { $0.compare($1, options: [.numeric, .caseInsensitive]) == .orderedAscending || ($0.compare($1, options: [.numeric, .caseInsensitive]) == .orderedSame && $0 < $1) }
    }
}
