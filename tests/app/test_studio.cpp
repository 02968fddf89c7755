#include <catch2/catch.hpp>

#include <QColor>
#include <QImage>
#include <filesystem>
#include <fstream>

#include "core/demo_cloud.h"
#include "core/ply_writer.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

using namespace mspa;
using Catch::Matchers::Contains;
using test::shellQuote;

namespace {

test::ProcessResult studio(const std::string& arguments) {
  return test::runProcess(std::string(MSPA_STUDIO) + " " + arguments);
}

// Renders the demo room with `mspa make-demo` into DIR/demo; returns the folder.
std::string renderDemo(const test::TempDir& dir, int frames, int tracks) {
  const std::string folder = (dir.path() / "demo").string();
  REQUIRE(test::runProcess(std::string(MSPA_CLI) + " make-demo " + shellQuote(folder) +
                           " --frames " + std::to_string(frames) + " --tracks " +
                           std::to_string(tracks))
              .exitCode == 0);
  return folder;
}

}  // namespace

TEST_CASE("mspa-studio --screenshot renders a cloud into a PNG and exits") {
  test::TempDir dir;
  writePly(dir.file("room.ply"), makeDemoCloud(300'000));
  const auto r = studio("--size 800x600 --screenshot " + shellQuote(dir.file("shot.png")) + " " +
                        shellQuote(dir.file("room.ply")));
  REQUIRE(r.exitCode == 0);
  const QImage shot(QString::fromStdString(dir.file("shot.png")));
  REQUIRE(shot.width() == 800);
  REQUIRE(shot.height() == 600);
  int sphereHues = 0;  // the demo sphere is painted with every hue
  for (int y = 0; y < shot.height(); y += 2) {
    for (int x = 0; x < shot.width(); x += 2) {
      const QColor c = shot.pixelColor(x, y);
      if (c.hsvSaturation() > 150 && c.hue() > 260 && c.hue() < 330) ++sphereHues;
    }
  }
  CHECK(sphereHues > 20);
}

TEST_CASE("mspa-studio with a bad file reports it and exits with 2 in screenshot mode") {
  test::TempDir dir;
  test::writeFile(dir.file("bad.ply"), "definitely not ply");
  const auto r = studio("--screenshot " + shellQuote(dir.file("shot.png")) + " " +
                        shellQuote(dir.file("bad.ply")));
  CHECK(r.exitCode == 2);
  CHECK_THAT(r.err, Contains(dir.file("bad.ply")));
  CHECK_THAT(r.err, Contains("not a PLY file"));
  CHECK_FALSE(std::filesystem::exists(dir.file("shot.png")));
}

TEST_CASE("mspa-studio names a wrong --explain-part and what it takes") {
  const auto r = studio("--demo --explain --explain-part heads --screenshot /dev/null");
  CHECK(r.exitCode == 2);
  CHECK_THAT(r.err, Contains("--explain-part must be combined, tiles or thumbnail, not heads"));
}

TEST_CASE("mspa-studio opens a scene on a chosen frame pair with a picked pixel") {
  test::TempDir dir;
  const std::string folder = renderDemo(dir, 6, 64);
  const auto r = studio("--screenshot " + shellQuote(dir.file("pair.png")) +
                        " --frame 1 --pair 4 --depth-overlay --pick 320,300 " + shellQuote(folder));
  REQUIRE(r.exitCode == 0);
  CHECK(QImage(QString::fromStdString(dir.file("pair.png"))).width() == 1280);
}

TEST_CASE("mspa-studio --record-timeline saves the window at every frame") {
  test::TempDir dir;
  renderDemo(dir, 4, 2);
  const auto r = studio("--size 900x600 --record-timeline " + shellQuote(dir.file("frames")) + " " +
                        shellQuote(dir.file("demo")));
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  for (int i = 0; i < 4; ++i) {
    const QImage frame(
        QString::fromStdString(dir.file("frames/frame-0000" + std::to_string(i) + ".png")));
    CHECK(frame.width() == 900);
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("frames/frame-00004.png")));
}

TEST_CASE(
    "mspa-studio --export-view saves one view at the chosen size, and refuses an unknown view") {
  test::TempDir dir;
  renderDemo(dir, 3, 2);
  const auto r = studio("--export-view 3d --export-size 900x300 --screenshot " +
                        shellQuote(dir.file("3d.png")) + " " + shellQuote(dir.file("demo")));
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  CHECK(QImage(QString::fromStdString(dir.file("3d.png"))).size() == QSize(900, 300));
  const auto frame = studio("--export-view frame --screenshot " +
                            shellQuote(dir.file("frame.png")) + " " + shellQuote(dir.file("demo")));
  REQUIRE(frame.exitCode == 0);
  CHECK(QImage(QString::fromStdString(dir.file("frame.png"))).size() == QSize(640, 480));
  const auto unknown = studio("--export-view side --screenshot " + shellQuote(dir.file("x.png")) +
                              " " + shellQuote(dir.file("demo")));
  CHECK(unknown.exitCode == 2);
  CHECK_THAT(unknown.err, Contains("3d, frame or pair"));
}

TEST_CASE(
    "mspa-studio --demo-episode --reward runs the annotator on the bundled push episode and saves "
    "its window") {
  test::TempDir dir;
  const auto r =
      studio("--demo-episode --reward --screenshot " + shellQuote(dir.file("reward.png")));
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  const QImage shot(QString::fromStdString(dir.file("reward.png")));
  CHECK(shot.width() == 1200);
}

TEST_CASE("Scripted mspa-studio runs leave the user's recent files and layout alone") {
  test::TempDir dir;
  const std::string config = dir.file("config");
  const auto r = test::runProcess("XDG_CONFIG_HOME=" + shellQuote(config) + " " + MSPA_STUDIO +
                                  " --demo --screenshot " + shellQuote(dir.file("shot.png")));
  INFO(r.err);
  REQUIRE(r.exitCode == 0);
  if (!std::filesystem::exists(config)) return;  // nothing written at all
  for (const auto& entry : std::filesystem::recursive_directory_iterator(config)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK_THAT(text, !Contains("recentFiles") && !Contains("window"));
  }
}
