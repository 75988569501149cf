#include "attn/io/safetensors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "attn/core/error.hpp"
#include "attn/io/byte_source.hpp"
#include "attn/io/output_file.hpp"
#include "attn/io/parse.hpp"

namespace attn::safetensors {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::pair<std::string_view, DType> codes[] = {
    {"F16", DType::f16},      {"BF16", DType::bf16}, {"F32", DType::f32}, {"F64", DType::f64},
    {"BOOL", DType::boolean}, {"U8", DType::u8},     {"I8", DType::i8},   {"I16", DType::i16},
    {"I32", DType::i32},      {"I64", DType::i64}};

std::optional<DType> dtype_of(std::string_view code) {
  for (const auto& [c, d] : codes)
    if (c == code) return d;
  return std::nullopt;
}

std::uint64_t read_u64_le(const unsigned char* p) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | p[i];
  return n;
}

// One tensor entry of the header, checked: {"dtype": …, "shape": […], "data_offsets": [b, e]}.
Entry parse_entry(const std::string& key, const Json& value, std::string_view name) {
  const auto fail = [&](const std::string& what) {
    return data_error(fmt::format("{}: tensor '{}': {}", name, key, what));
  };
  if (!value.is_object()) throw fail("its entry is not an object");
  for (const auto& [k, v] : value.items())
    if (k != "dtype" && k != "shape" && k != "data_offsets")
      throw fail(fmt::format("unexpected key '{}' (expected dtype, shape and data_offsets)", k));
  Entry e;
  e.name = key;
  if (!value.contains("dtype") || !value["dtype"].is_string())
    throw fail("no dtype string such as \"F32\"");
  const std::string code = value["dtype"].get<std::string>();
  const auto dtype = dtype_of(code);
  if (!dtype)
    throw fail(fmt::format(
        "dtype '{}' is not supported (attn reads F16, BF16, F32, F64, BOOL, U8, I8, I16, I32, I64)",
        code));
  e.dtype = *dtype;
  if (!value.contains("shape") || !value["shape"].is_array())
    throw fail("no shape (a list of dimensions)");
  for (const Json& d : value["shape"]) {
    if (!d.is_number_unsigned())
      throw fail(fmt::format("shape {} is not a list of dimensions", value["shape"].dump()));
    e.shape.push_back(d.get<std::size_t>());
  }
  const Json* offsets = value.contains("data_offsets") ? &value["data_offsets"] : nullptr;
  if (!offsets || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
    throw fail("no data_offsets [BEGIN, END]");
  e.begin = (*offsets)[0].get<std::size_t>();
  e.end = (*offsets)[1].get<std::size_t>();
  if (e.end < e.begin)
    throw fail(fmt::format("data_offsets [{}, {}] end before they begin", e.begin, e.end));
  const std::size_t bytes =
      element_count(e.shape, dtype_size(e.dtype), fmt::format("{}: tensor '{}'", name, key)) *
      dtype_size(e.dtype);
  if (bytes != e.end - e.begin)
    throw fail(fmt::format("shape {} of {} needs {} bytes, but data_offsets [{}, {}] hold {}",
                           shape_repr(e.shape), code, bytes, e.begin, e.end, e.end - e.begin));
  return e;
}

// Reads the whole of a source that cannot tell its size (a pipe) into memory.
std::vector<unsigned char> read_all(ByteSource& in) {
  std::vector<unsigned char> bytes;
  unsigned char buf[65536];
  while (const std::size_t n = in.read(buf, sizeof buf)) bytes.insert(bytes.end(), buf, buf + n);
  return bytes;
}

}  // namespace

std::string_view dtype_code(DType dtype) noexcept {
  for (const auto& [c, d] : codes)
    if (d == dtype) return c;
  return "?";
}

