#include "attn/mask/translate.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>

#include "attn/core/error.hpp"
#include "attn/core/suggest.hpp"

namespace attn {
namespace {

// ---- Library names -------------------------------------------------------------------------

struct LibraryInfo {
  Library id;
  std::string_view name;
  std::string_view title;
};

constexpr std::array<LibraryInfo, 7> library_info{{
    {Library::torch_sdpa, "torch-sdpa",
     "PyTorch SDPA (torch.nn.functional.scaled_dot_product_attention)"},
    {Library::torch_mha, "torch-mha", "PyTorch nn.MultiheadAttention"},
    {Library::flash_attn, "flash-attn", "flash-attn (flash_attn_func)"},
    {Library::hf, "hf", "Hugging Face transformers (masking_utils)"},
    {Library::xformers, "xformers", "xformers (xformers.ops.fmha.attn_bias)"},
    {Library::flex, "flex", "FlexAttention / attention-gym (mask_mod)"},
    {Library::d2l, "d2l", "d2l (masked_softmax with valid_lens)"},
}};

constexpr std::array<Library, 7> library_order{
    Library::torch_sdpa, Library::torch_mha, Library::flash_attn, Library::hf,
    Library::xformers,   Library::flex,      Library::d2l};

struct Alias {
  std::string_view name;
  Library id;
};
constexpr std::array<Alias, 11> aliases{{
    {"torch-sdpa", Library::torch_sdpa},
    {"sdpa", Library::torch_sdpa},
    {"torch-mha", Library::torch_mha},
    {"mha", Library::torch_mha},
    {"flash-attn", Library::flash_attn},
    {"hf", Library::hf},
    {"transformers", Library::hf},
    {"xformers", Library::xformers},
    {"flex", Library::flex},
    {"flexattention", Library::flex},
    {"d2l", Library::d2l},
}};

constexpr auto accepted_names = [] {
  std::array<std::string_view, aliases.size() + 1> names{};
  for (std::size_t k = 0; k < aliases.size(); ++k) names[k] = aliases[k].name;
  names.back() = "all";
  return names;
}();

const LibraryInfo& info(Library lib) {
  return *std::ranges::find(library_info, lib, &LibraryInfo::id);
}

// ---- Python's integer arithmetic, which PyTorch's // and % follow on integer tensors ---------

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
std::int64_t python_mod(std::int64_t a, std::int64_t b) {
  return a - b * floor_div(a, b);
}

// ---- The mask as a formula in PyTorch, parsed from MaskExpr's canonical text -----------------
//
// The formula is evaluated here by the semantics of the emitted Python, not by MaskExpr, so an
// explicit tensor form is checked against MaskExpr::evaluate rather than assumed to agree.

struct Formula {
  enum class Kind { atom, negation, conjunction, disjunction };
  Kind kind = Kind::atom;
  std::string name;                // atoms: causal, window, …
  std::vector<std::int64_t> args;  // atoms: the numbers after the name
  std::vector<Formula> operands;
};

class FormulaParser {
 public:
  explicit FormulaParser(std::string_view text) : text_(text) {}

  Formula parse() {
    Formula f = parse_or();
    skip_space();
    if (pos_ != text_.size()) fail();
    return f;
  }

