// Reading and writing safetensors files, the format Hugging Face stores model weights in:
//
//   8 bytes      N, the header's length, an unsigned little-endian integer
//   N bytes      a JSON object: for each tensor  "name": {"dtype": "F32", "shape": [2, 3],
//                "data_offsets": [BEGIN, END]}, and optionally "__metadata__": {"k": "v", …};
//                padded with spaces
//   the rest     the byte buffer: each tensor's elements, C order, little-endian, at
//                [BEGIN, END) counted from the buffer's start
//
// attn reads F16, BF16, F32, F64, BOOL, U8, I8, I16, I32 and I64. The header is checked as
// strictly as the format's reference implementation does: N at most 100 000 000 and within the
// file, a JSON object whose values are tensor entries with exactly those three keys (and an
// object of strings for __metadata__), known dtypes, END ≥ BEGIN, shape × dtype size = END −
// BEGIN, and the tensors tiling the buffer with no overlap and no gap. Every defect is a
// data_error (exit 65) naming the file and what is wrong; a missing file is Exit::no_input.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attn/core/dtype.hpp"
#include "attn/io/tensor.hpp"

namespace attn {
class OutputBatch;  // io/output_file
}

namespace attn::safetensors {

// The largest header the reference implementation accepts.
inline constexpr std::size_t max_header_bytes = 100'000'000;

struct Entry {
  std::string name;
  DType dtype = DType::f32;
  std::vector<std::size_t> shape;
  std::size_t begin = 0, end = 0;  // in the byte buffer
};

struct Index {
  std::vector<Entry> tensors;  // in the header's order
  std::map<std::string, std::string> metadata;
  std::size_t buffer_start = 0;  // 8 + N: where the byte buffer begins in the file
};

// "F32" for DType::f32, …
std::string_view dtype_code(DType dtype) noexcept;

// Parses and checks a header. `header` is the N bytes after the length; `buffer_size` the bytes
// after the header; name is for messages.
Index parse_header(std::string_view header, std::size_t buffer_size, std::string_view name);

// The header of a file: reads the length and the header, checks them against the file's size.
Index read_index(const std::filesystem::path& path);

// One tensor of the file. A missing name is a data_error listing the names there are.
Tensor read(const std::filesystem::path& path, std::string_view tensor);

// The tensors' names in the header's order.
std::vector<std::string> names(const std::filesystem::path& path);

// The bytes before the buffer for these tensors, laid end to end in order: the length and the
// header, padded with spaces so the buffer starts at a multiple of 8 bytes.
std::string header_bytes(std::span<const std::pair<std::string, const Tensor*>> tensors,
                         const std::map<std::string, std::string>& metadata = {});

// Writes the tensors to path through io/output_file. A single tensor with enough headroom is
// written from its own storage without a copy.
void write(const std::filesystem::path& path,
           std::span<const std::pair<std::string, Tensor*>> tensors,
           const std::map<std::string, std::string>& metadata = {}, OutputBatch* batch = nullptr);

}  // namespace attn::safetensors
