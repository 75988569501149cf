#include "attn/teach/quiz_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/core/rules.hpp"
#include "attn/io/parse.hpp"
#include "attn/render/format.hpp"
#include "attn/teach/solution.hpp"
#include "attn/teach/solve.hpp"
#include "attn/teach/tex.hpp"

namespace attn {

// ---- Writing ------------------------------------------------------------------------------------

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

ordered_json number_json(double x) {
  if (x == neg_inf) return "-Infinity";
  return x;
}

ordered_json row_json(std::span<const double> row) {
  ordered_json a = ordered_json::array();
  for (double x : row) a.push_back(number_json(x));
  return a;
}

ordered_json rows_json(const Matrix& m) {
  ordered_json a = ordered_json::array();
  for (std::size_t i = 0; i < m.rows(); ++i) a.push_back(row_json(m.row(i)));
  return a;
}

ordered_json answer_json(const Answer& a) {
  if (a.free()) {
    ordered_json rubric = ordered_json::array();
    for (const auto& r : a.rubric)
      rubric.push_back(
          {{"points", r.points}, {"text", markup_to_text(r.text)}, {"text_tex", r.text}});
    return {{"model", markup_to_text(a.model)}, {"model_tex", a.model}, {"rubric", rubric}};
  }
  if (!a.numeric()) return a.labels;
  if (a.values.size() == 1) return number_json(a.values(0, 0));
  if (a.values.rows() == 1) return row_json(a.values.row(0));
  return rows_json(a.values);
}

ordered_json figures_json(const ScalingFigures& f) {
  return {{"var_dot", f.var_dot},
          {"var_scaled", f.var_scaled},
          {"max_weight_unscaled", f.max_weight_unscaled},
          {"max_weight_scaled", f.max_weight_scaled},
          {"entropy_unscaled", f.entropy_unscaled},
          {"entropy_scaled", f.entropy_scaled},
          {"entropy_uniform", f.entropy_uniform},
          {"jacobian_unscaled", f.jacobian_unscaled},
          {"jacobian_scaled", f.jacobian_scaled}};
}

ordered_json given_json(const Question& q) {
  ordered_json g = ordered_json::object();
  switch (q.kind) {
    case QuestionKind::score:
      g["q"] = row_json(q.q->row(0));
      g["k"] = row_json(q.k->row(0));
      g["d_k"] = q.q->cols();
      if (q.bias) g["bias"] = *q.bias;
      if (q.mask) g["mask"] = number_json(*q.mask);
      break;
    case QuestionKind::bias:
      g["score"] = *q.score;
      g["tokens"] = q.geometry.n_k;
      g["query"] = q.query;
      g["key"] = q.key;
      if (q.slope) {
        g["heads"] = q.heads;
        g["head"] = q.head;
        g["slope"] = *q.slope;
      } else {
        g["max_distance"] = q.table.size() / 2;
        g["table"] = q.table;
      }
      break;
    case QuestionKind::weights:
      g["scores"] = rows_json(*q.scores);
      break;
    case QuestionKind::output:
      g["weights"] = row_json(q.weights->row(0));
      g["v"] = rows_json(*q.v);
      break;
    case QuestionKind::mask:
      g["mask"] = q.mask_expr;
      g["n_q"] = q.geometry.n_q;
      g["n_k"] = q.geometry.n_k;
      g["align"] = align_name(q.geometry.align);
      break;
    case QuestionKind::scaling:
      if (q.d_k) g["d_k"] = q.d_k;
      break;
    case QuestionKind::order:
      break;
    case QuestionKind::analyse:
      g["d_k"] = q.figures->d_k;
      g["keys"] = q.figures->keys;
      g["trials"] = q.figures->trials;
      g["seed"] = q.figures->seed;
      g["figures"] = figures_json(*q.figures);
      break;
    case QuestionKind::gradient:
      g["weights"] = row_json(q.weights->row(0));
      if (q.mask_row) g["mask"] = row_json(q.mask_row->row(0));
      g["dalpha"] = row_json(q.dalpha->row(0));
      if (q.k) {
        g["k"] = rows_json(*q.k);
        g["d_k"] = q.k->cols();
      }
      break;
    case QuestionKind::rope:
      if (q.variant == "pairing") {
        g["d"] = 4;
        g["formula"] = q.formula;
        break;
      }
      g["q"] = row_json(q.q->row(0));
      g["k"] = row_json(q.k->row(0));
      g["d"] = 2;
      g["base"] = 10000;
      g["m"] = *q.q_position;
      g["n"] = *q.k_position;
      break;
  }
  return g;
}

}  // namespace

