// With tensor files, every option of `attn attend --help` either changes what attn does (its
// stdout, stderr, exit status or the files it writes) or is refused with exit 2 and a message
// naming it. The table below classifies each option; an option in --help that the table does not
// know fails the test, so a new flag cannot be added without deciding what it does with tensors.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Outcome {
  int status = -1;
  std::string out, err, files;  // files: the names and sizes of what the run wrote
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs attn with `args` in an empty scratch directory; timings (which vary) are blanked.
Outcome run_attn(const std::string& args) {
  static int n = 0;
  const fs::path dir =
      fs::temp_directory_path() / fmt::format("attn-options-{}-{}", ::getpid(), n++);
  fs::create_directories(dir);
  const std::string script = fmt::format(
      "cd '{}' && unset NO_COLOR CLICOLOR_FORCE FORCE_COLOR && '{}' {} >.out 2>.err </dev/null",
      dir.string(), ATTN_BINARY, args);
  const int raw = std::system(script.c_str());
  Outcome o;
  o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  static const std::regex timing(R"("timing_ms":\{[^}]*\}|[0-9.]+ ms)");
  o.out = std::regex_replace(slurp(dir / ".out"), timing, "T");
  o.err = std::regex_replace(slurp(dir / ".err"), timing, "T");
  for (const auto& e : fs::directory_iterator(dir))
    if (!e.path().filename().string().starts_with("."))
      o.files += fmt::format("{} {}\n", e.path().filename().string(), e.file_size());
  fs::remove_all(dir);
  return o;
}

// The long names (and -q, -h) of every option in `attn COMMAND --help`.
std::set<std::string> help_options(const std::string& command = "attend") {
  const std::string help = run_attn(command + " --help").out;
  std::set<std::string> names;
  static const std::regex option(R"(^  (-[a-z], )?(--[a-z][a-z0-9-]*))");
  std::istringstream in(help);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, option)) names.insert(m[2]);
  }
  return names;
}

std::string fixture(const std::string& name) {
  return fmt::format("'{}/tests/data/tensor/{}'", ATTN_SOURCE_DIR, name);
}

enum class Expect { changes, refused };

struct OptionCase {
  std::string args;      // the option and its value
  std::string baseline;  // added to both runs, so the option has something to act on
  Expect expect = Expect::changes;
};

// Walks every option `command --help` lists: each must be in `cases` (and every case in --help),
// and either change the outcome against the same run without it, or be refused by name (exit 2)
// with nothing written. base(name) is the command line the option's case is added to; with
// baseline_succeeds that line alone must succeed.
void walk_options(const std::string& command, const std::map<std::string, OptionCase>& cases,
                  const std::function<std::string(const std::string&)>& base,
                  bool baseline_succeeds) {
  const std::set<std::string> listed = help_options(command);
  REQUIRE(listed.size() > 30);
  for (const std::string& name : listed) {
    CAPTURE(name);
    const auto it = cases.find(name);
    REQUIRE_MESSAGE(it != cases.end(), "an option of ", command,
                    " --help the tensor test does not know");
    const OptionCase& c = it->second;
    const Outcome without = run_attn(base(name) + " " + c.baseline);
    const Outcome with = run_attn(base(name) + " " + c.baseline + " " + c.args);
    CAPTURE(c.args);
    CAPTURE(with.err);
    if (c.expect == Expect::refused) {
      CHECK(with.status == 2);
      CHECK(with.err.find(name) != std::string::npos);
      CHECK(with.files.empty());  // nothing written on error
      continue;
    }
    if (baseline_succeeds) CHECK(without.status == 0);
    const bool changed = with.status != without.status || with.out != without.out ||
                         with.err != without.err || with.files != without.files;
    CHECK(changed);
  }
  for (const auto& [name, c] : cases) {
    CAPTURE(name);
    CHECK(listed.count(name) == 1);  // the table has no option --help has lost
  }
}

}  // namespace

