// The lone, in-order sessions of a session-window operator, in a few FIFOs each
// ordered by end. An in-order stream gives most keys one open session at a time, ending
// in the order the sessions were last extended; keeping those sessions here rather than
// in the key's hash-map entry lets the watermark fire them by reading the FIFO front to
// back: no per-key timer and no hash lookup per firing. A session that grows is
// appended again with its new end and its old entry is marked dead; the key's entry
// in the operator's table holds the sequence number of its live entry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace sluice {

template <class K, class Acc>
class SessionLane {
 public:
  static constexpr uint64_t kNoEntry = std::numeric_limits<uint64_t>::max();

  struct Entry {
    K key;
    int64_t start;
    int64_t end;
    Acc acc;
    bool dead = false;
  };

  // The FIFO a session ending at `end` can join without breaking its end order (the
  // one whose last end is closest below: several upstream instances each deliver
  // an in-order stream), or -1.
  int FifoFor(int64_t end) const {
    // The common case: in order, at or after every FIFO's last end.
    if (latest_ >= 0 && !fifos_[latest_].empty() && end >= fifos_[latest_].back_end()) {
      return latest_;
    }
    int best = -1;
    int idle = -1;
    for (int i = 0; i < kFifos; ++i) {
      const Fifo& fifo = fifos_[i];
      if (fifo.empty()) {
        if (idle < 0) idle = i;
      } else if (end >= fifo.back_end() &&
                 (best < 0 || fifo.back_end() > fifos_[best].back_end())) {
        best = i;
      }
    }
    return best >= 0 ? best : idle;
  }
  // Appends a session to FIFO `fifo` (from FifoFor) and returns its sequence number.
  uint64_t Append(int fifo, K key, int64_t start, int64_t end, Acc acc) {
    Fifo& f = fifos_[fifo];
    f.entries.push_back(Entry{std::move(key), start, end, std::move(acc)});
    ++live_;
    if (latest_ >= 0 && !fifos_[latest_].empty()) {
      if (end >= fifos_[latest_].back_end()) latest_ = fifo;
    } else {
      latest_ = fifo;  // rare: latest_ had emptied, or none yet
      for (int i = 0; i < kFifos; ++i) {
        if (!fifos_[i].empty() && fifos_[i].back_end() > fifos_[latest_].back_end())
          latest_ = i;
      }
    }
    return (static_cast<uint64_t>(fifo) << kFifoShift) | (f.base + f.entries.size() - 1);
  }

  // The live entry `seq`, or nullptr once it fired or was moved out.
  Entry* Find(uint64_t seq) {
    if (seq == kNoEntry) return nullptr;
    Fifo& f = fifos_[seq >> kFifoShift];
    const uint64_t local = seq & kLocalMask;
    if (local < f.base + f.head || local - f.base >= f.entries.size()) return nullptr;
    Entry& entry = f.entries[local - f.base];
    return entry.dead ? nullptr : &entry;
  }
  // Takes a live session out of the lane (it grew, or its key now needs the general
  // path) and returns it.
  Entry Take(uint64_t seq) {
    Fifo& f = fifos_[seq >> kFifoShift];
    Entry& entry = f.entries[(seq & kLocalMask) - f.base];
    entry.dead = true;
    --live_;
    return std::move(entry);  // a dead entry's fields are never read again
  }

  // Calls fn(entry) for each live session with end - 1 <= watermark, each FIFO in
  // end order, and drops them.
  template <class Fn>
  void PopDue(int64_t watermark, Fn&& fn) {
    for (Fifo& f : fifos_) {
      while (f.head < f.entries.size() && f.entries[f.head].end - 1 <= watermark) {
        Entry& entry = f.entries[f.head++];
        if (entry.dead) continue;
        --live_;
        ++fired_;
        fn(entry);
      }
      f.Compact();
    }
  }

  size_t live() const { return live_; }
  // Sessions fired since the last call: keys in the operator's table may still name
  // them.
  size_t TakeFiredCount() { return std::exchange(fired_, 0); }

 private:
  static constexpr int kFifos = 4;
  static constexpr int kFifoShift = 60;
  static constexpr uint64_t kLocalMask = (uint64_t{1} << kFifoShift) - 1;

  struct Fifo {
    std::vector<Entry> entries;  // ends non-decreasing from head
    size_t head = 0;
    uint64_t base = 0;  // the local sequence number of entries[0]

    bool empty() const { return head == entries.size(); }
    int64_t back_end() const { return entries.back().end; }
    // Drops the popped prefix once it is most of the vector.
    void Compact() {
      if (empty()) {
        base += head;
        entries.clear();
        head = 0;
      } else if (head > 4096 && head * 2 > entries.size()) {
        entries.erase(entries.begin(), entries.begin() + static_cast<ptrdiff_t>(head));
        base += head;
        head = 0;
      }
    }
  };

  Fifo fifos_[kFifos];
  int latest_ = -1;  // the non-empty FIFO with the latest last end, if any
  size_t live_ = 0;
  size_t fired_ = 0;
};

}  // namespace sluice