ordered_json quiz_to_json(const Quiz& quiz, KeyMode key) {
  const bool with_key = key != KeyMode::none;
  ordered_json doc;
  doc["format"] = "attn-quiz";
  doc["format_version"] = 1;
  doc["version"] = quiz.version;
  if (!quiz.keyed) doc["class_seed"] = quiz.class_seed;
  doc["student"] = quiz.student ? ordered_json(*quiz.student) : ordered_json(nullptr);
  if (quiz.keyed)
    doc["sheet"] = quiz.sheet_id;
  else
    doc["seed"] = quiz.seed;
  ordered_json kinds = ordered_json::array();
  if (quiz.kinds.empty())
    for (QuestionKind k : default_question_kinds()) kinds.push_back(to_string(k));
  for (const KindSpec& k : quiz.kinds) kinds.push_back(kind_specs_text(std::span(&k, 1)));
  doc["kinds"] = kinds;
  if (quiz.same_structure) doc["same_structure"] = true;
  doc["tolerance"] = answer_tolerance;
  if (std::ranges::any_of(quiz.points, [](double p) { return p != 1.0; }))
    doc["points"] = quiz.points;
  ordered_json questions = ordered_json::array();
  for (const auto& q : quiz.questions) {
    ordered_json j;
    j["number"] = q.number;
    j["kind"] = to_string(q.kind);
    j["variant"] = q.variant;
    j["prompt"] = markup_to_text(q.prompt);
    j["prompt_tex"] = q.prompt;
    j["given"] = given_json(q);
    if (!q.choices.empty()) {
      ordered_json choices = ordered_json::array();
      for (const auto& c : q.choices) {
        ordered_json cj;
        cj["label"] = c.label;
        if (!c.text.empty()) {
          cj["text"] = markup_to_text(c.text);
          cj["text_tex"] = c.text;
        }
        if (c.matrix) {
          ordered_json rows = ordered_json::array();
          for (std::size_t i = 0; i < c.matrix->rows(); ++i) {
            ordered_json row = ordered_json::array();
            for (std::size_t jj = 0; jj < c.matrix->cols(); ++jj) row.push_back((*c.matrix)(i, jj));
            rows.push_back(row);
          }
          cj["matrix"] = rows;
        }
        if (c.value) cj["value"] = *c.value;
        if (c.positions) cj["positions"] = {c.positions->first, c.positions->second};
        if (!c.pairs.empty()) {
          ordered_json pairs = ordered_json::array();
          for (const auto& [a, b] : c.pairs) pairs.push_back({a, b});
          cj["pairs"] = pairs;
        }
        if (with_key) cj["id"] = c.id;
        choices.push_back(cj);
      }
      j["choices"] = choices;
    }
    if (with_key) {
      j["answer"] = answer_json(q.answer);
      ordered_json text = ordered_json::array(), tex = ordered_json::array();
      for (const auto& line : worked_solution(q)) {
        text.push_back(markup_to_text(line));
        tex.push_back(line);
      }
      j["solution"] = text;
      j["solution_tex"] = tex;
    }
    questions.push_back(j);
  }
  doc["questions"] = questions;
  return doc;
}

// ---- Reading ------------------------------------------------------------------------------------

namespace {

struct Reader {
  std::string_view what;
  std::string where;  // "questions[2]"

