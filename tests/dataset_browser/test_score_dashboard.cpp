#include <catch2/catch.hpp>

#include <QApplication>
#include <QSignalSpy>
#include <QTableWidget>
#include <fstream>

#include "dataset_browser/dataset_browser_window.h"
#include "dataset_browser/score_dashboard.h"
#include "tests/dataset_browser/dataset_fixture.h"
#include "tests/widgets/gui_test_helpers.h"

using namespace mspa;
using namespace mspa::dataset;
using Catch::Matchers::Contains;

namespace {

// Two runs over the small dataset's train file: one right on x_movement, one wrong on sample 2.
struct DashboardFixture {
  test::SmallDataset data;
  ScoreDashboard dashboard;
  QString good = QString::fromStdString(data.dir.file("good.jsonl")),
          bad = QString::fromStdString(data.dir.file("bad.jsonl"));

  DashboardFixture() {
    test::writeFile(good.toStdString(),
                    "{\"id\": 1, \"text\": \"`left`\"}\n{\"id\": 2, \"text\": "
                    "\"`right`\"}\n{\"id\": 3, \"text\": \"`1234` mm\"}\n"
                    "{\"id\": 5, \"text\": \"`950` mm\"}\n");
    test::writeFile(bad.toStdString(),
                    "{\"id\": 1, \"text\": \"`left`\"}\n{\"id\": 2, \"text\": "
                    "\"`left`\"}\n{\"id\": 3, \"text\": \"`2000` mm\"}\n"
                    "{\"id\": 5, \"text\": \"no idea\"}\n{\"id\": 77, \"text\": \"`left`\"}\n");
    dashboard.resize(1400, 900);
    dashboard.show();
    REQUIRE(dashboard.load(QString::fromStdString(data.train), {good, bad}));
  }
  int rowOf(const QString& label) const {
    for (int r = 0; r < dashboard.table()->rowCount(); ++r) {
      if (dashboard.table()->item(r, 0)->text().trimmed() == label) return r;
    }
    return -1;
  }
  QString cell(const QString& label, int run) const {
    return dashboard.table()->item(rowOf(label), 2 + run)->text();
  }
};

}  // namespace

TEST_CASE("The dashboard's table equals the scorer's figures for each run") {
  DashboardFixture f;
  const auto& report = f.dashboard.report();
  REQUIRE(report.models.size() == 2);
  CHECK(f.cell("x_movement", 0) == "100.0");
  CHECK(f.cell("x_movement", 1) == "50.0");
  CHECK(f.cell("Cam. translation direction", 1) ==
        QString::number(report.models[1].byColumn.at("Cam. translation direction").accuracy(), 'f',
                        1));
  CHECK(f.cell("Average (unweighted over columns)", 0) ==
        QString::number(report.models[0].average, 'f', 2));
  CHECK(f.cell("Parse failures", 1) == "1");
  CHECK_THAT(f.dashboard.status().toStdString(), Contains("1 ids not in this benchmark"));
}

TEST_CASE("A cell lists its failures and a failure opens in the dataset browser") {
  DashboardFixture f;
  f.dashboard.showFailures(f.rowOf("x_movement"), 1);
  CHECK(f.dashboard.failures() == QStringList{"2"});
  f.dashboard.showFailures(f.rowOf("Average (unweighted over columns)"), 1);
  CHECK(f.dashboard.failures().size() == 3);
  f.dashboard.showFailures(f.rowOf("x_movement"), 1);
  QSignalSpy opened(&f.dashboard, &ScoreDashboard::failureOpened);
  f.dashboard.openFailure(0);
  REQUIRE(test::waitFor(opened));
  DatasetBrowser* browser = nullptr;
  for (auto* w : QApplication::topLevelWidgets()) {
    if (auto* b = qobject_cast<DatasetBrowser*>(w); b && b->isVisible()) browser = b;
  }
  REQUIRE(browser);
  REQUIRE(browser->sample());
  CHECK(browser->sample()->id == "2");
  CHECK_THAT(browser->sampleText().toStdString(), Contains("bad:") && Contains("wrong"));
  browser->close();
}

TEST_CASE("Confusion matrices count truth against prediction and tables and charts export") {
  DashboardFixture f;
  f.dashboard.showConfusion("x_movement");
  CHECK(f.dashboard.confusion().at("left").at("left") == 1);
  CHECK(f.dashboard.confusion().at("right").at("right") == 1);
  f.dashboard.showErrors("depth_estimation_dot");
  test::TempDir out;
  for (const char* name : {"t.md", "t.csv", "t.tex"})
    REQUIRE(f.dashboard.exportTable(QString::fromStdString(out.file(name))));
  std::ifstream md(out.file("t.md"));
  const std::string text((std::istreambuf_iterator<char>(md)), {});
  CHECK_THAT(text, Contains("good") && Contains("bad") && Contains("|"));
  REQUIRE(f.dashboard.exportChart(QString::fromStdString(out.file("chart.png"))));
  REQUIRE(f.dashboard.exportChart(QString::fromStdString(out.file("chart.svg"))));
  CHECK(QImage(QString::fromStdString(out.file("chart.png"))).width() > 100);
  std::ifstream svg(out.file("chart.svg"));
  std::string head(200, '\0');
  svg.read(head.data(), 200);
  CHECK_THAT(head, Contains("<svg"));
}

TEST_CASE("A benchmark that cannot be read is reported by the dashboard") {
  test::TempDir dir;
  ScoreDashboard dashboard;
  CHECK_FALSE(dashboard.load(QString::fromStdString(dir.file("none.jsonl")), {}));
  CHECK_THAT(dashboard.status().toStdString(), Contains("none.jsonl"));
}
