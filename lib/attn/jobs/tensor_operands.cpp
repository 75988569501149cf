#include "attn/jobs/tensor_operands.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "attn/core/bias.hpp"
#include "attn/core/error.hpp"
#include "attn/jobs/compare.hpp"

namespace attn {

namespace {

// q's file for k and v when they are not given: an archive or safetensors file holding all three.
std::string default_source(const TensorJob& job, const std::string& given, const char* role) {
  if (!given.empty()) return given;
  const auto q = tensor_source(job.q);
  if (q && q->format != TensorFormat::npy) return q->path;
  throw usage_error(fmt::format("attend needs --{} with a tensor file", role),
                    "give --q, --k and --v as .npy files, or --q FILE.npz or FILE.safetensors "
                    "holding q, k and v");
}

// The operands' axes must agree: name the operand, the axis and both sizes.
void check_axes(const Operands& o) {
  const Bhsd &q = o.q_view, &k = o.k_view, &v = o.v_view;
  const auto batch_error = [](const NamedTensor& t, std::size_t got, std::size_t want) {
    return data_error(
        fmt::format("{}: batch size {} but q's is {} (B must agree)", t.name, got, want));
  };
  if (k.batch != q.batch) throw batch_error(o.k, k.batch, q.batch);
  if (v.batch != q.batch) throw batch_error(o.v, v.batch, q.batch);
  check_key_width(q.dim, k.dim);
  if (v.heads != k.heads)
    throw data_error(fmt::format("{}: v has {} heads but k has {} (they share the kv heads)",
                                 o.v.name, v.heads, k.heads));
  if (k.heads > q.heads || q.heads % k.heads != 0)
    throw data_error(
        fmt::format("{}: k has {} heads, which do not divide q's {} heads", o.k.name, k.heads,
                    q.heads),
        "grouped-query attention needs H_kv to divide H (H_kv = H is multi-head, 1 multi-query)");
  check_value_rows(v.seq, k.seq);
  check_not_empty("q", q.seq * q.dim * q.heads * q.batch, o.q.name, shape_repr(o.q.tensor.shape()));
  check_not_empty("k", k.seq, o.k.name, shape_repr(o.k.tensor.shape()));
  check_not_empty("v", v.dim, o.v.name, shape_repr(o.v.tensor.shape()));
}

std::size_t parse_length(std::string_view text, std::string_view whole) {
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    throw usage_error(fmt::format("--kv-lens: expected lengths such as 5,3 or a tensor file, got "
                                  "'{}'",
                                  whole),
                      "one length per batch: the number of keys each batch row may attend");
  return n;
}

std::vector<std::size_t> read_kv_lens(const std::string& text, const Operands& o) {
  std::vector<std::size_t> lens;
  std::string where = "--kv-lens";
  if (is_tensor_path(text)) {
    const NamedTensor t = read_tensor(text, "kv_lens");
    where = t.name;
    const DType d = t.tensor.dtype();
    if (is_float(d) || d == DType::boolean || t.tensor.rank() > 1)
      throw data_error(fmt::format("{}: kv_lens must be a 1-D array of integers, not {} {}", t.name,
                                   dtype_name(d), shape_repr(t.tensor.shape())));
    for (std::size_t i = 0; i < t.tensor.count(); ++i) {
      const double x = t.tensor.at(i);
      if (x < 0)
        throw data_error(fmt::format("{}: kv_lens[{}] is {}; lengths are ≥ 0", t.name, i, x));
      lens.push_back(static_cast<std::size_t>(x));
    }
  } else {
    for (std::size_t start = 0;;) {
      const std::size_t comma = text.find(',', start);
      lens.push_back(parse_length(std::string_view(text).substr(start, comma - start), text));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (lens.size() != o.q_view.batch)
    throw data_error(
        fmt::format("{} has {} length{} but q has {} batch row{}", where, lens.size(),
                    lens.size() == 1 ? "" : "s", o.q_view.batch, o.q_view.batch == 1 ? "" : "s"),
        "give one length per batch row");
  for (std::size_t b = 0; b < lens.size(); ++b)
    if (lens[b] > o.k_view.seq)
      throw data_error(fmt::format("{}: length {} for batch row {} is more than the {} keys", where,
                                   lens[b], b + 1, o.k_view.seq));
  return lens;
}

// A mask tensor's broadcast view onto (B, H, S_q, S_k), aligned on the right as NumPy broadcasts.
MaskTensor mask_view_of(const NamedTensor& m, const Operands& o) {
  const DType d = m.tensor.dtype();
  if (!is_float(d) && d != DType::boolean && d != DType::u8)
    throw data_error(
        fmt::format("{}: the mask has dtype {}; give bool (True = may attend, as "
                    "SDPA) or float (added to the scores)",
                    m.name, dtype_name(d)));
  const std::vector<std::size_t>& s = m.tensor.shape();
  const std::size_t want[4] = {o.q_view.batch, o.q_view.heads, o.q_view.seq, o.k_view.seq};
  constexpr const char* axes[4] = {"B", "H", "S_q", "S_k"};
  if (s.empty() || s.size() > 4)
    throw data_error(
        fmt::format("{}: the mask has shape {}; give (S_q, S_k) = ({}, {}) or a shape "
                    "broadcastable to (B, H, S_q, S_k) = ({}, {}, {}, {})",
                    m.name, shape_repr(s), want[2], want[3], want[0], want[1], want[2], want[3]));
  std::array<std::size_t, 4> dims{1, 1, 1, 1};
  std::copy(s.begin(), s.end(), dims.begin() + static_cast<std::ptrdiff_t>(4 - s.size()));
  for (std::size_t a = 0; a < 4; ++a)
    if (dims[a] != 1 && dims[a] != want[a])
      throw data_error(fmt::format(
          "{}: the mask's shape {} does not broadcast to (B, H, S_q, S_k) "
          "= ({}, {}, {}, {}): axis {} has {}, not 1 or {}",
          m.name, shape_repr(s), want[0], want[1], want[2], want[3], axes[a], dims[a], want[a]));
  if (is_float(d))
    for (std::size_t i = 0; i < m.tensor.count(); ++i) {
      const double x = m.tensor.at(i);
      if (std::isnan(x) || x == std::numeric_limits<double>::infinity())
        throw data_error(
            fmt::format("{}: the mask at {} is {}; an additive mask holds finite "
                        "values and -inf",
                        m.name, index_repr(s, i), x));
    }
  return MaskTensor::contiguous(m.tensor.data(), d == DType::u8 ? DType::boolean : d, dims);
}

DType widest(const Operands& o) {
  const DType ds[] = {o.q.tensor.dtype(), o.k.tensor.dtype(), o.v.tensor.dtype()};
  return *std::max_element(std::begin(ds), std::end(ds),
                           [](DType a, DType b) { return mantissa_bits(a) < mantissa_bits(b); });
}

}  // namespace

NamedTensor read_operand(const std::string& text, const char* role) {
  if (!is_tensor_path(text))
    throw usage_error(
        fmt::format("--{} '{}': with tensor files for the other operands, --{} must be a tensor "
                    "file too",
                    role, text, role),
        "save it with np.save (FILE.npy), or give all of q, k and v as literals");
  NamedTensor t = read_tensor(text, role);
  if (!is_float(t.tensor.dtype()))
    throw data_error(fmt::format("{}: {} has dtype {}; attention needs float16, bfloat16, float32 "
                                 "or float64 values",
                                 t.name, role, dtype_name(t.tensor.dtype())),
                     fmt::format("convert it: {}.astype(np.float32)", role));
  if (const auto at = first_non_finite(t.tensor))
    throw data_error(
        fmt::format("{}: {} at {} is {}", t.name, role, index_repr(t.tensor.shape(), *at),
                    t.tensor.at(*at)),
        fmt::format("attention needs finite inputs: check np.isfinite({}).all()", role));
  return t;
}

std::string operand_shape_text(const NamedTensor& t, const Bhsd& view) {
  if (view.batch == 1 && view.heads == 1) return fmt::format("{}×{}", view.seq, view.dim);
  return shape_repr(t.tensor.shape());
}

nlohmann::ordered_json operand_json(const NamedTensor& t, DType file_dtype) {
  return {{"file", t.name}, {"dtype", dtype_name(file_dtype)}, {"shape", t.tensor.shape()}};
}

nlohmann::ordered_json operand_json(const NamedTensor& t) {
  return operand_json(t, t.tensor.dtype());
}

std::string mask_tensor_text(const NamedTensor& mask) {
  const DType d = mask.tensor.dtype();
  return fmt::format("mask tensor {} ({} {}, {})", mask.name, dtype_name(d),
                     shape_repr(mask.tensor.shape()),
                     is_float(d) ? "added to the scores" : "true = may attend");
}

std::vector<std::size_t> output_shape(const Operands& o) {
  Bhsd d = o.q_view;
  d.dim = o.v_view.dim;
  return shape_of(d, o.layout, o.q.tensor.rank());
}

Operands read_operands(const TensorJob& job) {
  if (job.q.empty())
    throw usage_error("attend needs --q with a tensor file",
                      "give --q, --k and --v as .npy files, or --q FILE.npz holding q, k and v");
  // the mask expression parses before any file is read: a typo costs nothing
  const bool mask_file = job.mask && is_tensor_path(*job.mask);
  MaskExpr mask = job.mask && !mask_file ? MaskExpr::parse(*job.mask) : MaskExpr::full();
  Operands o;
  o.q = read_operand(job.q, "q");
  o.k = read_operand(default_source(job, job.k, "k"), "k");
  o.v = read_operand(default_source(job, job.v, "v"), "v");
  o.layout = job.layout;
  o.mask = std::move(mask);
  o.q_view = bhsd_of(o.q.tensor.shape(), job.layout, "q", o.q.name);
  o.k_view = bhsd_of(o.k.tensor.shape(), job.layout, "k", o.k.name);
  o.v_view = bhsd_of(o.v.tensor.shape(), job.layout, "v", o.v.name);
  check_axes(o);
  o.q_file_dtype = o.q.tensor.dtype();
  o.k_file_dtype = o.k.tensor.dtype();
  o.align = job.align;
  if (job.rope) {
    check_rope(*job.rope, o.q_view.dim, o.q_view.seq, o.k_view.seq);
    o.rope = job.rope;
  }
  o.mask.check_fits(o.geometry());
  o.default_scale = !job.scale;
  o.scale = resolve_scale(job.scale, o.q_view.dim);
  if (job.softcap) {
    check_softcap(*job.softcap, "--softcap");
    o.softcap = job.softcap;
  }
  if (job.bias) {
    const BiasSpec spec = parse_bias_spec(*job.bias);
    if (spec.kind == BiasKind::alibi && spec.symmetric)
      throw usage_error(
          fmt::format("--bias {}: with tensor inputs attn takes alibi or alibi:SLOPE "
                      "(the symmetric form is for literals)",
                      *job.bias));
    if (spec.kind != BiasKind::alibi)
      throw usage_error(
          fmt::format("--bias {}: with tensor inputs attn takes alibi or alibi:SLOPE", *job.bias),
          "t5 and relative biases need the step path: use literals or JSON");
    o.alibi_slopes = spec.slope ? std::vector<double>(o.q_view.heads, *spec.slope)
                                : alibi_slopes(o.q_view.heads);
    if (spec.slope && (!std::isfinite(*spec.slope) || *spec.slope < 0))
      throw usage_error(fmt::format("alibi: slope must be finite and ≥ 0, got {}", *spec.slope));
    o.bias_text = *job.bias;
  }
  if (job.kv_lens) o.kv_lens = read_kv_lens(*job.kv_lens, o);
  if (mask_file) {
    o.mask_tensor = read_tensor(*job.mask, "mask");
    o.mask_view = mask_view_of(*o.mask_tensor, o);
  }
  const DType in = widest(o);
  o.output = job.dtype.value_or(in);
  o.compute = o.output == DType::f64 ? DType::f64 : DType::f32;
  if (job.check_against) {
    // read now, so a mismatch stops the job before anything is computed or written
    o.check_against = read_tensor(*job.check_against, "o");
    const std::vector<std::size_t> want = output_shape(o);
    if (squeeze_leading(o.check_against->tensor.shape()) != squeeze_leading(want))
      throw data_error(
          fmt::format("{} has shape {} but the output o has shape {}", o.check_against->name,
                      shape_repr(o.check_against->tensor.shape()), shape_repr(want)),
          "--check-against takes a tensor of o's shape");
  }
  return o;
}

}  // namespace attn
