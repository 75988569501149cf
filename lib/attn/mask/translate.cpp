#include "attn/mask/translate.hpp"

#include "attn/core/error.hpp"
#include "attn/mask/spelling.hpp"

namespace attn {

Translation translate(const MaskExpr& expr, const Geometry& g, Library lib) {
  const BoolMatrix attn = expr.evaluate(g);
  detail::Formula formula = detail::parse_formula(expr.to_string());
  const detail::Conjunction conj = detail::recognise(formula);
  const detail::Context c{g, attn, std::move(formula), conj, expr.to_string()};
  switch (lib) {
    case Library::torch_sdpa:
      return detail::spell_torch_sdpa(c);
    case Library::torch_mha:
      return detail::spell_torch_mha(c);
    case Library::flash_attn:
      return detail::spell_flash_attn(c);
    case Library::hf:
      return detail::spell_hf(c);
    case Library::xformers:
      return detail::spell_xformers(c);
    case Library::flex:
      return detail::spell_flex(c);
    case Library::d2l:
      return detail::spell_d2l(c);
  }
  throw Error(Exit::internal, "translate: unknown library");
}

}  // namespace attn
