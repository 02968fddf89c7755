#include <catch2/catch.hpp>

#include "core/input_error.h"
#include "dataset_browser/jsonl_line_index.h"
#include "tests/support/temp_dir.h"

using namespace mspa;

TEST_CASE("JSONL line index finds every non-blank line, with or without a final newline") {
  test::TempDir dir;
  const std::string text = "{\"id\": 1}\n\n{\"id\": 22}\r\n{\"id\": 333}";
  test::writeFile(dir.file("a.jsonl"), text);
  const auto index = dataset::indexJsonlLines(dir.file("a.jsonl"));
  REQUIRE(index.lines.size() == 3);
  CHECK(index.blankLines == 1);
  CHECK(index.fileSize == text.size());
  CHECK(text.substr(index.lines[0].offset, index.lines[0].length) == "{\"id\": 1}");
  CHECK(text.substr(index.lines[1].offset, index.lines[1].length) == "{\"id\": 22}");
  CHECK(text.substr(index.lines[2].offset, index.lines[2].length) == "{\"id\": 333}");
}

TEST_CASE("JSONL line index of an empty or missing file") {
  test::TempDir dir;
  test::writeFile(dir.file("empty.jsonl"), "");
  CHECK(dataset::indexJsonlLines(dir.file("empty.jsonl")).lines.empty());
  CHECK_THROWS_AS(dataset::indexJsonlLines(dir.file("missing.jsonl")), InputError);
}