Index parse_header(std::string_view header, std::size_t buffer_size, std::string_view name) {
  std::size_t first = header.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || header[first] != '{')
    throw data_error(fmt::format("{}: the safetensors header is not a JSON object", name));
  Json doc;  // in the file's order, which names the tensors in messages as the file lists them
  try {
    doc = Json::parse(header);
  } catch (const Json::parse_error& e) {
    throw data_error(fmt::format("{}: the safetensors header is not valid JSON (at byte {} of {})",
                                 name, e.byte, header.size()));
  } catch (const Json::out_of_range&) {  // a number beyond a double's range: named just below
  }
  // What no JSON document of attn's may hold is refused here as everywhere: a key given twice (a
  // tensor named twice, of which a JSON reader would keep one), a number beyond a double's range.
  parse_json(header, fmt::format("{}: the safetensors header", name));
  if (!doc.is_object())
    throw data_error(fmt::format("{}: the safetensors header is not a JSON object", name));
  Index index;
  for (const auto& [key, value] : doc.items()) {
    if (key == "__metadata__") {
      if (!value.is_object())
        throw data_error(fmt::format("{}: __metadata__ is not an object of strings", name));
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string())
          throw data_error(
              fmt::format("{}: __metadata__ '{}' is not a string (every value must be)", name, k));
        index.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    index.tensors.push_back(parse_entry(key, value, name));
  }
  // the tensors must tile the buffer: sorted by offset, each starts where the last ended
  std::vector<const Entry*> sorted;
  for (const Entry& e : index.tensors) sorted.push_back(&e);
  std::ranges::sort(sorted, [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  std::size_t at = 0;
  const Entry* previous = nullptr;
  for (const Entry* e : sorted) {
    if (e->end > buffer_size)
      throw data_error(fmt::format(
          "{}: tensor '{}': data_offsets [{}, {}] run past the end of the data ({} bytes)", name,
          e->name, e->begin, e->end, buffer_size));
    if (e->begin < at)
      throw data_error(fmt::format("{}: tensors '{}' and '{}' overlap (bytes {} to {})", name,
                                   previous->name, e->name, e->begin, at));
    if (e->begin > at)
      throw data_error(
          fmt::format("{}: bytes {} to {} of the data belong to no tensor", name, at, e->begin));
    at = e->end;
    previous = e;
  }
  if (at != buffer_size)
    throw data_error(
        fmt::format("{}: bytes {} to {} of the data belong to no tensor", name, at, buffer_size));
  return index;
}

namespace {

struct Opened {
  Index index;
  std::vector<unsigned char> whole;  // the file in memory when it could not be read in place
};

// Reads the length and the header from `in`, which is at the start of the file.
Opened open_index(FileSource& in, std::string_view name) {
  Opened o;
  std::optional<MemorySource> memory;
  ByteSource* src = &in;
  std::optional<std::size_t> size = in.size();
  if (!size) {  // a pipe: take it all, then read it from memory
    o.whole = read_all(in);
    memory.emplace(o.whole);
    src = &*memory;
    size = o.whole.size();
  }
  unsigned char length[8];
  if (src->read(length, 8) < 8)
    throw data_error(fmt::format(
        "{}: file ends after {} bytes, inside the 8-byte header length of a safetensors file", name,
        *size));
  const std::uint64_t n = read_u64_le(length);
  if (n > max_header_bytes)
    throw data_error(fmt::format("{}: safetensors header length {} is more than the {} allowed",
                                 name, n, max_header_bytes),
                     "is this a safetensors file?");
  if (n > *size - 8)
    throw data_error(
        fmt::format("{}: safetensors header length {} runs past the end of the file "
                    "({} bytes)",
                    name, n, *size));
  std::string header(static_cast<std::size_t>(n), '\0');
  if (src->read(reinterpret_cast<unsigned char*>(header.data()), header.size()) < header.size())
    throw data_error(fmt::format("{}: file ends inside the safetensors header", name));
  o.index = parse_header(header, *size - 8 - header.size(), name);
  o.index.buffer_start = 8 + header.size();
  return o;
}

}  // namespace

Index read_index(const std::filesystem::path& path) {
  FileSource in(path);
  return open_index(in, path.string()).index;
}

std::vector<std::string> names(const std::filesystem::path& path) {
  std::vector<std::string> out;
  for (const Entry& e : read_index(path).tensors) out.push_back(e.name);
  return out;
}

Tensor read(const std::filesystem::path& path, std::string_view tensor) {
  const std::string name = path.string();
  FileSource in(path);
  Opened o = open_index(in, name);
  const auto it = std::ranges::find(o.index.tensors, tensor, &Entry::name);
  if (it == o.index.tensors.end()) {
    std::string list;
    for (const Entry& e : o.index.tensors) list += (list.empty() ? "" : ", ") + e.name;
    throw data_error(fmt::format("{}: no tensor named '{}' (it holds {})", name, tensor,
                                 list.empty() ? "no tensors" : list));
  }
  Tensor t(it->dtype, it->shape, 0, name);
  const std::size_t at = o.index.buffer_start + it->begin;
  if (!o.whole.empty()) {
    if (t.bytes() > 0) std::memcpy(t.data(), o.whole.data() + at, t.bytes());
  } else {
    in.seek(at);
    if (in.read(reinterpret_cast<unsigned char*>(t.data()), t.bytes()) < t.bytes())
      throw Error(Exit::io, fmt::format("error reading '{}': the file shrank", name));
  }
  if constexpr (std::endian::native == std::endian::big) {
    const std::size_t size = dtype_size(t.dtype());
    for (std::size_t i = 0; i < t.count(); ++i)
      std::reverse(t.data() + i * size, t.data() + (i + 1) * size);
  }
  return t;
}

std::string header_bytes(std::span<const std::pair<std::string, const Tensor*>> tensors,
                         const std::map<std::string, std::string>& metadata) {
  Json doc = Json::object();
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    doc["__metadata__"] = meta;
  }
  std::size_t at = 0;
  for (const auto& [name, t] : tensors) {
    Json entry = Json::object();
    entry["dtype"] = dtype_code(t->dtype());
    entry["shape"] = t->shape();
    entry["data_offsets"] = {at, at + t->bytes()};
    doc[name] = entry;
    at += t->bytes();
  }
  std::string header = doc.dump();
  header.append((8 - header.size() % 8) % 8, ' ');  // the buffer starts 8-byte aligned
  std::string out(8, '\0');
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header;
}

