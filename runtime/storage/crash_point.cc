#include "sluice/runtime/storage/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace sluice {
namespace {

struct Target {
  std::string name;  // empty: crash points are off
  long hit = 1;      // crash on this hit
  std::atomic<long> hits{0};
};

const Target& ParsedTarget() {
  static Target* target = [] {
    auto* t = new Target;
    const char* spec = std::getenv("SLUICE_CRASH_AT");
    if (spec == nullptr || *spec == '\0') return t;
    std::string value(spec);
    const size_t colon = value.rfind(':');
    if (colon != std::string::npos) {
      t->hit = std::max(1L, std::strtol(value.c_str() + colon + 1, nullptr, 10));
      value.resize(colon);
    }
    t->name = value;
    return t;
  }();
  return *target;
}

}  // namespace

void CrashPoint(const char* name) {
  const Target& target = ParsedTarget();
  if (target.name.empty() || target.name != name) return;
  if (const_cast<Target&>(target).hits.fetch_add(1) + 1 < target.hit) return;
  std::fprintf(stderr, "sluice: crash point %s reached: SIGKILL\n", name);
  std::fflush(stderr);
  ::kill(::getpid(), SIGKILL);
  ::_exit(137);  // not reached
}

}  // namespace sluice
