import Foundation

/// What the arrival times and media times of an attempt's checkpoints say, the same way for
/// export's attestation and the server's dashboard. Checkpoints are made on the media clock every
/// interval whatever the network does, so:
/// - a stretch of *media* with none is a recording that was stopped or not checkpointed (a gap);
/// - a checkpoint that *arrived* more than two intervals after its media time said it was made
///   (reckoned from the first one) was queued while offline and sent late, not lost.
public enum CheckpointTimeline {
    public struct Entry: Sendable, Equatable {
        public var sequence: UInt64
        public var received: Date
        public var mediaMicros: UInt64

        public init(sequence: UInt64, received: Date, mediaMicros: UInt64) {
            self.sequence = sequence
            self.received = received
            self.mediaMicros = mediaMicros
        }
    }

    public struct Gap: Sendable, Equatable {
        /// The checkpoint before the gap.
        public var afterSequence: UInt64
        /// Media seconds at either end.
        public var from: Double
        public var to: Double

        public init(afterSequence: UInt64, from: Double, to: Double) {
            self.afterSequence = afterSequence
            self.from = from
            self.to = to
        }
    }

    /// Entries in sequence order; a gap is more than three intervals of media between neighbours.
    public static func gaps(_ entries: [Entry], interval: Double) -> [Gap] {
        zip(entries, entries.dropFirst()).compactMap { previous, next in
            let from = Double(previous.mediaMicros) / 1e6, to = Double(next.mediaMicros) / 1e6
            return to - from > 3 * interval ? Gap(afterSequence: previous.sequence, from: from, to: to) : nil
        }
    }

    /// The entries that reached the server late (queued offline).
    public static func late(_ entries: [Entry], interval: Double) -> [Entry] {
        guard let first = entries.first else { return [] }
        return entries.filter { entry in
            entry.received.timeIntervalSince(first.received) - (Double(entry.mediaMicros) - Double(first.mediaMicros)) / 1e6 > 2 * interval
        }
    }
}
