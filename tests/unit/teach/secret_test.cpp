#include "attn/teach/secret.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "attn/core/error.hpp"

namespace fs = std::filesystem;

namespace {

std::array<std::uint8_t, 16> key_0_to_15() {
  std::array<std::uint8_t, 16> k{};
  for (std::size_t i = 0; i < 16; ++i) k[i] = static_cast<std::uint8_t>(i);
  return k;
}

std::string bytes_0_to(std::size_t n) {
  std::string m;
  for (std::size_t i = 0; i < n; ++i) m += static_cast<char>(i);
  return m;
}

attn::ClassSecret secret_of(std::uint8_t fill) {
  attn::ClassSecret s;
  s.bytes.fill(fill);
  return s;
}

}  // namespace

TEST_CASE("siphash24: the published test vectors") {
  // Aumasson & Bernstein, "SipHash: a fast short-input PRF", appendix A: key 00 01 … 0f and the
  // 15-byte message 00 01 … 0e give the 64-bit value a129ca6149be45e5. The reference
  // implementation's vectors.h, as output bytes: the empty message 31 0e 0e dd 47 db 6f 72, the
  // one-byte message 00 fd 67 dc 93 c5 39 f8 74 (OpenSSL's SIPHASH MAC prints the same bytes for
  // all three; the value is the bytes read little-endian).
  const auto key = key_0_to_15();
  CHECK(attn::siphash24(key, bytes_0_to(15)) == 0xa129ca6149be45e5ULL);
  CHECK(attn::siphash24(key, "") == 0x726fdb47dd0e0e31ULL);
  CHECK(attn::siphash24(key, bytes_0_to(1)) == 0x74f839c593dc67fdULL);
}

TEST_CASE("the secret's file: written with mode 600, read back, never replaced") {
  const fs::path dir = fs::temp_directory_path() / fmt::format("attn-secret-{}", ::getpid());
  fs::create_directories(dir);
  const fs::path path = dir / "class.key";
  const attn::ClassSecret s = attn::new_class_secret();
  const mode_t old = ::umask(022);
  attn::write_class_secret(path, s);
  ::umask(old);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK_FALSE(attn::readable_by_others(path.string()));
  CHECK(attn::read_class_secret(path.string()).bytes == s.bytes);
  try {
    attn::write_class_secret(path, attn::new_class_secret());
    FAIL("an existing secret was replaced");
  } catch (const attn::Error& e) {
    CHECK(e.code() == attn::Exit::cant_create);
    CHECK(std::string(e.what()).find("already exists") != std::string::npos);
  }
  CHECK(attn::read_class_secret(path.string()).bytes == s.bytes);  // unchanged
  fs::permissions(path, fs::perms(0644));
  CHECK(attn::readable_by_others(path.string()));
  fs::remove_all(dir);
}

TEST_CASE("new_class_secret: 32 bytes from the system, different every time") {
  const auto a = attn::new_class_secret(), b = attn::new_class_secret();
  CHECK(a.bytes != b.bytes);  // a collision has probability 2^-256
}

TEST_CASE("parse_class_secret: comments, 64 hex digits, and nothing else") {
  const std::string digits(64, 'a');
  CHECK(attn::parse_class_secret("# c\n\n" + digits + "\n", "k").bytes == secret_of(0xaa).bytes);
  CHECK(attn::parse_class_secret(attn::class_secret_text(secret_of(0x3c)), "k").bytes ==
        secret_of(0x3c).bytes);
  CHECK_THROWS_WITH_AS(attn::parse_class_secret("abc\n", "k"),
                       "k: not an attn class secret: line 1 holds 3 characters, not 64 "
                       "hexadecimal digits",
                       attn::Error);
  CHECK_THROWS_WITH_AS(attn::parse_class_secret(std::string(64, 'g'), "k"),
                       "k: not an attn class secret: the key must be hexadecimal digits (0-9, a-f)",
                       attn::Error);
  CHECK_THROWS_WITH_AS(attn::parse_class_secret(digits + "\n" + digits, "k"),
                       "k: not an attn class secret: line 2: a second key line", attn::Error);
  CHECK_THROWS_WITH_AS(attn::parse_class_secret("# only a comment\n", "k"),
                       "k: not an attn class secret: no line of 64 hexadecimal digits",
                       attn::Error);
}

TEST_CASE("class_secret_path: the flag, else $ATTN_CLASS_SECRET") {
  CHECK(attn::class_secret_path(std::string("a.key"),
                                attn::fixed_env({{"ATTN_CLASS_SECRET", "b"}})) == "a.key");
  CHECK(attn::class_secret_path(std::nullopt, attn::fixed_env({{"ATTN_CLASS_SECRET", "b"}})) ==
        "b");
  CHECK_FALSE(attn::class_secret_path(std::nullopt, attn::fixed_env({{"ATTN_CLASS_SECRET", ""}})));
  CHECK_FALSE(attn::class_secret_path(std::nullopt, attn::fixed_env({})));
}

TEST_CASE("keyed seeds and ids: per secret, class and student; ids look like 7K3Q-M2XD") {
  const auto a = secret_of(1), b = secret_of(2);
  CHECK(attn::keyed_sheet_seed(a, 7, "Ada") != attn::keyed_sheet_seed(b, 7, "Ada"));
  CHECK(attn::keyed_sheet_seed(a, 7, "Ada") != attn::keyed_sheet_seed(a, 8, "Ada"));
  CHECK(attn::keyed_sheet_seed(a, 7, "Ada") != attn::keyed_sheet_seed(a, 7, "Bob"));
  CHECK(attn::keyed_sheet_seed(a, 7, "Ada") == attn::keyed_sheet_seed(a, 7, "Ada"));
  CHECK(attn::keyed_sheet_seed(a, 7, "Ada") < (std::uint64_t{1} << 53));
  std::set<std::string> ids;
  for (int n = 0; n < 200; ++n) {
    const std::string id = attn::keyed_sheet_id(a, 7, fmt::format("student {}", n));
    REQUIRE(id.size() == 9);
    CHECK(id[4] == '-');
    for (std::size_t i = 0; i < id.size(); ++i)
      if (i != 4)
        CHECK(std::string_view("0123456789ABCDEFGHJKMNPQRSTVWXYZ").find(id[i]) !=
              std::string_view::npos);
    ids.insert(id);
  }
  CHECK(ids.size() == 200);
  // The id is not the seed in another form: it comes from the other half of the key.
  attn::ClassSecret half = a;
  half.bytes[20] ^= 1;  // change the id key only
  CHECK(attn::keyed_sheet_seed(half, 7, "Ada") == attn::keyed_sheet_seed(a, 7, "Ada"));
  CHECK(attn::keyed_sheet_id(half, 7, "Ada") != attn::keyed_sheet_id(a, 7, "Ada"));
}
