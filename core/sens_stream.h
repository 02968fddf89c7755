#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/image.h"
#include "core/mapped_file.h"

namespace mspa {

// ScanNet's RGB-D stream, `scene*.sens`, version 4 (ScanNet's SensReader/c++/src/sensorData.h and
// SensReader/python/SensorData.py): a header (sensor name, colour and depth calibration as
// row-major 4x4 float matrices, compression types, image sizes, depth shift), then per frame the
// camera-to-world matrix, colour and depth timestamps and the compressed colour and depth blobs.
// Opening maps the file and walks the frames' 96-byte headers only, recording where each blob
// lies; pixels decode on demand, so a multi-GB stream opens in the time it takes to touch one page
// per frame.
class SensStream {
 public:
  static constexpr std::uint32_t kVersion = 4;
  enum class ColorCompression { Raw = 0, Png = 1, Jpeg = 2 };
  enum class DepthCompression { RawUshort = 0, ZlibUshort = 1 };

  struct Header {
    std::string sensorName;
    Eigen::Matrix4f colorIntrinsic, colorExtrinsic, depthIntrinsic, depthExtrinsic;
    ColorCompression colorCompression = ColorCompression::Jpeg;
    DepthCompression depthCompression = DepthCompression::ZlibUshort;
    std::uint32_t colorWidth = 0, colorHeight = 0, depthWidth = 0, depthHeight = 0;
    float depthShift = 1000;  // depth units per metre
  };
  struct FrameRecord {
    Eigen::Matrix4f cameraToWorld;  // ScanNet writes -inf where tracking was lost
    std::uint64_t colorTimestamp = 0, depthTimestamp = 0;  // microseconds
    std::size_t colorOffset = 0, colorBytes = 0, depthOffset = 0, depthBytes = 0;
  };

  // Throws InputError naming the file when it is not a readable version-4 stream (too short for
  // its header, another version, an unknown compression type, implausible sizes). A file cut
  // inside the frames keeps the frames before the cut and says so in truncation().
  explicit SensStream(const std::string& path);

  const std::string& path() const { return file_.path(); }
  const Header& header() const { return header_; }
  const std::vector<FrameRecord>& frames() const { return frames_; }
  // Empty, or "frame N of M announced is cut short: ..." when the file ends early.
  const std::string& truncation() const { return truncation_; }

  // The frame's colour blob as stored (JPEG or PNG bytes, or raw RGB).
  const std::uint8_t* colorData(std::size_t frame) const;
  // Decoded now; throw InputError naming the file and the frame when its blob is corrupt or
  // disagrees with the header's sizes.
  RgbImage color(std::size_t frame) const;
  std::vector<std::uint16_t> depthUnits(std::size_t frame) const;  // row-major, header's size
  DepthImage depth(std::size_t frame) const;                       // metres

 private:
  std::string where(std::size_t frame) const;

  MappedFile file_;
  Header header_;
  std::vector<FrameRecord> frames_;
  std::string truncation_;
};

// Writes a version-4 stream frame by frame (tests, fuzz seeds and the benchmark's input): colour as
// the JPEG bytes given, depth zlib-compressed as ScanNet's writer does, no IMU frames.
struct SensFrameToWrite {
  Eigen::Matrix4f cameraToWorld = Eigen::Matrix4f::Identity();
  std::uint64_t timestamp = 0;
  std::vector<std::uint8_t> colorJpeg;
  std::vector<std::uint16_t> depthUnits;  // the header's depth size, row-major
};
class SensWriter {
 public:
  // Throws InputError when the file cannot be created.
  SensWriter(const std::string& path, const SensStream::Header& header, std::uint64_t frameCount);
  void add(const SensFrameToWrite& frame);
  void finish();  // throws InputError when writing failed (disk full?)

 private:
  std::string path_;
  std::unique_ptr<std::ofstream> out_;
};

}  // namespace mspa