  [[noreturn]] void fail(const std::string& message) const {
    throw data_error(fmt::format("{}: {}: {}", what, where, message),
                     "write the quiz with `attn quiz --format json` (with its key)");
  }
  const json& at(const json& obj, const char* key) const {
    if (!obj.is_object()) fail("expected an object");
    const auto it = obj.find(key);
    if (it == obj.end()) fail(fmt::format("missing key \"{}\"", key));
    return *it;
  }
  double number(const json& v, const char* key) const {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      if (s == "-Infinity" || s == "-inf") return neg_inf;
    }
    fail(fmt::format("\"{}\" must be a number, not {}", key, v.dump()));
  }
  std::int64_t integer(const json& v, const char* key) const {
    if (!v.is_number_integer()) fail(fmt::format("\"{}\" must be a whole number", key));
    return v.get<std::int64_t>();
  }
  std::size_t size(const json& v, const char* key) const {
    if (!v.is_number_unsigned()) fail(fmt::format("\"{}\" must be a whole number ≥ 0", key));
    return v.get<std::size_t>();
  }
  std::string string(const json& v, const char* key) const {
    if (!v.is_string()) fail(fmt::format("\"{}\" must be a string", key));
    return v.get<std::string>();
  }
  Matrix matrix(const json& v, const char* key, Allow allow = Allow::finite) const {
    return matrix_from_json(v, fmt::format("{}: {}.{}", what, where, key), allow);
  }
};

BoolMatrix bool_matrix(const Reader& r, const json& v) {
  if (!v.is_array() || v.empty() || !v.front().is_array())
    r.fail("a choice's \"matrix\" must be an array of rows");
  BoolMatrix m(v.size(), v.front().size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_array() || v[i].size() != m.cols()) r.fail("a choice's matrix is ragged");
    for (std::size_t j = 0; j < m.cols(); ++j) {
      if (!v[i][j].is_boolean()) r.fail("a choice's matrix must hold true/false");
      m(i, j) = v[i][j].get<bool>() ? 1 : 0;
    }
  }
  return m;
}

Answer stored_answer(const Reader& r, const json& v, AnswerForm form) {
  Answer a;
  switch (form) {
    case AnswerForm::letters:
      a.labels = r.string(v, "answer");
      break;
    case AnswerForm::free:
      a.model = r.string(r.at(v, "model_tex"), "answer.model_tex");
      break;
    case AnswerForm::numeric:
      a.values = r.matrix(v.is_array() ? v : json::array({v}), "answer", Allow::blocked);
      break;
  }
  return a;
}

bool close(const Answer& a, const Answer& b) {
  if (a.labels != b.labels || a.model != b.model) return false;
  if (a.values.rows() != b.values.rows() || a.values.cols() != b.values.cols()) return false;
  for (std::size_t n = 0; n < a.values.size(); ++n) {
    const double x = a.values.values()[n], y = b.values.values()[n];
    if (x == y) continue;
    if (!(std::abs(x - y) <= 1e-9 * std::max(1.0, std::abs(y)))) return false;
  }
  return true;
}

