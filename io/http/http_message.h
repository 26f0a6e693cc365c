// A request as the HTTP server hands it to an endpoint, and the endpoint's answer.
// Plain values: endpoints never see the socket library.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/io/http/http_stream.h"

namespace sluice {

struct HttpRequest {
  std::string method;  // "POST"
  std::string path;    // "/ingest", without the query
  std::string query;   // after '?', undecoded; empty if none
  // Header names in lower case, in arrival order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // as received (a gzip body is inflated by the endpoint)

  // The first header named `lower_case_name`, or "" if there is none.
  std::string_view Header(std::string_view lower_case_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_case_name) return value;
    }
    return {};
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond the usual ones
  // Set: a streamed answer (http_stream.h). `body` is ignored; the session writes the
  // head, then calls this, on an I/O thread, with the stream to send the body on.
  std::function<void(std::shared_ptr<HttpStream>)> open_stream;
  HttpStreamOptions stream_options;

  // {"error": message}, with the status; the message says what to change.
  static HttpResponse Error(int status, std::string_view message);
  static HttpResponse Json(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
  }
};

}  // namespace sluice
