#pragma once

#include <string>

#include "inference/chat_engine.h"
#include "inference/image_preprocess.h"

namespace mspa::inference {

// What `ask --explain DIR` writes beside an answer (issue 19's first part):
//  - tiles-<k>.png: image k with the tile grid InternVL's dynamic preprocessing chose drawn over
//    it (each tile is the picture resized to cols·448 × rows·448 and cut; a thumbnail of the whole
//    image follows when there is more than one tile);
//  - tokens.json: {"tokens": [{"token", "id", "prob", "top": [{"token", "id", "prob"}, …]}, …],
//    "images": [{"file", "width", "height", "grid": [cols, rows], "thumbnail", "tiles"}, …]},
//    `top` in descending probability (the reply must come from SamplingOptions::explainTopK).
// Returns the files written; throws std::runtime_error naming a file that cannot be written.
std::vector<std::string> writeExplanation(const std::string& dir, const ChatEngine& engine,
                                          const std::vector<std::string>& imageFiles,
                                          const std::vector<RgbBuffer>& images,
                                          const ChatReply& reply, int maxTiles);

}  // namespace mspa::inference
