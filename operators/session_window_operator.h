// Keyed session windows over event time (session_windows.h). Each event opens the
// window [t, t + gap) and merges it with every window of its key it overlaps; a window
// fires when the watermark passes its end. Lateness works as for sliced windows: an
// event whose merged window ended more than the allowed lateness ago is counted as
// late and dropped; one within the lateness fires its window again.
#pragma once

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "operators/event_time_timers.h"
#include "operators/late_events.h"
#include "operators/require_event_time.h"
#include "operators/session_lane.h"
#include "operators/session_windows.h"
#include "operators/time_window.h"
#include "runtime/batch_pool.h"
#include "runtime/event_time.h"
#include "runtime/operator.h"
#include "runtime/state/in_memory_state_backend.h"
#include "runtime/state/keyed_state_table.h"

namespace sluice {

// A and Finisher as for SlicedWindowOperator.
template <class K, class T, class KeyFn, class A, class Finisher>
class SessionWindowOperator final : public Operator {
 public:
  using Acc = std::decay_t<decltype(std::declval<const A&>().CreateAccumulator())>;
  using R = std::decay_t<
      std::invoke_result_t<const Finisher&, const K&, const TimeWindow&, const Acc&>>;
  using Result = WindowResult<K, R>;

  SessionWindowOperator(KeyFn key_fn, A aggregate, Finisher finish,
                        SessionWindowSpec spec, int64_t allowed_lateness)
      : key_fn_(std::move(key_fn)),
        aggregate_(std::move(aggregate)),
        finish_(std::move(finish)),
        gap_(spec.gap()),
        lateness_(allowed_lateness) {}

  absl::Status Open(const OperatorContext& context) override {
    metrics_ = context.metrics;
    state_.set_key_group_count(context.max_key_groups);
    state_.set_before_snapshot([this] { DrainLane(); });
    state_.set_on_restore([this](const K& key, KeyState& state) {
      state.lane = Lane::kNoEntry;
      state.timer = kNone;
      if (!state.sessions.empty()) Arm(key, state);
    });
    return absl::OkStatus();
  }

  // Per key: its sessions (start, end, accumulator, fired), without timers, which a
  // restore sets again. The operator's watermark is not part of it.
  KeyedStateBackend* keyed_state() override { return &state_; }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    const Batch<T>& in = BatchAs<T>(batch);
    RequireEventTime(in);
    for (size_t i = 0; i < in.items.size(); ++i) Add(in.items[i], in.timestamps[i]);
    keys_.MaybeSweep();
    if (results_) out.Emit(std::move(results_));
    late_.Flush(out);
    if (metrics_ != nullptr) metrics_->SetStateEntries(keys_.live());
  }

  void ProcessWatermark(int64_t watermark, Output& out) override {
    if (watermark <= watermark_) return;
    watermark_ = watermark;
    lane_.PopDue(watermark_, [&](const typename Lane::Entry& e) {
      EmitResult(e.key, Session{e.start, e.end, e.acc});
    });
    timers_.PopDue(watermark_, [&](const K& key, int64_t time) { Advance(key, time); });
    ForgetFiredLaneSessions();
    keys_.MaybeSweep();
    if (results_) out.Emit(std::move(results_));
    if (metrics_ != nullptr) metrics_->SetStateEntries(keys_.live());
    out.EmitControl(ElementKind::kWatermark, watermark);
  }

 private:
  static constexpr int64_t kNone = kMaxWatermark;

  struct Session {
    int64_t start;
    int64_t end;
    Acc acc;
    bool fired = false;

    auto Fields() { return std::tie(start, end, acc, fired); }
  };
  using Lane = SessionLane<K, Acc>;
  struct KeyState {
    // The key's session in lane_, if it has just one, in order (then `sessions` is
    // empty and there is no timer). Names a fired entry until the next sweep.
    uint64_t lane = Lane::kNoEntry;
    // Otherwise: sorted by start, never overlapping.
    absl::InlinedVector<Session, 1> sessions;
    // The one valid timer of this key (others in timers_ are stale), or kNone.
    int64_t timer = kNone;

    bool empty() const {
      return lane == Lane::kNoEntry && sessions.empty() && timer == kNone;
    }
    // Snapshotted after DrainLane, so every session is in `sessions`.
    auto Fields() { return std::tie(sessions); }
  };

  bool Late(int64_t end) const {
    return watermark_ != kMinWatermark && end - 1 + lateness_ <= watermark_;
  }

