// A fuzz target's own check failing: not a bad input but a bug. It aborts with a
// message, which libFuzzer reports as a crash together with the input that caused it.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace sluice::fuzz {

[[noreturn]] inline void Broken(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

}  // namespace sluice::fuzz
