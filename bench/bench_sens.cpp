// ScanNet .sens benchmark (issue 18): a synthetic stream of ScanNet's shape, how long it takes to
// open, to decode a frame, and to export to posed images. Run with bench/sens-bench.sh.
//   bench_sens write OUT.sens --frames N
//   bench_sens read FILE.sens
//   bench_sens export FILE.sens OUT_DIR
//   bench_sens from-scene SCENE OUT.sens   (colour at ScanNet's 1296x968, depth as the scene has
//   it)
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <random>

#include "core/scene.h"
#include "core/scene_export.h"
#include "core/sens_stream.h"

namespace {

using namespace mspa;

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A 1296x968 colour frame with ScanNet-like detail (a JPEG of ~150 KB) and a 640x480 depth map
// with sensor noise (zlib at ScanNet's ~2:1).
void writeStream(const std::string& path, int frames) {
  std::mt19937 rng(7);
  RgbImage color{1296, 968, std::vector<std::uint8_t>(1296 * 968 * 3)};
  for (int y = 0; y < color.height; ++y)
    for (int x = 0; x < color.width; ++x)
      for (int c = 0; c < 3; ++c)
        color.at(x, y)[c] = static_cast<std::uint8_t>((x * (c + 1) / 7 + y / 5 + rng() % 24) & 255);
  SensFrameToWrite frame;
  frame.colorJpeg = encodeJpeg(color, 90);
  frame.depthUnits.resize(640 * 480);
  for (std::size_t i = 0; i < frame.depthUnits.size(); ++i)
    frame.depthUnits[i] = static_cast<std::uint16_t>(1500 + (i % 640) + rng() % 8);
  SensStream::Header header;
  header.sensorName = "StructureSensor";
  header.colorIntrinsic << 1170, 0, 647.75, 0, 0, 1170, 483.75, 0, 0, 0, 1, 0, 0, 0, 0, 1;
  header.depthIntrinsic << 571.6, 0, 319.5, 0, 0, 571.6, 239.5, 0, 0, 0, 1, 0, 0, 0, 0, 1;
  header.colorExtrinsic = header.depthExtrinsic = Eigen::Matrix4f::Identity();
  header.colorWidth = 1296;
  header.colorHeight = 968;
  header.depthWidth = 640;
  header.depthHeight = 480;
  SensWriter writer(path, header, static_cast<std::uint64_t>(frames));
  for (int i = 0; i < frames; ++i) {
    frame.cameraToWorld(0, 3) = 0.01f * static_cast<float>(i);
    frame.timestamp = 33'333ull * static_cast<std::uint64_t>(i);
    writer.add(frame);
  }
  writer.finish();
  std::printf("wrote %d frames (colour JPEG %zu bytes each)\n", frames, frame.colorJpeg.size());
}

void read(const std::string& path) {
  const auto start = Clock::now();
  const Scene scene = loadScene(path);
  const double open = since(start);
  constexpr int kDecoded = 40;
  const std::size_t step = std::max<std::size_t>(1, scene.frames.size() / kDecoded);
  double colour = 0, depth = 0;
  int decoded = 0;
  for (std::size_t i = 0; i < scene.frames.size() && decoded < kDecoded; i += step, ++decoded) {
    auto t = Clock::now();
    (void)loadColor(scene, scene.frames[i]);
    colour += since(t);
    t = Clock::now();
    (void)loadDepth(scene.frames[i]);
    depth += since(t);
  }
  std::printf("open_s %.3f frames %zu colour_decode_ms %.1f depth_decode_ms %.1f\n", open,
              scene.frames.size(), colour / decoded * 1000, depth / decoded * 1000);
}

void exportPosed(const std::string& path, const std::string& out) {
  const auto start = Clock::now();
  const Scene scene = loadScene(path);
  const PosedImagesReport report = exportPosedImages(scene, out);
  const double seconds = since(start);
  std::printf("export_frames %d seconds %.2f frames_per_s %.1f\n", report.frames, seconds,
              report.frames / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MultiSPA Studio .sens benchmark"};
  app.require_subcommand(1);
  std::string path, out;
  int frames = 5000;
  auto* write = app.add_subcommand("write", "write a synthetic stream");
  write->add_option("OUT", path)->required();
  write->add_option("--frames", frames);
  write->callback([&] { writeStream(path, frames); });
  auto* readCommand = app.add_subcommand("read", "open time and per-frame decode time");
  readCommand->add_option("FILE", path)->required();
  readCommand->callback([&] { read(path); });
  auto* exportCommand = app.add_subcommand("export", "posed-images export throughput");
  exportCommand->add_option("FILE", path)->required();
  exportCommand->add_option("OUT", out)->required();
  exportCommand->callback([&] { exportPosed(path, out); });
  auto* convert = app.add_subcommand("from-scene", "a posed scene as a .sens stream");
  convert->add_option("SCENE", path)->required();
  convert->add_option("OUT", out)->required();
  convert->callback([&] {
    writeSceneAsSens(loadScene(path), out);
    std::printf("wrote %s\n", out.c_str());
  });
  CLI11_PARSE(app, argc, argv);
  return 0;
}
