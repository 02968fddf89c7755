#include <catch2/catch.hpp>
#include <set>

#include "core/demo_cloud.h"

using namespace mspa;

TEST_CASE("Demo cloud is deterministic, coloured and inside the room") {
  const auto a = makeDemoCloud(20'000, 3);
  const auto b = makeDemoCloud(20'000, 3);
  const auto c = makeDemoCloud(20'000, 4);
  REQUIRE(a.size() == 20'000);
  REQUIRE(a.colors.size() == a.size());
  CHECK(a.positions == b.positions);
  CHECK(a.positions != c.positions);
  const auto box = a.bounds();
  CHECK(box.min.minCoeff() >= -1e-4f);
  CHECK(box.max.x() <= 6.0001f);
  CHECK(box.max.y() <= 5.0001f);
  CHECK(box.max.z() <= 2.6001f);
  // The room has many colours, not a single flat one.
  std::set<Rgb8> distinct(a.colors.begin(), a.colors.end());
  CHECK(distinct.size() > 50);
}

TEST_CASE("Bounds ignore non-finite points") {
  PointCloud cloud;
  cloud.positions = {{1, 2, 3}, {NAN, 0, 0}, {-1, 5, 0}};
  const auto box = cloud.bounds();
  CHECK(box.min == Eigen::Vector3f(-1, 2, 0));
  CHECK(box.max == Eigen::Vector3f(1, 5, 3));
  CHECK(PointCloud{}.bounds().extent() == Eigen::Vector3f::Zero());
}
