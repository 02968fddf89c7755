#include <catch2/catch.hpp>

#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/backends/backend_factory.h"
#include "core/image.h"
#include "dataset_browser/dataset_browser_window.h"
#include "dataset_browser/question_type_histogram.h"
#include "tests/dataset_browser/dataset_fixture.h"
#include "tests/support/tiny_local_model.h"
#include "tests/widgets/gui_test_helpers.h"
#include "widgets/explain_controls.h"
#include "widgets/frame_view.h"

using namespace mspa;
using namespace mspa::dataset;
using Catch::Matchers::Contains;

namespace {

// The small dataset with images for every sample but those of scene0002_00.
struct BrowserFixture {
  test::SmallDataset data;
  DatasetBrowser browser;

  BrowserFixture() {
    for (const char* scene : {"scene0001_00", "scene0003_00"}) {
      std::filesystem::create_directories(data.dir.path() / "images" / scene);
      for (const char* name : {"00000.jpg", "00001.jpg"}) {
        writeJpeg((data.dir.path() / "images" / scene / name).string(),
                  RgbImage{64, 48, std::vector<std::uint8_t>(64 * 48 * 3, 90)});
      }
    }
    browser.resize(1400, 900);
    browser.show();
    QSignalSpy ready(&browser, &DatasetBrowser::indexReady);
    browser.openDataset({QString::fromStdString(data.train), QString::fromStdString(data.test)},
                        QString::fromStdString((data.dir.path() / "images").string()));
    REQUIRE(test::waitFor(ready));
    REQUIRE(ready.last()[0].toBool());
  }
  QString cell(int row, int column) const {
    return browser.model()->data(browser.model()->index(row, column), Qt::DisplayRole).toString();
  }
};

}  // namespace

TEST_CASE("The browser indexes in the background and lists every sample with its columns") {
  BrowserFixture f;
  CHECK(f.browser.model()->rowCount() == 7);
  CHECK_THAT(f.browser.statusText().toStdString(),
             Contains("7 samples in 2 file(s), 2 malformed lines skipped"));
  CHECK(f.cell(0, DatasetTableModel::Id) == "1");
  CHECK(f.cell(0, DatasetTableModel::QuestionType) == "x_movement");
  CHECK(f.cell(4, DatasetTableModel::QuestionType) == "depth_of_field (unknown)");
  CHECK(f.cell(2, DatasetTableModel::Answer) == "1234");
  CHECK(f.cell(6, DatasetTableModel::File) == "multispa_test.jsonl");
}

TEST_CASE(
    "A histogram bar filters by its question type and sorting by a column reorders the table") {
  BrowserFixture f;
  auto* histogram = f.browser.findChild<QuestionTypeHistogram*>();
  REQUIRE(histogram);
  QSignalSpy filtered(&f.browser, &DatasetBrowser::filtered);
  QTest::mouseClick(histogram, Qt::LeftButton, Qt::NoModifier,
                    QPoint(40, 2 + 8));  // the first bar, types in name order
  REQUIRE(filtered.size() == 1);
  CHECK(filtered.last()[0].toInt() == 1);
  CHECK(f.cell(0, DatasetTableModel::QuestionType) == "depth_estimation_dot");

  DatasetFilter all;
  f.browser.setFilter(all);
  f.browser.table()->sortByColumn(DatasetTableModel::Answer, Qt::AscendingOrder);
  CHECK(f.cell(0, DatasetTableModel::Answer) == "blurry");
  CHECK(f.cell(6, DatasetTableModel::Answer) == "1234");
  DatasetFilter text;
  text.text = "traveled";
  f.browser.setFilter(text);
  CHECK(f.browser.model()->rowCount() == 1);
}

