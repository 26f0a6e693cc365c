// Fault injection for crash tests: the steps of a commit call CrashPoint("name"), and
// a process started with SLUICE_CRASH_AT=<name>[:<n>] in its environment kills itself
// with SIGKILL the n-th time (default: the first) it reaches that point. Without the
// variable a crash point costs one relaxed load. tests/crash/ uses this to crash a
// job between each pair of steps of a checkpoint's and a sink's commit.
#pragma once

namespace sluice {

void CrashPoint(const char* name);

}  // namespace sluice
