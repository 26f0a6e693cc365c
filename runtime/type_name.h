// Human-readable C++ type names for graph printing and error messages.
#pragma once

#include <string>
#include <string_view>

namespace sluice {

template <class T>
std::string TypeName() {
  std::string_view name = __PRETTY_FUNCTION__;  // "... [with T = Foo; ...]"
  size_t start = name.find("T = ");
  if (start == std::string_view::npos) return "?";
  start += 4;
  size_t end = name.find_first_of(";]", start);
  return std::string(name.substr(start, end - start));
}

}  // namespace sluice
