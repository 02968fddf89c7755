#include <catch2/catch.hpp>

#include "core/demo_cloud.h"
#include "core/input_error.h"
#include "core/ply_reader.h"
#include "core/ply_writer.h"
#include "tests/core/ply_test_helpers.h"
#include "tests/support/temp_dir.h"

using namespace mspa;
using mspa::test::PlyBytes;
using mspa::test::TempDir;
using mspa::test::writeFile;

namespace {

PointCloud smallMesh() {
  PointCloud cloud;
  cloud.positions = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0.5f}};
  cloud.colors = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {12, 34, 56}};
  cloud.normals = {{0, 0, 1}, {0, 0, 1}, {0, 1, 0}, {1, 0, 0}};
  cloud.triangles = {{0, 1, 2}, {0, 2, 3}};
  return cloud;
}

}  // namespace

TEST_CASE("PLY round trip in every format keeps positions, colours, normals and faces") {
  TempDir dir;
  const PointCloud original = smallMesh();
  for (const auto format :
       {PlyFormat::Ascii, PlyFormat::BinaryLittleEndian, PlyFormat::BinaryBigEndian}) {
    INFO(plyFormatName(format));
    const auto path = dir.file("mesh.ply");
    writePly(path, original, format);
    const PointCloud read = readPly(path);
    REQUIRE(read.positions == original.positions);
    REQUIRE(read.colors == original.colors);
    REQUIRE(read.normals == original.normals);
    REQUIRE(read.triangles == original.triangles);
    CHECK(readPlyHeader(path).format == format);
  }
}

TEST_CASE("PLY faces can be skipped") {
  TempDir dir;
  writePly(dir.file("m.ply"), smallMesh());
  PlyReadOptions options;
  options.readFaces = false;
  const auto cloud = readPly(dir.file("m.ply"), options);
  CHECK(cloud.size() == 4);
  CHECK(cloud.triangles.empty());
}

TEST_CASE("PLY with properties in any order and mixed scalar types") {
  TempDir dir;
  const bool bigEndian = GENERATE(false, true);
  INFO("big endian: " << bigEndian);
  PlyBytes body(bigEndian);
  // Colours first, then double z, int y, float x, then an unrelated list property.
  for (int i = 0; i < 3; ++i) {
    body.put<std::uint8_t>(10 * i).put<std::uint8_t>(20 * i).put<std::uint8_t>(30 * i);
    body.put<double>(0.25 * i).put<std::int32_t>(-i).put<float>(1.5f * i);
    body.put<std::uint8_t>(2).put<std::int16_t>(7).put<std::int16_t>(8);
  }
  body.put<std::uint16_t>(999);  // one instance of a trailing element that must be skipped
  const std::string header = std::string("ply\nformat ") +
                             (bigEndian ? "binary_big_endian" : "binary_little_endian") +
                             " 1.0\ncomment odd layout\nelement vertex 3\n"
                             "property uchar red\nproperty uint8 green\nproperty uchar blue\n"
                             "property double z\nproperty int y\nproperty float32 x\n"
                             "property list uchar short extra\n"
                             "element junk 1\nproperty ushort value\nend_header\n";
  writeFile(dir.file("odd.ply"), header + body.str());
  const auto cloud = readPly(dir.file("odd.ply"));
  REQUIRE(cloud.size() == 3);
  CHECK(cloud.positions[2] == Eigen::Vector3f(3.0f, -2.0f, 0.5f));
  CHECK(cloud.colors[2] == Rgb8{20, 40, 60});
  CHECK_FALSE(cloud.hasNormals());
}

TEST_CASE("PLY ascii with CRLF line ends, comments and float colours") {
  TempDir dir;
  writeFile(dir.file("a.ply"),
            "ply\r\nformat ascii 1.0\r\ncomment made by hand\r\nelement vertex 2\r\n"
            "property float x\r\nproperty float y\r\nproperty float z\r\n"
            "property float red\r\nproperty float green\r\nproperty float blue\r\n"
            "element face 1\r\nproperty list uchar uint vertex_index\r\nend_header\r\n"
            "1 2 3 1.0 0.5 0\r\n-4e-1   +5 6 0 0 1\r\n"
            "4 0 1 1 0\r\n");
  const auto cloud = readPly(dir.file("a.ply"));
  REQUIRE(cloud.size() == 2);
  CHECK(cloud.positions[1] == Eigen::Vector3f(-0.4f, 5, 6));
  CHECK(cloud.colors[0] == Rgb8{255, 128, 0});
  // A quad is split into a fan of two triangles.
  CHECK(cloud.triangles == std::vector<Triangle>{{0, 1, 1}, {0, 1, 0}});
}

TEST_CASE("PLY reader reports progress and can be cancelled") {
  TempDir dir;
  writePly(dir.file("big.ply"), makeDemoCloud(600'000));
  std::vector<double> fractions;
  PlyReadOptions options;
  options.progress = [&](double f) {
    fractions.push_back(f);
    return true;
  };
  CHECK(readPly(dir.file("big.ply"), options).size() == 600'000);
  REQUIRE(fractions.size() >= 3);
  CHECK(std::is_sorted(fractions.begin(), fractions.end()));
  CHECK(fractions.back() == Approx(1.0));

  options.progress = [](double) { return false; };
  CHECK_THROWS_AS(readPly(dir.file("big.ply"), options), Cancelled);
}

TEST_CASE("PLY binary read of the demo cloud is exact") {
  TempDir dir;
  const auto cloud = makeDemoCloud(50'000);
  writePly(dir.file("demo.ply"), cloud, PlyFormat::BinaryBigEndian);
  const auto read = readPly(dir.file("demo.ply"));
  CHECK(read.positions == cloud.positions);
  CHECK(read.colors == cloud.colors);
}
