// Turns state values into bytes and back, for key-group snapshots. Built in:
// arithmetic and other trivially copyable types (copied as bytes), std::string,
// std::optional, std::unique_ptr (it owns its pointee, so it is encoded like an
// optional), std::pair, std::tuple, std::vector, absl::InlinedVector,
// absl::flat_hash_map and std::map; the state handles (ValueState, ListState, ...)
// encode themselves. A user struct that is not trivially copyable lists its members:
//
//   struct State {
//     sluice::ValueState<int64_t> total;
//     std::vector<Purchase> recent;
//     auto Fields() { return std::tie(total, recent); }
//   };
//
// Snapshots are read back by the same build of the job: the encoding is compact and
// carries no field names (the enclosing snapshot records the type, see
// key_group_snapshot.h). Pointers, string_views and spans are refused (their bytes
// are addresses in this process). Trivially copyable structs are copied as bytes,
// so a damaged snapshot can give such a struct odd values; checkpoint files carry
// checksums that catch damage before decoding (and a bare bool is checked here).
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"

namespace sluice {

class StateWriter {
 public:
  explicit StateWriter(std::string& out) : out_(out) {}
  void Bytes(const void* data, size_t size) {
    out_.append(static_cast<const char*>(data), size);
  }
  void Size(size_t size) {
    uint64_t n = size;
    Bytes(&n, sizeof(n));
  }