TEST_CASE("every attend option works with tensor files or is refused by name") {
  const std::string base =
      fmt::format("attend --q {} --k {} --v {} --mask causal", fixture("layer_q.npy"),
                  fixture("layer_k.npy"), fixture("layer_v.npy"));
  const std::string slice = "--batch 1 --head 1";
  const std::string blocked = "--kv-lens 5,0";  // batch 2 sees no key: empty rows, a warning
  const std::string checked = "--check-against " + fixture("layer_o_causal.npy");
  const std::string rope = "--rope --rope-dim 2";  // d_k is 3: the first 2 dimensions turn
  // 6×4 operands (d_k = 4), where --rope-dim and --rope-style have pairs to choose between
  const std::string small_base = fmt::format("attend --q {} --k {} --v {} --mask causal",
                                             fixture("q.npy"), fixture("k.npy"), fixture("v.npy"));
  const Expect refused = Expect::refused;
  const std::map<std::string, OptionCase> cases = {
      {"--help", {"--help", ""}},
      {"--q", {"--q " + fixture("layer_q_f16.npy"), ""}},  // replaces the base's --q
      {"--k", {"--k " + fixture("layer_k_bshd.npy"), ""}},
      {"--v", {"--v " + fixture("layer_v_3heads.npy"), ""}},
      {"--input", {"--input x.json", "", refused}},
      {"--scale", {"--scale 0.3", ""}},
      {"--no-scale", {"--no-scale", ""}},
      {"--mask", {"--mask window:2", ""}},
      {"--bias", {"--bias alibi", ""}},
      {"--bias-table", {"--bias-table 1,2", "", refused}},
      {"--softcap", {"--softcap 0.5", ""}},
      {"--softcap-order", {"--softcap-order cap-first", "--softcap 0.5", refused}},
      {"--heads", {"--heads 4", "", refused}},
      {"--rope", {rope, ""}},
      {"--rope-base", {"--rope-base 3", rope}},
      {"--rope-style", {"--rope-style interleaved", "--rope"}},  // small_base
      {"--rope-dim", {"--rope-dim 2", "--rope"}},                // small_base
      {"--rope-scale", {"--rope-scale 2", rope}},
      {"--q-positions", {"--q-positions 4,3,2,1,0", rope}},
      {"--k-positions", {"--k-positions 4,3,2,1,0", rope}},
      {"--kv-heads", {"--kv-heads 2", "", refused}},
      {"--head", {"--head 3", ""}},
      {"--align", {"--align top-left", ""}},
      {"--empty-rows", {"--empty-rows nan", blocked}},
      {"--json", {"--json", ""}},
      {"--format", {"--format markdown", slice}},
      {"--standalone", {"--standalone", "", refused}},
      {"--color", {"--color always", ""}},
      {"--digits", {"--digits 2", ""}},
      {"--quiet", {"-q", blocked}},
      {"--heatmap", {"--heatmap", slice}},
      {"--svg", {"--svg w.svg", slice}},
      {"--html", {"--html w.html", slice}},
      {"--tokens", {"--tokens a,b,c,d,e", slice + " --heatmap"}},
      {"--ascii", {"--ascii", slice + " --heatmap"}},
      {"--numbers", {"--numbers", slice + " --heatmap"}},
      {"--explain", {"--explain 3,1", slice}},
      {"--output", {"--output o.npy", ""}},
      {"--scores-out", {"--scores-out s.npy", ""}},
      {"--weights-out", {"--weights-out w.safetensors", ""}},
      {"--lse-out", {"--lse-out lse.npy", ""}},
      {"--layout", {"--layout bshd", ""}},
      {"--kv-lens", {"--kv-lens 5,3", ""}},
      {"--dtype", {"--dtype f32", ""}},
      {"--batch", {"--batch 2", ""}},
      {"--check-against", {checked, ""}},
      {"--rtol", {"--rtol 0.5", checked}},
      {"--atol", {"--atol 0.5", checked}},
      {"--timing", {"--timing", ""}},
      {"--threads", {"--threads 3", "--json"}},
      {"--bf16-products",
       {"--bf16-products", "", refused}},  // float64 files: tensor_bf16.t runs it
  };
  walk_options(
      "attend", cases,
      [&](const std::string& name) {
        return name == "--rope-style" || name == "--rope-dim" ? small_base : base;
      },
      /*baseline_succeeds=*/true);
}

