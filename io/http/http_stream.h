// The body of a response written while it is produced (text/event-stream for
// Server-Sent Events). An endpoint answers with HttpResponse::open_stream set; the
// session writes the head, hands the endpoint an HttpStream, and writes whatever
// the endpoint sends until either side closes. Producers never wait on the client:
// Send only queues, and a client more than `max_buffered_bytes` behind is cut off
// (closed and counted by the producer), so a slow reader cannot slow a job. The
// queue holds at most max_buffered_bytes plus the last Send.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace sluice {

struct HttpStreamOptions {
  // Bytes queued for the client and not yet taken by the socket, at most.
  size_t max_buffered_bytes = size_t{4} << 20;
  // Sent when nothing else was for this long (an SSE comment keeps proxies from
  // closing an idle connection); empty: nothing.
  std::chrono::milliseconds keepalive{15000};
  std::string keepalive_bytes = ":\n\n";
};

class HttpStream {
 public:
  enum class State { kOpen, kClosed, kClientGone, kCutOff };

  // `wake_writer` is called (from Send's thread, outside the lock) when bytes wait
  // and the writer is not already woken.
  HttpStream(size_t max_buffered_bytes, std::function<void()> wake_writer)
      : max_buffered_bytes_(max_buffered_bytes), wake_writer_(std::move(wake_writer)) {}

  // Thread-safe. Queues `bytes`; false if the stream is no longer open, or the client
  // is more than max_buffered_bytes behind (it is then cut off).
  bool Send(std::string_view bytes);
  // Thread-safe. Ends the response once what is queued has been written.
  void Close() { End(State::kClosed); }
  State state() const;

  // For the session's writer. Takes everything queued; the bytes still count against
  // the bound until Written reports them.
  std::string Take();
  void Written(size_t bytes);
  // The connection failed or the client closed it.
  void ClientGone() { End(State::kClientGone); }
  // The client's socket took nothing for too long.
  void CutOff() { End(State::kCutOff); }

 private:
  void End(State state);

  const size_t max_buffered_bytes_;
  const std::function<void()> wake_writer_;
  mutable std::mutex mutex_;
  State state_ = State::kOpen;
  std::string queued_;
  size_t buffered_ = 0;  // queued_ and taken but not yet written
  bool woken_ = false;
};

}  // namespace sluice
