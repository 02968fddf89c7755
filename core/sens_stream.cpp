#include "core/sens_stream.h"

#include <zlib.h>

#include <cmath>
#include <cstring>

#include "core/input_error.h"

namespace mspa {
namespace {

using RowMajor4f = Eigen::Matrix<float, 4, 4, Eigen::RowMajor>;
constexpr std::size_t kFrameHeaderBytes = 16 * 4 + 4 * 8;  // pose, two timestamps, two sizes
// A side beyond this is not a camera's: refused before anything is allocated.
constexpr std::uint32_t kMaxSide = 16384;
// zlib expands at most about 1032:1, so a smaller blob cannot hold the header's depth size.
constexpr std::size_t kZlibMaxRatio = 1032;

// Reads the little-endian fields of the mapped bytes; callers check has() before reading.
class Cursor {
 public:
  Cursor(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::size_t offset() const { return at_; }
  bool has(std::size_t bytes) const { return bytes <= size_ - at_; }
  template <typename T>
  T read() {
    T value;
    std::memcpy(&value, data_ + at_, sizeof(T));
    at_ += sizeof(T);
    return value;
  }
  Eigen::Matrix4f matrix() {
    RowMajor4f m;
    std::memcpy(m.data(), data_ + at_, sizeof(float) * 16);
    at_ += sizeof(float) * 16;
    return m;
  }
  std::string text(std::size_t length) {
    std::string s(reinterpret_cast<const char*>(data_ + at_), length);
    at_ += length;
    return s;
  }
  void skip(std::size_t bytes) { at_ += bytes; }

 private:
  const std::uint8_t* data_;
  std::size_t size_, at_ = 0;
};

SensStream::ColorCompression colorCompression(std::int32_t type, const std::string& path) {
  if (type >= 0 && type <= 2) return static_cast<SensStream::ColorCompression>(type);
  throw InputError(path, "colour compression type " + std::to_string(type) +
                             " is not one of ScanNet's (0 raw, 1 png, 2 jpeg)");
}

SensStream::DepthCompression depthCompression(std::int32_t type, const std::string& path) {
  if (type == 0 || type == 1) return static_cast<SensStream::DepthCompression>(type);
  if (type == 2)
    throw InputError(path,
                     "depth compression occi_ushort (2) needs Occipital's codec, which ScanNet's "
                     "own readers do not ship; only raw_ushort (0) and zlib_ushort (1) are read");
  throw InputError(path, "depth compression type " + std::to_string(type) +
                             " is not one of ScanNet's (0 raw_ushort, 1 zlib_ushort)");
}

void checkSize(std::uint32_t width, std::uint32_t height, const char* what,
               const std::string& path) {
  if (width == 0 || height == 0 || width > kMaxSide || height > kMaxSide)
    throw InputError(path, std::string("the header's ") + what + " size " + std::to_string(width) +
                               "x" + std::to_string(height) + " is not an image's");
}

SensStream::Header readHeader(Cursor& in, const std::string& path) {
  if (!in.has(4 + 8)) throw InputError(path, "too short for a .sens header");
  const auto version = in.read<std::uint32_t>();
  if (version != SensStream::kVersion)
    throw InputError(path, "a .sens stream of version " + std::to_string(version) +
                               "; this reader knows version 4 (ScanNet's SensReader)");
  const auto nameLength = in.read<std::uint64_t>();
  constexpr std::size_t kRest = 4 * 64 + 2 * 4 + 4 * 4 + 4 + 8;  // through the frame count
  if (nameLength > 4096 || !in.has(nameLength + kRest))
    throw InputError(path, "the header is cut short or its sensor name (" +
                               std::to_string(nameLength) + " bytes) is not one");
  SensStream::Header h;
  h.sensorName = in.text(nameLength);
  h.colorIntrinsic = in.matrix();
  h.colorExtrinsic = in.matrix();
  h.depthIntrinsic = in.matrix();
  h.depthExtrinsic = in.matrix();
  h.colorCompression = colorCompression(in.read<std::int32_t>(), path);
  h.depthCompression = depthCompression(in.read<std::int32_t>(), path);
  h.colorWidth = in.read<std::uint32_t>();
  h.colorHeight = in.read<std::uint32_t>();
  h.depthWidth = in.read<std::uint32_t>();
  h.depthHeight = in.read<std::uint32_t>();
  h.depthShift = in.read<float>();
  checkSize(h.colorWidth, h.colorHeight, "colour", path);
  checkSize(h.depthWidth, h.depthHeight, "depth", path);
  if (!std::isfinite(h.depthShift) || h.depthShift <= 0)
    throw InputError(path, "the header's depth shift " + std::to_string(h.depthShift) +
                               " is not a number of depth units per metre");
  return h;
}

}  // namespace

SensStream::SensStream(const std::string& path) : file_(path, MappedFile::Access::OnDemand) {
  Cursor in(file_.data(), file_.size());
  header_ = readHeader(in, path);
  const auto announced = in.read<std::uint64_t>();
  file_.setScattered(true);  // the frame headers lie a frame's blobs apart
  // Every frame takes at least its header: more frames than that cannot be in the file.
  frames_.reserve(std::min<std::uint64_t>(announced, file_.size() / kFrameHeaderBytes));
  for (std::uint64_t i = 0; i < announced; ++i) {
    const std::string frame = "frame " + std::to_string(i) + " of " + std::to_string(announced);
    if (!in.has(kFrameHeaderBytes)) {
      truncation_ = frame + " is cut short in its header; the " + std::to_string(i) +
                    " frames before it load";
      break;
    }
    FrameRecord r;
    r.cameraToWorld = in.matrix();
    r.colorTimestamp = in.read<std::uint64_t>();
    r.depthTimestamp = in.read<std::uint64_t>();
    const auto colorBytes = in.read<std::uint64_t>();
    const auto depthBytes = in.read<std::uint64_t>();
    if (!in.has(colorBytes) || !in.has(colorBytes + depthBytes) ||
        colorBytes + depthBytes < colorBytes) {
      truncation_ = frame + " is cut short (its colour and depth need " +
                    std::to_string(colorBytes) + " + " + std::to_string(depthBytes) +
                    " bytes); the " + std::to_string(i) + " frames before it load";
      break;
    }
    r.colorOffset = in.offset();
    r.colorBytes = colorBytes;
    in.skip(colorBytes);
    r.depthOffset = in.offset();
    r.depthBytes = depthBytes;
    in.skip(depthBytes);
    frames_.push_back(r);
  }
  file_.setScattered(false);  // a frame's blobs are read whole
}

std::string SensStream::where(std::size_t frame) const {
  return path() + " frame " + std::to_string(frame);
}

const std::uint8_t* SensStream::colorData(std::size_t frame) const {
  return file_.data() + frames_.at(frame).colorOffset;
}

RgbImage SensStream::color(std::size_t frame) const {
  const FrameRecord& r = frames_.at(frame);
  const std::size_t w = header_.colorWidth, h = header_.colorHeight;
  RgbImage image;
  if (header_.colorCompression == ColorCompression::Raw) {
    if (r.colorBytes != w * h * 3)
      throw InputError(where(frame), "raw colour of " + std::to_string(r.colorBytes) +
                                         " bytes, the header's " + std::to_string(w) + "x" +
                                         std::to_string(h) + " needs " + std::to_string(w * h * 3));
    image = {static_cast<int>(w), static_cast<int>(h),
             std::vector<std::uint8_t>(colorData(frame), colorData(frame) + r.colorBytes)};
    return image;
  }
  image = decodeRgbImage(colorData(frame), r.colorBytes, where(frame) + " colour");
  if (static_cast<std::size_t>(image.width) != w || static_cast<std::size_t>(image.height) != h)
    throw InputError(where(frame), "colour is " + std::to_string(image.width) + "x" +
                                       std::to_string(image.height) + ", the header says " +
                                       std::to_string(w) + "x" + std::to_string(h));
  return image;
}

std::vector<std::uint16_t> SensStream::depthUnits(std::size_t frame) const {
  const FrameRecord& r = frames_.at(frame);
  const std::size_t pixels = std::size_t{header_.depthWidth} * header_.depthHeight;
  const std::size_t needed = pixels * sizeof(std::uint16_t);
  const std::string size = "the header's " + std::to_string(header_.depthWidth) + "x" +
                           std::to_string(header_.depthHeight) + " depth (" +
                           std::to_string(needed) + " bytes)";
  const std::uint8_t* blob = file_.data() + r.depthOffset;
  std::vector<std::uint16_t> units;
  if (header_.depthCompression == DepthCompression::RawUshort) {
    if (r.depthBytes != needed)
      throw InputError(where(frame),
                       "raw depth of " + std::to_string(r.depthBytes) + " bytes is not " + size);
    units.resize(pixels);
    std::memcpy(units.data(), blob, needed);
    return units;
  }
  if (r.depthBytes == 0 || r.depthBytes * kZlibMaxRatio < needed)
    throw InputError(where(frame), "a zlib depth blob of " + std::to_string(r.depthBytes) +
                                       " bytes cannot hold " + size);
  units.resize(pixels);
  uLongf produced = needed;
  const int status =
      uncompress(reinterpret_cast<Bytef*>(units.data()), &produced, blob, r.depthBytes);
  if (status == Z_BUF_ERROR && produced == needed)
    throw InputError(where(frame), "depth inflates to more than " + size);
  if (status != Z_OK)
    throw InputError(where(frame), std::string("corrupt zlib depth (") + zError(status) + ")");
  if (produced != needed)
    throw InputError(where(frame),
                     "depth inflates to " + std::to_string(produced) + " bytes, not " + size);
  return units;
}

DepthImage SensStream::depth(std::size_t frame) const {
  const std::vector<std::uint16_t> units = depthUnits(frame);
  DepthImage image{static_cast<int>(header_.depthWidth), static_cast<int>(header_.depthHeight),
                   std::vector<float>(units.size())};
  // As a 16-bit PNG of the same units reads (readDepthImage): exported depth stays bit-identical.
  const double metresPerUnit = 1.0 / header_.depthShift;
  for (std::size_t i = 0; i < units.size(); ++i)
    image.metres[i] = static_cast<float>(units[i] * metresPerUnit);
  return image;
}

SensWriter::SensWriter(const std::string& path, const SensStream::Header& header,
                       std::uint64_t frameCount)
    : path_(path), out_(std::make_unique<std::ofstream>(path, std::ios::binary)) {
  if (!*out_) throw InputError(path, "cannot create the file");
  const auto put = [this](const auto& value) {
    out_->write(reinterpret_cast<const char*>(&value), sizeof(value));
  };
  const auto putMatrix = [this](const Eigen::Matrix4f& m) {
    const RowMajor4f rows = m;
    out_->write(reinterpret_cast<const char*>(rows.data()), sizeof(float) * 16);
  };
  put(SensStream::kVersion);
  put(std::uint64_t{header.sensorName.size()});
  out_->write(header.sensorName.data(), static_cast<std::streamsize>(header.sensorName.size()));
  for (const auto* m : {&header.colorIntrinsic, &header.colorExtrinsic, &header.depthIntrinsic,
                        &header.depthExtrinsic})
    putMatrix(*m);
  put(static_cast<std::int32_t>(header.colorCompression));
  put(static_cast<std::int32_t>(header.depthCompression));
  for (std::uint32_t side :
       {header.colorWidth, header.colorHeight, header.depthWidth, header.depthHeight})
    put(side);
  put(header.depthShift);
  put(frameCount);
}

void SensWriter::add(const SensFrameToWrite& frame) {
  const RowMajor4f pose = frame.cameraToWorld;
  out_->write(reinterpret_cast<const char*>(pose.data()), sizeof(float) * 16);
  const std::uint64_t sizeBytes = frame.depthUnits.size() * sizeof(std::uint16_t);
  uLongf packedBytes = compressBound(sizeBytes);
  std::vector<Bytef> packed(packedBytes);
  compress2(packed.data(), &packedBytes, reinterpret_cast<const Bytef*>(frame.depthUnits.data()),
            sizeBytes, 8);  // ScanNet's writer: stb's zlib at quality 8
  const std::uint64_t fields[] = {frame.timestamp, frame.timestamp, frame.colorJpeg.size(),
                                  packedBytes};
  out_->write(reinterpret_cast<const char*>(fields), sizeof(fields));
  out_->write(reinterpret_cast<const char*>(frame.colorJpeg.data()),
              static_cast<std::streamsize>(frame.colorJpeg.size()));
  out_->write(reinterpret_cast<const char*>(packed.data()),
              static_cast<std::streamsize>(packedBytes));
}

void SensWriter::finish() {
  const std::uint64_t imuFrames = 0;
  out_->write(reinterpret_cast<const char*>(&imuFrames), sizeof(imuFrames));
  if (!out_->flush()) throw InputError(path_, "writing the stream failed (disk full?)");
  out_.reset();
}

}  // namespace mspa
