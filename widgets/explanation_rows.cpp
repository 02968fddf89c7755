#include "widgets/explanation_rows.h"

#include <QObject>
#include <cmath>

#include "core/image_tiling.h"

namespace mspa::widgets {
namespace {

QString percent(double p) {
  return QString::number(p * 100, 'f', p < 0.1 ? 1 : 0) + "%";
}

QString tokenRow(const AnswerExplanation::Token& t) {
  QStringList others;
  for (std::size_t i = 1; i < t.top.size() && i < 4; ++i)
    others << QString("%1 %2").arg(QString::fromStdString(t.top[i].text), percent(t.top[i].prob));
  QString row =
      QString("“%1” %2   (%3)")
          .arg(QString::fromStdString(t.chosen.text), percent(t.chosen.prob), others.join(", "));
  if (t.imageShare.empty()) return row;  // probabilities only (an endpoint)
  QStringList shares;
  for (double s : t.imageShare) shares << percent(s);
  return row + QString("   images %1, system %2").arg(shares.join(" / "), percent(t.systemShare));
}

// Where the model saw one of the question's points: its tile and its place there and in the
// thumbnail.
QString pointRow(std::size_t image, const QuestionPoint& point, const ImageTiling& tiling,
                 const RgbImage& picture) {
  const PointInTiles at = locateInTiles(tiling, picture.width, picture.height, point.pixel);
  const auto xy = [](const Eigen::Vector2d& p) {
    return QString("(%1, %2)").arg(std::lround(p.x())).arg(std::lround(p.y()));
  };
  QString row = QObject::tr("Image %1, %2 %3: tile %4 of %5×%6 at %7")
                    .arg(image + 1)
                    .arg(QString::fromStdString(point.label), xy(point.pixel))
                    .arg(at.tile + 1)
                    .arg(tiling.cols)
                    .arg(tiling.rows)
                    .arg(xy(at.inTile));
  if (at.inThumbnail) row += QObject::tr(", thumbnail at %1").arg(xy(*at.inThumbnail));
  return row;
}

QString wholeAnswerRow(const AnswerExplanation& explanation) {
  QString value = QObject::tr("no value in backticks");
  if (const auto v = explanation.valueConfidence()) {
    QStringList others;
    for (std::size_t i = 0; i < v->competitors.size() && i < 3; ++i)
      others << QString("%1 %2").arg(QString::fromStdString(v->competitors[i].text),
                                     percent(v->competitors[i].prob));
    value = QObject::tr("value “%1” %2 (%3)")
                .arg(QString::fromStdString(v->chosen.text), percent(v->chosen.prob),
                     others.join(", "));
  }
  if (!explanation.hasAttention())
    return QObject::tr("Whole answer: %1; %2").arg(value, QString::fromStdString(explanation.note));
  QStringList shares;
  for (double s : explanation.imageShare()) shares << percent(s);
  return QObject::tr(
             "Whole answer: %1; images %2, system prompt %3 of its attention (layers %4-%5)")
      .arg(value, shares.join(" / "), percent(explanation.systemShare()))
      .arg(explanation.firstLayer)
      .arg(explanation.lastLayer);
}

}  // namespace

QStringList explanationRowTexts(const AnswerExplanation& explanation, const Question& question) {
  QStringList rows{wholeAnswerRow(explanation)};
  for (const auto& token : explanation.tokens) rows << tokenRow(token);
  for (std::size_t k = 0; k < explanation.tilings.size() && k < question.images.size(); ++k) {
    for (const QuestionPoint& point : questionPoints(question, k))
      rows << pointRow(k, point, explanation.tilings[k], question.images[k]);
  }
  return rows;
}

std::vector<AttentionMap> explanationRowMaps(const AnswerExplanation& explanation, int row,
                                             std::size_t images, AttentionPart part) {
  const bool token = row >= 1 && row <= static_cast<int>(explanation.tokens.size());
  std::vector<AttentionMap> maps;
  for (std::size_t image = 0; image < images; ++image) {
    if (!token) {
      maps.push_back(explanation.meanMap(image, part));
    } else if (image < explanation.tokens[row - 1].maps.size()) {
      maps.push_back(explanation.tokens[row - 1].maps[image].part(part));
    }
  }
  return maps;
}

QSize tileGridOf(const std::vector<ImageTiling>& tilings, std::size_t image) {
  if (image >= tilings.size()) return {};
  return {tilings[image].cols, tilings[image].rows};
}

ExplanationExport exportExplanation(const QString& folder, const AnswerExplanation& explanation,
                                    const Question& question) {
  try {
    QStringList files;
    for (const auto& file :
         writeExplanationFiles(folder.toStdString(), explanation, question, false))
      files << QString::fromStdString(file);
    return {files,
            QObject::tr("Explanation written to %1 (%2 files)").arg(folder).arg(files.size())};
  } catch (const std::exception& e) {
    return {{}, QObject::tr("Cannot export: %1").arg(QString::fromStdString(e.what()))};
  }
}

}  // namespace mspa::widgets
