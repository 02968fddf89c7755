#pragma once

#include <QSize>
#include <QStringList>
#include <vector>

#include "core/answer_explanation.h"
#include "core/question_builder.h"

namespace mspa::widgets {

// An explanation as the rows of a list, the same in the Ask panel and the dataset browser: the
// whole answer (the value's confidence, attention shares or what the explanation lacks), one row
// per token (probability, runner-ups, shares), then each of the question's points with the tile
// it landed in.
QStringList explanationRowTexts(const AnswerExplanation& explanation, const Question& question);

// The attention maps to draw over the question's `images` for a row: the token's own for a token
// row, the whole answer's mean for the others (empty maps when there is no attention), of the
// images' tokens `part` names.
std::vector<AttentionMap> explanationRowMaps(const AnswerExplanation& explanation, int row,
                                             std::size_t images, AttentionPart part);

// The tile grid (columns × rows) image k was cut into; empty without a tiling for it.
QSize tileGridOf(const std::vector<ImageTiling>& tilings, std::size_t image);

// What the GUI's *Export explanation…* does: writeExplanationFiles into `folder`. The files, and
// the status line that says where they went — or, with no files, why none were written.
struct ExplanationExport {
  QStringList files;
  QString message;
};
ExplanationExport exportExplanation(const QString& folder, const AnswerExplanation& explanation,
                                    const Question& question);

}  // namespace mspa::widgets