void read_given(const Reader& r, const json& g, Question& q) {
  const auto opt = [&](const char* key) -> const json* {
    const auto it = g.find(key);
    return it == g.end() || it->is_null() ? nullptr : &*it;
  };
  switch (q.kind) {
    case QuestionKind::score:
      q.q = r.matrix(r.at(g, "q"), "given.q");
      q.k = r.matrix(r.at(g, "k"), "given.k");
      if (const json* b = opt("bias")) q.bias = r.number(*b, "bias");
      if (const json* m = opt("mask")) q.mask = r.number(*m, "mask");
      break;
    case QuestionKind::bias: {
      q.score = r.number(r.at(g, "score"), "score");
      const std::size_t n = r.size(r.at(g, "tokens"), "tokens");
      q.geometry = {n, n, Align::bottom_right};
      q.query = r.size(r.at(g, "query"), "query");
      q.key = r.size(r.at(g, "key"), "key");
      if (q.variant == "alibi") {
        q.heads = r.size(r.at(g, "heads"), "heads");
        q.head = r.size(r.at(g, "head"), "head");
        if (q.head < 1 || q.head > q.heads || q.heads > max_alibi_heads)
          r.fail("\"head\" must be between 1 and \"heads\"");
        q.slope = alibi_slopes(q.heads)[q.head - 1];
      } else {
        const Matrix t = r.matrix(r.at(g, "table"), "given.table");
        if (t.rows() != 1 || t.cols() % 2 == 0) r.fail("\"table\" must hold 2K+1 numbers");
        q.table.assign(t.values().begin(), t.values().end());
      }
      break;
    }
    case QuestionKind::weights:
      q.scores = r.matrix(r.at(g, "scores"), "given.scores", Allow::blocked);
      break;
    case QuestionKind::output:
      q.weights = r.matrix(r.at(g, "weights"), "given.weights");
      q.v = r.matrix(r.at(g, "v"), "given.v");
      break;
    case QuestionKind::mask: {
      q.mask_expr = r.string(r.at(g, "mask"), "mask");
      q.geometry.n_q = r.size(r.at(g, "n_q"), "n_q");
      q.geometry.n_k = r.size(r.at(g, "n_k"), "n_k");
      const std::string align = r.string(r.at(g, "align"), "align");
      if (align != "bottom-right" && align != "top-left")
        r.fail("\"align\" must be \"bottom-right\" or \"top-left\"");
      q.geometry.align = align == "top-left" ? Align::top_left : Align::bottom_right;
      break;
    }
    case QuestionKind::scaling:
      if (const json* d = opt("d_k")) q.d_k = r.size(*d, "d_k");
      break;
    case QuestionKind::order:
      break;
    case QuestionKind::gradient:
      q.weights = r.matrix(r.at(g, "weights"), "given.weights");
      if (const json* m = opt("mask")) q.mask_row = r.matrix(*m, "given.mask", Allow::blocked);
      q.dalpha = r.matrix(r.at(g, "dalpha"), "given.dalpha");
      if (const json* k = opt("k")) q.k = r.matrix(*k, "given.k");
      if (q.variant == "query" && !q.k) r.fail("missing key \"k\"");
      break;
    case QuestionKind::rope:
      if (q.variant == "pairing") {
        q.formula = r.string(r.at(g, "formula"), "formula");
        try {
          rope_formula(q.formula);
        } catch (const Error& e) {
          r.fail(e.what());
        }
        break;
      }
      q.q = r.matrix(r.at(g, "q"), "given.q");
      q.k = r.matrix(r.at(g, "k"), "given.k");
      q.q_position = r.integer(r.at(g, "m"), "m");
      q.k_position = r.integer(r.at(g, "n"), "n");
      break;
    case QuestionKind::analyse: {
      ScalingFigures f;
      f.d_k = r.size(r.at(g, "d_k"), "d_k");
      f.keys = r.size(r.at(g, "keys"), "keys");
      f.trials = r.size(r.at(g, "trials"), "trials");
      const json& s = r.at(g, "seed");
      if (!s.is_number_unsigned()) r.fail("\"seed\" must be a whole number");
      f.seed = s.get<std::uint64_t>();
      q.figures = f;
      break;
    }
  }
}

