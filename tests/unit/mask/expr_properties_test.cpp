// Properties of masks over seeded random expressions and geometries: the laws of & | ! hold, and
// an expression, its bool matrix and its additive matrix give the same α.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "../support/random_inputs.hpp"
#include "attn/core/attention.hpp"
#include "attn/core/error.hpp"
#include "attn/io/input.hpp"
#include "attn/io/parse.hpp"
#include "attn/mask/expr.hpp"

using attn::BoolMatrix;
using attn::Geometry;
using attn::MaskExpr;
using attn::Matrix;
using doctest::Approx;
using namespace attn_test;

TEST_CASE("a bool mask and its additive form give the same α, through load_input") {
  std::mt19937_64 rng(4);
  for (int trial = 0; trial < 1000; ++trial) {
    const std::size_t n_q = 1 + below(rng, 4), n_k = 1 + below(rng, 5), d = 1 + below(rng, 3);
    const Matrix q = random_matrix(rng, n_q, d, 3.0), k = random_matrix(rng, n_k, d, 3.0);
    const BoolMatrix allowed = random_mask(rng, n_q, n_k);
    nlohmann::json bools = nlohmann::json::array(), additive = nlohmann::json::array();
    for (std::size_t i = 0; i < n_q; ++i) {
      nlohmann::json b = nlohmann::json::array(), a = nlohmann::json::array();
      for (std::size_t j = 0; j < n_k; ++j) {
        b.push_back(allowed(i, j));
        a.push_back(allowed(i, j) ? nlohmann::json(0) : nlohmann::json("-Infinity"));
      }
      bools.push_back(b);
      additive.push_back(a);
    }
    const auto literal = [](const Matrix& m) {
      nlohmann::json rows = nlohmann::json::array();
      for (std::size_t i = 0; i < m.rows(); ++i)
        rows.push_back(std::vector<double>(m.row(i).begin(), m.row(i).end()));
      return rows.dump();
    };
    const auto weights = [&](const std::string& mask) {
      attn::InputArgs args;
      args.q = literal(q);
      args.k = literal(k);
      args.mask = mask;
      return attn::run_heads(attn::load_input(args, attn::Stage::weights), attn::Stage::weights)
          .heads.front()
          .trace.softmax->weights;
    };
    CAPTURE(trial);
    CAPTURE(bools.dump());
    const Matrix wb = weights(bools.dump());
    const Matrix wa = weights(additive.dump());
    REQUIRE(wb.size() == wa.size());
    for (std::size_t n = 0; n < wb.size(); ++n) REQUIRE(wb.values()[n] == wa.values()[n]);
    for (std::size_t i = 0; i < n_q; ++i)
      for (std::size_t j = 0; j < n_k; ++j)
        if (!allowed(i, j)) REQUIRE(wb(i, j) == 0.0);
  }
}

// Random mask expressions over atoms that fit any shape (valid:L with one L and document:… need
// matching lengths, so they are left to mask_expr_test).
namespace {

std::string random_atom(std::mt19937_64& rng) {
  switch (below(rng, 8)) {
    case 0:
      return "causal";
    case 1:
      return fmt::format("window:{}", 1 + below(rng, 4));
    case 2:
      return fmt::format("local:{}", below(rng, 3));
    case 3:
      return fmt::format("prefix:{}", below(rng, 4));
    case 4:
      return fmt::format("valid:{}", below(rng, 6));
    case 5:
      return fmt::format("chunk:{}", 1 + below(rng, 3));
    case 6:
      return fmt::format("dilated:{}:{}", below(rng, 4), 1 + below(rng, 2));
    default:
      return (rng() & 1) != 0 ? "full" : "none";
  }
}

std::string random_expr(std::mt19937_64& rng, int depth) {
  if (depth == 0 || below(rng, 3) == 0) return random_atom(rng);
  switch (below(rng, 3)) {
    case 0:
      return "!(" + random_expr(rng, depth - 1) + ")";
    case 1:
      return "(" + random_expr(rng, depth - 1) + ")&(" + random_expr(rng, depth - 1) + ")";
    default:
      return "(" + random_expr(rng, depth - 1) + ")|(" + random_expr(rng, depth - 1) + ")";
  }
}

Geometry random_geometry(std::mt19937_64& rng) {
  return {below(rng, 7), below(rng, 7),
          (rng() & 1) != 0 ? attn::Align::top_left : attn::Align::bottom_right};
}

}  // namespace

