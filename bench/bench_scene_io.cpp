// Scene I/O benchmark: PLY parsing and scene opening, best of several runs.
//   bench_scene_io ply FILE.ply [--runs N]
//   bench_scene_io scene PATH [--runs N]
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "core/ply_reader.h"
#include "core/scene.h"

namespace {

template <typename Fn>
double bestSeconds(int runs, Fn&& fn) {
  double best = 1e30;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MultiSPA Studio scene I/O benchmark"};
  app.require_subcommand(1);
  std::string path;
  int runs = 5;
  app.add_option("--runs", runs, "repetitions (the best is reported)");
  auto* ply = app.add_subcommand("ply", "time readPly on a file");
  ply->add_option("FILE", path)->required();
  auto* scene = app.add_subcommand("scene", "time loadScene (metadata only) on a scene");
  scene->add_option("PATH", path)->required();
  CLI11_PARSE(app, argc, argv);

  if (*ply) {
    std::size_t points = 0;
    const double s = bestSeconds(runs, [&] { points = mspa::readPly(path).size(); });
    std::printf("mspa readPly: %zu points in %.1f ms (%.1f M points/s)\n", points, s * 1e3,
                points / s / 1e6);
  } else {
    std::size_t frames = 0;
    const double s = bestSeconds(runs, [&] { frames = mspa::loadScene(path).frames.size(); });
    std::printf("mspa loadScene: %zu frames in %.1f ms\n", frames, s * 1e3);
  }
  return 0;
}
