#include <catch2/catch.hpp>

#include <cmath>

#include "core/input_error.h"
#include "core/ply_reader.h"
#include "core/ply_writer.h"
#include "tests/core/ply_test_helpers.h"
#include "tests/support/temp_dir.h"

using namespace mspa;
using Catch::Matchers::Contains;
using mspa::test::PlyBytes;
using mspa::test::TempDir;
using mspa::test::writeFile;

namespace {

// Reads `bytes` as a PLY file and returns the error message; fails the test if it loads.
std::string errorFor(const TempDir& dir, const std::string& bytes) {
  const auto path = dir.file("bad.ply");
  writeFile(path, bytes);
  try {
    readPly(path);
  } catch (const InputError& e) {
    CHECK(e.path() == path);
    CHECK_THAT(e.what(), Contains(path));
    return e.problem();
  }
  FAIL("readPly accepted invalid input");
  return {};
}

const std::string kXyzHeader =
    "ply\nformat binary_little_endian 1.0\nelement vertex 4\n"
    "property float x\nproperty float y\nproperty float z\nend_header\n";

}  // namespace

TEST_CASE("PLY: a missing file names the file") {
  try {
    readPly("/nonexistent/cloud.ply");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.path() == "/nonexistent/cloud.ply");
    CHECK_THAT(e.problem(), Contains("No such file"));
  }
}

TEST_CASE("PLY: empty, foreign and truncated headers") {
  TempDir dir;
  CHECK_THAT(errorFor(dir, ""), Contains("empty"));
  CHECK_THAT(errorFor(dir, "solid cube\nfacet normal 0 0 1\n"), Contains("not a PLY file"));
  CHECK_THAT(errorFor(dir, "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\n"),
             Contains("no 'end_header'"));
  CHECK_THAT(errorFor(dir, "ply\nformat ascii 1.0\nelement vertex many\nend_header\n"),
             Contains("invalid count"));
  CHECK_THAT(
      errorFor(dir, "ply\nformat ascii 1.0\nelement vertex 1\nproperty quad x\nend_header\n"),
      Contains("unknown type 'quad'"));
  CHECK_THAT(errorFor(dir, "ply\nformat binary_middle_endian 1.0\nend_header\n"),
             Contains("unknown format"));
  CHECK_THAT(errorFor(dir, "ply\nelement vertex 0\nend_header\n"), Contains("no 'format'"));
  CHECK_THAT(
      errorFor(dir, "ply\nformat ascii 1.0\nelement vertex 1\nproperty float y\nend_header\n0\n"),
      Contains("no x, y and z"));
}

TEST_CASE("PLY: a header that promises more data than the file holds") {
  TempDir dir;
  PlyBytes body(false);
  for (int i = 0; i < 3 * 3; ++i) body.put<float>(1.0f);  // 3 vertices, header says 4
  const auto problem = errorFor(dir, kXyzHeader + body.str());
  CHECK_THAT(problem, Contains("truncated"));
  CHECK_THAT(problem, Contains("'vertex'"));
  CHECK_THAT(errorFor(dir,
                      "ply\nformat binary_little_endian 1.0\nelement vertex 99999999999999999\n"
                      "property double x\nproperty double y\nproperty double z\nend_header\n"),
             Contains("vertex"));
}

TEST_CASE("PLY: truncated ascii body and garbage values") {
  TempDir dir;
  const std::string header =
      "ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float "
      "z\n"
      "end_header\n";
  CHECK_THAT(errorFor(dir, header + "1 2 3\n4 5\n"), Contains("truncated"));
  const auto problem = errorFor(dir, header + "1 2 3\n4 five 6\n");
  CHECK_THAT(problem, Contains("not a number"));
  CHECK_THAT(problem, Contains("line 9"));
}

TEST_CASE("PLY: faces that reference missing vertices") {
  TempDir dir;
  PlyBytes body(false);
  for (int i = 0; i < 4 * 3; ++i) body.put<float>(0.0f);
  body.put<std::uint8_t>(3).put<std::int32_t>(0).put<std::int32_t>(1).put<std::int32_t>(7);
  const std::string header =
      "ply\nformat binary_little_endian 1.0\nelement vertex 4\n"
      "property float x\nproperty float y\nproperty float z\n"
      "element face 1\nproperty list uchar int vertex_indices\nend_header\n";
  CHECK_THAT(errorFor(dir, header + body.str()), Contains("references vertex 7"));
  CHECK_THAT(errorFor(dir, header + body.str().substr(0, body.str().size() - 6)),
             Contains("truncated"));
}

TEST_CASE("PLY writer reports a file it cannot create") {
  PointCloud cloud;
  cloud.positions = {{0, 0, 0}};
  CHECK_THROWS_WITH(writePly("/nonexistent/dir/out.ply", cloud),
                    Contains("/nonexistent/dir/out.ply"));
}

TEST_CASE("PLY: counts and values a tiny file cannot back, and values outside their type") {
  TempDir dir;
  // 10^12 faces in a 172-byte file: refused before anything is reserved for them.
  const std::string faces =
      "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float "
      "z\n"
      "element face 1000000000000\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 "
      "0\n0 1 0\n3 0 1 2\n";
  CHECK_THAT(errorFor(dir, faces), Contains("truncated"));
  const std::string header =
      "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float "
      "z\n"
      "property uchar red\nproperty uchar green\nproperty uchar blue\n";
  CHECK_THAT(errorFor(dir, header + "end_header\n0 0 0 300 0 0\n"),
             Contains("outside its property's type"));
  CHECK_THAT(errorFor(dir, header + "end_header\n1e300 0 0 0 0 0\n"),
             Contains("outside its property's type"));
  const std::string list =
      "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float "
      "z\n"
      "element face 1\nproperty list uint int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 "
      "0\n4000000000 0 1 2\n";
  CHECK_THAT(errorFor(dir, list), Contains("a list longer than the data left"));
  // A float64 coordinate beyond float's range is stored as an infinity, not cast.
  PlyBytes body(false);
  body.put<double>(1e300).put<double>(0).put<double>(0);
  writeFile(dir.file("big.ply"),
            "ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty double x\nproperty "
            "double y\n"
            "property double z\nend_header\n" +
                body.str());
  CHECK(std::isinf(readPly(dir.file("big.ply")).positions[0].x()));
}
