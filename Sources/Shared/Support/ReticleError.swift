// Errors that reach a user: each names the file (when there is one) and the reason.

import Foundation

public struct ReticleError: Error, LocalizedError, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// The file is not of a kind Reticle reads.
        case unsupported
        /// The file claims to be of a known kind but its contents are inconsistent or cut short.
        case corrupt
        /// The file could not be opened or read from disk.
        case io
        /// The user asked for something inconsistent.
        case usage
        /// Calibration is missing or contradictory.
        case calibration
    }

    public let kind: Kind
    public let file: String?
    public let reason: String

    public init(_ kind: Kind, file: String? = nil, _ reason: String) {
        self.kind = kind
        self.file = file
        self.reason = reason
    }

    public var description: String { file.map { "\($0): \(reason)" } ?? reason }
    public var errorDescription: String? { description }

    /// The same error attributed to `file` (when it did not name one yet).
    public func naming(_ file: String) -> ReticleError {
        self.file == nil ? ReticleError(kind, file: file, reason) : self
    }
}

extension Error {
    /// Message for an error row: the file once, then the reason.
    public func reticleMessage(file: String) -> String {
        if let r = self as? ReticleError { return r.naming(file).description }
        let text = (self as? LocalizedError)?.errorDescription ?? String(describing: self)
        return "\(file): \(text)"
    }
}