 private:
  Formula parse_or() {
    return parse_list(Formula::Kind::disjunction, '|', [this] { return parse_and(); });
  }
  Formula parse_and() {
    return parse_list(Formula::Kind::conjunction, '&', [this] { return parse_unary(); });
  }
  template <class F>
  Formula parse_list(Formula::Kind kind, char op, F next) {
    Formula first = next();
    Formula list{kind, {}, {}, {}};
    list.operands.push_back(std::move(first));
    while (accept(op)) list.operands.push_back(next());
    return list.operands.size() == 1 ? std::move(list.operands.front()) : list;
  }
  Formula parse_unary() {
    if (accept('!')) return Formula{Formula::Kind::negation, {}, {}, {parse_unary()}};
    if (accept('(')) {
      Formula inner = parse_or();
      if (!accept(')')) fail();
      return inner;
    }
    skip_space();
    Formula atom;
    const std::size_t start = pos_;
    while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    atom.name = std::string(text_.substr(start, pos_ - start));
    if (atom.name.empty()) fail();
    if (pos_ < text_.size() && text_[pos_] == ':') {
      do {
        ++pos_;
        const std::size_t number = pos_;
        if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
        while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
        atom.args.push_back(std::stoll(std::string(text_.substr(number, pos_ - number))));
      } while (pos_ < text_.size() && (text_[pos_] == ',' || text_[pos_] == ':'));
    }
    if (atom.name == "none") atom.name = "full";
    return atom;
  }
  bool accept(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void skip_space() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }
  [[noreturn]] void fail() const {
    throw Error(Exit::internal,
                fmt::format("translate: cannot read the canonical mask text '{}'", text_));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

// Whether the emitted Python keeps (i, p, j): row i at position p, key j.
bool python_allows(const Formula& f, std::size_t i, std::int64_t p, std::int64_t j) {
  const auto& a = f.args;
  switch (f.kind) {
    case Formula::Kind::negation:
      return !python_allows(f.operands[0], i, p, j);
    case Formula::Kind::conjunction:
      return std::ranges::all_of(f.operands,
                                 [&](const Formula& g) { return python_allows(g, i, p, j); });
    case Formula::Kind::disjunction:
      return std::ranges::any_of(f.operands,
                                 [&](const Formula& g) { return python_allows(g, i, p, j); });
    case Formula::Kind::atom:
      break;
  }
  if (f.name == "full") return true;
  if (f.name == "causal") return j <= p;                            // (j <= p)
  if (f.name == "window") return j <= p && p - j < a[0];            // (j <= p) & (p - j < W)
  if (f.name == "local") return std::abs(p - j) <= a[0];            // ((p - j).abs() <= W)
  if (f.name == "prefix") return j < a[0] || j <= p;                // (j < P) | (j <= p)
  if (f.name == "valid") return j < (a.size() == 1 ? a[0] : a[i]);  // (j < lengths[i])
  if (f.name == "document") {  // (p >= 0) & (ids[p.clamp(min=0)] == ids[j])
    const auto n = static_cast<std::int64_t>(a.size());
    return p >= 0 && p < n && j < n &&
           a[static_cast<std::size_t>(p)] == a[static_cast<std::size_t>(j)];
  }
  if (f.name == "chunk") return floor_div(p, a[0]) == floor_div(j, a[0]);  // (p // C == j // C)
  if (f.name == "dilated")  // ((p - j).abs() <= W) & ((p - j) % D == 0)
    return std::abs(p - j) <= a[0] && python_mod(p - j, a[1]) == 0;
  throw Error(Exit::internal, fmt::format("translate: unknown atom '{}'", f.name));
}

// Python text and its precedence: 1 = `a | b`, 2 = `a & b`, 3 = parenthesised or unary.
struct Code {
  std::string text;
  int level = 3;
};

std::string at_least(const Code& c, int level) {
  return c.level >= level ? c.text : "(" + c.text + ")";
}

// In a tensor context `full` must still have the full shape; in a mask_mod it is one value.
Code python_code(const Formula& f, bool mask_mod, bool negative_positions) {
  const auto& a = f.args;
  const auto join = [&](std::string_view op, int level) {
    std::vector<std::string> parts;
    for (const Formula& g : f.operands)
      parts.push_back(at_least(python_code(g, mask_mod, negative_positions), level));
    return Code{fmt::format("{}", fmt::join(parts, op)), level};
  };
  switch (f.kind) {
    case Formula::Kind::negation:
      return {"~" + at_least(python_code(f.operands[0], mask_mod, negative_positions), 3), 3};
    case Formula::Kind::conjunction:
      return join(" & ", 2);
    case Formula::Kind::disjunction:
      return join(" | ", 1);
    case Formula::Kind::atom:
      break;
  }
  if (f.name == "full")
    return {mask_mod ? "torch.tensor(True)" : "torch.ones(L, S, dtype=torch.bool)", 3};
  if (f.name == "causal") return {"(j <= p)", 3};
  if (f.name == "window") return {fmt::format("(j <= p) & (p - j < {})", a[0]), 2};
  if (f.name == "local") return {fmt::format("((p - j).abs() <= {})", a[0]), 3};
  if (f.name == "prefix") return {fmt::format("(j < {}) | (j <= p)", a[0]), 1};
  if (f.name == "valid")
    return {a.size() == 1 ? fmt::format("(j < {})", a[0]) : std::string("(j < lengths[i])"), 3};
  if (f.name == "document")
    return negative_positions ? Code{"(p >= 0) & (ids[p.clamp(min=0)] == ids[j])", 2}
                              : Code{"(ids[p] == ids[j])", 3};
  if (f.name == "chunk") return {fmt::format("(p // {0} == j // {0})", a[0]), 3};
  if (f.name == "dilated")
    return {fmt::format("((p - j).abs() <= {}) & ((p - j) % {} == 0)", a[0], a[1]), 2};
  throw Error(Exit::internal, fmt::format("translate: unknown atom '{}'", f.name));
}

// The lists the formula indexes: `lengths = torch.tensor([…])`, `ids = torch.tensor([…])`.
std::string python_constants(const Formula& f) {
  std::string out;
  std::vector<std::string> seen;
  std::function<void(const Formula&)> visit = [&](const Formula& g) {
    for (const Formula& h : g.operands) visit(h);
    if (g.kind != Formula::Kind::atom) return;
    std::string line;
    if (g.name == "valid" && g.args.size() > 1)
      line = fmt::format("lengths = torch.tensor([{}])  # valid: one length per query row\n",
                         fmt::join(g.args, ", "));
    if (g.name == "document")
      line = fmt::format("ids = torch.tensor([{}])  # document: segment id per position\n",
                         fmt::join(g.args, ", "));
    if (!line.empty() && std::ranges::find(seen, line) == seen.end()) {
      out += line;
      seen.push_back(line);
    }
  };
  visit(f);
  return out;
}

std::string position_line(const Geometry& g, std::string_view indent) {
  if (g.offset() == 0)
    return fmt::format("{}p = i  # query positions{}\n", indent,
                       g.n_q == g.n_k ? "" : " (top-left)");
  return fmt::format("{}p = i + (S - L)  # query positions (bottom-right)\n", indent);
}

// ---- Library rules, each as its documentation states it -------------------------------------

using Rule = std::function<bool(std::size_t i, std::size_t j)>;

BoolMatrix matrix_of(const Geometry& g, const Rule& rule) {
  BoolMatrix m(g.n_q, g.n_k);
  for (std::size_t i = 0; i < g.n_q; ++i)
    for (std::size_t j = 0; j < g.n_k; ++j) m(i, j) = rule(i, j);
  return m;
}

BoolMatrix complement(BoolMatrix m) {
  for (std::size_t i = 0; i < m.rows(); ++i)
    for (unsigned char& cell : m.row(i)) cell ^= 1;
  return m;
}

std::int64_t to_i64(std::size_t x) {
  return static_cast<std::int64_t>(x);
}

// torch.ones(L, S).tril(diagonal=d): keeps j − i ≤ d. SDPA's is_causal and
// causal_upper_left use d = 0; causal_lower_right uses d = S − L.
Rule tril(std::int64_t d) {
  return [d](std::size_t i, std::size_t j) { return to_i64(j) - to_i64(i) <= d; };
}

// flash-attn window_size=(l, r), −1 = unbounded: keys in [i + S − L − l, i + S − L + r].
// causal=True is window_size=(l, 0).
Rule flash_window(const Geometry& g, std::int64_t l, std::int64_t r) {
  const std::int64_t shift = to_i64(g.n_k) - to_i64(g.n_q);
  return [=](std::size_t i, std::size_t j) {
    const std::int64_t row = to_i64(i) + shift, key = to_i64(j);
    return (l < 0 || key >= row - l) && (r < 0 || key <= row + r);
  };
}

std::string flash_call(bool causal, std::int64_t l, std::int64_t r) {
  std::vector<std::string> args{"q", "k", "v"};
  if (causal) args.emplace_back("causal=True");
  if (l >= 0 || (!causal && r >= 0)) args.push_back(fmt::format("window_size=({}, {})", l, r));
  return fmt::format("flash_attn_func({})", fmt::join(args, ", "));
}

// ---- Recognising a conjunction of atoms that libraries have flags for ------------------------

struct Conjunction {
  bool ok = false;  // the expression is one atom or atoms joined by &
  bool causal = false;
  std::optional<std::int64_t> window, local, chunk, valid;  // valid: a single length
  std::optional<std::vector<std::int64_t>> document;
  bool other = false;  // some atom no library has a flag for (prefix, dilated, valid list, …)

  bool only(std::initializer_list<std::string_view> allowed) const {
    const auto has = [&](std::string_view name) {
      return std::ranges::find(allowed, name) != allowed.end();
    };
    return ok && !other && (has("causal") || !causal) && (has("window") || !window) &&
           (has("local") || !local) && (has("chunk") || !chunk) && (has("valid") || !valid) &&
           (has("document") || !document);
  }
};

Conjunction recognise(const Formula& f) {
  Conjunction c;
  std::vector<const Formula*> atoms;
  if (f.kind == Formula::Kind::atom) atoms.push_back(&f);
  if (f.kind == Formula::Kind::conjunction)
    for (const Formula& g : f.operands)
      if (g.kind == Formula::Kind::atom) atoms.push_back(&g);
  if (atoms.empty() || (f.kind == Formula::Kind::conjunction && atoms.size() != f.operands.size()))
    return c;
  c.ok = true;
  const auto set_once = [&](std::optional<std::int64_t>& slot, std::int64_t value) {
    if (slot && *slot != value) c.other = true;
    slot = value;
  };
  for (const Formula* a : atoms) {
    if (a->name == "full") continue;
    if (a->name == "causal")
      c.causal = true;
    else if (a->name == "window")
      set_once(c.window, a->args[0]);
    else if (a->name == "local")
      set_once(c.local, a->args[0]);
    else if (a->name == "chunk")
      set_once(c.chunk, a->args[0]);
    else if (a->name == "valid" && a->args.size() == 1)
      set_once(c.valid, a->args[0]);
    else if (a->name == "document" && !c.document)
      c.document = a->args;
    else
      c.other = true;
  }
  return c;
}

bool is_full(const Conjunction& c) {
  return c.only({});
}

// ---- Shared pieces of every translation ------------------------------------------------------

struct Context {
  const Geometry& g;
  const BoolMatrix& attn;
  Formula formula;
  Conjunction conj;
  std::string expr_text;

  bool any_empty_row() const {
    for (std::size_t i = 0; i < attn.rows(); ++i)
      if (attn.count_row(i) == 0) return true;
    return false;
  }
  std::string shape() const {
    return fmt::format("L, S = {}, {}  # queries, keys\n", g.n_q, g.n_k);
  }

  // The explicit bool tensor, True = may attend, and what the Python gives.
  Spelling tensor(std::string_view use) const {
    std::string code = shape() + python_constants(formula);
    code += "i = torch.arange(L)[:, None]  # query rows\n";
    code += position_line(g, "");
    code += "j = torch.arange(S)[None, :]  # key positions\n";
    code += fmt::format("mask = {}  # True = may attend\n",
                        python_code(formula, false, g.offset() < 0).text);
    code += use;
    return {code, python_matrix()};
  }
  BoolMatrix python_matrix() const {
    return matrix_of(g, [&](std::size_t i, std::size_t j) {
      return python_allows(formula, i, g.position(i), to_i64(j));
    });
  }
};

Translation make(Library lib, const Context& c, Spelling s, bool native) {
  Translation t;
  t.library = lib;
  t.exact = s.matrix == c.attn;
  t.spelling = std::move(s);
  t.native = native;
  return t;
}

void add_naive(Translation& t, Spelling naive) {
  if (naive.matrix != t.spelling.matrix) t.naive = std::move(naive);
}

// ---- One function per library ----------------------------------------------------------------

Translation torch_sdpa(const Context& c) {
  const Geometry& g = c.g;
  const std::string call = "F.scaled_dot_product_attention(q, k, v{})";
  Translation t;
  if (is_full(c.conj)) {
    t = make(
        Library::torch_sdpa, c,
        {fmt::format(fmt::runtime(call), "") + "  # no attn_mask", BoolMatrix(g.n_q, g.n_k, true)},
        true);
  } else if (c.conj.only({"causal"})) {
    // SDPA's is_causal keeps j ≤ i (torch.nn.functional docs: tril with diagonal 0).
    Spelling is_causal{fmt::format(fmt::runtime(call), ", is_causal=True"), matrix_of(g, tril(0))};
    if (is_causal.matrix == c.attn) {
      t = make(Library::torch_sdpa, c, std::move(is_causal), true);
    } else {
      const std::int64_t d = to_i64(g.n_k) - to_i64(g.n_q);
      t = make(
          Library::torch_sdpa, c,
          {"from torch.nn.attention.bias import causal_lower_right\n" +
               fmt::format(fmt::runtime(call),
                           fmt::format(", attn_mask=causal_lower_right({}, {})", g.n_q, g.n_k)),
           matrix_of(g, tril(d))},
          true);
      add_naive(t, std::move(is_causal));
      t.notes.push_back(
          "is_causal=True aligns top-left (keeps j ≤ i); attn's causal is bottom-right, so with "
          "N ≠ M use causal_lower_right (torch.nn.attention.bias)");
    }
  } else {
    t = make(Library::torch_sdpa, c,
             c.tensor(fmt::format(fmt::runtime(call), ", attn_mask=mask") + "\n"), false);
    t.notes.push_back("no flag gives this mask: pass the bool attn_mask, True = may attend");
  }
  if (c.any_empty_row())
    t.notes.push_back(
        "rows with every key blocked: current SDPA returns 0 for them (pytorch PRs #131060, "
        "#133882); older versions gave NaN");
  return t;
}

Translation torch_mha(const Context& c) {
  const Geometry& g = c.g;
  Translation t;
  if (is_full(c.conj)) {
    t = make(Library::torch_mha, c,
             {"mha(q, k, v)  # no attn_mask", BoolMatrix(g.n_q, g.n_k, true)}, true);
  } else if (c.conj.only({"valid"})) {
    // key_padding_mask (N, S): True = this key is padding, ignored.
    const std::int64_t len = *c.conj.valid;
    Spelling padding{
        fmt::format("key_padding_mask = torch.arange({})[None, :] >= {}  # True = padding, "
                    "BLOCKED\nmha(q, k, v, key_padding_mask=key_padding_mask)",
                    g.n_k, len),
        complement(matrix_of(g, [&](std::size_t, std::size_t j) { return to_i64(j) >= len; }))};
    t = make(Library::torch_mha, c, std::move(padding), true);
    add_naive(
        t, {fmt::format("key_padding_mask = torch.arange({})[None, :] < {}  # 1 = real "
                        "token, Hugging Face's polarity",
                        g.n_k, len),
            complement(matrix_of(g, [&](std::size_t, std::size_t j) { return to_i64(j) < len; }))});
    t.notes.push_back(
        "key_padding_mask is True where a key is padding (BLOCKED), the opposite of Hugging "
        "Face's attention_mask");
  } else {
    // attn_mask (L, S) bool: True = NOT allowed to attend.
    // Passing ~mask, which MHA reads as True = blocked, allows exactly the cells `mask` allows.
    Spelling blocked = c.tensor("mha(q, k, v, attn_mask=~mask)  # True = BLOCKED: note the ~\n");
    t = make(Library::torch_mha, c, std::move(blocked), false);
    add_naive(t, {"mha(q, k, v, attn_mask=mask)  # SDPA's polarity: wrong here",
                  complement(c.python_matrix())});
    t.notes.push_back(
        "nn.MultiheadAttention reads a bool attn_mask as True = NOT allowed, the opposite of SDPA "
        "(pytorch/pytorch #170400; rasbt/LLMs-from-scratch #1061)");
  }
  if (c.any_empty_row())
    t.notes.push_back(
        "rows with every key blocked: with need_weights=True nn.MultiheadAttention returns NaN "
        "(pytorch/pytorch #160064)");
  return t;
}

Translation flash_attn(const Context& c) {
  const Geometry& g = c.g;
  const Conjunction& k = c.conj;
  Translation t;
  std::optional<Spelling> candidate;
  if (k.only({"causal", "window", "local"})) {
    // attn's window:W keeps p − W < j ≤ p, i.e. l = W − 1, r = 0; local:W keeps l = r = W.
    std::int64_t l = -1, r = -1;
    const auto tighten = [](std::int64_t& bound, std::int64_t value) {
      bound = bound < 0 ? value : std::min(bound, value);
    };
    if (k.causal || k.window) tighten(r, 0);
    if (k.window) tighten(l, *k.window - 1);
    if (k.local) {
      tighten(l, *k.local);
      tighten(r, *k.local);
    }
    const bool causal = r == 0;
    candidate = Spelling{flash_call(causal, l, r), matrix_of(g, flash_window(g, l, r))};
    if (candidate->matrix == c.attn) {
      t = make(Library::flash_attn, c, std::move(*candidate), true);
      candidate.reset();
      if (k.window) {
        add_naive(t, {flash_call(true, *k.window, 0), matrix_of(g, flash_window(g, *k.window, 0))});
        t.notes.push_back(fmt::format(
            "window_size=(l, r) keeps keys [p − l, p + r], l + 1 + r of them: window:{0} (W = {0} "
            "keys, the query's own included) is window_size=({1}, 0), not ({0}, 0)",
            *k.window, *k.window - 1));
      }
      if (g.n_q != g.n_k)
        t.notes.push_back("flash-attn aligns causal and window_size bottom-right (p = i + S − L)");
      return t;
    }
  }
  t = make(Library::flash_attn, c,
           c.tensor("# flash_attn_func takes no mask tensor: run this mask through SDPA instead\n"
                    "F.scaled_dot_product_attention(q, k, v, attn_mask=mask)\n"),
           false);
  if (candidate) {
    t.naive = std::move(*candidate);
    t.notes.push_back(
        "flash-attn always aligns bottom-right (p = i + S − L); this mask is top-left with "
        "N ≠ M");
  }
  t.notes.push_back(
      "flash-attn can only express causal and window_size=(l, r) (plus padding and packed "
      "documents through flash_attn_varlen_func's cu_seqlens); this mask needs a tensor");
  return t;
}

Translation hf(const Context& c) {
  const Geometry& g = c.g;
  const Conjunction& k = c.conj;
  const bool decoder = k.causal || k.window.has_value();
  // cache_position cannot be negative, so rows before position 0 (N > M, bottom-right) cannot
  // be asked for.
  const bool native_shape =
      decoder ? k.only({"causal", "window", "chunk", "valid"}) && g.position(0) >= 0
              : k.only({"valid"});
  if (native_shape) {
    // masking_utils, with q_idx the query's cache position:
    //   causal_mask_function      kv_idx <= q_idx
    //   sliding_window_overlay(W) kv_idx > q_idx - W
    //   chunked_overlay(C)        kv_idx // C == q_idx // C
    //   padding                   attention_mask[kv_idx] == 1
    const std::int64_t first = g.position(0);
    std::string code;
    if (decoder) code += "# a decoder (causal LM): causal_mask_function keeps kv_idx <= q_idx\n";
    if (k.window)
      code +=
          fmt::format("config.sliding_window = {}  # keys q - {} < j <= q\n", *k.window, *k.window);
    if (k.chunk)
      code += fmt::format("config.attention_chunk_size = {}  # keys j // {} == q // {}\n", *k.chunk,
                          *k.chunk, *k.chunk);
    std::vector<std::string> args{"input_ids"};
    if (k.valid) {
      std::vector<int> ones(g.n_k, 0);
      for (std::size_t j = 0; j < g.n_k; ++j) ones[j] = to_i64(j) < *k.valid ? 1 : 0;
      code += fmt::format("attention_mask = torch.tensor([[{}]])  # 1 = real token\n",
                          fmt::join(ones, ", "));
      args.emplace_back("attention_mask=attention_mask");
    }
    if (decoder && first != 0)
      args.push_back(
          fmt::format("cache_position=torch.arange({}, {})", first, first + to_i64(g.n_q)));
    code += fmt::format("model({})", fmt::join(args, ", "));
    const auto rule = [&](std::size_t i, std::size_t j) {
      const std::int64_t q = first + to_i64(i), kv = to_i64(j);
      bool keep = true;
      if (decoder) keep = keep && kv <= q;
      if (k.window) keep = keep && kv > q - *k.window;
      if (k.chunk) keep = keep && floor_div(kv, *k.chunk) == floor_div(q, *k.chunk);
      if (k.valid) keep = keep && kv < *k.valid;
      return keep;
    };
    Translation t = make(Library::hf, c, {code, matrix_of(g, rule)}, true);
    if (t.exact) {
      if (k.window)
        t.notes.push_back(fmt::format(
            "sliding_window = {0} counts {0} keys, the token itself included; attention-gym's "
            "generate_sliding_window({0}) keeps {1} (see --as flex)",
            *k.window, *k.window + 1));
      if (c.any_empty_row())
        t.notes.push_back(
            "eager attention fills blocked scores with the dtype's minimum, not −∞: a row with "
            "every key blocked becomes uniform over all keys");
      return t;
    }
  }
  Translation t = make(Library::hf, c,
                       c.tensor("# pass it where your model takes a mask; bool True = may "
                                "attend, as in masking_utils\n"),
                       false);
  t.notes.push_back(
      "no transformers option gives this mask (config: sliding_window, attention_chunk_size; "
      "attention_mask: padding only); the tensor is below");
  return t;
}

Translation xformers(const Context& c) {
  const Geometry& g = c.g;
  const Conjunction& k = c.conj;
  const std::int64_t shift = to_i64(g.n_k) - to_i64(g.n_q);
  const std::string call = "xops.memory_efficient_attention(q, k, v, attn_bias={})";
  std::optional<Spelling> candidate;
  std::optional<Spelling> naive;
  if (is_full(k)) {
    candidate = Spelling{fmt::format(fmt::runtime(call), "None"), BoolMatrix(g.n_q, g.n_k, true)};
  } else if (k.only({"causal"})) {
    // LowerTriangularMask: tril(diagonal=0); ...FromBottomRightMask: tril(diagonal=S − L).
    Spelling top_left{fmt::format(fmt::runtime(call), "fmha.attn_bias.LowerTriangularMask()"),
                      matrix_of(g, tril(0))};
    if (g.offset() == 0) {
      candidate = std::move(top_left);
    } else {
      candidate = Spelling{
          fmt::format(fmt::runtime(call), "fmha.attn_bias.LowerTriangularFromBottomRightMask()"),
          matrix_of(g, tril(shift))};
      naive = std::move(top_left);
    }
  } else if (k.only({"causal", "window"}) && k.window) {
    // _materialize_causal_mask(window_size=W, from_bottomright=True):
    // tril(diagonal=S − L) then triu(diagonal=S − L − W + 1), i.e. keys (p − W, p].
    const std::int64_t w = *k.window;
    candidate = Spelling{
        fmt::format(
            fmt::runtime(call),
            fmt::format("fmha.attn_bias.LowerTriangularFromBottomRightLocalAttentionMask({})", w)),
        matrix_of(g, [=](std::size_t i, std::size_t j) {
          const std::int64_t d = to_i64(j) - to_i64(i);
          return d <= shift && d >= shift - w + 1;
        })};
    // LocalAttentionFromBottomRightMask(l, r) keeps p − l ≤ j ≤ p + r: l + 1 + r keys.
    naive = Spelling{
        fmt::format(fmt::runtime(call),
                    fmt::format("fmha.attn_bias.LocalAttentionFromBottomRightMask(window_left={}, "
                                "window_right=0)",
                                w)),
        matrix_of(g, flash_window(g, w, 0))};
  } else if (k.only({"causal", "local"}) && k.local) {
    const std::int64_t w = *k.local, r = k.causal ? 0 : w;
    candidate = Spelling{
        fmt::format(fmt::runtime(call),
                    fmt::format("fmha.attn_bias.LocalAttentionFromBottomRightMask(window_left={}, "
                                "window_right={})",
                                w, r)),
        matrix_of(g, [=](std::size_t i, std::size_t j) {
          // q − window_left ≤ k + s ≤ q + window_right with s = num_queries − num_keys
          const std::int64_t s = -shift, q = to_i64(i), key = to_i64(j);
          return q - w <= key + s && key + s <= q + r;
        })};
  } else if (k.only({"causal", "document"}) && k.document && g.n_q == g.n_k) {
    // BlockDiagonal*Mask.from_seqlens: one block per run of equal ids; causal within a block.
    std::vector<std::size_t> block_of(g.n_k), start_of_block;
    std::vector<std::int64_t> seqlens;
    for (std::size_t x = 0; x < g.n_k; ++x) {
      if (x == 0 || (*k.document)[x] != (*k.document)[x - 1]) {
        seqlens.push_back(0);
        start_of_block.push_back(x);
      }
      ++seqlens.back();
      block_of[x] = seqlens.size() - 1;
    }
    const bool causal = k.causal;
    candidate =
        Spelling{fmt::format(fmt::runtime(call),
                             fmt::format("fmha.attn_bias.{}.from_seqlens([{}])",
                                         causal ? "BlockDiagonalCausalMask" : "BlockDiagonalMask",
                                         fmt::join(seqlens, ", "))),
                 matrix_of(g, [&](std::size_t i, std::size_t j) {
                   return block_of[i] == block_of[j] && (!causal || j <= i);
                 })};
  }
  Translation t;
  if (candidate && candidate->matrix == c.attn) {
    t = make(Library::xformers, c, std::move(*candidate), true);
    if (naive) add_naive(t, std::move(*naive));
    if (t.naive && k.window)
      t.notes.push_back(fmt::format(
          "LowerTriangularFromBottomRightLocalAttentionMask({0}) keeps {0} keys; "
          "LocalAttentionFromBottomRightMask(window_left={0}, window_right=0) keeps {1}",
          *k.window, *k.window + 1));
    if (t.naive && !k.window)
      t.notes.push_back(
          "LowerTriangularMask is top-left (keeps j ≤ i); attn's causal is bottom-right when "
          "N ≠ M");
    if (k.document)
      t.notes.push_back("BlockDiagonal masks expect the sequences packed into a batch of 1");
    return t;
  }
  t = make(Library::xformers, c,
           c.tensor("attn_bias = torch.zeros(L, S).masked_fill(~mask, float(\"-inf\"))  # "
                    "additive: 0 = may attend\n" +
                    fmt::format(fmt::runtime(call), "attn_bias") + "\n"),
           false);
  if (candidate) t.naive = std::move(*candidate);
  t.notes.push_back(
      "no attn_bias class gives this mask: pass an additive float tensor (0 = may attend, −∞ = "
      "blocked)");
  return t;
}

Translation flex(const Context& c) {
  const Geometry& g = c.g;
  std::string code = c.shape() + python_constants(c.formula);
  code += "def mask_mod(b, h, q_idx, kv_idx):  # True = may attend\n";
  code += "    i, j = q_idx, kv_idx\n";
  code += position_line(g, "    ");
  code += fmt::format("    return {}\n", python_code(c.formula, true, g.offset() < 0).text);
  code += "block_mask = create_block_mask(mask_mod, B=None, H=None, Q_LEN=L, KV_LEN=S)\n";
  code += "flex_attention(q, k, v, block_mask=block_mask)\n";
  Translation t = make(Library::flex, c, {code, c.python_matrix()}, true);
  const Conjunction& k = c.conj;
  // attention-gym's masks read q_idx as the position: top-left.
  if (k.only({"causal"}) && !is_full(k)) {
    add_naive(t, {"attn_gym.masks.causal_mask  # q_idx >= kv_idx", matrix_of(g, tril(0))});
    if (t.naive)
      t.notes.push_back(
          "attention-gym's causal_mask compares q_idx with kv_idx (top-left); add S − L to q_idx "
          "for bottom-right");
  }
  if (k.only({"causal", "window"}) && k.window) {
    const std::int64_t w = *k.window;
    // generate_sliding_window(W): and_masks(q_idx - kv_idx <= W, causal_mask).
    add_naive(t, {fmt::format("attn_gym.masks.generate_sliding_window(window_size={})", w),
                  matrix_of(g, [=](std::size_t i, std::size_t j) {
                    const std::int64_t d = to_i64(i) - to_i64(j);
                    return d >= 0 && d <= w;
                  })});
    t.notes.push_back(fmt::format(
        "attention-gym's generate_sliding_window({0}) keeps q_idx − kv_idx ≤ {0}: {1} keys, one "
        "more than window:{0}",
        w, w + 1));
  }
  if (c.any_empty_row())
    t.notes.push_back("rows with every key blocked: flex_attention returns 0, log-sum-exp −∞");
  return t;
}

Translation d2l(const Context& c) {
  const Geometry& g = c.g;
  std::vector<std::int64_t> lengths(g.n_q);
  bool prefix = true;  // every row keeps exactly keys j < its length
  for (std::size_t i = 0; i < g.n_q; ++i) {
    lengths[i] = to_i64(c.attn.count_row(i));
    for (std::size_t j = 0; j < g.n_k; ++j)
      prefix = prefix && c.attn(i, j) == (to_i64(j) < lengths[i]);
  }
  Translation t;
  if (prefix) {
    const bool same = std::ranges::all_of(lengths, [&](auto x) { return x == lengths[0]; });
    std::string code =
        same ? fmt::format("valid_lens = torch.tensor([{}])  # keys j < {} for every query\n",
                           lengths[0], lengths[0])
             : fmt::format("valid_lens = torch.tensor([[{}]])  # one length per query row\n",
                           fmt::join(lengths, ", "));
    code += "attention = d2l.masked_softmax(scores, valid_lens)";
    // masked_softmax: X[arange(S)[None, :] >= valid_len[:, None]] = -1e6
    t = make(Library::d2l, c,
             {code, matrix_of(g, [&](std::size_t i,
                                     std::size_t j) { return to_i64(j) < lengths[same ? 0 : i]; })},
             true);
    if (c.conj.only({"causal"}) && !is_full(c.conj)) {
      // The d2l Transformer decoder: dec_valid_lens = torch.arange(1, num_steps + 1).
      add_naive(t, {"dec_valid_lens = torch.arange(1, L + 1)  # d2l's Transformer decoder",
                    matrix_of(g, [&](std::size_t i, std::size_t j) { return j < i + 1; })});
      if (t.naive)
        t.notes.push_back(
            "d2l's decoder lengths arange(1, L + 1) are top-left; attn's causal is bottom-right "
            "when N ≠ M");
    }
  } else {
    t = make(Library::d2l, c,
             c.tensor("scores = scores.masked_fill(~mask, -1e6)  # what masked_softmax does\n"
                      "attention = torch.softmax(scores, dim=-1)\n"),
             false);
    t.notes.push_back(
        "d2l's masked_softmax takes only lengths (keys j < valid_len); this mask is not a prefix "
        "of the keys in every row");
  }
  if (c.any_empty_row())
    t.notes.push_back(
        "masked_softmax writes −1e6, not −∞: a row with every key blocked becomes uniform over "
        "all keys, not zero");
  return t;
}

}  // namespace

std::span<const Library> all_libraries() {
  return library_order;
}

std::string_view library_name(Library lib) {
  return info(lib).name;
}

std::string_view library_title(Library lib) {
  return info(lib).title;
}

std::span<const std::string_view> library_names() {
  return accepted_names;
}

std::vector<Library> parse_libraries(std::string_view text) {
  if (text == "all") return {library_order.begin(), library_order.end()};
  const auto it = std::ranges::find(aliases, text, &Alias::name);
  if (it != aliases.end()) return {it->id};
  const auto guess = nearest(text, accepted_names);
  throw usage_error(
      fmt::format("--as: unknown library '{}'", text),
      guess ? fmt::format("did you mean '{}'?", *guess)
            : std::string("libraries: torch-sdpa (sdpa), torch-mha (mha), flash-attn, hf "
                          "(transformers), xformers, flex (flexattention), d2l, or all"));
}

Translation translate(const MaskExpr& expr, const Geometry& g, Library lib) {
  const BoolMatrix attn = expr.evaluate(g);
  Formula formula = FormulaParser(expr.to_string()).parse();
  Conjunction conj = recognise(formula);
  const Context c{g, attn, std::move(formula), conj, expr.to_string()};
  switch (lib) {
    case Library::torch_sdpa:
      return torch_sdpa(c);
    case Library::torch_mha:
      return torch_mha(c);
    case Library::flash_attn:
      return flash_attn(c);
    case Library::hf:
      return hf(c);
    case Library::xformers:
      return xformers(c);
    case Library::flex:
      return flex(c);
    case Library::d2l:
      return d2l(c);
  }
  throw Error(Exit::internal, "translate: unknown library");
}

}  // namespace attn