Question question_from_json(const Reader& r, const json& j) {
  Question q;
  q.number = r.size(r.at(j, "number"), "number");
  q.kind = [&] {
    try {
      return parse_question_kind(r.string(r.at(j, "kind"), "kind"));
    } catch (const Error& e) {
      r.fail(e.what());
    }
  }();
  q.variant = r.string(r.at(j, "variant"), "variant");
  const auto variants = question_variants(q.kind);
  if (std::ranges::find(variants, q.variant) == variants.end())
    r.fail(fmt::format("{} has no variant \"{}\"", to_string(q.kind), q.variant));
  if (const auto it = j.find("prompt_tex"); it != j.end()) q.prompt = r.string(*it, "prompt_tex");
  read_given(r, r.at(j, "given"), q);
  if (const auto it = j.find("choices"); it != j.end()) {
    if (!it->is_array()) r.fail("\"choices\" must be an array");
    for (const json& c : *it) {
      Choice choice;
      choice.label = r.string(r.at(c, "label"), "label");
      if (const auto t = c.find("text_tex"); t != c.end()) choice.text = r.string(*t, "text_tex");
      if (const auto m = c.find("matrix"); m != c.end()) choice.matrix = bool_matrix(r, *m);
      if (const auto v = c.find("value"); v != c.end()) choice.value = r.number(*v, "value");
      if (const auto id = c.find("id"); id != c.end()) choice.id = r.string(*id, "id");
      if (const auto p = c.find("positions"); p != c.end()) {
        if (!p->is_array() || p->size() != 2) r.fail("a choice's \"positions\" must be [m, n]");
        choice.positions =
            std::pair{r.integer((*p)[0], "positions"), r.integer((*p)[1], "positions")};
      }
      if (const auto p = c.find("pairs"); p != c.end()) {
        if (!p->is_array()) r.fail("a choice's \"pairs\" must be an array of [a, b]");
        for (const json& pair : *p) {
          if (!pair.is_array() || pair.size() != 2) r.fail("a choice's pair must be [a, b]");
          choice.pairs.emplace_back(r.size(pair[0], "pairs"), r.size(pair[1], "pairs"));
        }
      }
      q.choices.push_back(std::move(choice));
    }
  }
  const auto stored = j.find("answer");
  if (stored == j.end())
    throw data_error(fmt::format("{}: {}: no answer", r.what, r.where),
                     "the quiz was written without its key: write it with --key inline, "
                     "separate or only");
  const Answer expected = stored_answer(r, *stored, answer_form(q.kind, q.variant));
  try {
    solve(q);
  } catch (const Error& e) {
    r.fail(e.what());
  }
  if (!close(q.answer, expected))
    r.fail(fmt::format("the stored answer does not match the question: the library gives {}",
                       q.answer.free()      ? markup_to_text(q.answer.model)
                       : q.answer.numeric() ? format_number(q.answer.values(0, 0))
                                            : q.answer.labels));
  return q;
}

}  // namespace

Quiz quiz_from_json(const json& doc, std::string_view what) {
  Reader r{what, "the quiz"};
  if (!doc.is_object()) r.fail("expected a JSON object");
  if (const auto f = doc.find("format"); f == doc.end() || *f != "attn-quiz")
    r.fail("not an attn quiz (\"format\" is not \"attn-quiz\")");
  Quiz quiz;
  const auto seed = [&](const char* key) {
    const json& v = r.at(doc, key);
    if (!v.is_number_unsigned()) r.fail(fmt::format("\"{}\" must be a whole number", key));
    return v.get<std::uint64_t>();
  };
  if (const auto s = doc.find("sheet"); s != doc.end()) {
    quiz.keyed = true;
    quiz.sheet_id = r.string(*s, "sheet");
  } else {
    quiz.seed = seed("seed");
    quiz.class_seed = seed("class_seed");
  }
  if (const auto s = doc.find("student"); s != doc.end() && !s->is_null())
    quiz.student = r.string(*s, "student");
  quiz.version = r.string(r.at(doc, "version"), "version");
  if (const auto s = doc.find("same_structure"); s != doc.end())
    quiz.same_structure = s->is_boolean() && s->get<bool>();
  const json& questions = r.at(doc, "questions");
  if (!questions.is_array()) r.fail("\"questions\" must be an array");
  for (std::size_t n = 0; n < questions.size(); ++n) {
    Reader qr{what, fmt::format("questions[{}]", n)};
    Question q = question_from_json(qr, questions[n]);
    if (q.number != n + 1) qr.fail(fmt::format("\"number\" is {}, expected {}", q.number, n + 1));
    quiz.points.push_back(default_points(q));
    quiz.questions.push_back(std::move(q));
  }
  if (const auto p = doc.find("points"); p != doc.end()) {
    if (!p->is_array() || p->size() != quiz.questions.size())
      r.fail("\"points\" must hold one number per question");
    for (std::size_t n = 0; n < p->size(); ++n) {
      if (!(*p)[n].is_number() || (*p)[n].get<double>() < 0)
        r.fail("\"points\" must hold numbers ≥ 0");
      quiz.points[n] = (*p)[n].get<double>();
    }
  }
  if (const auto k = doc.find("kinds"); k != doc.end() && k->is_array()) {
    std::string list;
    for (const json& item : *k)
      if (item.is_string()) list += (list.empty() ? "" : ",") + item.get<std::string>();
    try {
      if (!list.empty()) quiz.kinds = parse_kind_specs(list);
    } catch (const Error& e) {
      r.fail(e.what());
    }
  }
  return quiz;
}

}  // namespace attn
