// Stream-table join (enrichment): port 0 is a stream of events, port 1 a changelog
// stream of table rows, each row replacing the previous one of its key (or deleting
// it, when is_delete(row) says so). Each event is joined with the row of its key as
// of the event's timestamp: fn(event, row) with `row` the latest row whose timestamp
// is <= the event's, or nullptr when there is none, it was deleted, or it is older
// than the time to live (a left join; an event-time temporal join in Flink's terms).
//
// So that the answer does not depend on which side arrives first, an event waits
// until the watermark reaches its timestamp: then no row at or before it can still
// come. Rows are kept per key only while an event still to come could see them.
// Events already behind the watermark when they arrive are late: counted in metrics
// (late_records) and joined at once with the rows still kept.
//
// With a broadcast table edge (every instance sees every row) and a forward event
// edge, the same operator is the broadcast variant for small tables. Its state is
// then not split by key: each instance snapshots its whole table and waiting events
// as operator state (SnapshotState), and a restore gives every new instance the
// table and its share of the waiting events (RestoreBroadcast).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "sluice/operators/joins/keyed_join_operator.h"
#include "sluice/operators/require_event_time.h"
#include "sluice/operators/structures/key_wakeups.h"
#include "sluice/runtime/batch_pool.h"
#include "sluice/runtime/event_time/event_time.h"
#include "sluice/runtime/operator.h"
#include "sluice/runtime/state/in_memory_state_backend.h"
#include "sluice/runtime/state/state_codec.h"
#include "sluice/runtime/type_name.h"

