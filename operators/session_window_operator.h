// Keyed session windows over event time (session_windows.h). Each event opens the
// window [t, t + gap) and merges it with every window of its key it touches; a window
// fires when the watermark passes its end. Lateness works as for sliced windows: an
// event whose merged window ended more than the allowed lateness ago is counted as
// late and dropped; one within the lateness fires its window again.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "operators/session_windows.h"
#include "operators/time_window.h"
#include "runtime/batch_pool.h"
#include "runtime/event_time.h"
#include "runtime/operator.h"

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
    return absl::OkStatus();
  }

  void ProcessBatch(int, BatchPtr batch, Output& out) override {
    const Batch<T>& in = BatchAs<T>(batch);
    if (!in.has_timestamps() && !in.items.empty()) {
      throw OperatorError(absl::FailedPreconditionError(
          "the input stream has no event time: call AssignTimestamps before the window"));
    }
    for (size_t i = 0; i < in.items.size(); ++i) Add(in.items[i], in.timestamps[i]);
    if (results_) out.Emit(std::move(results_));
    if (metrics_ != nullptr) metrics_->SetStateEntries(keys_.size());
  }

  void ProcessWatermark(int64_t watermark, Output& out) override {
    if (watermark <= watermark_) return;
    watermark_ = watermark;
    while (!timers_.empty() && timers_.begin()->first <= watermark_) {
      auto node = timers_.extract(timers_.begin());
      for (const K& key : node.mapped()) Advance(key);
    }
    if (results_) out.Emit(std::move(results_));
    if (metrics_ != nullptr) metrics_->SetStateEntries(keys_.size());
    out.EmitControl(ElementKind::kWatermark, watermark);
  }

 private:
  struct Session {
    int64_t start;
    int64_t end;
    Acc acc;
    bool fired = false;
  };
  using Sessions = std::vector<Session>;  // sorted by start, never touching

  bool Late(int64_t end) const {
    return watermark_ != kMinWatermark && end - 1 + lateness_ <= watermark_;
  }

  void Add(const T& item, int64_t timestamp) {
    K key = key_fn_(item);
    Sessions& sessions = keys_[key];
    Session merged{timestamp, timestamp + gap_, aggregate_.CreateAccumulator()};
    aggregate_.Add(merged.acc, item);
    // Sessions touching [t, t + gap) form one contiguous run in start order.
    auto first =
        std::lower_bound(sessions.begin(), sessions.end(), merged.start,
                         [](const Session& s, int64_t start) { return s.end < start; });
    auto last = first;
    while (last != sessions.end() && last->start <= merged.end) ++last;
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
      if (sessions.empty()) keys_.erase(key);
      return;  // the touched sessions are left as they were
    }
    auto at = sessions.erase(first, last);
    at = sessions.insert(at, std::move(merged));
    if (at->end - 1 <= watermark_) {
      EmitResult(key, *at);  // a late firing, within the allowed lateness
      at->fired = true;
      timers_[at->end - 1 + lateness_].push_back(key);
    } else {
      timers_[at->end - 1].push_back(key);
    }
  }

  // Fires the key's due sessions and drops the expired ones. Idempotent, so stale
  // or repeated timers are harmless.
  void Advance(const K& key) {
    auto it = keys_.find(key);
    if (it == keys_.end()) return;
    Sessions& sessions = it->second;
    for (Session& session : sessions) {
      if (session.fired || session.end - 1 > watermark_) continue;
      EmitResult(key, session);
      session.fired = true;
      if (lateness_ > 0) timers_[session.end - 1 + lateness_].push_back(key);
    }
    std::erase_if(sessions, [&](const Session& s) { return s.fired && Late(s.end); });
    if (sessions.empty()) keys_.erase(it);
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
  absl::flat_hash_map<K, Sessions> keys_;
  absl::btree_map<int64_t, std::vector<K>> timers_;  // watermark due -> keys
  BatchPtr results_;
};

}  // namespace sluice
