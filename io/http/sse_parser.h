// Parses a text/event-stream by the WHATWG rules (html.spec.whatwg.org, "Server-sent
// events", interpreting an event stream): lines end in CR, LF or CRLF; "field: value"
// lines set event, data, id or retry; a line starting with ':' is a comment; a blank
// line dispatches the event if it has data. Bytes may arrive cut anywhere.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

struct SseMessage {
  std::string id;     // the last id the stream set (it carries over to later events)
  std::string event;  // "" when the stream named none ("message")
  std::string data;   // data lines joined with "\n"
};

class SseParser {
 public:
  // `max_event_bytes` bounds a line and an event's data; past it, Feed fails.
  explicit SseParser(size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

  // Feeds the next bytes; `dispatch` gets each complete event. False if a line or an
  // event passed the bound (the stream should be dropped).
  bool Feed(std::string_view bytes, const std::function<void(SseMessage&)>& dispatch);
  // The id of the last event dispatched, or of the last id line before a blank line
  // (what to send as Last-Event-ID). An id line of an event cut off by a reconnect
  // does not count: that event was never received.
  const std::string& last_event_id() const { return last_event_id_; }
  // The id the event being read would carry (for messages about it).
  const std::string& pending_event_id() const { return id_buffer_; }
  void set_last_event_id(std::string id) {
    last_event_id_ = id;
    id_buffer_ = std::move(id);
  }
  // The reconnection time the stream asked for with "retry:", if it did.
  std::optional<int64_t> retry_ms() const { return retry_ms_; }
  // A new connection: a half line or half event of the old one is dropped.
  void Reset();

 private:
  bool FeedLines(std::string_view bytes,
                 const std::function<void(SseMessage&)>& dispatch);
  bool Line(std::string_view line, const std::function<void(SseMessage&)>& dispatch);

  const size_t max_event_bytes_;
  std::string partial_;        // a line not yet ended
  bool after_cr_ = false;      // the last byte was CR: a following LF ends nothing
  int bom_matched_ = 0;        // bytes of a leading BOM seen so far; -1: past the start
  std::string last_event_id_;  // committed at each blank line (WHATWG "dispatch")
  std::string id_buffer_;      // set by id lines
  std::string event_;
  std::string data_;
  bool has_data_ = false;
  std::optional<int64_t> retry_ms_;
};

}  // namespace sluice
