#include "dataset_browser/dataset_index.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <unordered_map>

#include "core/fnv_hash.h"
#include "core/input_error.h"
#include "core/json_id.h"
#include "core/mapped_file.h"
#include "core/task_catalog.h"

namespace fs = std::filesystem;

namespace mspa::dataset {
namespace {

constexpr int kFormatVersion = 2;
constexpr std::size_t kChunkBytes = 32u << 20;  // read and parsed at a time: bounds the memory
constexpr std::size_t kFingerprintBytes = 64u << 10;
constexpr std::size_t kMaxListedProblems = 1000;
constexpr std::uint32_t kVectorCode = DatasetIndex::kNoCode - 1;  // number: the vector's length
constexpr std::uint32_t kCoordinateCode =
    DatasetIndex::kNoCode - 2;  // number: x * 1001 + y, exact in a float

struct FileState {
  std::uint64_t size = 0;
  std::int64_t mtimeNs = 0;
};

FileState stateOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw InputError(path, std::strerror(errno));
  return {static_cast<std::uint64_t>(st.st_size),
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

std::uint64_t fingerprint(const std::string& path, std::uint64_t size) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw InputError(path, std::strerror(errno));
  std::vector<char> buffer(kFingerprintBytes);
  std::uint64_t hash = fnv1a(&size, sizeof size);
  const auto mix = [&](std::uint64_t at) {
    const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(at));
    if (n > 0) hash = fnv1a(buffer.data(), static_cast<std::size_t>(n), hash);
  };
  mix(0);
  if (size > kFingerprintBytes) mix(size - kFingerprintBytes);
  ::close(fd);
  return hash;
}

std::string splitOf(const std::string& path) {
  std::string name = fs::path(path).filename().string();
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* s : {"train", "val", "test"}) {
    if (name.find(s) != std::string::npos) return s;
  }
  return name.find("bench") != std::string::npos ? "benchmark" : "";
}

// Codes for the strings one worker meets; merged into the index's dictionaries afterwards. The
// texts come from simdjson's parser buffer, which the next line overwrites, so they are copied,
// through one reused string so that known texts cost no allocation.
struct LocalDictionary {
  std::unordered_map<std::string, std::uint32_t> codes;
  std::vector<std::string> names;
  std::string scratch;
  std::uint32_t code(std::string_view text) {
    scratch.assign(text);
    const auto it = codes.find(scratch);
    if (it != codes.end()) return it->second;
    names.push_back(scratch);
    return codes.emplace(scratch, static_cast<std::uint32_t>(names.size() - 1)).first->second;
  }
};

struct ParsedRow {
  std::uint64_t offset, id;
  std::uint32_t length, type, scene, answer;
  float number;
  std::uint8_t images;
};

struct ChunkLine {
  std::uint64_t offset, number;
  std::uint32_t length;
  const char* text;
};

struct WorkerOutput {
  std::vector<ParsedRow> rows;
  LocalDictionary types, scenes, answers;
  std::vector<std::pair<std::uint64_t, std::string>> problems;
};

