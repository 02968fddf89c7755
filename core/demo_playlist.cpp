#include "core/demo_playlist.h"

#include <filesystem>

#include "core/input_error.h"
#include "core/json_file.h"
#include "core/task_catalog.h"

namespace fs = std::filesystem;

namespace mspa {

DemoPlaylist readDemoPlaylist(const std::string& path) {
  const nlohmann::json j = readJsonFile(path);
  if (!j.is_object() || !j.contains("steps") || !j["steps"].is_array())
    throw InputError(path, "not a demo playlist (no \"steps\" list)");
  DemoPlaylist playlist;
  playlist.title = j.value("title", "");
  playlist.loop = j.value("loop", true);
  const fs::path base = fs::path(path).parent_path();
  for (std::size_t i = 0; i < j["steps"].size(); ++i) {
    const auto& s = j["steps"][i];
    DemoStep step;
    try {
      step.scene = (base / s.at("scene").get<std::string>()).lexically_normal().string();
      step.frames = s.value("frames", std::vector<int>{});
      step.subtask = s.at("subtask").get<std::string>();
      for (const auto& p : s.value("points", nlohmann::json::array()))
        step.points.emplace_back(p.at(0).get<double>(), p.at(1).get<double>());
      step.backend = s.value("backend", "oracle");
      step.azimuth = s.value("camera", nlohmann::json::object()).value("azimuth", 0.0);
      step.elevation = s.value("camera", nlohmann::json::object()).value("elevation", 0.0);
      step.pauseSeconds = s.value("pause", 4.0);
    } catch (const nlohmann::json::exception& e) {
      step.problem = "step " + std::to_string(i + 1) + " is malformed: " + e.what();
    }
    if (step.problem.empty() && !findSubtask(step.subtask) && !findTask(step.subtask)) {
      step.problem = "step " + std::to_string(i + 1) + ": unknown subtask '" + step.subtask + "'";
    }
    if (step.problem.empty() && !fs::exists(step.scene))
      step.problem = "step " + std::to_string(i + 1) + ": no scene at " + step.scene;
    playlist.steps.push_back(std::move(step));
  }
  return playlist;
}

}  // namespace mspa
