#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/image.h"
#include "core/image_tiling.h"

namespace mspa {

struct Question;

// What to explain about an answer (the local engine only: endpoints return no attention).
struct ExplainOptions {
  int topK = 5;        // candidates kept per token
  int firstLayer = 0;  // decoder layers the attention maps average;
  int lastLayer = -1;  // -1: the last
};

// Where an answer's tokens looked in one image, at the resolution of the image tokens: the grid
// tiles' tokens (cols·16 × rows·16) with the thumbnail's added where it covers them. Row-major;
// stretched over the picture to draw it.
struct AttentionMap {
  int width = 0, height = 0;
  std::vector<float> values;
  bool empty() const { return values.empty(); }
};

// Which of an image's tokens a map shows: the grid tiles' with the thumbnail's added (combined),
// the grid tiles' alone, or the thumbnail's alone.
enum class AttentionPart { Combined, Tiles, Thumbnail };

// Where a token looked in one image. With a thumbnail (more than one tile) also the grid tiles'
// tokens alone (cols·16 × rows·16) and the thumbnail's alone (16 × 16, over the whole picture);
// for a single tile those two stay empty: its one tile is all the model saw.
struct ImageAttention {
  AttentionMap combined, tiles, thumbnail;
  // The part's map: the combined one stands for Tiles without a thumbnail; Thumbnail is empty then.
  const AttentionMap& part(AttentionPart p) const;
};

// Why a model answered as it did (issue 19): each generated token's probability and candidates,
// the share of its attention that went to each image, and where in each image it looked.
struct AnswerExplanation {
  struct Candidate {
    std::string text;
    std::int64_t id = 0;
    double prob = 0;
  };
  struct Token {
    Candidate chosen;                  // id -1: not known (an endpoint names tokens by text)
    std::vector<Candidate> top;        // descending probability
    std::vector<double> imageShare;    // per image
    double systemShare = 0;            // the system turn, with the sequence's first token
    std::vector<ImageAttention> maps;  // per image
  };
  std::vector<Token> tokens;
  std::vector<ImageTiling> tilings;  // what the model saw: how each image was cut
  int firstLayer = 0, lastLayer = 0;
  // What the explanation lacks and why (an endpoint returns no attention; one without logprobs
  // returns no probabilities either); empty for the local engine's whole explanation.
  std::string note;

  // Whether the tokens carry attention (the local engine's), not only probabilities.
  bool hasAttention() const;

  // How sure the model was of the answer's value (the part in backticks the scorer reads — a
  // letter, a direction word, a number, a vector): `chosen` is the whole value with its joint
  // probability (the product over the tokens that spell it, the closing backtick's included) and
  // its first token's id; each competitor is a value that would have begun differently — the
  // value's text up to one of its tokens, then a runner-up candidate there ("29" + "5" against
  // "2905": the first differing digit) — with the probability of beginning so, most probable
  // first. Nullopt when no token spells a value.
  struct ValueConfidence {
    std::size_t token = 0;  // the first token that spells the value
    Candidate chosen;
    std::vector<Candidate> competitors;
  };
  std::optional<ValueConfidence> valueConfidence() const;

  // Averaged over the answer's tokens.
  std::vector<double> imageShare() const;
  double systemShare() const;
  AttentionMap meanMap(std::size_t image, AttentionPart part = AttentionPart::Combined) const;
  // Whether some image has a thumbnail, whose attention can then be shown apart.
  bool hasThumbnail() const;
  // tokens.json as `mspa ask --explain` writes it, without the per-image file details.
  nlohmann::json toJson() const;
};

// What `ask --scene … --explain DIR` and the GUI's exports write for a question's explanation:
// tiles-<k>.png (the tile grid and the question's points), attention-<k>.png
// (attention-<k>-token<g>.png with perToken; with a thumbnail also attention-<k>-tiles.png and
// attention-<k>-thumbnail.png, the parts apart) over the images the question sent, and tokens.json
// (toJson, with `images`: each image's tiling and where each point landed). Returns the files;
// throws std::runtime_error naming a folder or file that cannot be written.
std::vector<std::string> writeExplanationFiles(const std::string& dir,
                                               const AnswerExplanation& explanation,
                                               const Question& question, bool perToken);

// The heat colour of a share v in [0, 1] of a map's maximum: black, red, then yellow.
std::array<std::uint8_t, 3> heatColor(float v);

// The picture with the map stretched over it in heatColor, blended half over the image (what
// `mspa ask --explain` writes as attention-<k>.png).
RgbImage drawAttention(const RgbImage& image, const AttentionMap& map);

}  // namespace mspa
