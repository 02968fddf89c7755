#include "dataset_browser/dataset_annotations.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "core/input_error.h"
#include "dataset_browser/dataset_index.h"

namespace fs = std::filesystem;

namespace mspa::dataset {
namespace {

constexpr const char* kFlagNames[] = {"none", "wrong_truth", "ambiguous", "bad_image", "other"};

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement& bind(int i, const std::string& text) {
    sqlite3_bind_text(stmt_, i, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, int value) {
    sqlite3_bind_int(stmt_, i, value);
    return *this;
  }
  Statement& bindNull(int i) {
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  int step() { return sqlite3_step(stmt_); }
  std::string text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  int integer(int column) const { return sqlite3_column_int(stmt_, column); }
  bool isNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

std::string hex(std::uint64_t value) {
  char text[20];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace

const char* flagName(Flag flag) {
  return kFlagNames[static_cast<int>(flag)];
}

Flag parseFlag(const std::string& name) {
  for (int i = 0; i < 5; ++i) {
    if (name == kFlagNames[i]) return static_cast<Flag>(i);
  }
  throw InputError("flag '" + name + "'",
                   "unknown (none, wrong_truth, ambiguous, bad_image, other)");
}

std::string Annotations::defaultPath(const DatasetIndex& index) {
  return index.directory() + ".annotations.sqlite";
}

std::string Annotations::keyOf(const DatasetIndex& index, std::size_t row) {
  return fs::path(index.files()[index.file(row)].path).filename().string() + "#" +
         hex(index.idHash(row));
}

Annotations::Annotations(const std::string& path) : path_(path) {
  std::error_code error;
  fs::create_directories(fs::path(path).parent_path(), error);
  if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) fail("cannot open");
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec(
      "CREATE TABLE IF NOT EXISTS annotation (key TEXT PRIMARY KEY, flag INTEGER NOT NULL, note "
      "TEXT NOT NULL, corrected TEXT NOT NULL)");
  exec(
      "CREATE TABLE IF NOT EXISTS history (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT "
      "NULL, flag INTEGER, note TEXT, corrected TEXT)");
}

Annotations::~Annotations() {
  sqlite3_close(db_);
}

void Annotations::fail(const std::string& what) const {
  throw InputError(path_, what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

void Annotations::exec(const std::string& sql) const {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw InputError(path_, text);
  }
}

void Annotations::save(const std::string& key, const Annotation& a) {
  const auto previous = get(key);
  exec("BEGIN IMMEDIATE");
  try {
    Statement history(db_, "INSERT INTO history (key, flag, note, corrected) VALUES (?, ?, ?, ?)");
    history.bind(1, key);
    if (previous) {
      history.bind(2, static_cast<int>(previous->flag))
          .bind(3, previous->note)
          .bind(4, previous->correctedAnswer);
    } else {
      history.bindNull(2).bindNull(3).bindNull(4);
    }
    if (history.step() != SQLITE_DONE) fail("cannot save the annotation");
    Statement upsert(
        db_, "INSERT OR REPLACE INTO annotation (key, flag, note, corrected) VALUES (?, ?, ?, ?)");
    if (upsert.bind(1, key)
            .bind(2, static_cast<int>(a.flag))
            .bind(3, a.note)
            .bind(4, a.correctedAnswer)
            .step() != SQLITE_DONE) {
      fail("cannot save the annotation");
    }
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::optional<Annotation> Annotations::get(const std::string& key) const {
  Statement s(db_, "SELECT flag, note, corrected FROM annotation WHERE key = ?");
  if (s.bind(1, key).step() != SQLITE_ROW) return std::nullopt;
  return Annotation{static_cast<Flag>(s.integer(0)), s.text(1), s.text(2)};
}

bool Annotations::undo() {
  Statement last(db_,
                 "SELECT seq, key, flag, note, corrected FROM history ORDER BY seq DESC LIMIT 1");
  if (last.step() != SQLITE_ROW) return false;
  const int seq = last.integer(0);
  const std::string key = last.text(1);
  const bool existed = !last.isNull(2);
  const Annotation previous{static_cast<Flag>(last.integer(2)), last.text(3), last.text(4)};
  exec("BEGIN IMMEDIATE");
  try {
    if (existed) {
      Statement restore(
          db_,
          "INSERT OR REPLACE INTO annotation (key, flag, note, corrected) VALUES (?, ?, ?, ?)");
      if (restore.bind(1, key)
              .bind(2, static_cast<int>(previous.flag))
              .bind(3, previous.note)
              .bind(4, previous.correctedAnswer)
              .step() != SQLITE_DONE) {
        fail("cannot undo");
      }
    } else {
      Statement remove(db_, "DELETE FROM annotation WHERE key = ?");
      if (remove.bind(1, key).step() != SQLITE_DONE) fail("cannot undo");
    }
    Statement drop(db_, "DELETE FROM history WHERE seq = ?");
    if (drop.bind(1, seq).step() != SQLITE_DONE) fail("cannot undo");
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return true;
}

std::vector<std::string> Annotations::annotatedKeys() const {
  std::vector<std::string> keys;
  Statement s(db_, "SELECT key FROM annotation ORDER BY key");
  while (s.step() == SQLITE_ROW) keys.push_back(s.text(0));
  return keys;
}

std::vector<std::uint32_t> Annotations::flaggedRows(const DatasetIndex& index) const {
  std::unordered_set<std::string> flagged;
  Statement s(db_, "SELECT key FROM annotation WHERE flag != 0");
  while (s.step() == SQLITE_ROW) flagged.insert(s.text(0));
  std::vector<std::uint32_t> rows;
  if (flagged.empty()) return rows;
  // Keys are "file name#id hash": compare hashes first, the name only for candidates.
  std::unordered_set<std::uint64_t> hashes;
  for (const auto& key : flagged)
    hashes.insert(std::stoull(key.substr(key.rfind('#') + 1), nullptr, 16));
  for (std::size_t row = 0; row < index.size(); ++row) {
    if (hashes.count(index.idHash(row)) && flagged.count(keyOf(index, row)))
      rows.push_back(static_cast<std::uint32_t>(row));
  }
  return rows;
}

void Annotations::setSizeLimit(std::uint64_t bytes) {
  Statement pageSize(db_, "PRAGMA page_size");
  const std::uint64_t page =
      pageSize.step() == SQLITE_ROW ? static_cast<std::uint64_t>(pageSize.integer(0)) : 4096;
  exec("PRAGMA max_page_count=" + std::to_string(std::max<std::uint64_t>(1, bytes / page)));
}

std::size_t exportFlagged(const DatasetIndex& index, const Annotations& annotations,
                          const std::string& outPath) {
  std::ofstream out(outPath);
  if (!out) throw InputError(outPath, "cannot write");
  std::size_t written = 0;
  for (const auto row : annotations.flaggedRows(index)) {
    auto sample = nlohmann::json::parse(index.line(row), nullptr, false);
    if (sample.is_discarded()) continue;
    const auto a = *annotations.get(Annotations::keyOf(index, row));
    sample["annotation"] = {
        {"flag", flagName(a.flag)}, {"note", a.note}, {"corrected_answer", a.correctedAnswer}};
    out << sample.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    ++written;
  }
  if (!out.flush()) throw InputError(outPath, "writing failed (disk full?)");
  return written;
}

std::size_t exportCorrected(const DatasetIndex& index, const Annotations& annotations,
                            const std::string& outDir) {
  std::unordered_map<std::string, std::string> corrections;
  for (const auto& key : annotations.annotatedKeys()) {
    const auto a = annotations.get(key);
    if (a && !a->correctedAnswer.empty()) corrections[key] = a->correctedAnswer;
  }
  std::error_code error;
  fs::create_directories(outDir, error);
  std::vector<std::ofstream> outs;
  for (const auto& f : index.files()) {
    const fs::path target = fs::path(outDir) / fs::path(f.path).filename();
    if (fs::exists(target) && fs::equivalent(target, f.path))
      throw InputError(target.string(), "is the source file: choose another folder");
    outs.emplace_back(target);
    if (!outs.back()) throw InputError(target.string(), "cannot write");
  }
  std::size_t corrected = 0;
  for (std::size_t row = 0; row < index.size(); ++row) {
    std::string line = index.line(row);
    const auto it = corrections.find(Annotations::keyOf(index, row));
    if (it != corrections.end()) {
      auto sample = nlohmann::json::parse(line, nullptr, false);
      if (sample.is_object() && sample.contains("conversations")) {
        for (auto& turn : sample["conversations"]) {
          if (turn.value("from", "") == "gpt") {
            sample["original_answer"] = turn["value"];
            turn["value"] = it->second;
          }
        }
        line = sample.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        ++corrected;
      }
    }
    outs[index.file(row)] << line << "\n";
  }
  for (std::size_t i = 0; i < outs.size(); ++i) {
    if (!outs[i].flush())
      throw InputError(index.files()[i].path, "writing the corrected copy failed (disk full?)");
  }
  return corrected;
}

}  // namespace mspa::dataset
