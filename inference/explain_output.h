#pragma once

#include <string>

#include "inference/chat_engine.h"
#include "inference/image_preprocess.h"

namespace mspa::inference {

// "A:B" decoder layers (inclusive; a side left out is the first or the last) of a model with
// `layers` (-1 when not known yet: the last is then -1 too); empty: all. Throws
// std::invalid_argument naming the text when it is not a range.
std::pair<int, int> parseLayerRange(const std::string& text, int layers);

// The attention an image's tokens received (tiles × tokensPerTile weights in prompt order) on the
// grid of its tiles' tokens, cols·16 × rows·16 cells row-major: each grid tile's tokens in pixel
// shuffle's row-major order (token r·16 + c covers the tile's 28-pixel block at row r, column c),
// plus the thumbnail's token over the cells it covers.
struct TokenGridMap {
  int width = 0, height = 0;
  std::vector<float> values;
};
// Which tokens a map shows: the grid tiles' with the thumbnail's added (combined), the grid
// tiles' alone, or the thumbnail's alone on its own 16 × 16 grid (empty without a thumbnail).
enum class MapPart { Combined, Tiles, Thumbnail };
TokenGridMap tokenGridMap(const float* weights, const TileGrid& grid, int tiles, int tokensPerTile,
                          MapPart part = MapPart::Combined);
// The same stretched over a width × height picture (the thumbnail covers all of it).
std::vector<float> imageHeatMap(const float* weights, const TileGrid& grid, int tiles, int width,
                                int height, int tokensPerTile, MapPart part = MapPart::Combined);

// What `ask --explain DIR` writes beside an answer:
//  - tiles-<k>.png: image k with the tile grid InternVL's dynamic preprocessing chose drawn over
//    it (each tile is the picture resized to cols·448 × rows·448 and cut; a thumbnail of the whole
//    image follows when there is more than one tile);
//  - attention-<k>.png (with `attention`): where the answer's tokens looked in image k, averaged
//    over them, as a heat map over the picture; attention-<k>-token<g>.png per token with
//    `perToken`; with a thumbnail, also attention-<k>-tiles.png (the grid tiles alone) and
//    attention-<k>-thumbnail.png (the thumbnail alone, over the whole picture);
//  - tokens.json: {"tokens": [{"token", "id", "prob", "top": [{"token", "id", "prob"}, …],
//    "image_attention_share": […]}, …], "image_attention_share": [one fraction per image],
//    "text_attention_share", "layers": [first, last], "images": [{"file", "width", "height",
//    "grid": [cols, rows], "thumbnail", "tiles"}, …]}, `top` in descending probability (the
//    reply must come from SamplingOptions::explainTopK); a text-only prompt's has a "note" that
//    says why there are no maps.
// Returns the files written; throws std::runtime_error naming a file that cannot be written.
struct ExplainInput {
  std::vector<std::string> imageFiles;
  std::vector<RgbBuffer> images;
  int maxTiles = 6;
  const AnswerAttention* attention = nullptr;
  int firstLayer = 0, lastLayer = 0;
  bool perToken = false;
};
std::vector<std::string> writeExplanation(const std::string& dir, const ChatEngine& engine,
                                          const ChatReply& reply, const ExplainInput& input);

}  // namespace mspa::inference