// mask_expr_test checks that &, |, ! are cellwise and De Morgan; these are the remaining laws of
// a Boolean algebra, cell by cell on random shapes.
TEST_CASE("mask laws: commutative, associative, distributive, absorption, complement, identity") {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 1500; ++trial) {
    const Geometry g = random_geometry(rng);
    const std::string a = "(" + random_expr(rng, 2) + ")";
    const std::string b = "(" + random_expr(rng, 2) + ")";
    const std::string c = "(" + random_expr(rng, 2) + ")";
    CAPTURE(a);
    CAPTURE(b);
    CAPTURE(c);
    CAPTURE(g.n_q);
    CAPTURE(g.n_k);
    const auto eval = [&](const std::string& text) { return MaskExpr::parse(text).evaluate(g); };
    const BoolMatrix all(g.n_q, g.n_k, true), nothing(g.n_q, g.n_k, false);
    CHECK(eval(a + "&" + b) == eval(b + "&" + a));
    CHECK(eval(a + "|" + b) == eval(b + "|" + a));
    CHECK(eval("(" + a + "&" + b + ")&" + c) == eval(a + "&(" + b + "&" + c + ")"));
    CHECK(eval("(" + a + "|" + b + ")|" + c) == eval(a + "|(" + b + "|" + c + ")"));
    CHECK(eval(a + "&(" + b + "|" + c + ")") == eval(a + "&" + b + "|" + a + "&" + c));
    CHECK(eval(a + "|" + b + "&" + c) == eval("(" + a + "|" + b + ")&(" + a + "|" + c + ")"));
    CHECK(eval(a + "&(" + a + "|" + b + ")") == eval(a));  // absorption
    CHECK(eval(a + "|" + a + "&" + b) == eval(a));
    CHECK(eval(a + "&" + a) == eval(a));  // idempotence
    CHECK(eval(a + "|" + a) == eval(a));
    CHECK(eval(a + "&!" + a) == nothing);  // complement
    CHECK(eval(a + "|!" + a) == all);
    CHECK(eval(a + "&full") == eval(a));  // identity; `none` is the same as `full`
    CHECK(eval(a + "|none") == all);
    CHECK(eval("!full") == nothing);
    // The canonical text denotes the same mask.
    CHECK(eval(MaskExpr::parse(a + "&" + b + "|!" + c).to_string()) ==
          eval(a + "&" + b + "|!" + c));
  }
}

TEST_CASE("a mask expression and its additive matrix give the same α") {
  std::mt19937_64 rng(6);
  for (int trial = 0; trial < 1000; ++trial) {
    const std::size_t n_q = 1 + below(rng, 5), n_k = 1 + below(rng, 5);
    const Geometry g{n_q, n_k, attn::Align::bottom_right};
    const std::string expr = random_expr(rng, 2);
    CAPTURE(expr);
    const BoolMatrix allowed = MaskExpr::parse(expr).evaluate(g);
    const Matrix beta = random_matrix(rng, n_q, n_k, 5.0);
    const Matrix w =
        attn::softmax_rows(attn::add_cellwise(beta, attn::to_additive(allowed))).weights;
    // The same, by hand: softmax over the allowed cells only.
    for (std::size_t i = 0; i < n_q; ++i) {
      double m = -kInf, sum = 0;
      for (std::size_t j = 0; j < n_k; ++j)
        if (allowed(i, j)) m = std::max(m, beta(i, j));
      for (std::size_t j = 0; j < n_k; ++j)
        if (allowed(i, j)) sum += std::exp(beta(i, j) - m);
      for (std::size_t j = 0; j < n_k; ++j) {
        CAPTURE(i);
        CAPTURE(j);
        const double expected = allowed(i, j) ? std::exp(beta(i, j) - m) / sum : 0.0;
        REQUIRE(w(i, j) == Approx(expected).epsilon(1e-12));
      }
    }
  }
}
