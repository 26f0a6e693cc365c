// Stream-table enrichment: each event joined with the row of its key valid at the
// event's timestamp, from a changelog stream of rows (see
// operators/joins/table_join_operator.h).
//
//   events.KeyBy(ka).JoinTable(rows.KeyBy(kb)).Apply(fn)           // by key
//   events.KeyBy(ka).JoinBroadcastTable(rows.KeyBy(kb)).Apply(fn)  // table copied to
//                                                                  // every instance
//
// fn(const A& event, const B* row) -> R, row nullptr when the key has no valid row.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "sluice/engine/stream.h"
#include "sluice/engine/two_input_node.h"
#include "sluice/operators/joins/table_join_operator.h"
#include "sluice/runtime/event_time/event_time.h"

namespace sluice {

// The default: no row is a deletion.
struct NoDeletes {
  template <class B>
  bool operator()(const B&) const {
    return false;
  }
};

template <class K, class A, class KeyA, class B, class KeyB, class IsDelete = NoDeletes>
class TableJoinBuilder {
 public:
  explicit TableJoinBuilder(JoinInputs<A, KeyA, B, KeyB> inputs, IsDelete is_delete = {})
      : inputs_(std::move(inputs)), is_delete_(std::move(is_delete)) {}

  // Rows stop being valid `ttl` of event time after their timestamp.
  TableJoinBuilder Ttl(int64_t ttl) const {
    TableJoinBuilder copy = *this;
    copy.options_.ttl = ttl;
    return copy;
  }
  template <class Rep, class Period>
  TableJoinBuilder Ttl(std::chrono::duration<Rep, Period> ttl) const {
    return Ttl(EventTimeSpan(ttl));
  }

  // is_delete(const B&) -> bool: such a row deletes its key's row.
  template <class D>
  auto Deletes(D is_delete) const {
    static_assert(std::is_invocable_r_v<bool, const D&, const B&>,
                  "JoinTable(...).Deletes(pred): pred must be callable as "
                  "pred(const Row&) -> bool");
    TableJoinBuilder<K, A, KeyA, B, KeyB, D> builder(inputs_, is_delete);
    builder.options_ = options_;
    return builder;
  }

  template <class F>
  auto Apply(F fn) const {
    static_assert(std::is_invocable_v<const F&, const A&, const B*>,
                  "JoinTable(...).Apply(fn): fn must be callable as "
                  "fn(const Event&, const Row* row) (row nullptr when there is none)");
    using R = std::decay_t<std::invoke_result_t<const F&, const A&, const B*>>;
    KeyA key_a = inputs_.key_a;
    KeyB key_b = inputs_.key_b;
    IsDelete is_delete = is_delete_;
    TableJoinOptions options = options_;
    // The variants keep different state (by key group, or a copy per instance), so a
    // checkpoint of one must not restore into the other: different kinds.
    return AddTwoInputNode<R>(
        options.broadcast ? "broadcast_table_join" : "table_join", inputs_,
        [=] {
          return std::make_unique<TableJoinOperator<K, A, B, KeyA, KeyB, IsDelete, F>>(
              key_a, key_b, is_delete, options, fn);
        },
        [options] { return CheckTimeSpan("Ttl(ttl)", options.ttl, 0, kMaxWatermark); });
  }

 private:
  template <class, class, class, class, class, class>
  friend class TableJoinBuilder;
  template <class, class, class>
  friend class KeyedStream;

  JoinInputs<A, KeyA, B, KeyB> inputs_;  // left: the events, right: the rows
  IsDelete is_delete_;
  TableJoinOptions options_;
};

}  // namespace sluice
