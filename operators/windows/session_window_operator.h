// Keyed session windows over event time (session_windows.h). Each event opens the
// window [t, t + gap) and merges it with every window of its key it overlaps; a window
// fires when the watermark passes its end. Lateness works as for sliced windows: an
// event whose merged window ended more than the allowed lateness ago is counted as
// late and dropped; one within the lateness fires its window again.
//
// Sessions end at INT64_MAX at the latest (session_windows.h), and lateness adds to a
// session's end saturating: a fired session whose lateness runs to INT64_MAX needs no
// timer (kNone), as it is kept until the end of input.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/container/inlined_vector.h"
#include "sluice/operators/require_event_time.h"
#include "sluice/operators/structures/event_time_timers.h"
#include "sluice/operators/structures/session_lane.h"
#include "sluice/operators/windows/late_events.h"
#include "sluice/operators/windows/session_merge.h"
#include "sluice/operators/windows/session_windows.h"
#include "sluice/operators/windows/time_window.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/operator_error.h"
#include "sluice/runtime/state/in_memory_state_backend.h"
#include "sluice/runtime/state/keyed_state_table.h"

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
        spec_(spec),
        lateness_(allowed_lateness) {}

  absl::Status Open(const OperatorContext& context) override {
    metrics_ = context.metrics;
    state_.set_key_group_count(context.max_key_groups);
    state_.set_before_snapshot([this] { DrainLane(); });
    state_.set_on_restore([this](const K& key, KeyState& state) {
      state.lane = state.older = kNoEntry;
      if (!state.more) return;
      state.more->timer = kNone;
      if (state.more->sessions.empty()) {
        state.more.reset();
      } else {
        Arm(key, state);
      }
    });
    return absl::OkStatus();
  }

  // Per key: its sessions (start, end, accumulator, fired), without timers, which a
  // restore sets again. The operator's watermark is not part of it.
  KeyedStateBackend* keyed_state() override { return &state_; }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    const Batch<T>& in = BatchAs<T>(batch);
    RequireEventTime(in);
    const size_t n = in.items.size();
    for (size_t i = 0; i < n; ++i) {
      // Only for plain keys: the key function runs twice, and a key built as a
      // string, say, would cost more than the miss.
      if constexpr (std::is_trivially_copyable_v<K> && sizeof(K) <= 16) {
        if (i + kPrefetchAhead < n) keys_.Prefetch(key_fn_(in.items[i + kPrefetchAhead]));
      }
      Add(in.items[i], in.timestamps[i]);
    }
    keys_.MaybeSweep();
    if (results_) out.Emit(std::move(results_));
    late_.Flush(out);
    if (metrics_ != nullptr) metrics_->SetStateEntries(keys_.live());
  }

  void ProcessWatermark(int64_t watermark, Output& out) override {
    if (watermark <= watermark_) return;
    watermark_ = watermark;
    lane_.PopDue(watermark_, [&](const typename Lane::Entry& e) {
      EmitResult(e.key, e.start, e.end, e.acc);
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
  // Events ahead whose key slot is prefetched: the slot's cache miss was a fifth of
  // the operator's time (t1 +11% with it).
  static constexpr size_t kPrefetchAhead = 8;

  struct Session {
    int64_t start;
    int64_t end;
    Acc acc;
    bool fired = false;

    auto Fields() { return std::tie(start, end, acc, fired); }
  };
  using Lane = SessionLane<K, Acc>;
  static constexpr uint64_t kNoEntry = Lane::kNoEntry;
  // A key's sessions on the general path: out-of-order events, several open sessions,
  // allowed lateness.
  struct Overflow {
    absl::InlinedVector<Session, 2> sessions;  // sorted by start, never overlapping
    // The one valid timer of this key (others in timers_ are stale), or kNone.
    int64_t timer = kNone;

    auto Fields() { return std::tie(sessions); }
  };
  struct KeyState {
    // An in-order key's sessions are in lane_: `lane` names its latest, `older` one
    // that ended before the latest began and fires on its own (the watermark trails
    // the events, so a key's next session can start before its last one fired).
    // Either may name a fired entry until the next sweep.
    uint64_t lane = kNoEntry;
    uint64_t older = kNoEntry;
    // Otherwise (then both names are empty) the general path. It is kept out of line
    // so that a slot of the table is 32 bytes for an 8-byte key: one cache line per
    // event, where a 64-byte slot straddled two.
    std::unique_ptr<Overflow> more;

    bool empty() const { return lane == kNoEntry && older == kNoEntry && !more; }
    // Snapshotted after DrainLane, so every session is in `more`.
    auto Fields() { return std::tie(more); }
  };

  bool Late(int64_t end) const {
    return watermark_ != kMinWatermark && SaturatingAdd(end - 1, lateness_) <= watermark_;
  }

  void Add(const T& item, int64_t timestamp) {
    if (!spec_.Representable(timestamp)) throw OperatorError(spec_.OutOfRange(timestamp));
    K key = key_fn_(item);
    KeyState& state = keys_[key];
    if (!state.more && AddToLane(key, state, item, timestamp)) return;
    AddToOverflow(key, state, item, timestamp);
  }

  // Adds the event of a key without general-path state to the lane; false if the
  // key needs the general path instead (its lane sessions then moved there).
  bool AddToLane(const K& key, KeyState& state, const T& item, int64_t timestamp) {
    if (lateness_ != 0) return false;
    const int64_t end = spec_.EndOf(timestamp);
    // The common case, in-order events: the event falls in the key's latest session.
    typename Lane::Entry* latest = lane_.Find(state.lane);
    if (latest != nullptr && latest->start <= timestamp && timestamp < latest->end) {
      return Grow(key, state.lane, *latest, item, end, kNone) ||
             MoveToOverflow(key, state);
    }
    if (latest == nullptr) state.lane = kNoEntry;  // fired
    typename Lane::Entry* older = lane_.Find(state.older);
    if (older == nullptr) state.older = kNoEntry;
    if (older != nullptr && older->start <= timestamp && timestamp < older->end) {
      return AddToOlder(key, state, latest, *older, item, end) ||
             MoveToOverflow(key, state);
    }
    // Also common: a new session after the key's latest one, which becomes `older`
    // if it has not fired yet.
    const bool after = latest == nullptr ? older == nullptr || timestamp >= older->end
                                         : older == nullptr && timestamp >= latest->end;
    if (after && !Late(end)) {
      if (!Open(key, latest != nullptr ? state.older : state.lane, item, timestamp)) {
        return MoveToOverflow(key, state);
      }
      if (latest != nullptr) std::swap(state.older, state.lane);
      return true;
    }
    if (latest != nullptr && timestamp < latest->start) {
      // Just before the latest session and overlapping it: the session starts
      // earlier; its end, and so its place in the lane, stay. (It is clear of
      // `older`: sessions last a gap at least, so an event before older's start
      // cannot reach the latest one.)
      if (end > latest->start) {
        latest->start = timestamp;
        aggregate_.Add(latest->acc, item);
        return true;
      }
      // Clear of it, with no older session: a session of its own, the older one.
      if (older == nullptr && !Late(end) && Open(key, state.older, item, timestamp)) {
        return true;
      }
    }
    return MoveToOverflow(key, state);
  }

  // Adds an event that falls in the key's older lane session: it grows that session
  // up to the latest one's start (touching is not merging), or bridges the two into
  // one. False if the key needs the general path.
  bool AddToOlder(const K& key, KeyState& state, typename Lane::Entry* latest,
                  typename Lane::Entry& older, const T& item, int64_t end) {
    const int64_t limit = latest != nullptr ? latest->start : kNone;
    if (Grow(key, state.older, older, item, end, limit)) return true;
    if (latest == nullptr || end <= latest->start) return false;
    // The two merge into the latest, whose start moves back. Its end, and place in
    // the lane, stay: the event is before the latest's start, so its window ends
    // before the latest's end.
    typename Lane::Entry merged = lane_.Take(state.older);
    state.older = kNoEntry;
    aggregate_.Add(merged.acc, item);  // in start order: older, event, latest
    aggregate_.Merge(merged.acc, latest->acc);
    latest->acc = std::move(merged.acc);
    latest->start = merged.start;
    return true;
  }

  // Adds an event inside the lane session `seq`, whose window grows to `end`
  // (moving it to its new place in the lane) unless that passes `limit`; false if
  // it cannot stay in the lane.
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool Grow(const K& key, uint64_t& seq,
                                         typename Lane::Entry& session, const T& item,
                                         int64_t end, int64_t limit) {
    if (end <= session.end) {
      aggregate_.Add(session.acc, item);
      return true;
    }
    if (end > limit) return false;
    const int run = lane_.RunFor(end);
    if (run < 0) return false;
    typename Lane::Entry moved = lane_.Take(seq);
    aggregate_.Add(moved.acc, item);
    seq = lane_.Append(run, key, moved.start, end, std::move(moved.acc));
    return true;
  }

  // Opens the session [t, t + gap) of the event in the lane as `seq`; false if no
  // run of the lane takes it.
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool Open(const K& key, uint64_t& seq, const T& item,
                                         int64_t timestamp) {
    const int64_t end = spec_.EndOf(timestamp);
    const int run = lane_.RunFor(end);
    if (run < 0) return false;
    Acc acc = aggregate_.CreateAccumulator();
    aggregate_.Add(acc, item);
    seq = lane_.Append(run, key, timestamp, end, std::move(acc));
    return true;
  }

  // Moves the key's live lane sessions to its general-path state and arms its timer;
  // returns false (for AddToLane).
  bool MoveToOverflow(const K& key, KeyState& state) {
    for (uint64_t* seq : {&state.older, &state.lane}) {  // in start order
      if (lane_.Find(*seq) != nullptr) {
        if (!state.more) state.more = std::make_unique<Overflow>();
        typename Lane::Entry moved = lane_.Take(*seq);
        state.more->sessions.push_back(
            Session{moved.start, moved.end, std::move(moved.acc)});
      }
      *seq = kNoEntry;
    }
    if (state.more) Arm(key, state);
    return false;
  }

  // The general path: merges the event's window [t, t + gap) with every session of
  // the key it overlaps.
  void AddToOverflow(const K& key, KeyState& state, const T& item, int64_t timestamp) {
    if (!state.more) state.more = std::make_unique<Overflow>();
    Overflow& more = *state.more;
    auto& sessions = more.sessions;
    const int64_t end = spec_.EndOf(timestamp);
    // An in-order event in the key's latest session only extends it.
    if (!sessions.empty() && !sessions.back().fired &&
        sessions.back().start <= timestamp && timestamp < sessions.back().end) {
      Session& last = sessions.back();
      aggregate_.Add(last.acc, item);
      if (end > last.end) {
        last.end = end;
        // A lone session moves its timer now: in time order, so the timer goes to
        // the cheap FIFO run (the old one is left stale). With several sessions the
        // earliest one's timer stands and re-arms when it fires.
        if (sessions.size() == 1) {
          more.timer = last.end - 1;
          timers_.Add(more.timer, key);
        }
      }
      return;
    }
    if ((sessions.empty() || timestamp >= sessions.back().end) && !Late(end)) {
      Session& fresh =
          sessions.emplace_back(Session{timestamp, end, aggregate_.CreateAccumulator()});
      aggregate_.Add(fresh.acc, item);
      if (fresh.end - 1 <= watermark_) {
        EmitResult(key, fresh, PaneTiming::kLate);  // within the allowed lateness
        fresh.fired = true;
      }
      Arm(key, state);
      return;
    }
    auto window_of = [](const Session& s) { return TimeWindow{s.start, s.end}; };
    const SessionMerge merge =
        FindSessionMerge(sessions, TimeWindow{timestamp, end}, window_of);
    if (Late(merge.merged.end)) {
      if (metrics_ != nullptr) metrics_->late_records.Add(1);
      late_.Add(item, timestamp);
      if (sessions.empty()) {
        state.more.reset();
        if (state.empty()) keys_.Emptied(keys_.find(key));
      }
      return;  // the sessions it touched are left as they were
    }
    Session merged{merge.merged.start, merge.merged.end,
                   MergeSessionAccumulators(
                       aggregate_, sessions, merge, timestamp, window_of,
                       [](Session& s) -> Acc& { return s.acc; },
                       [&](Acc& acc) { aggregate_.Add(acc, item); })};
    auto first = sessions.begin() + static_cast<ptrdiff_t>(merge.first);
    auto last = sessions.begin() + static_cast<ptrdiff_t>(merge.last);
    auto at = sessions.erase(first, last);
    at = sessions.insert(at, std::move(merged));
    if (at->end - 1 <= watermark_) {
      EmitResult(key, *at, PaneTiming::kLate);  // within the allowed lateness
      at->fired = true;
    }
    Arm(key, state);
  }

  // Moves every lane session to its key's general-path state (before a snapshot,
  // whose entries are per key); the keys return to the lane once those fire.
  void DrainLane() {
    for (auto it = keys_.begin(); it != keys_.end(); ++it) {
      KeyState& state = it->second;
      if (state.lane == kNoEntry && state.older == kNoEntry) continue;
      MoveToOverflow(it->first, state);
      if (state.empty()) keys_.Emptied(it);
    }
  }

  // Keys whose lane sessions fired still name them; after several firings per key,
  // clear those names and let the table sweep keys left with nothing. (Keys that
  // come back soon are better left in place: the pass over the table misses the
  // cache on every key.)
  void ForgetFiredLaneSessions() {
    fired_in_lane_ += lane_.TakeFiredCount();
    if (fired_in_lane_ < 4096 || fired_in_lane_ < 4 * keys_.live()) return;
    fired_in_lane_ = 0;
    for (auto it = keys_.begin(); it != keys_.end(); ++it) {
      KeyState& state = it->second;
      if (state.lane == kNoEntry && state.older == kNoEntry) continue;
      if (lane_.Find(state.lane) == nullptr) state.lane = kNoEntry;
      if (lane_.Find(state.older) == nullptr) state.older = kNoEntry;
      if (state.empty()) keys_.Emptied(it);
    }
  }

  // The time the key needs attention next: a session's end - 1 to fire it, or a fired
  // session's end - 1 + lateness to drop it.
  static int64_t NextDue(const Overflow& more, int64_t lateness) {
    int64_t due = kNone;
    for (const Session& s : more.sessions) {
      due = std::min(due, s.fired ? SaturatingAdd(s.end - 1, lateness) : s.end - 1);
    }
    return due;
  }

  // Arms the timer of a key on the general path.
  void Arm(const K& key, KeyState& state) {
    Overflow& more = *state.more;
    int64_t due = NextDue(more, lateness_);
    if (due >= more.timer) return;  // the pending timer comes first and re-arms
    more.timer = due;
    timers_.Add(due, key);
  }

  // Fires the key's due sessions, drops the expired ones and re-arms.
  void Advance(const K& key, int64_t time) {
    auto it = keys_.find(key);
    if (it == keys_.end() || !it->second.more || it->second.more->timer != time) {
      return;  // stale
    }
    KeyState& state = it->second;
    Overflow& more = *state.more;
    more.timer = kNone;
    auto& sessions = more.sessions;
    for (Session& session : sessions) {
      if (session.fired || session.end - 1 > watermark_) continue;
      EmitResult(key, session);
      session.fired = true;
    }
    sessions.erase(
        std::remove_if(sessions.begin(), sessions.end(),
                       [&](const Session& s) { return s.fired && Late(s.end); }),
        sessions.end());
    if (!sessions.empty()) {
      Arm(key, state);
      return;
    }
    state.more.reset();  // back to the lane with its next event
    keys_.Emptied(it);
  }

  void EmitResult(const K& key, const Session& session,
                  PaneTiming timing = PaneTiming::kOnTime) {
    EmitResult(key, session.start, session.end, session.acc, timing);
  }
  void EmitResult(const K& key, int64_t start, int64_t end, const Acc& acc,
                  PaneTiming timing = PaneTiming::kOnTime) {
    if (!results_) results_ = AcquireBatch<Result>();
    Batch<Result>& batch = BatchAs<Result>(results_);
    TimeWindow window{start, end};
    batch.items.push_back(Result{key, start, end, finish_(key, window, acc), timing});
    batch.timestamps.push_back(window.max_timestamp());
  }

  KeyFn key_fn_;
  A aggregate_;
  Finisher finish_;
  SessionWindowSpec spec_;
  int64_t lateness_;
  OperatorMetrics* metrics_ = nullptr;
  int64_t watermark_ = kMinWatermark;
  InMemoryStateBackend<K, KeyState> state_;
  KeyedStateTable<K, KeyState>& keys_ = state_.table();
  EventTimeTimers<K> timers_;
  Lane lane_;  // in-order keys' sessions (without allowed lateness)
  size_t fired_in_lane_ = 0;
  BatchPtr results_;
  LateEvents<T> late_;
};

}  // namespace sluice
