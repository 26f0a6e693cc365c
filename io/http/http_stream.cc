#include "sluice/io/http/http_stream.h"

namespace sluice {

bool HttpStream::Send(std::string_view bytes) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::kOpen) return false;
    // Cut off when already that far behind, so one Send larger than the bound (a big
    // batch, a full replay) still goes to a client that keeps up.
    if (buffered_ > max_buffered_bytes_) {
      state_ = State::kCutOff;
      queued_.clear();  // not worth finishing: the client will see the connection end
    } else {
      queued_.append(bytes);
      buffered_ += bytes.size();
    }
    wake = !woken_;
    woken_ = true;
  }
  if (wake) wake_writer_();
  return state() == State::kOpen;
}

void HttpStream::End(State state) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::kOpen) return;
    state_ = state;
    // Only a producer's Close still writes what is queued; for the others it is dead.
    if (state != State::kClosed) queued_.clear();
    wake = !woken_;
    woken_ = true;
  }
  if (wake) wake_writer_();
}

HttpStream::State HttpStream::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::string HttpStream::Take() {
  std::lock_guard lock(mutex_);
  woken_ = false;
  std::string taken;
  taken.swap(queued_);
  return taken;
}

void HttpStream::Written(size_t bytes) {
  std::lock_guard lock(mutex_);
  buffered_ -= bytes;
}

}  // namespace sluice
