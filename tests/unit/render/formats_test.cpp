#include "attn/render/formats.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>

using attn::Format;
using attn::FormatOptions;
using attn::Matrix;

namespace {

constexpr double kBlocked = -std::numeric_limits<double>::infinity();

// q = k = I₂, --no-scale, causal: s = I, c = 1, so c·s = I; M = [[0, −∞], [0, 0]];
// β = c·s + M = [[1, −∞], [0, 1]]. Every number is exact, so the goldens below are by hand.
attn::Request identity_causal() {
  attn::Request r;
  r.problem.q = Matrix{{1, 0}, {0, 1}};
  r.problem.k = Matrix{{1, 0}, {0, 1}};
  r.problem.mask = Matrix{{0, kBlocked}, {0, 0}};
  r.problem.mask_label.text = "causal";
  r.problem.scale = 1.0;
  return r;
}

std::string render(Format f, attn::Stage stage, const FormatOptions& o = {}) {
  return attn::render_result(attn::run_heads(identity_causal(), stage), f, o);
}

// The CSV block whose header starts with `name,`: its lines without the CRLF.
std::vector<std::string> csv_block(const std::string& csv, const std::string& name) {
  std::vector<std::string> lines;
  auto at = csv.find(name + ",");
  while (at != std::string::npos && at < csv.size()) {
    const auto end = csv.find("\r\n", at);
    if (end == at) break;
    lines.push_back(csv.substr(at, end - at));
    at = end + 2;
  }
  return lines;
}

}  // namespace

TEST_CASE("parse_format and format_exact") {
  CHECK(attn::parse_format("latex") == Format::latex);
  CHECK(attn::parse_format("csv") == Format::csv);
  CHECK_FALSE(attn::parse_format("html"));
  CHECK(attn::format_names().size() == 5);
  CHECK(attn::format_exact(0.1) == "0.1");
  CHECK(attn::format_exact(1.0 / 3.0) == "0.3333333333333333");
  CHECK(std::stod(attn::format_exact(1.0 / 3.0)) == 1.0 / 3.0);
  CHECK(attn::format_exact(kBlocked) == "-inf");
  CHECK(attn::format_exact(2) == "2");
}

TEST_CASE("render_trace as Markdown: a heading per step, formulas in ```math, tables") {
  CHECK(render(Format::markdown, attn::Stage::scores) ==
        R"(## Scores of 2 queries against 2 keys

### Inputs

| q | 0 | 1 |
|---|---:|---:|
| q0 | 1 | 0 |
| q1 | 0 | 1 |

| k | 0 | 1 |
|---|---:|---:|
| k0 | 1 | 0 |
| k1 | 0 | 1 |

### Dot products

```math
s_{ij} = q_i \cdot k_j
```

| s | k0 | k1 |
|---|---:|---:|
| q0 | 1 | 0 |
| q1 | 0 | 1 |

### Scale

```math
d_k = 2, \quad c = 1
```

| c·s | k0 | k1 |
|---|---:|---:|
| q0 | 1 | 0 |
| q1 | 0 | 1 |

### Mask: causal

```math
\beta = \ldots + M, \quad M_{ij} \in \{0, -\infty\}
```

| M | k0 | k1 |
|---|---:|---:|
| q0 | 0 | −∞ |
| q1 | 0 | 0 |

### Scores

| β | k0 | k1 |
|---|---:|---:|
| q0 | 1 | −∞ |
| q1 | 0 | 1 |
)");
}

TEST_CASE("render_trace as CSV: RFC 4180 blocks, scalars first, values exact") {
  const std::string expected =
      "quantity,value\r\nd_k,2\r\nscale,1\r\n"
      "\r\n"
      "q,0,1\r\nq0,1,0\r\nq1,0,1\r\n"
      "\r\n"
      "k,0,1\r\nk0,1,0\r\nk1,0,1\r\n"
      "\r\n"
      "s,k0,k1\r\nq0,1,0\r\nq1,0,1\r\n"
      "\r\n"
      "cs,k0,k1\r\nq0,1,0\r\nq1,0,1\r\n"
      "\r\n"
      "M,k0,k1\r\nq0,0,-inf\r\nq1,0,0\r\n"
      "\r\n"
      "beta,k0,k1\r\nq0,1,-inf\r\nq1,0,1\r\n";
  CHECK(render(Format::csv, attn::Stage::scores) == expected);
}

