#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "core/scene_loaders.h"

namespace mspa::loaders {

std::vector<PointTrack> parseTracks(const nlohmann::json& tracks, std::size_t frameCount,
                                    const std::string& source) {
  if (!tracks.is_array()) throw InputError(source, "'tracks' must be an array");
  std::vector<PointTrack> result;
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    const auto& t = tracks[i];
    const std::string where = "track " + std::to_string(i) + ": ";
    if (!t.is_object() || !t.contains("positions") || !t["positions"].is_array()) {
      throw InputError(source, where + "needs a 'positions' array");
    }
    PointTrack track;
    track.label = t.value("label", "");
    for (const auto& p : t["positions"]) {
      if (!p.is_array() || p.size() != 3 || !p[0].is_number() || !p[1].is_number() ||
          !p[2].is_number()) {
        throw InputError(source, where + "positions must be [x, y, z] numbers");
      }
      track.positions.emplace_back(p[0].get<double>(), p[1].get<double>(), p[2].get<double>());
    }
    if (t.contains("visible")) {
      for (const auto& v : t["visible"])
        track.visible.push_back(v.is_boolean() ? v.get<bool>() : v == 1);
    } else {
      track.visible.assign(track.positions.size(), true);
    }
    if (track.positions.size() != frameCount || track.visible.size() != frameCount) {
      throw InputError(source, where + "has " + std::to_string(track.positions.size()) +
                                   " positions and " + std::to_string(track.visible.size()) +
                                   " visibility flags for " + std::to_string(frameCount) +
                                   " frames");
    }
    result.push_back(std::move(track));
  }
  return result;
}

nlohmann::json tracksToJson(const std::vector<PointTrack>& tracks) {
  nlohmann::json result = nlohmann::json::array();
  for (const auto& track : tracks) {
    nlohmann::json positions = nlohmann::json::array();
    for (const auto& p : track.positions) positions.push_back({p.x(), p.y(), p.z()});
    result.push_back(
        {{"label", track.label}, {"positions", positions}, {"visible", track.visible}});
  }
  return result;
}

}  // namespace mspa::loaders
