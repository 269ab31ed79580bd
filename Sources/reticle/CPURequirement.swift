// The Swift hot code and the C kernels are compiled for x86-64-v3 (AVX2, FMA, BMI1/2, F16C,
// MOVBE); the AVX-512 kernels are chosen at run time. On an older CPU the first kernel would die
// on SIGILL, so `main` checks first, in this target (built for the x86-64 baseline), and says why.
import Foundation

enum CPURequirement {
    /// The /proc/cpuinfo flags x86-64-v3 needs (LZCNT shows as "abm").
    static let flags = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "abm"]

    /// The required flags missing from a /proc/cpuinfo text; empty when it lists no flags at all (not known).
    static func missing(cpuinfo: String) -> [String] {
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        let present = Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        return flags.filter { !present.contains($0) }
    }

    /// Exits with status 1 and a clear message when this CPU cannot run Reticle's code.
    /// RETICLE_CPUINFO names another file to read instead of /proc/cpuinfo (tests).
    static func check() {
        let path = ProcessInfo.processInfo.environment["RETICLE_CPUINFO"] ?? "/proc/cpuinfo"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let lacking = missing(cpuinfo: text)
        guard !lacking.isEmpty else { return }
        FileHandle.standardError.write(Data("""
            reticle: this CPU lacks \(lacking.joined(separator: ", ")); Reticle needs an x86-64-v3 CPU \
            (AVX2 and FMA: Intel Haswell, AMD Excavator / Zen or later).

            """.utf8))
        exit(1)
    }
}