void parseLine(simdjson::dom::parser& parser, const ChunkLine& line, WorkerOutput& out) {
  simdjson::dom::object o;
  const auto status = parser.parse(line.text, line.length).get(o);
  if (status) {
    out.problems.emplace_back(
        line.number, status == simdjson::INCORRECT_TYPE
                         ? "not a JSON object"
                         : std::string("malformed JSON: ") + simdjson::error_message(status));
    return;
  }
  simdjson::dom::element id;
  const std::string idString =
      o["id"].get(id) == simdjson::SUCCESS ? jsonIdText(id) : std::string();
  if (idString.empty()) {
    simdjson::dom::element run;
    if (o["run"].get(run) != simdjson::SUCCESS) out.problems.emplace_back(line.number, "no \"id\"");
    return;
  }
  ParsedRow row{line.offset, DatasetIndex::hashId(idString), line.length, 0,
                0,           DatasetIndex::kNoCode,          NAN,         0};
  std::string_view type;
  row.type =
      out.types.code(o["question_type"].get(type) == simdjson::SUCCESS ? type : std::string_view());
  simdjson::dom::element image;
  std::string_view first;
  if (o["image"].get(image) == simdjson::SUCCESS) {
    simdjson::dom::array many;
    if (image.get(first) == simdjson::SUCCESS) {
      row.images = 1;
    } else if (image.get(many) == simdjson::SUCCESS) {
      row.images = static_cast<std::uint8_t>(std::min<std::size_t>(255, many.size()));
      if (many.size() > 0 && many.at(0).get(first) != simdjson::SUCCESS) first = {};
    }
  }
  const auto slash = first.find('/');
  row.scene = out.scenes.code(slash == std::string_view::npos ? std::string_view()
                                                              : first.substr(0, slash));
  simdjson::dom::element gt;
  if (o["gt_value"].get(gt) == simdjson::SUCCESS) {
    std::string_view word;
    double number = 0;
    simdjson::dom::array values;
    if (gt.get(word) == simdjson::SUCCESS) {
      row.answer = out.answers.code(word);
    } else if (gt.get(number) == simdjson::SUCCESS) {
      row.number = static_cast<float>(number);
    } else if (gt.get(values) == simdjson::SUCCESS) {
      std::vector<double> v;
      for (auto value : values) v.push_back(value.get(number) == simdjson::SUCCESS ? number : NAN);
      const auto normalized = [](double x) { return x >= 0 && x <= 1000 && x == std::floor(x); };
      if (v.size() == 2 && normalized(v[0]) && normalized(v[1])) {
        row.answer = kCoordinateCode;
        row.number = static_cast<float>(v[0] * 1001 + v[1]);
      } else {
        double squares = 0;
        for (double x : v) squares += std::isnan(x) ? 0 : x * x;
        row.answer = kVectorCode;
        row.number = static_cast<float>(std::sqrt(squares));
      }
    }
  }
  out.rows.push_back(row);
}

// Appends columns to their files as chunks are indexed: values gather in a buffer per column
// and go out in one write per chunk.
class ColumnWriter {
 public:
  static constexpr std::size_t kColumns = 9;

  explicit ColumnWriter(const fs::path& dir) {
    for (const char* name : {"file.u16", "offset.u64", "length.u32", "id.u64", "type.u8",
                             "scene.u32", "images.u8", "answer_code.u32", "answer_number.f32"}) {
      streams_.emplace_back(dir / name, std::ios::binary);
      if (!streams_.back()) throw InputError((dir / name).string(), "cannot write the index");
    }
    buffers_.resize(kColumns);
  }
  template <typename T>
  void put(std::size_t column, T value) {
    auto& b = buffers_[column];
    const auto at = b.size();
    b.resize(at + sizeof value);
    std::memcpy(b.data() + at, &value, sizeof value);
  }
  void flush() {
    for (std::size_t c = 0; c < kColumns; ++c) {
      streams_[c].write(buffers_[c].data(), static_cast<std::streamsize>(buffers_[c].size()));
      buffers_[c].clear();
    }
  }
  void close(const std::string& dir) {
    flush();
    for (auto& s : streams_) {
      s.close();
      if (!s) throw InputError(dir, "writing the index failed (disk full?)");
    }
  }

 private:
  std::vector<std::ofstream> streams_;
  std::vector<std::vector<char>> buffers_;
};

// Global dictionaries; question types start with the catalogue's so their codes are stable.
struct Dictionaries {
  std::vector<std::string> types, scenes, answers;
  std::unordered_map<std::string, std::uint32_t> typeCodes, sceneCodes, answerCodes;

  Dictionaries() {
    for (const auto& t : taskCatalog()) add(types, typeCodes, t.questionType);
  }
  static std::uint32_t add(std::vector<std::string>& names,
                           std::unordered_map<std::string, std::uint32_t>& codes,
                           const std::string& name) {
    const auto [it, added] = codes.try_emplace(name, static_cast<std::uint32_t>(names.size()));
    if (added) names.push_back(name);
    return it->second;
  }
  std::vector<std::uint32_t> remap(const LocalDictionary& local, std::vector<std::string>& names,
                                   std::unordered_map<std::string, std::uint32_t>& codes,
                                   std::uint32_t limit) {
    std::vector<std::uint32_t> out;
    for (const auto& name : local.names) {
      const auto it = codes.find(name);
      out.push_back(it != codes.end()      ? it->second
                    : names.size() < limit ? add(names, codes, name)
                                           : limit - 1);
    }
    return out;
  }
};

class IndexBuilder {
 public:
  IndexBuilder(const fs::path& dir, const IndexProgressFn& progress, std::uint64_t totalBytes)
      : columns_(dir),
        progress_(progress),
        totalBytes_(totalBytes),
        workers_(std::max(1u, std::thread::hardware_concurrency())) {}

