#include "core/scene_export.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include <opencv2/imgproc.hpp>

#include "core/input_error.h"
#include "core/opencv_image.h"
#include "core/scene_loaders.h"
#include "core/sens_stream.h"

namespace fs = std::filesystem;

namespace mspa {
namespace {

// %.17g: a matrix read back is the same doubles, so questions on the export keep their truth.
void writeMatrix(const std::string& path, const Eigen::Matrix4d& m) {
  std::ofstream out(path);
  for (int r = 0; r < 4; ++r) {
    char line[160];
    std::snprintf(line, sizeof(line), "%.17g %.17g %.17g %.17g\n", m(r, 0), m(r, 1), m(r, 2),
                  m(r, 3));
    out << line;
  }
  if (!out.flush()) throw InputError(path, "cannot write");
}

// A .sens frame's colour is already a JPEG: its bytes are copied, not decoded and encoded again.
bool storedJpeg(const Frame& frame) {
  return frame.sens && frame.sens->header().colorCompression == SensStream::ColorCompression::Jpeg;
}

void writeBytes(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out.flush()) throw InputError(path, "cannot write");
}

}  // namespace

PosedImagesReport exportPosedImages(const Scene& scene, const std::string& outDir,
                                    const PosedImagesOptions& options) {
  PosedImagesReport report;
  const fs::path folder = fs::path(outDir) / scene.name;
  report.folder = folder.string();
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) throw InputError(folder.string(), "cannot create the folder: " + error.message());
  const int every = std::max(1, options.every);
  bool intrinsicsWritten = false;
  for (std::size_t i = 0; i < scene.frames.size(); i += every) {
    const Frame& frame = scene.frames[i];
    const std::string base = (folder / loaders::posedFrameName(i)).string();
    RgbImage color;
    std::optional<DepthImage> depth;
    try {  // decoded first: a corrupt frame is skipped whole
      if (!storedJpeg(frame)) color = loadColor(scene, frame);
      if (frame.hasDepth()) depth = loadDepth(frame);
    } catch (const InputError& e) {
      report.problems.push_back(e.what());
      continue;
    }
    if (storedJpeg(frame)) {
      writeBytes(base + ".jpg", frame.sens->colorData(frame.sensFrame),
                 frame.sens->frames()[frame.sensFrame].colorBytes);
    } else {
      writeJpeg(base + ".jpg", color, 95);
    }
    if (depth) {
      writeDepthPng(base + ".png", *depth, 0.001);
    } else {
      ++report.withoutDepth;
    }
    if (frame.cameraToWorld) {
      writeMatrix(base + ".txt", frame.cameraToWorld->matrix());
    } else {
      writeMatrix(base + ".txt", Eigen::Matrix4d::Constant(-INFINITY));
      ++report.withoutPose;
    }
    if (!intrinsicsWritten && frame.intrinsics) {
      writeMatrix((folder / "intrinsic.txt").string(), loaders::cameraMatrix(*frame.intrinsics));
      if (frame.depthIntrinsics)
        writeMatrix((folder / "intrinsic_depth.txt").string(),
                    loaders::cameraMatrix(*frame.depthIntrinsics));
      intrinsicsWritten = true;
    }
    ++report.frames;
    if (options.progress && !options.progress(static_cast<double>(i + 1) / scene.frames.size()))
      throw Cancelled();
  }
  return report;
}

void writeSceneAsSens(const Scene& scene, const std::string& path, int colorWidth,
                      int colorHeight) {
  if (scene.frames.empty() || !scene.frames[0].intrinsics || !scene.frames[0].hasDepth())
    throw InputError(scene.source, "a .sens needs frames with intrinsics and depth");
  const Intrinsics& k = *scene.frames[0].intrinsics;
  SensStream::Header header;
  header.sensorName = "converted from " + scene.name;
  header.colorIntrinsic = loaders::cameraMatrix(k.scaledTo(colorWidth, colorHeight)).cast<float>();
  header.depthIntrinsic = loaders::cameraMatrix(k).cast<float>();
  header.colorExtrinsic = header.depthExtrinsic = Eigen::Matrix4f::Identity();
  header.colorWidth = static_cast<std::uint32_t>(colorWidth);
  header.colorHeight = static_cast<std::uint32_t>(colorHeight);
  header.depthWidth = static_cast<std::uint32_t>(k.width);
  header.depthHeight = static_cast<std::uint32_t>(k.height);
  SensWriter writer(path, header, scene.frames.size());
  for (const Frame& frame : scene.frames) {
    SensFrameToWrite record;
    if (frame.cameraToWorld) {
      record.cameraToWorld = frame.cameraToWorld->matrix().cast<float>();
    } else {
      record.cameraToWorld.setConstant(-INFINITY);
    }
    cv::Mat resized;
    cv::resize(bgrFromRgb(loadColor(scene, frame)), resized, cv::Size(colorWidth, colorHeight), 0,
               0, cv::INTER_LINEAR);
    record.colorJpeg = encodeJpeg(rgbFromBgr(resized), 92);
    for (float metres : loadDepth(frame).metres)
      record.depthUnits.push_back(static_cast<std::uint16_t>(std::lround(metres * 1000)));
    writer.add(record);
  }
  writer.finish();
}

}  // namespace mspa