TEST_CASE("every grad option works with tensor files or is refused by name") {
  const std::string base =
      fmt::format("grad --q {} --k {} --v {} --mask causal --dq-out dq.npy", fixture("layer_q.npy"),
                  fixture("layer_k.npy"), fixture("layer_v.npy"));
  const std::string d_out = " --do " + fixture("layer_do.npy");
  const std::string blocked = "--kv-lens 5,0";  // batch 2 sees no key: empty rows, a warning
  const std::string rope = "--rope --rope-dim 2";
  const Expect refused = Expect::refused;
  const std::map<std::string, OptionCase> cases = {
      {"--help", {"--help", ""}},
      {"--q", {"--q " + fixture("layer_q_f16.npy"), ""}},  // replaces the base's --q
      {"--k", {"--k " + fixture("layer_k_f16.npy"), ""}},
      {"--v", {"--v " + fixture("layer_v_f16.npy"), ""}},
      {"--input", {"--input x.json", "", refused}},
      {"--scale", {"--scale 0.3", ""}},
      {"--no-scale", {"--no-scale", ""}},
      {"--mask", {"--mask window:2", "--json"}},
      {"--bias", {"--bias alibi", ""}},
      {"--bias-table", {"--bias-table 1,2", "", refused}},
      {"--softcap", {"--softcap 0.5", ""}},
      {"--softcap-order", {"--softcap-order cap-first", "--softcap 0.5", refused}},
      {"--heads", {"--heads 4", "", refused}},
      {"--kv-heads", {"--kv-heads 2", "", refused}},
      {"--head", {"--head 3", "", refused}},
      {"--rope", {rope, ""}},
      {"--rope-base", {"--rope-base 3", rope}},
      {"--rope-style", {"--rope-style interleaved", rope}},
      {"--rope-dim", {"--rope-dim 2", "--rope"}},  // without it, d_k = 3 is odd: a usage error
      {"--rope-scale", {"--rope-scale 2", rope}},
      {"--q-positions", {"--q-positions 4,3,2,1,0", rope}},
      {"--k-positions", {"--k-positions 4,3,2,1,0", rope}},
      {"--align", {"--align top-left", "--json"}},
      {"--empty-rows", {"--empty-rows uniform", blocked}},
      {"--do", {d_out, ""}},  // without it, no dO: a usage error
      {"--loss", {"--loss mse", "", refused}},
      {"--target", {"--target 1", "", refused}},
      {"--dbias", {"--dbias", "--bias alibi", refused}},
      {"--json", {"--json", ""}},
      {"--format", {"--format markdown", "", refused}},
      {"--standalone", {"--standalone", "", refused}},
      {"--color", {"--color always", "", refused}},
      {"--digits", {"--digits 2", ""}},
      {"--quiet", {"-q", blocked}},
      {"--explain", {"--explain dq:0,0", "", refused}},
      {"--html", {"--html g.html", "", refused}},
      {"--tokens", {"--tokens a,b,c,d,e", "", refused}},
      {"--dq-out", {"--dq-out g.npy", ""}},
      {"--dk-out", {"--dk-out g.npy", ""}},
      {"--dv-out", {"--dv-out g.npy", ""}},
      {"--o", {"--o " + fixture("layer_o_causal.npy"), "--lse " + fixture("layer_lse_causal.npy")}},
      {"--lse", {"--lse " + fixture("layer_lse_causal.npy"), "", refused}},  // without --o
      {"--layout", {"--layout bshd", ""}},
      {"--kv-lens", {"--kv-lens 5,3", ""}},
      {"--dtype", {"--dtype f32", ""}},
      {"--timing", {"--timing", ""}},
      {"--threads", {"--threads 3", "--json"}},
  };
  // dO is given to every run but those of --do and --loss themselves
  walk_options(
      "grad", cases,
      [&](const std::string& name) {
        return name == "--do" || name == "--loss" ? base : base + d_out;
      },
      /*baseline_succeeds=*/false);
}

TEST_CASE("the RoPE flags change the numbers of o on the tensor path, not only its summary") {
  // the corner of o (6×4 operands: d_k = 4), after the summary's "with rope …" line
  const auto corner = [](const std::string& flags) {
    const Outcome o =
        run_attn(fmt::format("attend --q {} --k {} --v {} --mask causal --digits 8 {}",
                             fixture("q.npy"), fixture("k.npy"), fixture("v.npy"), flags));
    CAPTURE(flags);
    CAPTURE(o.err);
    CHECK(o.status == 0);
    const std::size_t at = o.out.find("o[:");
    REQUIRE(at != std::string::npos);
    return o.out.substr(at);
  };
  const std::vector<std::string> settings = {"",
                                             "--rope",
                                             "--rope --rope-base 3",
                                             "--rope --rope-style interleaved",
                                             "--rope --rope-dim 2",
                                             "--rope --rope-scale 2",
                                             "--rope --q-positions 5,4,3,2,1,0",
                                             "--rope --k-positions 5,4,3,2,1,0"};
  std::vector<std::string> corners;
  for (const std::string& flags : settings) corners.push_back(corner(flags));
  for (std::size_t a = 0; a < corners.size(); ++a)
    for (std::size_t b = a + 1; b < corners.size(); ++b) {
      CAPTURE(settings[a]);
      CAPTURE(settings[b]);
      CHECK(corners[a] != corners[b]);
    }
}

TEST_CASE("a refused or failing tensor job writes nothing") {
  const std::string base = fmt::format("attend --q {} --k {} --v {}", fixture("layer_q.npy"),
                                       fixture("layer_k.npy"), fixture("layer_v_3heads.npy"));
  const Outcome bad_shape = run_attn(base + " --output o.npy --lse-out l.npy");
  CHECK(bad_shape.status == 65);
  CHECK(bad_shape.files.empty());
  const Outcome bad_name =
      run_attn(fmt::format("attend --q {} --k {} --v {} --output o.npy --lse-out l.txt",
                           fixture("layer_q.npy"), fixture("layer_k.npy"), fixture("layer_v.npy")));
  CHECK(bad_name.status == 2);
  CHECK(bad_name.err.find("--lse-out l.txt") != std::string::npos);
  CHECK(bad_name.files.empty());
}