TEST_CASE("A sample shows its images (or the missing path), question, answer and gt_value") {
  BrowserFixture f;
  f.browser.showSample(0);
  CHECK(f.browser.imageView(0)->hasImage());
  CHECK_THAT(f.browser.sampleText().toStdString(), Contains("What about the chair?") &&
                                                       Contains("The camera shifted `left`.") &&
                                                       Contains("gt_value: left"));
  f.browser.showSample(1);  // scene0002_00 has no images
  CHECK_FALSE(f.browser.imageView(0)->hasImage());
  CHECK_THAT(f.browser.imageView(0)->message().toStdString(),
             Contains("Missing image") && Contains("scene0002_00/00000.jpg"));
  f.browser.showSample(4);
  CHECK_THAT(f.browser.sampleText().toStdString(), Contains("unknown question type"));
}

TEST_CASE("Annotations from the browser save at once, show in the table, filter and undo") {
  BrowserFixture f;
  f.browser.showSample(1);
  REQUIRE(
      f.browser.saveAnnotation(Flag::WrongTruth, "it moved left", "The camera shifted `left`."));
  CHECK(f.cell(1, DatasetTableModel::Flag) == "wrong_truth");
  DatasetFilter flagged;
  flagged.flagged = FlagFilter::Flagged;
  f.browser.setFilter(flagged);
  REQUIRE(f.browser.model()->rowCount() == 1);
  f.browser.setFilter({});
  f.browser.showSample(1);
  REQUIRE(f.browser.undoAnnotation());
  CHECK(f.cell(1, DatasetTableModel::Flag).isEmpty());
  CHECK_FALSE(f.browser.undoAnnotation());
}

TEST_CASE("Predictions join into the table and the sample view, and sort by error") {
  BrowserFixture f;
  test::writeFile(f.data.dir.file("pred.jsonl"),
                  "{\"id\": 1, \"text\": \"`left`\"}\n{\"id\": 3, \"text\": \"`2000` "
                  "mm\"}\n{\"id\": 5, \"text\": \"`951` mm\"}\n");
  REQUIRE(f.browser.loadPredictions(QString::fromStdString(f.data.dir.file("pred.jsonl"))));
  CHECK_THAT(f.browser.statusText().toStdString(), Contains("3 predictions joined, 2 correct"));
  f.browser.table()->sortByColumn(DatasetTableModel::Error, Qt::DescendingOrder);
  CHECK(f.cell(0, DatasetTableModel::Id) == "3");
  CHECK(f.cell(0, DatasetTableModel::Prediction) == "2000");
  f.browser.showSample(0);
  CHECK_THAT(f.browser.sampleText().toStdString(), Contains("wrong") && Contains("error 766"));
  CHECK_FALSE(f.browser.loadPredictions(QString::fromStdString(f.data.dir.file("none.jsonl"))));
  CHECK_THAT(f.browser.statusText().toStdString(), Contains("none.jsonl"));
}

TEST_CASE("Cancelling the indexing leaves the browser as it was") {
  test::SmallDataset data;
  DatasetBrowser browser;
  QSignalSpy ready(&browser, &DatasetBrowser::indexReady);
  browser.openDataset({QString::fromStdString(data.train)}, {});
  browser.cancelIndexing();
  REQUIRE(test::waitFor(ready));
  CHECK_FALSE(ready.last()[0].toBool());
  CHECK_THAT(ready.last()[1].toString().toStdString(), Contains("cancelled"));
  CHECK(browser.index() == nullptr);
}

TEST_CASE("Several prediction files are joined side by side in the sample view") {
  BrowserFixture f;
  test::writeFile(f.data.dir.file("a.jsonl"),
                  "{\"run\": {\"model\": \"model-a\"}}\n{\"id\": 1, \"text\": \"`left`\"}\n");
  test::writeFile(f.data.dir.file("b.jsonl"),
                  "{\"run\": {\"model\": \"model-b\"}}\n{\"id\": 1, \"text\": \"`right`\"}\n");
  REQUIRE(f.browser.loadPredictions(QString::fromStdString(f.data.dir.file("a.jsonl"))));
  REQUIRE(f.browser.loadPredictions(QString::fromStdString(f.data.dir.file("b.jsonl"))));
  f.browser.showSample(0);
  CHECK_THAT(f.browser.sampleText().toStdString(),
             Contains("model-a: `left`") && Contains("model-b: `right`"));
  CHECK(f.cell(0, DatasetTableModel::Prediction) == "right");  // the latest run in the table
}

