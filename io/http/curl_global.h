// libcurl's process-wide setup, done once before the first handle (thread-safe).
#pragma once

namespace sluice {

void InitCurlOnce();

}  // namespace sluice
