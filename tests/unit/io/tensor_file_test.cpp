#include "attn/io/tensor_file.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "attn/core/error.hpp"
#include "attn/io/npy.hpp"
#include "attn/io/safetensors.hpp"

namespace fs = std::filesystem;

namespace {
std::string fixture(const std::string& name) {
  return (fs::path(ATTN_SOURCE_DIR) / "tests/data/tensor" / name).string();
}
}  // namespace

TEST_CASE("tensor_source tells tensor files from literals by their suffix") {
  CHECK(attn::is_tensor_path("q.npy"));
  CHECK(attn::is_tensor_path("dir/Q.NPY"));
  CHECK(attn::is_tensor_path("qkv.npz"));
  CHECK(attn::is_tensor_path("qkv.npz:queries"));
  CHECK(attn::is_tensor_path("layer.safetensors"));
  CHECK(attn::is_tensor_path("model.SAFETENSORS:layers.0.q"));
  CHECK_FALSE(attn::is_tensor_path("1,2;3,4"));
  CHECK_FALSE(attn::is_tensor_path("q.json"));
  CHECK_FALSE(attn::is_tensor_path("q.npy:x"));  // a .npy holds one array
  const auto s = attn::tensor_source("a.safetensors:b:c");
  REQUIRE(s);
  CHECK(s->path == "a.safetensors");  // the first colon after the suffix splits
  CHECK(*s->member == "b:c");
  CHECK(s->format == attn::TensorFormat::safetensors);
  CHECK(*attn::tensor_source("x.npz:k")->member == "k");
}

TEST_CASE("read_tensor reads each format and names the tensor for messages") {
  const attn::NamedTensor a = attn::read_tensor(fixture("qkv.npz"), "k");
  CHECK(a.name == fixture("qkv.npz") + ":k.npy");
  CHECK(a.tensor.shape() == std::vector<std::size_t>{6, 4});
  const attn::NamedTensor b = attn::read_tensor(fixture("layer.safetensors:v"), "q");
  CHECK(b.name == fixture("layer.safetensors") + ":v");
  CHECK(b.tensor.shape() == std::vector<std::size_t>{1, 1, 6, 3});
  CHECK(attn::read_tensor(fixture("q.npy"), "q").name == fixture("q.npy"));
  CHECK_THROWS_WITH_AS(attn::read_tensor("1,2", "q"), "'1,2' is not a tensor file", attn::Error);
}

TEST_CASE("write_tensor chooses the format by the suffix") {
  const fs::path dir = fs::temp_directory_path() / ("attn-tf-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  attn::Tensor t(attn::DType::f32, {2, 2}, attn::header_headroom);
  for (std::size_t i = 0; i < 4; ++i) t.values<float>()[i] = static_cast<float>(i);
  attn::write_tensor(dir / "o.npy", t, "o", "--output");
  CHECK(attn::npy::read_tensor(dir / "o.npy").at(3) == 3.0);
  attn::write_tensor(dir / "o.safetensors", t, "o", "--output");
  CHECK(attn::safetensors::read(dir / "o.safetensors", "o").at(2) == 2.0);
  CHECK_THROWS_WITH_AS(
      attn::write_tensor(dir / "o.txt", t, "o", "--output"),
      ("--output " + (dir / "o.txt").string() + ": attn writes .npy and .safetensors files")
          .c_str(),
      attn::Error);
  CHECK_FALSE(fs::exists(dir / "o.txt"));
  fs::remove_all(dir);
}
