#include "attn/core/rules.hpp"

#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include "attn/core/error.hpp"

namespace {

constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();

// Sanitizers reserve terabytes of address space, so an address-space limit cannot be tested
// under them.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// Runs `body` in a child process whose address space (ulimit -v) allows `extra` bytes beyond what
// it has mapped now; returns the child's exit status, which body returns.
template <class F>
int under_address_limit(std::size_t extra, F body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::size_t mapped_pages = 0;  // the first field of /proc/self/statm
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%zu", &mapped_pages) != 1) mapped_pages = 0;
      std::fclose(f);
    }
    rlimit limit{};
    limit.rlim_cur = limit.rlim_max = mapped_pages * page + extra;
    if (::setrlimit(RLIMIT_AS, &limit) != 0) ::_exit(90);
    ::_exit(body());
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("bytes_times saturates instead of wrapping") {
  CHECK(attn::bytes_times(1'000'000, 1'000'000) == 1'000'000'000'000);
  CHECK(attn::bytes_times(0, kMax) == 0);
  CHECK(attn::bytes_times(kMax / 2 + 1, 2) == kMax);  // 2^64 wraps to 0; saturates instead
  CHECK(attn::bytes_times(std::size_t{1} << 40, std::size_t{1} << 40) == kMax);
}

TEST_CASE("byte_size_text: decimal units") {
  CHECK(attn::byte_size_text(80) == "80 bytes");
  CHECK(attn::byte_size_text(12'345) == "12 kB");
  CHECK(attn::byte_size_text(450'000'000) == "450 MB");
  CHECK(attn::byte_size_text(34'359'738'368) == "34.4 GB");  // the 65536² doubles, 2^35 bytes
  CHECK(attn::byte_size_text(24'000'000'000'000) == "24.0 TB");
}

TEST_CASE("available_memory: some limit is known on Linux, and it is not zero") {
  const auto available = attn::available_memory();
  REQUIRE(available.has_value());  // /proc/meminfo at least
  CHECK(*available > 0);
}

TEST_CASE("check_memory refuses what does not fit under ulimit -v, naming the request") {
  if (kSanitized) return;
  // 300 MB beside what is mapped: 1 GB does not fit, 10 MB does.
  const int status = under_address_limit(300'000'000, [] {
    try {
      attn::check_memory(10'000'000, "a small matrix");
    } catch (...) {
      return 1;
    }
    try {
      attn::check_memory(1'000'000'000, "the 65536×65536 Jacobian");
      return 2;
    } catch (const attn::Error& e) {
      const std::string m = e.what();
      if (e.code() != attn::Exit::data) return 3;
      if (!m.starts_with("the 65536×65536 Jacobian needs 1.0 GB, more than the ")) return 4;
      if (!m.ends_with(" available")) return 5;
    }
    // An allocation that fails anyway names the last request and its size.
    const attn::Error oom = attn::out_of_memory_error();
    if (oom.code() != attn::Exit::data) return 6;
    if (std::string(oom.what()) != "out of memory: the 65536×65536 Jacobian needs 1.0 GB") return 7;
    return 0;
  });
  CHECK(status == 0);
}

TEST_CASE("check_memory: a size that overflowed is refused, not wrapped to a small one") {
  CHECK_THROWS_AS(attn::check_memory(attn::bytes_times(std::size_t{1} << 40, 1 << 30), "x"),
                  attn::Error);
}
