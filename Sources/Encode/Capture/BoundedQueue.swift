import Foundation

/// The hand-over from capture threads to the pipeline thread. Audio waits for room
/// (back-pressure: audio is never dropped); a video frame that finds the queue full is dropped
/// and counted, because a late picture is worth less than a stalled microphone.
final class BoundedQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Captured] = []
    private var head = 0
    private let capacity: Int
    private var closed = false
    private(set) var droppedVideo = 0

    init(capacity: Int) { self.capacity = capacity }

    /// Returns false if the item was dropped (video only) or the queue is closed.
    @discardableResult
    func push(_ item: Captured) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if case .video = item, items.count - head >= capacity {
            droppedVideo += 1
            return false
        }
        while !closed, items.count - head >= capacity * 2 { condition.wait() }
        guard !closed else { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Blocks until an item arrives; nil once closed and empty.
    func pop() -> Captured? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count, !closed { condition.wait() }
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head > 64, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }

    /// No more pushes; `pop` drains what is left and then returns nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    var droppedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return droppedVideo
    }
}