  void addFile(std::uint16_t fileCode, IndexedFile& file) {
    const int fd = ::open(file.path.c_str(), O_RDONLY);
    if (fd < 0) throw InputError(file.path, std::strerror(errno));
    char* buffer = buffer_.get();
    std::size_t carried = 0;
    std::uint64_t base = 0, lineNumber = 1,
                  unread = file.size;  // what was there when indexing began
    for (;;) {
      const ssize_t n =
          ::read(fd, buffer + carried, std::min<std::uint64_t>(kChunkBytes - carried, unread));
      if (n < 0) {
        ::close(fd);
        throw InputError(file.path, std::strerror(errno));
      }
      unread -= static_cast<std::uint64_t>(n);
      const std::size_t filled = carried + static_cast<std::size_t>(n);
      const bool last = n == 0;
      std::size_t end = filled;
      if (!last) {
        const void* newline = memrchr(buffer, '\n', filled);
        if (!newline) {
          ::close(fd);
          throw InputError(file.path, "a line longer than " + std::to_string(kChunkBytes >> 20) +
                                          " MiB at line " + std::to_string(lineNumber));
        }
        end = static_cast<std::size_t>(static_cast<const char*>(newline) - buffer) + 1;
      }
      lineNumber = indexChunk(fileCode, file, buffer, end, base, lineNumber);
      bytesDone_ += end;
      report();
      carried = filled - end;
      std::memmove(buffer, buffer + end, carried);
      base += end;
      if (last) break;
    }
    ::close(fd);
  }

  void finish(const std::string& dir, Dictionaries& dictionaries) {
    columns_.close(dir);
    dictionaries = std::move(dictionaries_);
  }
  std::uint64_t rows() const { return rows_; }

 private:
  std::uint64_t indexChunk(std::uint16_t fileCode, IndexedFile& file, const char* data,
                           std::size_t size, std::uint64_t base, std::uint64_t lineNumber) {
    std::vector<ChunkLine> lines;
    for (std::size_t at = 0; at < size;) {
      const void* newline = std::memchr(data + at, '\n', size - at);
      const std::size_t stop =
          newline ? static_cast<std::size_t>(static_cast<const char*>(newline) - data) : size;
      std::size_t length = stop - at;
      if (length > 0 && data[at + length - 1] == '\r') --length;
      const bool blank =
          std::all_of(data + at, data + at + length, [](char c) { return c == ' ' || c == '\t'; });
      if (!blank)
        lines.push_back({base + at, lineNumber, static_cast<std::uint32_t>(length), data + at});
      ++lineNumber;
      at = stop + 1;
    }
    std::vector<WorkerOutput> outputs(workers_);
    std::vector<std::thread> threads;
    const std::size_t per = (lines.size() + workers_ - 1) / workers_;
    for (unsigned w = 0; w < workers_; ++w) {
      threads.emplace_back([&, w] {
        simdjson::dom::parser parser;
        const std::size_t from = std::min(lines.size(), w * per),
                          to = std::min(lines.size(), from + per);
        outputs[w].rows.reserve(to - from);
        for (std::size_t i = from; i < to; ++i) parseLine(parser, lines[i], outputs[w]);
      });
    }
    for (auto& t : threads) t.join();
    for (auto& out : outputs) append(fileCode, file, out);
    columns_.flush();
    return lineNumber;
  }

  void append(std::uint16_t fileCode, IndexedFile& file, const WorkerOutput& out) {
    const auto types =
        dictionaries_.remap(out.types, dictionaries_.types, dictionaries_.typeCodes, 255);
    const auto scenes = dictionaries_.remap(out.scenes, dictionaries_.scenes,
                                            dictionaries_.sceneCodes, DatasetIndex::kNoCode - 2);
    const auto answers = dictionaries_.remap(out.answers, dictionaries_.answers,
                                             dictionaries_.answerCodes, 1u << 20);
    for (const auto& r : out.rows) {
      columns_.put(0, fileCode);
      columns_.put(1, r.offset);
      columns_.put(2, r.length);
      columns_.put(3, r.id);
      columns_.put(4, static_cast<std::uint8_t>(types[r.type]));
      columns_.put(5, scenes[r.scene]);
      columns_.put(6, r.images);
      columns_.put(7, r.answer >= kCoordinateCode ? r.answer : answers[r.answer]);
      columns_.put(8, r.number);
    }
    rows_ += out.rows.size();
    file.samples += out.rows.size();
    file.malformed += out.problems.size();
    for (const auto& [line, problem] : out.problems) {
      if (file.malformedLines.size() >= kMaxListedProblems) break;
      file.malformedLines.push_back(line);
      file.malformedProblems.push_back(problem);
    }
  }