 private:
  std::string& out_;
};

// Reads what StateWriter wrote. A read past the end sets failed() and yields zeros,
// so decoding damaged bytes ends in an error, never in undefined behaviour.
class StateReader {
 public:
  explicit StateReader(std::string_view in) : in_(in) {}
  bool Bytes(void* data, size_t size) {
    if (failed_ || size > in_.size()) {
      failed_ = true;
      std::memset(data, 0, size);
      return false;
    }
    std::memcpy(data, in_.data(), size);
    in_.remove_prefix(size);
    return true;
  }
  // A count of elements, each at least `min_element_bytes` long: a count larger than
  // the bytes left is damage, caught before anything is allocated for it.
  size_t Size(size_t min_element_bytes = 1) {
    uint64_t n = 0;
    Bytes(&n, sizeof(n));
    if (min_element_bytes > 0 && n > in_.size() / min_element_bytes) {
      failed_ = true;
      return 0;
    }
    return static_cast<size_t>(n);
  }
  void Fail() { failed_ = true; }
  bool failed() const { return failed_; }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
  bool failed_ = false;
};

template <class T>
void EncodeState(const T& value, StateWriter& out);
template <class T>
void DecodeState(StateReader& in, T& value);

namespace state_codec_internal {

template <class T>
concept HasFields = requires(T& t) {
  t.Fields();
};
template <class T>
concept SelfEncoding = requires(const T& t, T& m, StateWriter& w, StateReader& r) {
  t.EncodeTo(w);
  m.DecodeFrom(r);
};
template <class T>
struct IsSequence : std::false_type {};
template <class V, class A>
struct IsSequence<std::vector<V, A>> : std::true_type {};
template <class V, size_t N, class A>
struct IsSequence<absl::InlinedVector<V, N, A>> : std::true_type {};
template <class T>
struct IsMap : std::false_type {};
template <class K, class V, class... Rest>
struct IsMap<absl::flat_hash_map<K, V, Rest...>> : std::true_type {};
template <class K, class V, class... Rest>
struct IsMap<std::map<K, V, Rest...>> : std::true_type {};
template <class T>
struct IsOptional : std::false_type {};
template <class V>
struct IsOptional<std::optional<V>> : std::true_type {};
template <class T>
struct IsUniquePtr : std::false_type {};
template <class V>
struct IsUniquePtr<std::unique_ptr<V>> : std::true_type {};
template <class T>
struct IsTupleLike : std::false_type {};
template <class A, class B>
struct IsTupleLike<std::pair<A, B>> : std::true_type {};
template <class... Ts>
struct IsTupleLike<std::tuple<Ts...>> : std::true_type {};
template <class T>
inline constexpr bool kAlwaysFalse = false;

// Types whose bytes are an address into this process: never state.
template <class T>
concept Pointerish = std::is_pointer_v<T> || std::is_member_pointer_v<T> ||
    std::is_same_v<T, std::string_view> || requires {
  typename T::element_type;  // absl::Span, std::span, smart pointers
};

template <class Tuple>
struct AllReferences;
template <class... Ts>
struct AllReferences<std::tuple<Ts...>> {
  static constexpr bool value = (std::is_lvalue_reference_v<Ts> && ...);
};

template <class Tuple>
struct AllEncodable;

// Whether EncodeState accepts T (mirrors its dispatch, so an operator can report
// "not snapshottable" instead of failing to compile).
template <class T>
constexpr bool Encodable() {
  if constexpr (SelfEncoding<T> || std::is_same_v<T, std::string>) {
    return true;
  } else if constexpr (IsUniquePtr<T>::value) {
    return Encodable<typename T::element_type>();
  } else if constexpr (Pointerish<T>) {
    return false;
  } else if constexpr (HasFields<T>) {
    return AllEncodable<std::decay_t<decltype(std::declval<T&>().Fields())>>::value;
  } else if constexpr (IsOptional<T>::value) {
    return Encodable<typename T::value_type>();
  } else if constexpr (IsTupleLike<T>::value) {
    return AllEncodable<T>::value;
  } else if constexpr (IsSequence<T>::value) {
    return Encodable<typename T::value_type>();
  } else if constexpr (IsMap<T>::value) {
    return Encodable<typename T::key_type>() && Encodable<typename T::mapped_type>();
  } else {
    return std::is_trivially_copyable_v<T>;
  }
}
template <template <class...> class Tuple, class... Ts>
struct AllEncodable<Tuple<Ts...>> {
  static constexpr bool value = (Encodable<std::decay_t<Ts>>() && ...);
};

}  // namespace state_codec_internal

template <class T>
concept StateEncodable = state_codec_internal::Encodable<T>();

template <class T>
void EncodeState(const T& value, StateWriter& out) {
  namespace in = state_codec_internal;
  if constexpr (in::SelfEncoding<T>) {
    value.EncodeTo(out);
  } else if constexpr (in::HasFields<T>) {
    static_assert(in::AllReferences<decltype(std::declval<T&>().Fields())>::value,
                  "Fields() must return references to the members: use std::tie");
    // Fields() is not const so that one member function serves both directions.
    std::apply([&](auto&... field) { (EncodeState(field, out), ...); },
               const_cast<T&>(value).Fields());
  } else if constexpr (std::is_same_v<T, std::string>) {
    out.Size(value.size());
    out.Bytes(value.data(), value.size());
  } else if constexpr (in::IsOptional<T>::value || in::IsUniquePtr<T>::value) {
    uint8_t present = value ? 1 : 0;
    out.Bytes(&present, 1);
    if (present) EncodeState(*value, out);
  } else if constexpr (in::IsTupleLike<T>::value) {
    std::apply([&](const auto&... part) { (EncodeState(part, out), ...); }, value);
  } else if constexpr (in::IsSequence<T>::value || in::IsMap<T>::value) {
    out.Size(value.size());
    for (const auto& element : value) EncodeState(element, out);
  } else if constexpr (std::is_trivially_copyable_v<T> && !in::Pointerish<T>) {
    out.Bytes(&value, sizeof(T));
  } else {
    static_assert(in::kAlwaysFalse<T>,
                  "this state type cannot be snapshotted: give it a member "
                  "`auto Fields() { return std::tie(member1, member2, ...); }`, or "
                  "EncodeTo(sluice::StateWriter&) const and "
                  "DecodeFrom(sluice::StateReader&)");
  }
}

template <class T>
void DecodeState(StateReader& in, T& value) {
  namespace ns = state_codec_internal;
  if constexpr (ns::SelfEncoding<T>) {
    value.DecodeFrom(in);
  } else if constexpr (ns::HasFields<T>) {
    std::apply([&](auto&... field) { (DecodeState(in, field), ...); }, value.Fields());
  } else if constexpr (std::is_same_v<T, std::string>) {
    value.resize(in.Size());
    in.Bytes(value.data(), value.size());
  } else if constexpr (ns::IsOptional<T>::value || ns::IsUniquePtr<T>::value) {
    uint8_t present = 0;
    in.Bytes(&present, 1);
    if (present > 1) in.Fail();
    if (present != 1) {
      value.reset();
    } else if constexpr (ns::IsOptional<T>::value) {
      DecodeState(in, value.emplace());
    } else {
      value = std::make_unique<typename T::element_type>();
      DecodeState(in, *value);
    }
  } else if constexpr (ns::IsTupleLike<T>::value) {
    std::apply([&](auto&... part) { (DecodeState(in, part), ...); }, value);
  } else if constexpr (ns::IsSequence<T>::value) {
    size_t n = in.Size();
    value.clear();
    for (size_t i = 0; i < n && !in.failed(); ++i) {
      DecodeState(in, value.emplace_back());
    }
  } else if constexpr (ns::IsMap<T>::value) {
    size_t n = in.Size();
    value.clear();
    for (size_t i = 0; i < n && !in.failed(); ++i) {
      std::pair<std::remove_const_t<typename T::key_type>, typename T::mapped_type> entry;
      DecodeState(in, entry);
      value.insert_or_assign(std::move(entry.first), std::move(entry.second));
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    uint8_t byte = 0;  // a bool must be 0 or 1: any other byte is damage
    in.Bytes(&byte, 1);
    if (byte > 1) in.Fail();
    value = byte == 1;
  } else {
    static_assert(std::is_trivially_copyable_v<T> && !ns::Pointerish<T>,
                  "this state type cannot be restored; see EncodeState");
    in.Bytes(&value, sizeof(T));
  }
}

}  // namespace sluice
