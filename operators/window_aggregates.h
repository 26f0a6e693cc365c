// Built-in window aggregates (sluice::aggregates::Count(), Sum<V>(fn), ...): each is a
// WindowAggregateFunction with a small accumulator, so sliding windows share them
// across slices. `fn` picks the value out of an event: [](const Bid& b) { return b.price;
// }.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace sluice::aggregates {

struct CountAggregate {
  int64_t CreateAccumulator() const { return 0; }
  template <class T>
  void Add(int64_t& count, const T&) const {
    ++count;
  }
  void Merge(int64_t& into, const int64_t& from) const { into += from; }
  int64_t Result(const int64_t& count) const { return count; }
};

template <class V, class F>
struct SumAggregate {
  F fn;
  V CreateAccumulator() const { return V{}; }
  template <class T>
  void Add(V& sum, const T& event) const {
    sum += static_cast<V>(fn(event));
  }
  void Merge(V& into, const V& from) const { into += from; }
  V Result(const V& sum) const { return sum; }
};

// Min and max: the accumulator remembers whether it saw anything, since a slice of a
// sliding window may be empty for a key.
template <class V, class F, bool kMax>
struct ExtremumAggregate {
  struct Acc {
    V value{};
    bool any = false;
  };
  F fn;
  Acc CreateAccumulator() const { return Acc{}; }
  template <class T>
  void Add(Acc& acc, const T& event) const {
    Take(acc, static_cast<V>(fn(event)));
  }
  void Merge(Acc& into, const Acc& from) const {
    if (from.any) Take(into, from.value);
  }
  V Result(const Acc& acc) const { return acc.value; }

 private:
  static void Take(Acc& acc, const V& v) {
    if (!acc.any || (kMax ? acc.value < v : v < acc.value)) acc.value = v;
    acc.any = true;
  }
};

template <class F>
struct AverageAggregate {
  struct Acc {
    double sum = 0;
    int64_t count = 0;
  };
  F fn;
  Acc CreateAccumulator() const { return Acc{}; }
  template <class T>
  void Add(Acc& acc, const T& event) const {
    acc.sum += static_cast<double>(fn(event));
    ++acc.count;
  }
  void Merge(Acc& into, const Acc& from) const {
    into.sum += from.sum;
    into.count += from.count;
  }
  double Result(const Acc& acc) const {
    return acc.count == 0 ? 0.0 : acc.sum / static_cast<double>(acc.count);
  }
};

// Keeps every element: the accumulator of full-window (Process) functions.
template <class T>
struct ListAggregate {
  std::vector<T> CreateAccumulator() const { return {}; }
  void Add(std::vector<T>& list, const T& event) const { list.push_back(event); }
  void Merge(std::vector<T>& into, const std::vector<T>& from) const {
    into.insert(into.end(), from.begin(), from.end());
  }
};

inline CountAggregate Count() { return {}; }
template <class V, class F>
SumAggregate<V, F> Sum(F fn) {
  return {std::move(fn)};
}
template <class V, class F>
ExtremumAggregate<V, F, false> Min(F fn) {
  return {std::move(fn)};
}
template <class V, class F>
ExtremumAggregate<V, F, true> Max(F fn) {
  return {std::move(fn)};
}
template <class F>
AverageAggregate<F> Average(F fn) {
  return {std::move(fn)};
}

}  // namespace sluice::aggregates