  void Add(const T& item, int64_t timestamp) {
    K key = key_fn_(item);
    KeyState& state = keys_[key];
    if (state.lane != Lane::kNoEntry && AddToLane(key, state, item, timestamp)) return;
    auto& sessions = state.sessions;
    // The common case, in-order events: the event falls in the key's latest session
    // and only extends it.
    if (!sessions.empty() && !sessions.back().fired &&
        sessions.back().start <= timestamp && timestamp < sessions.back().end) {
      Session& last = sessions.back();
      aggregate_.Add(last.acc, item);
      if (timestamp + gap_ > last.end) {
        last.end = timestamp + gap_;
        // A lone session moves its timer now: in time order, so the timer goes to
        // the cheap FIFO run (the old one is left stale). With several sessions the
        // earliest one's timer stands and re-arms when it fires.
        if (sessions.size() == 1) {
          state.timer = last.end - 1;
          timers_.Add(state.timer, key);
        }
      }
      return;
    }
    // Also common: an in-order event after the key's last session starts a new one,
    // in the lane if the key has no other.
    if (lateness_ == 0 && sessions.empty() && state.timer == kNone &&
        !Late(timestamp + gap_)) {
      if (int fifo = lane_.FifoFor(timestamp + gap_); fifo >= 0) {
        Acc acc = aggregate_.CreateAccumulator();
        aggregate_.Add(acc, item);
        state.lane = lane_.Append(fifo, key, timestamp, timestamp + gap_, std::move(acc));
        return;
      }
    }
    if ((sessions.empty() || timestamp >= sessions.back().end) &&
        !Late(timestamp + gap_)) {
      Session& fresh = sessions.emplace_back(
          Session{timestamp, timestamp + gap_, aggregate_.CreateAccumulator()});
      aggregate_.Add(fresh.acc, item);
      if (fresh.end - 1 <= watermark_) {
        EmitResult(key, fresh);  // a late firing, within the allowed lateness
        fresh.fired = true;
      }
      Arm(key, state);
      return;
    }
    Session merged{timestamp, timestamp + gap_, aggregate_.CreateAccumulator()};
    aggregate_.Add(merged.acc, item);
    // Sessions overlapping [t, t + gap) form one contiguous run in start order. Merely
    // touching windows stay apart: a session [s, e) is then complete once the
    // watermark reaches e - 1, whenever the next event comes.
    auto first =
        std::lower_bound(sessions.begin(), sessions.end(), merged.start,
                         [](const Session& s, int64_t start) { return s.end <= start; });
    auto last = first;
    while (last != sessions.end() && last->start < merged.end) ++last;
    if (first != last) {
      // Merge in start order, the new event's window in its place.
      Acc acc = aggregate_.CreateAccumulator();
      bool added = false;
      for (auto it = first; it != last; ++it) {
        if (!added && merged.start < it->start) {
          aggregate_.Merge(acc, merged.acc);
          added = true;
        }
        aggregate_.Merge(acc, it->acc);
      }
      if (!added) aggregate_.Merge(acc, merged.acc);
      merged = Session{std::min(first->start, merged.start),
                       std::max((last - 1)->end, merged.end), std::move(acc)};
    }
    if (Late(merged.end)) {
      if (metrics_ != nullptr) metrics_->late_records.Add(1);
      late_.Add(item, timestamp);
      if (state.empty()) keys_.Emptied(keys_.find(key));
      return;  // the sessions it touched are left as they were
    }
    auto at = sessions.erase(first, last);
    at = sessions.insert(at, std::move(merged));
    if (at->end - 1 <= watermark_) {
      EmitResult(key, *at);  // a late firing, within the allowed lateness
      at->fired = true;
    }
    Arm(key, state);
  }

  // Adds an event to a key whose session is in the lane; false if the key needs the
  // general path instead (its session then moved out of the lane).
  bool AddToLane(const K& key, KeyState& state, const T& item, int64_t timestamp) {
    typename Lane::Entry* entry = lane_.Find(state.lane);
    if (entry == nullptr) {  // fired: the key starts afresh
      state.lane = Lane::kNoEntry;
      return false;
    }
    if (entry->start <= timestamp && timestamp < entry->end) {
      aggregate_.Add(entry->acc, item);
      const int64_t end = timestamp + gap_;
      if (end <= entry->end) return true;
      if (int fifo = lane_.FifoFor(end); fifo >= 0) {  // grown: re-queued at its end
        typename Lane::Entry moved = lane_.Take(state.lane);
        state.lane = lane_.Append(fifo, key, moved.start, end, std::move(moved.acc));
        return true;
      }
      typename Lane::Entry moved = lane_.Take(state.lane);
      state.lane = Lane::kNoEntry;
      state.sessions.push_back(Session{moved.start, end, std::move(moved.acc)});
      Arm(key, state);
      return true;
    }
    // Before the session, or a second one after it: the general path.
    typename Lane::Entry moved = lane_.Take(state.lane);
    state.lane = Lane::kNoEntry;
    state.sessions.push_back(Session{moved.start, moved.end, std::move(moved.acc)});
    Arm(key, state);
    return false;
  }

