import Foundation

/// Where one student's suspicion score sits in the class (documented in docs/export.md):
/// a z-score against the class mean and (population) standard deviation, and a mid-rank
/// percentile (the share of the class scoring lower, ties counted half), so one outlier in a
/// quiet class stands out even when its absolute score is modest.
public struct ClassStanding: Sendable, Codable, Equatable {
    /// 1 is the most suspicious; tied scores share the better rank.
    public var rank: Int
    public var classSize: Int
    /// nil when the class has fewer than 3 students or every score is equal: a z-score over
    /// two values or zero spread says nothing.
    public var zScore: Double?
    public var percentile: Double

    public init(rank: Int, classSize: Int, zScore: Double?, percentile: Double) {
        self.rank = rank
        self.classSize = classSize
        self.zScore = zScore
        self.percentile = percentile
    }

    /// Standings for `scores`, in the same order.
    public static func compute(_ scores: [Double]) -> [ClassStanding] {
        let n = Double(scores.count)
        guard n > 0 else { return [] }
        let mean = scores.reduce(0, +) / n
        let deviation = (scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
        let meaningful = scores.count >= 3 && deviation > 1e-9
        return scores.map { score in
            let lower = Double(scores.filter { $0 < score }.count)
            let equal = Double(scores.filter { $0 == score }.count)
            return ClassStanding(rank: scores.filter { $0 > score }.count + 1, classSize: scores.count,
                                 zScore: meaningful ? (score - mean) / deviation : nil,
                                 percentile: 100 * (lower + 0.5 * equal) / n)
        }
    }
}
