// A request as the HTTP server hands it to an endpoint, and the endpoint's answer.
// Plain values: endpoints never see the socket library.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
