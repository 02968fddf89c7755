// The answer parser on any text, for every subtask, in both modes; and the coordinates reader.
#include "core/answer_parser.h"
#include "core/task_catalog.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mspa::fuzz::Bytes in(data, size);
  const auto& tasks = mspa::taskCatalog();
  const mspa::TaskInfo& task = tasks[in.byte() % tasks.size()];
  mspa::ParseOptions options;
  options.mode = in.byte() % 2 ? mspa::ParseMode::Strict : mspa::ParseMode::Lenient;
  const std::string_view text = in.rest();
  options.excludedCoordinates = mspa::coordinatesIn(text);
  const auto parsed = mspa::parseAnswer(text, task, options);
  if (parsed.ok) (void)mspa::formatAnswerValue(parsed.value);
  return 0;
}
