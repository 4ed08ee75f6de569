import ProctorModel

/// The hand-over from capture threads to the pipeline thread. Audio waits for room
/// (back-pressure: audio is never dropped); a video frame that finds the queue full is dropped
/// and counted, because a late picture is worth less than a stalled microphone.
final class BoundedQueue: Sendable {
    private struct State {
        var items: [Captured] = []
        var head = 0
        var closed = false
        var droppedVideo = 0
        var waiting: Int { items.count - head }
    }

    private let state = ConditionLock(State())
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Returns false if the item was dropped (video only) or the queue is closed.
    @discardableResult
    func push(_ item: Captured) -> Bool {
        let isVideo = if case .video = item { true } else { false }
        // Video never waits: it finds room below `capacity` or is dropped.
        return state.withLock(when: { isVideo || $0.closed || $0.waiting < capacity * 2 }) { state in
            guard !state.closed else { return false }
            if isVideo, state.waiting >= capacity {
                state.droppedVideo += 1
                return false
            }
            state.items.append(item)
            return true
        }
    }

    /// Blocks until an item arrives; nil once closed and empty.
    func pop() -> Captured? {
        state.withLock(when: { $0.waiting > 0 || $0.closed }) { state in
            guard state.head < state.items.count else { return nil }
            let item = state.items[state.head]
            state.head += 1
            if state.head > 64, state.head * 2 > state.items.count {
                state.items.removeFirst(state.head)
                state.head = 0
            }
            return item
        }
    }

    /// No more pushes; `pop` drains what is left and then returns nil.
    func close() {
        state.withLock { $0.closed = true }
    }

    var droppedCount: Int { state.withLock { $0.droppedVideo } }
}
