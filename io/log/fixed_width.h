// Fixed-width fields in host byte order, for the log's small metadata files
// (partition.meta, the producer table snapshot): PutFixed appends one, TakeFixed reads
// one off the front of a view. Callers check the view's size first; both files carry
// a CRC, and a log is read on the machine that wrote it.
#pragma once

#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace sluice::log {

template <class T>
void PutFixed(std::string& out, T value) {
  static_assert(std::is_trivially_copyable_v<T>);
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

template <class T>
T TakeFixed(std::string_view& in) {
  static_assert(std::is_trivially_copyable_v<T>);
  T value;
  std::memcpy(&value, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return value;
}

}  // namespace sluice::log