TEST_CASE("render_trace as CSV: weights at full precision, tokens as labels") {
  // β row 1 = [0, 1]: α = [1/(1+e), e/(1+e)] = [0.2689…, 0.7311…]; row 0 has one key: [1, 0]
  FormatOptions o;
  o.query_labels = o.key_labels = {"The", "cat"};
  o.number.digits = 2;  // CSV ignores --digits
  const auto alpha = csv_block(render(Format::csv, attn::Stage::weights, o), "alpha");
  REQUIRE(alpha.size() == 3);
  CHECK(alpha[0] == "alpha,The,cat");
  CHECK(alpha[1] == "The,1,0");
  const auto comma = alpha[2].find(',', 4);
  CHECK(alpha[2].substr(0, 4) == "cat,");
  const double a10 = std::stod(alpha[2].substr(4, comma - 4));
  const double a11 = std::stod(alpha[2].substr(comma + 1));
  CHECK(a10 == doctest::Approx(1 / (1 + std::exp(1.0))).epsilon(1e-15));
  CHECK(a11 == doctest::Approx(std::exp(1.0) / (1 + std::exp(1.0))).epsilon(1e-15));
  CHECK(alpha[2].size() > 20);  // 16–17 significant digits each, not 2 decimals
}

TEST_CASE("render_trace as LaTeX: bmatrix with -\\infty, standalone compiles") {
  const std::string tex = render(Format::latex, attn::Stage::scores);
  CHECK(tex.starts_with("\\section*{Scores of 2 queries against 2 keys}\n"));
  CHECK(tex.find("\\subsection*{Mask: causal}\n") != std::string::npos);
  CHECK(
      tex.find(
          "\\[\n\\beta = \\begin{bmatrix}\n  1 & -\\infty \\\\\n  0 & 1\n\\end{bmatrix}\n\\]\n") !=
      std::string::npos);
  CHECK(tex.find("\\documentclass") == std::string::npos);

  FormatOptions o;
  o.standalone = true;
  const std::string doc = render(Format::latex, attn::Stage::weights, o);
  CHECK(doc.starts_with("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"));
  CHECK(doc.ends_with("\\end{document}\n"));
  // α row 1 = [1/(1+e), e/(1+e)] = [0.26894…, 0.73106…] → 0.2689, 0.7311 at 4 decimals
  CHECK(doc.find("\\alpha = \\begin{bmatrix}\n  1 & 0 \\\\\n  0.2689 & 0.7311\n\\end{bmatrix}") !=
        std::string::npos);
  if (std::system("command -v pdflatex >/dev/null 2>&1") != 0) {
    MESSAGE("pdflatex not installed (Debian: texlive-latex-base): compilation not checked");
    return;
  }
  const auto dir =
      std::filesystem::temp_directory_path() / ("attn-latex-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "w.tex") << doc;
  CHECK(std::system(fmt::format("cd '{}' && pdflatex -interaction=nonstopmode -halt-on-error "
                                "w.tex >/dev/null 2>&1",
                                dir.string())
                        .c_str()) == 0);
  CHECK(std::filesystem::exists(dir / "w.pdf"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("render_matrix in each format") {
  const Matrix m{{1, kBlocked}, {1e-7, 0.5}};
  FormatOptions o;
  const attn::MatrixLabels labels{{"a,b", "say \"hi\""}, {"x", "y|z"}};
  SUBCASE("markdown: the name in the corner, | escaped, −∞") {
    CHECK(attn::render_matrix(m, Format::markdown, o, labels, "β") ==
          "| β | x | y\\|z |\n"
          "|---|---:|---:|\n"
          "| a,b | 1 | −∞ |\n"
          "| say \"hi\" | 1e-07 | 0.5 |\n");
  }
  SUBCASE("latex: 1e-07 as 1 × 10^{-7}, β as \\beta") {
    CHECK(attn::render_matrix(m, Format::latex, o, {}, "β") ==
          "% beta: rows 0, 1; columns 0, 1\n"
          "\\[\n\\beta = \\begin{bmatrix}\n"
          "  1 & -\\infty \\\\\n"
          "  1 \\times 10^{-7} & 0.5\n"
          "\\end{bmatrix}\n\\]\n");
  }
  SUBCASE("csv: fields with commas or quotes quoted, quotes doubled") {
    CHECK(attn::render_matrix(m, Format::csv, o, labels, "β") ==
          "beta,x,y|z\r\n"
          "\"a,b\",1,-inf\r\n"
          "\"say \"\"hi\"\"\",1e-07,0.5\r\n");
  }
  SUBCASE("json and text reuse the existing renderers") {
    CHECK(attn::render_matrix(m, Format::json, o) == "[[1.0,\"-Infinity\"],[1e-07,0.5]]\n");
    CHECK(attn::render_matrix(Matrix{{1, 2}}, Format::text, o, {}, "x") == "x =\n  1  2\n");
  }
  SUBCASE("a mask as 1 and 0, or JSON booleans") {
    const attn::BoolMatrix mask{{1, 0}, {1, 1}};
    CHECK(attn::render_mask_matrix(mask, Format::csv, o) == "mask,0,1\r\n0,1,0\r\n1,1,1\r\n");
    CHECK(attn::render_mask_matrix(mask, Format::json, o) == "[[true,false],[true,true]]\n");
  }
}