namespace sluice {

struct TableJoinOptions {
  int64_t ttl = 0;  // event-time ms a row stays valid after its timestamp; 0: forever
  bool broadcast = false;  // the table edge is broadcast (JoinBroadcastTable)
};

// A key's events waiting for the watermark and its rows still visible to them.
template <class K, class A, class B>
struct TableJoinEntry {
  struct Row {
    int64_t timestamp = 0;
    bool deleted = false;
    B value{};
    auto Fields() { return std::tie(timestamp, deleted, value); }
  };
  std::vector<std::pair<int64_t, A>> waiting;  // events not yet joined
  std::vector<Row> rows;                       // by timestamp, arrival order on ties
  typename KeyWakeups<K>::Slot wakeup;
  bool empty() const { return waiting.empty() && rows.empty(); }
  auto Fields() { return std::tie(waiting, rows); }
};

template <class K, class A, class B, class KeyA, class KeyB, class IsDelete, class F>
class TableJoinOperator final
    : public KeyedJoinOperator<
          TableJoinOperator<K, A, B, KeyA, KeyB, IsDelete, F>, K, KeyA, KeyB,
          TableJoinEntry<K, A, B>,
          std::decay_t<std::invoke_result_t<const F&, const A&, const B*>>> {
 public:
  using R = std::decay_t<std::invoke_result_t<const F&, const A&, const B*>>;

  TableJoinOperator(KeyA key_a, KeyB key_b, IsDelete is_delete, TableJoinOptions options,
                    F fn)
      : Base(std::move(key_a), std::move(key_b)),
        is_delete_(std::move(is_delete)),
        options_(options),
        fn_(std::move(fn)) {}

  absl::Status Open(const OperatorContext& context) override {
    absl::Status opened = Base::Open(context);
    if (!opened.ok()) return opened;
    if (options_.broadcast && context.restored_states != nullptr) {
      return RestoreBroadcast(*context.restored_states, context.instance,
                              context.parallelism);
    }
    return absl::OkStatus();
  }

  // The keyed variant's state, by key group; the broadcast variant has none (see
  // SnapshotState).
  KeyedStateBackend* keyed_state() override {
    return options_.broadcast ? nullptr : &this->state_;
  }

  // The broadcast variant: its watermark and every key's waiting events and rows, as
  // operator state.
  absl::StatusOr<std::string> SnapshotState(int64_t) override {
    if (!options_.broadcast) return std::string();
    if constexpr (kEncodable) {
      size_t count = 0;
      for (auto it = keys().begin(); it != keys().end(); ++it)
        count += !it->second.empty();
      std::string bytes;
      StateWriter out(bytes);
      EncodeState(watermark_, out);
      out.Size(count);
      for (auto it = keys().begin(); it != keys().end(); ++it) {
        if (it->second.empty()) continue;
        EncodeState(it->first, out);
        EncodeState(it->second, out);
      }
      return bytes;
    } else {
      return absl::FailedPreconditionError(absl::StrCat(
          "the broadcast table join cannot be snapshotted: its key ", TypeName<K>(),
          ", event ", TypeName<A>(), " or row ", TypeName<B>(),
          " is not encodable (give structs `auto Fields() { return std::tie(...); }`)"));
    }
  }

 private:
  using Entry = TableJoinEntry<K, A, B>;
  using Row = typename Entry::Row;
  using Base = KeyedJoinOperator<TableJoinOperator, K, KeyA, KeyB, Entry, R>;
  using Table = typename Base::Table;
  using Base::keys;
  using Base::wakeups_;
  using Base::watermark_;
  friend Base;

  // Events wait for the watermark (or join at once when late); rows are kept.
  void Take(int port, const BatchPtr& batch, Batch<R>& joined) {
    if (port == 0) {
      TakeEvents(BatchAs<A>(batch), joined);
    } else {
      TakeRows(BatchAs<B>(batch));
    }
  }

  static constexpr bool kEncodable = StateEncodable<K> && StateEncodable<Entry>;

  // One old instance's snapshot of the broadcast variant.
  struct BroadcastCopy {
    int64_t watermark = kMaxWatermark;  // none: never the lowest
    std::vector<std::pair<K, Entry>> entries;
  };
  static bool DecodeCopy(std::string_view bytes, BroadcastCopy& copy) {
    StateReader in(bytes);
    DecodeState(in, copy.watermark);
    copy.entries.resize(in.Size(/*min_element_bytes=*/2));
    for (auto& [key, entry] : copy.entries) {
      DecodeState(in, key);
      DecodeState(in, entry);
    }
    return !in.failed() && in.done();
  }

  void Restored(const K& key, Entry& entry) {
    entry.wakeup = {};  // also called by RestoreBroadcast
    std::stable_sort(
        entry.rows.begin(), entry.rows.end(),
        [](const Row& x, const Row& y) { return x.timestamp < y.timestamp; });
    Reschedule(key, entry);
  }

  // Every old instance held the whole table, each pruned at its own watermark (rows
  // no later event could see), and late rows arrive in each copy at a different
  // point of that pruning. So the table comes whole from one copy: this instance's
  // own at the same parallelism, else the copy with the lowest watermark, which is
  // the watermark the restore resumes from and whose rows serve every event after
  // it. Waiting events are an instance's own: old instance j's go to new instance
  // j mod parallelism. Everything is decoded before anything is added.
  absl::Status RestoreBroadcast(const std::vector<std::string>& states, int instance,
                                int parallelism) {
    if constexpr (kEncodable) {
      std::vector<BroadcastCopy> copies(states.size());
      for (size_t j = 0; j < states.size(); ++j) {
        if (states[j].empty()) continue;
        if (!DecodeCopy(states[j], copies[j])) {
          return absl::DataLossError(
              absl::StrCat("the broadcast table join's state of instance ", j + 1, " of ",
                           states.size(), " is damaged"));
        }
      }
      size_t table = static_cast<size_t>(instance);
      if (states.size() != static_cast<size_t>(parallelism)) {
        table = 0;
        for (size_t j = 1; j < copies.size(); ++j) {
          if (copies[j].watermark < copies[table].watermark) table = j;
        }
      }
      if (table < copies.size()) {
        for (auto& [key, entry] : copies[table].entries) {
          if (!entry.rows.empty()) keys()[key].rows = std::move(entry.rows);
        }
      }
      for (size_t j = static_cast<size_t>(instance); j < copies.size();
           j += static_cast<size_t>(parallelism)) {
        for (auto& [key, entry] : copies[j].entries) {
          if (entry.waiting.empty()) continue;
          auto& waiting = keys()[key].waiting;
          for (auto& event : entry.waiting) waiting.push_back(std::move(event));
        }
      }
      for (auto it = keys().begin(); it != keys().end(); ++it) {
        Restored(it->first, it->second);
      }
      return absl::OkStatus();
    } else {
      for (const std::string& state : states) {
        if (!state.empty()) return SnapshotState(0).status();  // says why
      }
      return absl::OkStatus();
    }
  }

  void TakeEvents(const Batch<A>& in, Batch<R>& joined) {
    RequireEventTime(in);
    uint64_t late = 0;
    for (size_t i = 0; i < in.items.size(); ++i) {
      const int64_t ts = in.timestamps[i];
      if (ts <= watermark_) {
        ++late;
        auto found = keys().find(this->template KeyOf<true>(in.items[i]));
        if (found == keys().end()) {
          joined.items.push_back(fn_(in.items[i], nullptr));
          joined.timestamps.push_back(ts);
        } else {
          Join(in.items[i], ts, found->second, joined);
        }
        continue;
      }
      auto it = keys().FindOrCreate(this->template KeyOf<true>(in.items[i]));
      Entry& entry = it->second;
      entry.waiting.emplace_back(ts, in.items[i]);
      wakeups_.Schedule(it->first, ts, entry.wakeup);
    }
    this->CountLate(late);
  }

  void TakeRows(const Batch<B>& in) {
    RequireEventTime(in);
    for (size_t i = 0; i < in.items.size(); ++i) {
      const int64_t ts = in.timestamps[i];
      auto it = keys().FindOrCreate(this->template KeyOf<false>(in.items[i]));
      Entry& entry = it->second;
      auto at =
          std::upper_bound(entry.rows.begin(), entry.rows.end(), ts,
                           [](int64_t t, const Row& row) { return t < row.timestamp; });
      entry.rows.insert(at,
                        Row{ts, static_cast<bool>(is_delete_(in.items[i])), in.items[i]});
      // Older rows can go once the watermark passes this one.
      wakeups_.Schedule(it->first, std::max(ts, NextEventTime(watermark_)), entry.wakeup);
    }
  }

  // The row an event at `ts` sees, or nullptr.
  const B* Lookup(const Entry& entry, int64_t ts) const {
    auto after =
        std::upper_bound(entry.rows.begin(), entry.rows.end(), ts,
                         [](int64_t t, const Row& row) { return t < row.timestamp; });
    if (after == entry.rows.begin()) return nullptr;
    const Row& row = *(after - 1);
    if (row.deleted || Expired(row, ts)) return nullptr;
    return &row.value;
  }
  bool Expired(const Row& row, int64_t ts) const {
    return options_.ttl > 0 && static_cast<__int128>(ts) - row.timestamp >= options_.ttl;
  }

  void Join(const A& event, int64_t ts, const Entry& entry, Batch<R>& joined) {
    joined.items.push_back(fn_(event, Lookup(entry, ts)));
    joined.timestamps.push_back(ts);
  }

  // The watermark reached the key's wake-up: join the events it passed, then drop
  // the rows no later event can see.
  void OnWakeup(typename Table::iterator it, Batch<R>& joined) {
    const K& key = it->first;
    Entry& entry = it->second;
    auto& waiting = entry.waiting;
    std::sort(waiting.begin(), waiting.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    size_t done = 0;
    for (; done < waiting.size() && waiting[done].first <= watermark_; ++done) {
      Join(waiting[done].second, waiting[done].first, entry, joined);
    }
    waiting.erase(waiting.begin(), waiting.begin() + static_cast<ptrdiff_t>(done));
    // Later events are after the watermark: the last row at or before it is the
    // oldest any of them can see, and only while it has not expired or been deleted.
    auto after =
        std::upper_bound(entry.rows.begin(), entry.rows.end(), watermark_,
                         [](int64_t t, const Row& row) { return t < row.timestamp; });
    auto keep = after;
    if (after != entry.rows.begin()) {
      const Row& base = *(after - 1);
      if (!base.deleted && !Expired(base, NextEventTime(watermark_))) keep = after - 1;
    }
    entry.rows.erase(entry.rows.begin(), keep);
    Reschedule(key, entry);
    if (entry.empty()) keys().Emptied(it);
  }

  // Next wake-up: the earliest waiting event, the next row (to drop the ones before
  // it once the watermark passes it), or the expiry of the oldest row.
  // (An event at INT64_MAX waits for the end of input: a wake-up at INT64_MAX.)
  void Reschedule(const K& key, Entry& entry) {
    bool due = false;
    int64_t next = kMaxWatermark;
    for (const auto& [ts, event] : entry.waiting) {
      next = std::min(next, ts);
      due = true;
    }
    for (const Row& row : entry.rows) {
      if (row.timestamp > watermark_) {
        next = std::min(next, row.timestamp);
        due = true;
        break;
      }
    }
    if (!entry.rows.empty() && options_.ttl > 0) {
      __int128 expiry =
          static_cast<__int128>(entry.rows.front().timestamp) + options_.ttl - 1;
      if (expiry < next) {
        next = static_cast<int64_t>(expiry);
        due = true;
      }
    }
    if (due && watermark_ != kMaxWatermark) {
      wakeups_.Schedule(key, std::max(next, NextEventTime(watermark_)), entry.wakeup);
    }
  }

  IsDelete is_delete_;
  TableJoinOptions options_;
  F fn_;
};

}  // namespace sluice
