// What a keyed operator asks of a user's State as a whole: whether anything is left
// in it (a key with nothing left is removed), and expiring its TTL'd values. A State
// is one state handle (ValueState, ListState, ...) or a struct listing its members
// with `auto Fields() { return std::tie(...); }`, whose members may themselves be
// such structs (visited the same way, to any depth); any other State is opaque:
// never empty until the function calls ClearState(), and without TTL.
#pragma once

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <type_traits>

#include "sluice/runtime/state/state_ttl.h"

namespace sluice {

namespace state_fields_internal {

template <class T>
concept StateHandle = requires(T& t, int64_t now) {
  { t.Expire(now) } -> std::same_as<int64_t>;
  { std::as_const(t).empty() } -> std::same_as<bool>;
};
template <class T>
concept HasFields = requires(T& t) {
  t.Fields();
};
template <class T>
concept Container = requires(const T& t) {
  { t.empty() } -> std::same_as<bool>;
  t.begin();
};
template <class T>
concept Optional = requires(const T& t) {
  { t.has_value() } -> std::same_as<bool>;
};

}  // namespace state_fields_internal

template <class S>
bool StateIsEmpty(S& state);
template <class S>
int64_t ExpireState(S& state, int64_t now);

namespace state_fields_internal {

template <class T>
bool FieldIsEmpty(T& field) {
  if constexpr (StateHandle<T> || Container<T>) {
    return field.empty();
  } else if constexpr (Optional<T>) {
    return !field.has_value();
  } else if constexpr (HasFields<T>) {
    return StateIsEmpty(field);  // a nested struct of handles
  } else {
    return false;  // a plain member always counts as state
  }
}

}  // namespace state_fields_internal

// Whether `state` holds nothing: every member is an empty handle, container or
// optional.
template <class S>
bool StateIsEmpty(S& state) {
  namespace in = state_fields_internal;
  if constexpr (in::StateHandle<S>) {
    return state.empty();
  } else if constexpr (in::HasFields<S>) {
    return std::apply([](auto&... field) { return (in::FieldIsEmpty(field) && ...); },
                      state.Fields());
  } else {
    return false;
  }
}

// Removes the values of `state` that expired by `now`; returns when the next one
// left expires (kNeverExpires when none has a TTL).
template <class S>
int64_t ExpireState(S& state, int64_t now) {
  namespace in = state_fields_internal;
  if constexpr (in::StateHandle<S>) {
    return state.Expire(now);
  } else if constexpr (in::HasFields<S>) {
    int64_t next = kNeverExpires;
    std::apply(
        [&](auto&... field) {
          auto expire = [&](auto& f) {
            using F = std::decay_t<decltype(f)>;
            if constexpr (in::StateHandle<F> || in::HasFields<F>) {
              next = std::min(next, ExpireState(f, now));  // handles nested too
            }
          };
          (expire(field), ...);
        },
        state.Fields());
    return next;
  } else {
    return kNeverExpires;
  }
}

// Whether S can hold values with a TTL at all (decided at compile time, so opaque
// states pay nothing for TTL bookkeeping).
template <class S>
constexpr bool StateMayExpire() {
  namespace in = state_fields_internal;
  return in::StateHandle<S> || in::HasFields<S>;
}

}  // namespace sluice