TEST_CASE("Explain asks the model about the shown sample and draws where it looked") {
  BrowserFixture f;
  test::TempDir models;
  auto backends = std::make_shared<BackendCache>(backends::makeBackend);
  backends->setSettings(test::tinyLocalModel(models, 3));
  CHECK_FALSE(f.browser.explainSample());  // no sample shown yet
  f.browser.setBackends(backends);
  f.browser.showSample(0);  // x_movement over two frames
  REQUIRE(f.browser.sample());
  QSignalSpy explained(&f.browser, &DatasetBrowser::explained);
  CHECK(f.browser.attentionDisplay()->isHidden());
  f.browser.explainLayers()->setLayers(1, -1);  // the second layer to the last
  REQUIRE(f.browser.explainSample());
  REQUIRE(test::waitFor(explained, 120000));
  INFO(f.browser.statusText().toStdString());
  REQUIRE(explained.last()[0].toBool());
  const QStringList rows = f.browser.explanationRows();
  REQUIRE(rows.size() == 4);  // the whole answer, then each of the three tokens
  CHECK(rows[0].startsWith("Whole answer: "));
  CHECK(rows[0].contains("system prompt"));
  CHECK(rows[0].contains("(layers 1-1)"));  // the tiny model has two
  CHECK(f.browser.imageView(0)->hasHeatOverlay());
  CHECK(f.browser.imageView(1)->tileGrid() == QSize(1, 1));
  CHECK_FALSE(f.browser.attentionDisplay()->isHidden());
  const QImage whole = f.browser.imageView(0)->composed();
  f.browser.attentionDisplay()->setOpacity(0.2);
  CHECK(f.browser.imageView(0)->composed() != whole);
  f.browser.attentionDisplay()->setOpacity(0.6);
  CHECK(f.browser.imageView(0)->composed() == whole);
  f.browser.showExplanationRow(2);
  CHECK(f.browser.imageView(0)->composed() != whole);
  // Exported as the CLI writes it: tokens.json, each image's tiles and attention.
  test::TempDir out;
  const QStringList files =
      f.browser.exportExplanation(QString::fromStdString(out.path().string()));
  CHECK(files.size() == 5);  // tiles and attention for two images, tokens.json
  std::ifstream json(out.file("tokens.json"));
  const auto j = nlohmann::json::parse(json);
  CHECK(j["tokens"].size() == 3);
  CHECK(j["images"][1]["grid"] == nlohmann::json({1, 1}));
  CHECK(readRgbImage(out.file("attention-2.png")).width == 64);
  // Layers the model does not have: named in the status, and the browser goes on.
  f.browser.explainLayers()->setLayers(5, -1);
  QSignalSpy refused(&f.browser, &DatasetBrowser::explained);
  REQUIRE(f.browser.explainSample());
  REQUIRE(test::waitFor(refused, 120000));
  CHECK_FALSE(refused.last()[0].toBool());
  CHECK_THAT(f.browser.statusText().toStdString(), Contains("layers 5:1 are not a range"));
  f.browser.explainLayers()->setLayers(0, -1);
  // Another sample: the explanation was of the previous one and goes.
  f.browser.showSample(1);
  CHECK(f.browser.explanationRows().isEmpty());
  CHECK_FALSE(f.browser.imageView(0)->hasHeatOverlay());
  CHECK(f.browser.attentionDisplay()->isHidden());
}

TEST_CASE("Explain on a sample whose images are missing says which file") {
  BrowserFixture f;
  auto backends = std::make_shared<BackendCache>(backends::makeBackend);
  f.browser.setBackends(backends);
  REQUIRE(f.browser.selectSample("2"));  // scene0002_00 has no images
  CHECK_FALSE(f.browser.explainSample());
  CHECK_THAT(f.browser.statusText().toStdString(), Contains("scene0002_00"));
}