  void report() {
    if (!progress_) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (!progress_(
            {totalBytes_ ? static_cast<double>(bytesDone_) / static_cast<double>(totalBytes_) : 1.0,
             rows_, seconds})) {
      throw Cancelled();
    }
  }

  // One read buffer for every file, not zeroed: it is always written before it is read.
  std::unique_ptr<char[]> buffer_{new char[kChunkBytes + simdjson::SIMDJSON_PADDING]};
  ColumnWriter columns_;
  Dictionaries dictionaries_;
  IndexProgressFn progress_;
  std::uint64_t totalBytes_, bytesDone_ = 0, rows_ = 0;
  unsigned workers_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

std::vector<std::string> absolutePaths(const std::vector<std::string>& paths) {
  if (paths.empty()) throw InputError("dataset", "no JSONL files given");
  if (paths.size() > 65535) throw InputError("dataset", "more than 65,535 files");
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code error;
    if (!fs::is_regular_file(p, error))
      throw InputError(p, fs::exists(p) ? "not a regular file" : "no such file");
    out.push_back(fs::absolute(p).lexically_normal().string());
  }
  return out;
}

nlohmann::json fileJson(const IndexedFile& f) {
  return {{"path", f.path},
          {"size", f.size},
          {"mtime_ns", f.mtimeNs},
          {"fingerprint", f.fingerprint},
          {"split", f.split},
          {"samples", f.samples},
          {"malformed", f.malformed},
          {"malformed_lines", f.malformedLines},
          {"malformed_problems", f.malformedProblems}};
}

IndexedFile fileFromJson(const nlohmann::json& j) {
  IndexedFile f;
  f.path = j.at("path");
  f.size = j.at("size");
  f.mtimeNs = j.at("mtime_ns");
  f.fingerprint = j.at("fingerprint");
  f.split = j.at("split");
  f.samples = j.at("samples");
  f.malformed = j.at("malformed");
  f.malformedLines = j.at("malformed_lines").get<std::vector<std::uint64_t>>();
  f.malformedProblems = j.at("malformed_problems").get<std::vector<std::string>>();
  return f;
}

std::optional<nlohmann::json> readMeta(const std::string& dir) {
  std::ifstream in(fs::path(dir) / "meta.json");
  if (!in) return std::nullopt;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || j.value("version", 0) != kFormatVersion) return std::nullopt;
  return j;
}

}  // namespace

std::uint64_t DatasetIndex::hashId(const std::string& id) {
  return fnv1a(id.data(), id.size());
}

struct DatasetIndex::OrderCache {
  std::mutex mutex;
  std::map<std::string, std::vector<std::uint32_t>> orders;
};

const std::vector<std::uint32_t>& DatasetIndex::cachedOrder(
    const std::string& name, const std::function<std::vector<std::uint32_t>()>& compute) const {
  const std::lock_guard<std::mutex> lock(orders_->mutex);
  auto it = orders_->orders.find(name);
  if (it != orders_->orders.end()) return it->second;
  const fs::path file = fs::path(dir_) / ("order_" + name + ".u32");
  std::vector<std::uint32_t> order;
  std::error_code error;
  if (fs::file_size(file, error) == rows_ * sizeof(std::uint32_t) && !error) {
    order.resize(rows_);
    std::ifstream in(file, std::ios::binary);
    in.read(reinterpret_cast<char*>(order.data()),
            static_cast<std::streamsize>(rows_ * sizeof(std::uint32_t)));
    if (!in) order.clear();
  }
  if (order.size() != rows_) {
    order = compute();
    // Best effort: a read-only index folder only loses the speed-up on the next open.
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(order.data()),
              static_cast<std::streamsize>(order.size() * sizeof(std::uint32_t)));
  }
  return orders_->orders.emplace(name, std::move(order)).first->second;
}

