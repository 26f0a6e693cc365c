// A key hash that is the same in every process and run, so a key always lands in
// the same key group (state restored from a checkpoint must find its keys). Abseil's
// hash is salted per process, so it cannot be used for placement.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>

namespace sluice {

// Murmur3's 64-bit finalizer: spreads every input bit over the output.
constexpr uint64_t MixBits(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

// Key types need either to be integral/enum, string-like, or to have a std::hash
// specialisation that does not depend on the process (no pointers, no random seed).
template <class K>
concept StablyHashable = std::is_integral_v<K> || std::is_enum_v<K> ||
    std::convertible_to<const K&, std::string_view> || requires(const K& k) {
  { std::hash<K>{}(k) } -> std::convertible_to<size_t>;
};

template <StablyHashable K>
uint64_t StableHash(const K& key) {
  if constexpr (std::is_integral_v<K> || std::is_enum_v<K>) {
    return MixBits(static_cast<uint64_t>(key));
  } else if constexpr (std::convertible_to<const K&, std::string_view>) {
    // libstdc++'s string hash is a fixed-seed Murmur2: stable across runs.
    return MixBits(std::hash<std::string_view>{}(std::string_view(key)));
  } else {
    return MixBits(static_cast<uint64_t>(std::hash<K>{}(key)));
  }
}

}  // namespace sluice