  // Moves every lane session to its key's session list (before a snapshot, whose
  // entries are per key); they return to the lane as they fire.
  void DrainLane() {
    for (auto it = keys_.begin(); it != keys_.end(); ++it) {
      KeyState& state = it->second;
      if (state.lane == Lane::kNoEntry) continue;
      if (lane_.Find(state.lane) != nullptr) {
        typename Lane::Entry moved = lane_.Take(state.lane);
        state.sessions.insert(state.sessions.begin(),
                              Session{moved.start, moved.end, std::move(moved.acc)});
        state.lane = Lane::kNoEntry;
        Arm(it->first, state);
      } else {
        state.lane = Lane::kNoEntry;
        if (state.empty()) keys_.Emptied(it);
      }
    }
  }

  // Keys whose lane session fired still name it; after several firings per key,
  // clear those names and let the table sweep keys left with nothing. (Keys that
  // come back soon are better left in place: the pass over the table misses the
  // cache on every key.)
  void ForgetFiredLaneSessions() {
    fired_in_lane_ += lane_.TakeFiredCount();
    if (fired_in_lane_ < 4096 || fired_in_lane_ < 4 * keys_.live()) return;
    fired_in_lane_ = 0;
    for (auto it = keys_.begin(); it != keys_.end(); ++it) {
      KeyState& state = it->second;
      if (state.lane == Lane::kNoEntry || lane_.Find(state.lane) != nullptr) continue;
      state.lane = Lane::kNoEntry;
      if (state.empty()) keys_.Emptied(it);
    }
  }

  // The time the key needs attention next: a session's end - 1 to fire it, or a fired
  // session's end - 1 + lateness to drop it.
  static int64_t NextDue(const KeyState& state, int64_t lateness) {
    int64_t due = kNone;
    for (const Session& s : state.sessions) {
      due = std::min(due, s.fired ? s.end - 1 + lateness : s.end - 1);
    }
    return due;
  }

  void Arm(const K& key, KeyState& state) {
    int64_t due = NextDue(state, lateness_);
    if (due >= state.timer) return;  // the pending timer comes first and re-arms
    state.timer = due;
    timers_.Add(due, key);
  }

  // Fires the key's due sessions, drops the expired ones and re-arms.
  void Advance(const K& key, int64_t time) {
    auto it = keys_.find(key);
    if (it == keys_.end() || it->second.timer != time) return;  // stale
    KeyState& state = it->second;
    state.timer = kNone;
    auto& sessions = state.sessions;
    if (sessions.size() == 1 && lateness_ == 0 && !sessions[0].fired &&
        sessions[0].end - 1 <= watermark_) {
      // The common case: a key's lone session ends and is gone at once.
      EmitResult(key, sessions[0]);
      sessions.clear();
      if (sessions.capacity() > 1) sessions.shrink_to_fit();
      keys_.Emptied(it);
      return;
    }
    for (Session& session : sessions) {
      if (session.fired || session.end - 1 > watermark_) continue;
      EmitResult(key, session);
      session.fired = true;
    }
    sessions.erase(
        std::remove_if(sessions.begin(), sessions.end(),
                       [&](const Session& s) { return s.fired && Late(s.end); }),
        sessions.end());
    // Back to inline storage once a key is down to one session: a heap block per
    // key would cost a cache miss on every event of the key.
    if (sessions.size() <= 1 && sessions.capacity() > 1) sessions.shrink_to_fit();
    if (sessions.empty()) {
      keys_.Emptied(it);
    } else {
      Arm(key, state);
    }
  }

  void EmitResult(const K& key, const Session& session) {
    if (!results_) results_ = AcquireBatch<Result>();
    Batch<Result>& batch = BatchAs<Result>(results_);
    TimeWindow window{session.start, session.end};
    batch.items.push_back(
        Result{key, session.start, session.end, finish_(key, window, session.acc)});
    batch.timestamps.push_back(window.max_timestamp());
  }

  KeyFn key_fn_;
  A aggregate_;
  Finisher finish_;
  int64_t gap_;
  int64_t lateness_;
  OperatorMetrics* metrics_ = nullptr;
  int64_t watermark_ = kMinWatermark;
  InMemoryStateBackend<K, KeyState> state_;
  KeyedStateTable<K, KeyState>& keys_ = state_.table();
  EventTimeTimers<K> timers_;
  Lane lane_;  // lone in-order sessions (without allowed lateness)
  size_t fired_in_lane_ = 0;
  BatchPtr results_;
  LateEvents<T> late_;
};

}  // namespace sluice