void write(const std::filesystem::path& path,
           std::span<const std::pair<std::string, Tensor*>> tensors,
           const std::map<std::string, std::string>& metadata, OutputBatch* batch) {
  std::vector<std::pair<std::string, const Tensor*>> view;
  for (const auto& [n, t] : tensors) view.emplace_back(n, t);
  const std::string head = header_bytes(view, metadata);
  constexpr bool little = std::endian::native == std::endian::little;
  if (tensors.size() == 1 && tensors[0].second->headroom().size() >= head.size() && little) {
    Tensor& t = *tensors[0].second;
    std::byte* start = t.data() - head.size();
    std::memcpy(start, head.data(), head.size());
    write_file(path,
               std::string_view(reinterpret_cast<const char*>(start), head.size() + t.bytes()),
               batch);
    return;
  }
  std::string bytes = head;
  for (const auto& [n, t] : tensors) {
    const std::size_t at = bytes.size();
    bytes.append(reinterpret_cast<const char*>(t->data()), t->bytes());
    if (!little) {
      const std::size_t size = dtype_size(t->dtype());
      for (std::size_t i = 0; i < t->count(); ++i)
        std::reverse(bytes.begin() + static_cast<long>(at + i * size),
                     bytes.begin() + static_cast<long>(at + (i + 1) * size));
    }
  }
  write_file(path, bytes, batch);
}

}  // namespace attn::safetensors
