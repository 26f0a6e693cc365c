#include "sluice/io/http/curl_global.h"

#include <curl/curl.h>

namespace sluice {

void InitCurlOnce() {
  static const bool initialized = [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return true;
  }();
  (void)initialized;
}

}  // namespace sluice
