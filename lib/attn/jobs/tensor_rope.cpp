#include "attn/jobs/tensor_rope.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "attn/render/format.hpp"

namespace attn {

RopeTable rope_table(const RopeOptions& o, std::span<const std::int64_t> positions,
                     std::size_t d_k) {
  RopeTable t;
  t.rotated = o.dim.value_or(d_k);
  t.style = o.style;
  const Matrix angles = rope_angles(positions, rope_frequencies(t.rotated, o.base), o.scale);
  t.cos = cosines(angles);
  t.sin = sines(angles);
  return t;
}

namespace {

template <class T>
void rotate_each_row(Tensor& t, const Bhsd& v, const RopeTable& table, int direction) {
  const std::span<T> x = t.values<T>();
  for (std::size_t b = 0; b < v.batch; ++b)
    for (std::size_t h = 0; h < v.heads; ++h)
      for (std::size_t s = 0; s < v.seq; ++s)
        rotate_row(x.subspan(v.offset(b, h, s), v.dim), table.cos.row(s), table.sin.row(s),
                   table.rotated, table.style, direction);
}

}  // namespace

void rotate_rows(Tensor& t, const Bhsd& view, const RopeTable& table, int direction) {
  if (table.cos.rows() != view.seq)
    throw std::invalid_argument("rotate_rows: one row of angles per position");
  if (t.dtype() == DType::f64)
    rotate_each_row<double>(t, view, table, direction);
  else if (t.dtype() == DType::f32)
    rotate_each_row<float>(t, view, table, direction);
  else
    throw std::invalid_argument("rotate_rows: float32 or float64 only");
}

namespace {

RopeTable query_table(const Operands& o) {
  return rope_table(*o.rope, rope_query_positions(*o.rope, o.geometry()), o.q_view.dim);
}

RopeTable key_table(const Operands& o) {
  return rope_table(*o.rope, rope_key_positions(*o.rope, o.k_view.seq), o.k_view.dim);
}

}  // namespace

void rotate_operands(Operands& o) {
  if (!o.rope || o.rotated) return;
  o.q.tensor = convert(std::move(o.q.tensor), o.compute);  // unchanged when already so
  o.k.tensor = convert(std::move(o.k.tensor), o.compute);
  rotate_rows(o.q.tensor, o.q_view, query_table(o));
  rotate_rows(o.k.tensor, o.k_view, key_table(o));
  o.rotated = true;
}

DType gradient_dtype(const Operands& o) {
  return o.rope ? o.compute : o.output;
}

void rotate_back(const Operands& o, Tensor& dq, Tensor& dk) {
  if (!o.rope) return;
  rotate_rows(dq, o.q_view, query_table(o), -1);
  rotate_rows(dk, o.k_view, key_table(o), -1);
  dq = convert(std::move(dq), o.output);
  dk = convert(std::move(dk), o.output);
}

namespace {

std::string dimensions_text(const Operands& o) {
  const std::size_t d_k = o.q_view.dim, r = o.rope->dim.value_or(d_k);
  return r == d_k ? fmt::format("all {} dimensions", d_k)
                  : fmt::format("the first {} of {} dimensions", r, d_k);
}

}  // namespace

std::string rope_text(const Operands& o) {
  const RopeOptions& r = *o.rope;
  const Geometry g = o.geometry();
  std::string text = fmt::format("rope {} (base {}, {}", rope_style_name(r.style),
                                 format_number(r.base), dimensions_text(o));
  if (r.scale != 1.0) text += fmt::format(", positions ÷ {}", format_number(r.scale));
  text += r.q_positions
              ? std::string(", query positions given")
              : fmt::format(", query positions {}…{}", g.position(0), g.position(g.n_q - 1));
  text += r.k_positions ? std::string(", key positions given")
                        : fmt::format(", key positions 0…{}", g.n_k - 1);
  return text + ")";
}

nlohmann::ordered_json rope_json(const Operands& o) {
  using Json = nlohmann::ordered_json;
  if (!o.rope) return Json();
  const RopeOptions& r = *o.rope;
  // given positions as given; else the first query's position (the rest follow one by one) and
  // null for the keys, which are 0 … S_k − 1
  return Json{{"style", rope_style_name(r.style)},
              {"base", r.base},
              {"dim", r.dim.value_or(o.q_view.dim)},
              {"scale", r.scale},
              {"q_positions", r.q_positions ? Json(*r.q_positions) : Json()},
              {"k_positions", r.k_positions ? Json(*r.k_positions) : Json()},
              {"first_query_position", r.q_positions ? Json() : Json(o.geometry().position(0))}};
}

}  // namespace attn