struct DatasetIndex::OpenFiles {
  std::vector<int> fds;
  ~OpenFiles() {
    for (int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  }
};

DatasetIndex::DatasetIndex(DatasetIndex&&) noexcept = default;
DatasetIndex& DatasetIndex::operator=(DatasetIndex&&) noexcept = default;
DatasetIndex::~DatasetIndex() = default;

std::string DatasetIndex::defaultIndexDir(const std::vector<std::string>& paths) {
  const auto absolute = absolutePaths(paths);
  return indexDirFor(absolute, ::access(fs::path(absolute[0]).parent_path().c_str(), W_OK) == 0);
}

std::string DatasetIndex::indexDirFor(const std::vector<std::string>& absolutePaths,
                                      bool besideWritable) {
  std::string joined;
  for (const auto& p : absolutePaths) joined += p + "\n";
  char name[40];
  std::snprintf(name, sizeof name, ".mspa-index-%016llx",
                static_cast<unsigned long long>(fnv1a(joined)));
  const fs::path beside = fs::path(absolutePaths.at(0)).parent_path();
  if (besideWritable) return (beside / name).string();
  const char* cache = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  const fs::path root =
      cache && *cache ? fs::path(cache) : fs::path(home ? home : "/tmp") / ".cache";
  return (root / "mspa-studio" / std::string(name + 1)).string();
}

std::string DatasetIndex::staleReason(const std::vector<std::string>& paths,
                                      const std::string& indexDir) {
  const auto absolute = absolutePaths(paths);
  const auto meta = readMeta(indexDir);
  if (!meta) return "no index yet";
  const auto& files = meta->at("files");
  if (files.size() != absolute.size()) return "the index covers other files";
  for (std::size_t i = 0; i < absolute.size(); ++i) {
    const IndexedFile f = fileFromJson(files[i]);
    if (f.path != absolute[i]) return "the index covers other files";
    const FileState now = stateOf(f.path);
    if (now.size != f.size)
      return f.path + " changed since it was indexed (size " + std::to_string(f.size) + " -> " +
             std::to_string(now.size) + ")";
    if (now.mtimeNs != f.mtimeNs && fingerprint(f.path, now.size) != f.fingerprint)
      return f.path + " changed since it was indexed (content)";
  }
  return {};
}

DatasetIndex DatasetIndex::build(const std::vector<std::string>& paths,
                                 const IndexProgressFn& progress, const std::string& indexDir) {
  const auto start = std::chrono::steady_clock::now();
  const auto absolute = absolutePaths(paths);
  DatasetIndex index;
  index.dir_ = indexDir.empty() ? defaultIndexDir(absolute) : indexDir;
  const fs::path building = index.dir_ + ".building";
  std::error_code error;
  fs::remove_all(building, error);
  fs::create_directories(building, error);
  if (error)
    throw InputError(building.string(), "cannot create the index folder: " + error.message());
  std::uint64_t totalBytes = 0;
  for (const auto& p : absolute) {
    IndexedFile f;
    f.path = p;
    const FileState state = stateOf(p);
    f.size = state.size;
    f.mtimeNs = state.mtimeNs;
    f.fingerprint = fingerprint(p, state.size);
    f.split = splitOf(p);
    totalBytes += f.size;
    index.files_.push_back(std::move(f));
  }
  Dictionaries dictionaries;
  try {
    IndexBuilder builder(building, progress, totalBytes);
    for (std::size_t i = 0; i < index.files_.size(); ++i) {
      IndexedFile& f = index.files_[i];
      builder.addFile(static_cast<std::uint16_t>(i), f);
      const FileState after = stateOf(f.path);
      if (after.size != f.size || after.mtimeNs != f.mtimeNs) {
        throw InputError(f.path,
                         "changed while it was being indexed; index again once it is complete");
      }
    }
    builder.finish(building.string(), dictionaries);
    index.rows_ = builder.rows();
  } catch (...) {
    fs::remove_all(building, error);
    throw;
  }
  index.types_ = std::move(dictionaries.types);
  index.scenes_ = std::move(dictionaries.scenes);
  index.answers_ = std::move(dictionaries.answers);
  index.buildSeconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::json meta = {{"version", kFormatVersion},
                         {"rows", index.rows_},
                         {"build_seconds", index.buildSeconds_},
                         {"question_types", index.types_},
                         {"scenes", index.scenes_},
                         {"answers", index.answers_}};
  for (const auto& f : index.files_) meta["files"].push_back(fileJson(f));
  {
    std::ofstream out(building / "meta.json");
    out << meta.dump();
    if (!out.flush()) throw InputError((building / "meta.json").string(), "cannot write");
  }
  // The finished index replaces the old one in one rename, so a reader never sees half of it.
  fs::remove_all(index.dir_, error);
  fs::rename(building, index.dir_, error);
  if (error)
    throw InputError(index.dir_, "cannot move the new index into place: " + error.message());
  index.mapColumns();
  return index;
}

DatasetIndex DatasetIndex::open(const std::vector<std::string>& paths,
                                const IndexProgressFn& progress, bool* rebuilt, std::string* why,
                                const std::string& indexDir) {
  const std::string dir = indexDir.empty() ? defaultIndexDir(paths) : indexDir;
  const std::string reason = staleReason(paths, dir);
  if (rebuilt) *rebuilt = !reason.empty();
  if (why) *why = reason;
  if (!reason.empty()) return build(paths, progress, dir);
  const auto meta = readMeta(dir);
  DatasetIndex index;
  index.dir_ = dir;
  index.rows_ = meta->at("rows");
  index.buildSeconds_ = meta->value("build_seconds", 0.0);
  index.types_ = meta->at("question_types").get<std::vector<std::string>>();
  index.scenes_ = meta->at("scenes").get<std::vector<std::string>>();
  index.answers_ = meta->at("answers").get<std::vector<std::string>>();
  for (const auto& f : meta->at("files")) index.files_.push_back(fileFromJson(f));
  index.mapColumns();
  return index;
}

void DatasetIndex::mapColumns() {
  orders_ = std::make_unique<OrderCache>();
  open_ = std::make_unique<OpenFiles>();
  for (const auto& f : files_) open_->fds.push_back(::open(f.path.c_str(), O_RDONLY));
  const auto map = [&](const char* name, std::size_t width) -> const void* {
    const std::string path = (fs::path(dir_) / name).string();
    if (fs::file_size(path) != rows_ * width)
      throw InputError(path, "index column of the wrong size (damaged index: delete the folder)");
    if (rows_ == 0) return nullptr;
    maps_.push_back(std::make_unique<MappedFile>(path, MappedFile::Access::OnDemand));
    return maps_.back()->data();
  };
  fileColumn_ = static_cast<const std::uint16_t*>(map("file.u16", 2));
  offsetColumn_ = static_cast<const std::uint64_t*>(map("offset.u64", 8));
  lengthColumn_ = static_cast<const std::uint32_t*>(map("length.u32", 4));
  idColumn_ = static_cast<const std::uint64_t*>(map("id.u64", 8));
  typeColumn_ = static_cast<const std::uint8_t*>(map("type.u8", 1));
  sceneColumn_ = static_cast<const std::uint32_t*>(map("scene.u32", 4));
  imagesColumn_ = static_cast<const std::uint8_t*>(map("images.u8", 1));
  answerCodeColumn_ = static_cast<const std::uint32_t*>(map("answer_code.u32", 4));
  answerNumberColumn_ = static_cast<const float*>(map("answer_number.f32", 4));
}

std::uint64_t DatasetIndex::malformedLines() const {
  std::uint64_t n = 0;
  for (const auto& f : files_) n += f.malformed;
  return n;
}

std::string DatasetIndex::answerSummary(std::size_t row) const {
  const std::uint32_t code = answerCode(row);
  const float number = answerNumber(row);
  char text[48];
  if (code == kVectorCode) {
    std::snprintf(text, sizeof text, "|v| %g", number);
    return text;
  }
  if (code == kCoordinateCode) {
    const int packed = static_cast<int>(number);
    std::snprintf(text, sizeof text, "[ %d , %d ]", packed / 1001, packed % 1001);
    return text;
  }
  if (code != kNoCode) return answers_[code];
  if (std::isnan(number)) return {};
  std::snprintf(text, sizeof text, "%g", number);
  return text;
}

std::string DatasetIndex::line(std::size_t row) const {
  const IndexedFile& f = files_[file(row)];
  const int fd = open_->fds[file(row)];
  if (fd < 0) throw InputError(f.path, "cannot be opened any more");
  std::string text(length(row), '\0');
  const ssize_t n = ::pread(fd, text.data(), text.size(), static_cast<off_t>(offset(row)));
  if (n != static_cast<ssize_t>(text.size()))
    throw InputError(f.path, "shorter than indexed (it changed: index again)");
  return text;
}

}  // namespace mspa::dataset
