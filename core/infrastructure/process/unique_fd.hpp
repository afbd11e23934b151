#pragma once

#include <unistd.h>

#include <utility>

namespace ryax::infra::process {

// Owns one file descriptor and closes it on destruction. Move-only; -1 means
// "none".
class UniqueFd
{
public:
  // Hold nothing.
  UniqueFd() = default;

  // Take ownership of `fd` (may be -1, e.g. a failed open()).
  explicit UniqueFd(int fd);

  UniqueFd(UniqueFd&& other) noexcept;
  // Close what this holds and take what `other` holds.
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  // The held descriptor, or -1.
  int get() const;

  // Whether a descriptor is held (get() >= 0).
  bool valid() const;

  // Give up ownership without closing: return the descriptor, hold nothing.
  [[nodiscard]] int release();

  // Close the held descriptor, if any, and hold `fd`. The close() result is
  // ignored; call ::close(release()) where it matters.
  void reset(int fd = -1);

private:
  int m_fd = -1;
};

// --- Inline implementations ---

inline UniqueFd::UniqueFd(int fd)
  : m_fd(fd)
{
}

inline UniqueFd::UniqueFd(UniqueFd&& other) noexcept
  : m_fd(other.release())
{
}

inline UniqueFd&
UniqueFd::operator=(UniqueFd&& other) noexcept
{
  if (this != &other) {
    reset(other.release());
  }
  return *this;
}

inline UniqueFd::~UniqueFd()
{
  reset();
}

inline int
UniqueFd::get() const
{
  return m_fd;
}

inline bool
UniqueFd::valid() const
{
  return m_fd >= 0;
}

inline int
UniqueFd::release()
{
  return std::exchange(m_fd, -1);
}

inline void
UniqueFd::reset(int fd)
{
  if (m_fd >= 0) {
    ::close(m_fd);
  }
  m_fd = fd;
}

} // namespace ryax::infra::process
