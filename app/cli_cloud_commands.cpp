#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/cli_commands.h"
#include "core/demo_cloud.h"
#include "core/ply_reader.h"
#include "core/ply_writer.h"

namespace mspa::cli {

void addInfoCommand(CLI::App& app) {
  auto* command =
      app.add_subcommand("info", "Describe a point cloud file: points, bounds, attributes");
  auto path = std::make_shared<std::string>();
  command->add_option("FILE", *path, "a .ply file")->required();
  command->callback([path] {
    const PlyHeader header = readPlyHeader(*path);
    const PointCloud cloud = readPly(*path);
    const Bounds box = cloud.bounds();
    std::printf("file:       %s\n", path->c_str());
    std::printf("format:     PLY %s\n", plyFormatName(header.format));
    std::printf("points:     %zu\n", cloud.size());
    std::printf("triangles:  %zu\n", cloud.triangles.size());
    std::printf("bounds:     [%.4f, %.4f, %.4f] - [%.4f, %.4f, %.4f]\n", box.min.x(), box.min.y(),
                box.min.z(), box.max.x(), box.max.y(), box.max.z());
    std::printf("colors:     %s\n", cloud.hasColors() ? "yes" : "no");
    std::printf("normals:    %s\n", cloud.hasNormals() ? "yes" : "no");
    for (const auto& element : header.elements) {
      std::printf("element:    %s x %zu:", element.name.c_str(), element.count);
      for (const auto& p : element.properties) {
        std::printf(" %s%s:%s", p.isList ? "list " : "", p.name.c_str(), plyTypeName(p.type));
      }
      std::printf("\n");
    }
  });
}

void addMakeDemoCloudCommand(CLI::App& app) {
  auto* command =
      app.add_subcommand("make-demo-cloud", "Write the procedural demo room as a binary PLY");
  struct Options {
    std::string path;
    std::size_t points = 1'200'000;
    std::uint32_t seed = 7;
  };
  auto options = std::make_shared<Options>();
  command->add_option("OUT", options->path, "output .ply file")->required();
  command->add_option("--points", options->points, "number of points")->capture_default_str();
  command->add_option("--seed", options->seed, "random seed")->capture_default_str();
  command->callback(
      [options] { writePly(options->path, makeDemoCloud(options->points, options->seed)); });
}

}  // namespace mspa::cli
