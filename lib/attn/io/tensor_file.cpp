#include "attn/io/tensor_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "attn/core/error.hpp"
#include "attn/io/npy.hpp"
#include "attn/io/npz.hpp"
#include "attn/io/safetensors.hpp"

namespace attn {

namespace {

bool ends_with_ci(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  return std::equal(
      suffix.begin(), suffix.end(), text.end() - static_cast<long>(suffix.size()),
      [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
}

std::optional<TensorFormat> format_of(std::string_view path) {
  if (ends_with_ci(path, ".npy")) return TensorFormat::npy;
  if (ends_with_ci(path, ".npz")) return TensorFormat::npz;
  if (ends_with_ci(path, ".safetensors")) return TensorFormat::safetensors;
  return std::nullopt;
}

}  // namespace

std::optional<TensorSource> tensor_source(std::string_view text) {
  if (const auto f = format_of(text)) return TensorSource{std::string(text), *f, std::nullopt};
  // FILE.npz:NAME, FILE.safetensors:NAME: the first colon after such a suffix ends the path, so a
  // name may hold colons of its own
  for (std::size_t colon = text.find(':'); colon != std::string_view::npos;
       colon = text.find(':', colon + 1)) {
    const std::string_view path = text.substr(0, colon);
    const auto f = format_of(path);
    if (f && *f != TensorFormat::npy)
      return TensorSource{std::string(path), *f, std::string(text.substr(colon + 1))};
  }
  return std::nullopt;
}

bool is_tensor_path(std::string_view text) {
  return tensor_source(text).has_value();
}

NamedTensor read_tensor(const TensorSource& s, std::string_view member) {
  const std::string name(s.member ? *s.member : std::string(member));
  switch (s.format) {
    case TensorFormat::npy:
      return {s.path, npy::read_tensor(s.path)};
    case TensorFormat::npz:
      return {fmt::format("{}:{}.npy", s.path, name), npz::read_tensor(s.path, name)};
    case TensorFormat::safetensors:
      return {fmt::format("{}:{}", s.path, name), safetensors::read(s.path, name)};
  }
  throw Error(Exit::internal, "read_tensor: unknown format");
}

NamedTensor read_tensor(std::string_view text, std::string_view member) {
  const auto s = tensor_source(text);
  if (!s)
    throw usage_error(fmt::format("'{}' is not a tensor file", text),
                      "give FILE.npy, FILE.npz[:NAME] or FILE.safetensors[:NAME]");
  return read_tensor(*s, member);
}

void check_writable(std::string_view path, std::string_view flag) {
  const auto f = format_of(path);
  if (f == TensorFormat::npy || f == TensorFormat::safetensors) return;
  throw usage_error(fmt::format("{} {}: attn writes .npy and .safetensors files", flag, path),
                    fmt::format("name the file FILE.npy or FILE.safetensors"));
}

void write_tensor(const std::filesystem::path& path, Tensor& t, std::string_view name,
                  std::string_view flag, OutputBatch* batch) {
  check_writable(path.string(), flag);
  if (format_of(path.string()) == TensorFormat::npy) return npy::write(path, t, batch);
  const std::pair<std::string, Tensor*> one[] = {{std::string(name), &t}};
  safetensors::write(path, one, {}, batch);
}

}  // namespace attn
