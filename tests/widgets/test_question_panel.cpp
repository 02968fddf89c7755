#include <catch2/catch.hpp>

#include <QDialog>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTest>
#include <filesystem>
#include <fstream>

#include "app/backends/backend_factory.h"
#include "core/demo_playlist.h"
#include "core/multispa_sample.h"
#include "core/reward_curve.h"
#include "core/scorer.h"
#include "tests/support/fake_endpoint.h"
#include "tests/support/tiny_local_model.h"
#include "tests/widgets/demo_window.h"
#include "widgets/backend_settings_dialog.h"
#include "widgets/demo_tour.h"
#include "widgets/explain_controls.h"
#include "widgets/frame_view.h"
#include "widgets/question_panel.h"
#include "widgets/reward_window.h"
#include "widgets/start_page.h"
#include "widgets/timeline.h"
#include "widgets/value_chart.h"

using namespace mspa;
using Catch::Matchers::Contains;
using test::tinyLocalModel;
using widgets::QuestionPanel;

namespace {

struct AskWindow : test::DemoWindow {
  QuestionPanel* panel = window.questionPanel();

  explicit AskWindow(BackendSettings settings = {}, int tracks = 9) : test::DemoWindow(8, tracks) {
    panel->setBackendFactory(backends::makeBackend);
    panel->setModelInputRenderer(backends::renderModelInput);
    panel->setBackendSettings(settings);
  }
  // Asks and waits; true when an answer was judged.
  bool askAndWait() {
    QSignalSpy finished(panel, &QuestionPanel::askFinished);
    if (!panel->ask()) return false;
    REQUIRE(test::waitFor(finished, 60000));
    return finished.last()[0].toBool();
  }
  int markers(int view) const { return workspace()->frameView(view)->markers().size(); }
};

// The tiny InternLM2 fixture with a SentencePiece tokenizer, copied into `models`, as a local
// backend answering at most `maxNewTokens` tokens from one tile per image.
BackendSettings endpointSettings(const test::FakeEndpoint& endpoint) {
  BackendSettings s;
  s.kind = BackendSettings::Kind::OpenAI;
  s.endpoint = endpoint.url();
  s.modelName = "internvl2-8b";
  s.timeoutSeconds = 5;
  return s;
}

}  // namespace

TEST_CASE(
    "Ask with the oracle: every subtask family gets a correct verdict and its overlay in 2D and "
    "3D") {
  AskWindow w;
  int asked = 0;
  for (const auto& task : taskCatalog()) {
    const QString subtask = QString::fromStdString(task.subtask);
    if (!w.panel->subtaskDisabledReason(subtask).isEmpty()) continue;
    INFO(task.subtask << ": " << w.panel->message().toStdString());
    REQUIRE(w.panel->selectSubtask(subtask));
    REQUIRE(w.panel->compose(true));
    REQUIRE(w.askAndWait());
    ++asked;
    CHECK_THAT(w.panel->verdict().toStdString(), Contains("correct") && Contains("ground truth"));
    CHECK(w.panel->answerText().toStdString() == w.panel->question()->sample.answer);
    REQUIRE(w.panel->overlay());
    CHECK(w.panel->overlay()->correct);
    CHECK(w.workspace()->renderer().markerCount() > 0);  // the 3D overlay
    const TaskFamily family = taskFamily(task);
    if (family != TaskFamily::CameraMotion || task.answer == AnswerKind::Word) {
      CHECK(w.markers(0) + w.workspace()->frameView(0)->lines().size() +
                w.workspace()->frameView(1)->lines().size() >
            0);
    }
  }
  CHECK(asked >= 20);
  CHECK(static_cast<int>(w.panel->history().size()) == asked);

  // A history entry restores its question, answer and overlay.
  w.panel->showHistoryEntry(0);
  CHECK(w.panel->question()->sample.id == w.panel->history()[0].question.sample.id);
  CHECK(w.panel->prompt().toStdString() == w.panel->history()[0].question.sample.prompt);
}

TEST_CASE("Points placed by clicking on the first frame become the question's points") {
  AskWindow w;
  REQUIRE(w.panel->selectSubtask("depth_estimation_coor"));
  w.panel->setPlacingPoints(true);
  w.panel->placePoint(1, QPointF(100, 100));
  CHECK_THAT(w.panel->message().toStdString(), Contains("first frame"));
  w.panel->placePoint(0, QPointF(320, 400));
  REQUIRE(w.panel->question());
  CHECK(w.panel->question()->points[0] == Eigen::Vector2d(320, 400));
  CHECK(w.panel->question()->frames[0] == w.workspace()->currentFrame());
  CHECK_THAT(w.panel->prompt().toStdString(), Contains("[ 500 , 833 ]"));

  REQUIRE(w.panel->selectSubtask("depth_comparison_coordinate"));
  w.panel->placePoint(0, QPointF(100, 440));  // the floor near the camera
  CHECK_THAT(w.panel->message().toStdString(), Contains("1 of 2 points"));
  w.panel->placePoint(0, QPointF(500, 300));  // farther back
  INFO(w.panel->message().toStdString());
  REQUIRE(w.panel->question());
  CHECK(w.panel->question()->points.size() == 2);
  CHECK(w.panel->question()->points[1] == Eigen::Vector2d(500, 300));
  // Clicks pick no 3D point while placing.
  CHECK_FALSE(w.workspace()->pick());
}

TEST_CASE("Subtasks the scene cannot support are disabled with the reason") {
  AskWindow w({}, 0);  // no point tracks
  CHECK_THAT(w.panel->subtaskDisabledReason("object_movement_distance_dot_adt").toStdString(),
             Contains("no point tracks"));
  CHECK_FALSE(w.panel->selectSubtask("object_movement_distance_dot_adt"));
  CHECK_THAT(w.panel->message().toStdString(), Contains("no point tracks"));
  CHECK(w.panel->subtaskDisabledReason("depth_estimation_dot").isEmpty());
}

TEST_CASE("A GUI session asks three questions with the local model and its log shows one load") {
  test::TempDir models;
  AskWindow w(tinyLocalModel(models, 4));
  for (const char* subtask : {"x_movement", "depth_estimation_dot", "x_movement"}) {
    REQUIRE(w.panel->selectSubtask(subtask));
    REQUIRE(w.askAndWait());
  }
  CHECK(w.panel->history().size() == 3);
  const QString log = w.window.logText();
  CHECK(log.count("Loading the local backend") == 1);
}

TEST_CASE("The local engine answers in the background, streams, and can be cancelled") {
  test::TempDir models;
  BackendSettings local = tinyLocalModel(models, 6);
  AskWindow w(local);
  REQUIRE(w.panel->selectSubtask("x_movement"));
  QSignalSpy streamed(&w.panel->worker(), &widgets::AskWorker::streamed);
  CHECK(w.askAndWait());
  CHECK(streamed.size() >= 1);
  CHECK(w.panel->history().size() == 1);
  CHECK_FALSE(w.panel->history()[0].outcome.groundTruthBackend);
  CHECK_THAT(w.panel->history()[0].outcome.backend, Contains("local tiny on cpu"));

  // A long answer, cancelled at its first token: no verdict, the question stays.
  local.maxNewTokens = 2000;
  w.panel->setBackendSettings(local);
  auto* busyBar = w.panel->findChild<QProgressBar*>();
  REQUIRE(busyBar);
  bool busyWhileStreaming = false;
  QObject::connect(&w.panel->worker(), &widgets::AskWorker::streamed, w.panel, [&] {
    busyWhileStreaming = busyBar->isVisible();
    w.panel->cancel();
  });
  const auto asked = w.panel->question()->sample.id;
  CHECK_FALSE(w.askAndWait());
  CHECK(busyWhileStreaming);
  CHECK_FALSE(busyBar->isVisible());
  CHECK_THAT(w.panel->message().toStdString(), Contains("Cancelled"));
  CHECK(w.panel->question()->sample.id == asked);
  CHECK(w.panel->history().size() == 1);
}

TEST_CASE("A backend loads once while its settings stay the same") {
  AskWindow w;
  int made = 0;
  w.panel->setBackendFactory([&made](const BackendSettings& s) {
    ++made;
    return backends::makeBackend(s);
  });
  REQUIRE(w.panel->selectSubtask("x_movement"));
  CHECK(w.askAndWait());
  CHECK(w.askAndWait());
  CHECK(made == 1);
  BackendSettings other;
  other.maxNewTokens = 7;
  w.panel->setBackendSettings(other);
  CHECK(w.askAndWait());
  CHECK(made == 2);
}

TEST_CASE("Model input shows the exact text the local model reads, without loading weights") {
  test::TempDir models;
  const auto model = models.path() / "tokenizer-only";
  std::filesystem::create_directories(model);
  std::filesystem::copy_file(
      std::filesystem::path(MSPA_TEST_DATA_DIR) / "internvl/tiny-internlm2/original/config.json",
      model / "config.json");
  BackendSettings local;
  local.kind = BackendSettings::Kind::Local;
  local.modelDir = model.string();
  local.tilesPerImage = 6;
  AskWindow w(local);
  REQUIRE(w.panel->selectSubtask("x_movement"));
  CHECK_THAT(w.panel->modelInput().toStdString(),
             Contains("Cannot show the model input") && Contains("no tokenizer.model"));
  test::writeSentencePieceTokenizer(model);
  w.panel->setPrompt(w.panel->prompt() + " Edited.");
  const std::string input = w.panel->modelInput().toStdString();
  CHECK(input.rfind("<|im_start|>system\n", 0) == 0);
  CHECK_THAT(input, Contains("<|im_end|><|im_start|>user\nImage-1: <img><IMG_CONTEXT>"));
  CHECK_THAT(input, Contains(" Edited.<|im_end|><|im_start|>assistant\n"));
  std::size_t contexts = 0;
  for (auto at = input.find("<IMG_CONTEXT>"); at != std::string::npos;
       at = input.find("<IMG_CONTEXT>", at + 1))
    ++contexts;
  // Two 640x480 frames at up to 6 tiles: a 3x2 grid + thumbnail each, 256 tokens a tile.
  CHECK(contexts == 2 * 7 * 256);
  QDialog* dialog = w.panel->showModelInput();
  REQUIRE(dialog->findChild<QPlainTextEdit*>());
  CHECK(dialog->findChild<QPlainTextEdit*>()->toPlainText().toStdString() == input);
  if (const char* shot = std::getenv("MSPA_MODEL_INPUT_SCREENSHOT")) dialog->grab().save(shot);
  dialog->close();
  w.panel->setBackendSettings({});
  CHECK_THAT(w.panel->modelInput().toStdString(), Contains("oracle"));
}

TEST_CASE("An edited prompt goes to the endpoint and a failing endpoint leaves the panel usable") {
  test::FakeEndpoint endpoint("stream", "The camera shifted `right`.");
  AskWindow w(endpointSettings(endpoint));
  REQUIRE(w.panel->selectSubtask("x_movement"));
  const QString canonical = w.panel->prompt();
  w.panel->setPrompt(canonical + " Answer in one word.");
  REQUIRE(w.askAndWait());
  const auto requests = endpoint.requests();
  REQUIRE(requests.size() == 1);
  CHECK_THAT(requests[0]["body"]["messages"][0]["content"].back()["text"].get<std::string>(),
             Contains("Answer in one word."));
  CHECK(w.panel->answerText() == "The camera shifted `right`.");
  w.panel->resetPrompt();
  CHECK(w.panel->prompt() == canonical);

  test::FakeEndpoint failing("fail");
  w.panel->setBackendSettings(endpointSettings(failing));
  CHECK_FALSE(w.askAndWait());
  CHECK_THAT(w.panel->message().toStdString(), Contains("HTTP 500"));
  CHECK(w.panel->prompt() == canonical);  // nothing typed is lost
  w.panel->setBackendSettings({});
  CHECK(w.askAndWait());
  CHECK(w.panel->history().size() == 2);
}

TEST_CASE("The session exports as a benchmark that the scorer rates like the panel did") {
  test::FakeEndpoint endpoint("stream", "The depth is `1000` mm.");
  AskWindow w;
  for (const char* subtask :
       {"depth_estimation_dot", "x_movement", "object_perception_height_estimation"}) {
    REQUIRE(w.panel->selectSubtask(subtask));
    REQUIRE(w.askAndWait());
  }
  w.panel->setBackendSettings(endpointSettings(endpoint));
  REQUIRE(w.panel->selectSubtask("depth_estimation_coor"));
  REQUIRE(w.askAndWait());
  test::TempDir out;
  const auto written = w.panel->exportHistory(QString::fromStdString(out.path().string()));
  REQUIRE_FALSE(written.questions.empty());
  const auto benchmark = readSampleFile(written.questions);
  CHECK(benchmark.samples.size() == 4);
  for (const auto& sample : benchmark.samples) {
    for (const auto& image : sample.images)
      CHECK(std::filesystem::exists(std::filesystem::path(written.images) / image));
  }
  const auto report = scoreRuns(benchmark, {{"session", readPredictionFile(written.predictions)}});
  std::size_t correct = 0;
  for (const auto& r : w.panel->history()) correct += r.outcome.verdict.correct ? 1 : 0;
  std::size_t scored = 0;
  for (const auto& [type, tally] : report.models[0].byQuestionType) scored += tally.correct;
  CHECK(scored == correct);
  CHECK(correct >= 3);
}

TEST_CASE(
    "While a question runs nothing recomposes it; another scene cancels it and each history entry "
    "reopens its own scene") {
  AskWindow w;
  REQUIRE(w.panel->selectSubtask("x_movement"));
  REQUIRE(w.panel->compose(true));
  REQUIRE(w.askAndWait());  // the oracle, on the 8-frame demo
  const auto first = w.panel->history()[0];
  const std::string canonical = w.panel->question()->sample.prompt;

  test::FakeEndpoint slow("slow", "The camera shifted `left`.", 1.0);  // 7 pieces, 1 s apart
  w.panel->setBackendSettings(endpointSettings(slow));
  w.panel->setPrompt("Edited: did the camera move left or right?");
  QSignalSpy finished(w.panel, &QuestionPanel::askFinished);
  REQUIRE(w.panel->ask());
  CHECK_FALSE(w.panel->compose(true));
  CHECK_THAT(w.panel->message().toStdString(), Contains("A question is running"));
  CHECK_FALSE(w.panel->selectSubtask("depth_estimation_dot"));
  CHECK(w.panel->question()->sample.prompt == canonical);

  // A 4-frame scene: the running question is cancelled, the history keeps its entry.
  render::DemoSceneOptions options;
  options.frames = 4;
  const std::string other = w.dir.file("small");
  render::writeDemoScene(other, options);
  QSignalSpy loaded(&w.window, &widgets::MainWindow::loadFinished);
  w.window.openScene(QString::fromStdString(other));
  REQUIRE(test::waitFor(loaded));
  REQUIRE(test::waitFor(finished, 10000));
  CHECK_FALSE(finished.last()[0].toBool());
  CHECK_THAT(w.panel->message().toStdString(), Contains("Cancelled"));
  REQUIRE(w.panel->history().size() == 1);
  CHECK_FALSE(w.panel->busy());

  // Asking here works, and the first entry brings back its own scene and frames.
  w.panel->setBackendSettings({});
  REQUIRE(w.panel->selectSubtask("x_movement"));
  REQUIRE(w.panel->compose(true));
  REQUIRE(w.askAndWait());
  REQUIRE(w.panel->history().size() == 2);
  CHECK(w.panel->history()[1].scene == w.window.scene());
  w.panel->showHistoryEntry(0);
  CHECK(w.window.scene() == first.scene);
  CHECK(w.window.scene()->frames.size() == 8);
  CHECK(w.panel->question()->frames == first.question.frames);
  CHECK(w.panel->question()->sample.prompt == first.canonicalPrompt);
  REQUIRE(w.panel->overlay());
  CHECK(w.panel->overlay()->correct);

  // The session exports with each question's images from its own scene.
  test::TempDir out;
  const auto written = w.panel->exportHistory(QString::fromStdString(out.path().string()));
  const auto benchmark = readSampleFile(written.questions);
  REQUIRE(benchmark.samples.size() == 2);
  for (const auto& sample : benchmark.samples) {
    for (const auto& image : sample.images)
      CHECK(std::filesystem::exists(std::filesystem::path(written.images) / image));
  }
}

TEST_CASE("A model folder that is not a model is reported and the panel stays usable") {
  test::TempDir empty;
  BackendSettings local;
  local.kind = BackendSettings::Kind::Local;
  local.modelDir = empty.path().string();
  AskWindow w(local);
  REQUIRE(w.panel->selectSubtask("depth_estimation_dot"));
  const QString prompt = w.panel->prompt();
  CHECK_FALSE(w.askAndWait());
  CHECK_THAT(
      w.panel->message().toStdString(),
      Contains(empty.path().string() + "/config.json: cannot open (is this a model folder?)"));
  CHECK(w.panel->prompt() == prompt);
  CHECK_FALSE(w.panel->busy());
  w.panel->setBackendSettings({});
  CHECK(w.askAndWait());
}

TEST_CASE("A click outside the frame says so in the status bar") {
  AskWindow w;
  auto* view = w.workspace()->frameView(0);
  QTest::mouseClick(view, Qt::LeftButton, Qt::NoModifier,
                    QPoint(2, 2));  // the letterbox above the picture
  CHECK_THAT(w.window.statusText().toStdString(), Contains("outside the image"));
}

TEST_CASE(
    "Pairing by overlap picks a second frame the data engine would pair with the current one") {
  AskWindow w;
  REQUIRE(w.panel->selectSubtask("visual_correspondence_coor_2_coor"));
  w.window.timeline()->setCurrent(2);
  REQUIRE(w.panel->pairByOverlap());
  const int pair = w.workspace()->pairFrame();
  CHECK(pair != 2);
  const double overlap = FrameOverlap(*w.window.scene()).iou(2, pair);
  CHECK(overlap >= 0.06);
  CHECK(overlap <= 0.35);
  CHECK(w.panel->question()->frames == std::vector<int>{2, pair});
}

TEST_CASE("The reward annotator plots the oracle's distances on the truth and exports them") {
  AskWindow w({}, 16);
  auto* reward = w.window.openRewardAnnotator();
  REQUIRE(reward->reason().isEmpty());
  REQUIRE(reward->target().track >=
          0);  // the track nearest the centre of the first frame showing one
  QSignalSpy finished(reward, &widgets::RewardWindow::finished);
  reward->start();
  REQUIRE(test::waitFor(finished, 60000));
  CHECK(finished.last()[0].toBool());
  REQUIRE_FALSE(reward->curve().points.empty());
  CHECK(reward->predictedPoints() == static_cast<int>(reward->curve().points.size()));
  CHECK(reward->truthPoints() == reward->predictedPoints());
  for (const auto& p : reward->curve().points) CHECK(p.predictedMm == p.truthMm);
  test::TempDir out;
  CHECK(reward->exportCsv(QString::fromStdString(out.file("r.csv"))));
  CHECK(std::filesystem::file_size(out.file("r.csv")) > 50);
  reward->close();
}

TEST_CASE(
    "A click on the reward annotator's start frame picks the point, snapping to a track near it") {
  AskWindow w({}, 16);
  auto* reward = w.window.openRewardAnnotator();
  reward->resize(1200, 600);
  reward->show();
  REQUIRE(QTest::qWaitForWindowExposed(reward));
  auto* view = reward->findChild<widgets::FrameView*>();
  REQUIRE(view);
  const int track = reward->target().track;
  const Eigen::Vector2d onTrack = *reward->target().pixel;
  QTest::mouseClick(view, Qt::LeftButton, {},
                    view->widgetFromImage(QPointF(onTrack.x() + 4, onTrack.y() - 3)).toPoint());
  CHECK(reward->target().track == track);
  QTest::mouseClick(view, Qt::LeftButton, {}, view->widgetFromImage(QPointF(5, 5)).toPoint());
  CHECK(reward->target().track == -1);
  CHECK(std::abs(reward->target().pixel->x() - 5) < 2);
  REQUIRE(view->markers().size() == 1);
  CHECK(view->markers()[0].label == "untracked point");
  reward->close();
}

TEST_CASE("The start page's reward demo opens the episode, then the annotator on it") {
  AskWindow w({}, 4);
  w.window.setDemoEpisodePath(QString::fromStdString(w.folder));
  w.window.showStartPage();
  QSignalSpy loaded(&w.window, &widgets::MainWindow::loadFinished);
  emit w.window.startPage()->openRewardDemo();
  REQUIRE(test::waitFor(loaded));
  widgets::RewardWindow* reward = nullptr;
  for (auto* widget : QApplication::topLevelWidgets()) {
    if (auto* found = qobject_cast<widgets::RewardWindow*>(widget); found && found->isVisible())
      reward = found;
  }
  REQUIRE(reward);
  CHECK(reward->reason().isEmpty());
  CHECK(reward->target().track >= 0);
  reward->close();
  QCoreApplication::processEvents();
}

TEST_CASE(
    "Without point tracks the reward annotator asks a model without truth, and the oracle "
    "refuses") {
  test::FakeEndpoint endpoint("plain", "The point traveled a total of `250` mm.", 0.2);
  AskWindow w(endpointSettings(endpoint), 0);
  auto* reward = w.window.openRewardAnnotator();
  REQUIRE(reward->reason().isEmpty());
  CHECK_THAT(reward->truthReason().toStdString(), Contains("no point tracks"));
  CHECK(reward->target().track == -1);
  QSignalSpy finished(reward, &widgets::RewardWindow::finished);
  reward->start();
  REQUIRE(test::waitFor(finished, 60000));
  INFO(finished.last()[1].toString().toStdString());
  CHECK(finished.last()[0].toBool());
  CHECK(reward->predictedPoints() == static_cast<int>(w.window.scene()->frames.size()) - 1);
  CHECK(reward->truthPoints() == 0);
  CHECK(endpoint.requests().size() == w.window.scene()->frames.size() - 1);
  reward->close();

  w.panel->setBackendSettings({});  // the oracle
  auto* oracle = w.window.openRewardAnnotator();
  CHECK_THAT(oracle->blockedReason().toStdString(), Contains("geometry oracle"));
  QSignalSpy refused(oracle, &widgets::RewardWindow::finished);
  oracle->start();
  REQUIRE(test::waitFor(refused, 60000));
  CHECK_FALSE(refused.last()[0].toBool());
  CHECK_THAT(refused.last()[1].toString().toStdString(), Contains("geometry oracle"));
  oracle->close();
}

TEST_CASE(
    "The start page lists recent files and gives way to the scene, and help lists versions and "
    "shortcuts") {
  AskWindow w;  // loading the demo scene records it as recent
  CHECK_FALSE(w.window.startPageShown());
  w.window.showStartPage();
  CHECK(w.window.startPageShown());
  CHECK(w.window.startPage()->recentFiles().contains(QString::fromStdString(w.folder)));
  QSignalSpy loaded(&w.window, &widgets::MainWindow::loadFinished);
  emit w.window.startPage()->openRecent(QString::fromStdString(w.folder));
  REQUIRE(test::waitFor(loaded));
  CHECK_FALSE(w.window.startPageShown());
  w.window.setEngineDescription("LibTorch 9.9 (CPU only)");
  CHECK_THAT(w.window.aboutText().toStdString(),
             Contains(qVersion()) && Contains("VTK") && Contains("LibTorch 9.9 (CPU only)"));
  CHECK_THAT(w.window.shortcutsText().toStdString(),
             Contains("Ctrl+O") && Contains("Open scene file") && Contains("Space"));
}

TEST_CASE(
    "A demo tour plays its steps, skips broken ones with the reason, pauses and steps on keys") {
  AskWindow w;
  test::TempDir dir;
  const std::string scene = w.folder;
  test::writeFile(
      dir.file("tour.json"),
      nlohmann::json{
          {"loop", false},
          {"steps",
           {{{"scene", scene},
             {"frames", {2}},
             {"subtask", "depth_estimation_coor"},
             {"pause", 0.1}},
            {{"scene", scene}, {"subtask", "levitation"}, {"pause", 0.1}},
            {{"scene", dir.file("nowhere")}, {"subtask", "x_movement"}},
            {{"scene", scene}, {"frames", {1, 5}}, {"subtask", "x_movement"}, {"pause", 0.1}}}}}
          .dump());
  const DemoPlaylist playlist = readDemoPlaylist(dir.file("tour.json"));
  REQUIRE(playlist.steps.size() == 4);
  CHECK_THAT(playlist.steps[1].problem, Contains("unknown subtask 'levitation'"));
  CHECK_THAT(playlist.steps[2].problem, Contains("no scene at"));
  widgets::DemoTour tour(&w.window, playlist);
  QSignalSpy shown(&tour, &widgets::DemoTour::stepShown);
  QSignalSpy finished(&tour, &widgets::DemoTour::finished);
  tour.start();
  REQUIRE(test::waitFor(finished, 60000));
  REQUIRE(shown.size() == 4);
  CHECK(shown[0][1].toBool());
  CHECK_FALSE(shown[1][1].toBool());
  CHECK_FALSE(shown[2][1].toBool());
  CHECK(shown[3][1].toBool());
  CHECK_THAT(shown[3][2].toString().toStdString(), Contains("correct"));
  CHECK(w.panel->history().size() == 2);
  // Space pauses; Right steps on.
  tour.togglePause();
  CHECK(tour.paused());
  tour.stepBy(1);
  REQUIRE(test::waitFor(shown, 30000));
  CHECK(tour.currentStep() == 0);  // wrapped around from the last step
  CHECK_THROWS_WITH(readDemoPlaylist(dir.file("none.json")), Contains("none.json"));
}

TEST_CASE(
    "Backend settings: the data type defaults to the checkpoint's own and round-trips through the "
    "dialog") {
  BackendSettings local;
  local.kind = BackendSettings::Kind::Local;
  CHECK(local.dtype.empty());
  CHECK(widgets::BackendSettingsDialog(local).settings().dtype.empty());
  local.dtype = "float32";
  CHECK(widgets::BackendSettingsDialog(local).settings().dtype == "float32");
  local.dtype = "bfloat16";
  CHECK(widgets::BackendSettingsDialog(local).settings().dtype == "bfloat16");
}

TEST_CASE("Explain shows each token's probability and where it looked, and exports it") {
  test::TempDir models;
  AskWindow w(tinyLocalModel(models, 3));
  REQUIRE(w.panel->selectSubtask("x_movement"));  // two frames
  const QImage plain = w.workspace()->frameView(0)->composed();
  w.panel->setExplaining(true);
  REQUIRE(w.askAndWait());
  const auto explanation = w.panel->history().back().outcome.reply.explanation;  // kept
  REQUIRE(explanation);
  REQUIRE(explanation->tokens.size() == 3);
  const QStringList rows = w.panel->explanationRows();
  REQUIRE(rows.size() == 4);  // the whole answer, then each token
  CHECK(rows[0].startsWith("Whole answer: "));
  CHECK(rows[0].contains("of its attention (layers 0-1)"));
  for (const auto& token : explanation->tokens) {
    CHECK(token.chosen.prob > 0);
    REQUIRE(token.maps.size() == 2);
    CHECK(token.maps[0].combined.width == 16);  // one tile per image: its 16x16 token grid
    CHECK(token.maps[0].thumbnail.empty());     // and no thumbnail
    const double shares = token.imageShare[0] + token.imageShare[1];
    CHECK(shares > 0);
    CHECK(shares < 1);
  }
  // How sure: the value chart shows the chosen value first, or nothing when none was spelled.
  const auto value = explanation->valueConfidence();
  CHECK(w.panel->valueChart()->isHidden() == !value.has_value());
  if (value) {
    REQUIRE_FALSE(w.panel->valueChart()->bars().empty());
    CHECK(w.panel->valueChart()->bars().front().text == value->chosen.text);
  }
  // What the model saw: each frame as one tile (the panel's setting), its grid over the frame.
  REQUIRE(explanation->tilings.size() == 2);
  CHECK(explanation->tilings[1].tiles() == 1);
  CHECK(w.workspace()->frameView(1)->tileGrid() == QSize(1, 1));
  // The frames carry the map; another token shows another one.
  REQUIRE(w.workspace()->frameView(0)->hasHeatOverlay());
  const QImage whole = w.workspace()->frameView(0)->composed();
  CHECK(whole != plain);
  w.panel->showExplanationRow(2);
  CHECK(w.workspace()->frameView(0)->composed() != whole);

  test::TempDir out;
  const QStringList written =
      w.panel->exportExplanation(QString::fromStdString(out.path().string()));
  REQUIRE(written.size() == 5);  // what ask --explain writes: tiles and attention per frame
  std::ifstream json(out.file("tokens.json"));
  const auto j = nlohmann::json::parse(json);
  CHECK(j["tokens"].size() == 3);
  CHECK(j["image_attention_share"].size() == 2);
  CHECK(j["images"][1]["grid"] == nlohmann::json({1, 1}));
  CHECK(QImage(QString::fromStdString(out.file("attention-2.png"))).size() == whole.size());
  CHECK(QImage(QString::fromStdString(out.file("tiles-1.png"))).size() == whole.size());

  // One layer alone gives another map.
  w.panel->setExplainLayers(1, 1);
  REQUIRE(w.askAndWait());
  const auto oneLayer = w.panel->history().back().outcome.reply.explanation;
  REQUIRE(oneLayer);
  CHECK(oneLayer->firstLayer == 1);
  CHECK(oneLayer->lastLayer == 1);
  CHECK(oneLayer->meanMap(0).values != explanation->meanMap(0).values);

  // Unexplained again: the next answer has none, and the maps go.
  w.panel->setExplaining(false);
  REQUIRE(w.askAndWait());
  CHECK_FALSE(w.panel->history().back().outcome.reply.explanation);
  CHECK_FALSE(w.workspace()->frameView(0)->hasHeatOverlay());
  CHECK(w.workspace()->frameView(0)->tileGrid().isEmpty());

  // A question about a point lists where that point landed.
  REQUIRE(w.panel->selectSubtask("depth_estimation_coor"));
  w.panel->setExplaining(true);
  REQUIRE(w.askAndWait());
  const QStringList pointed = w.panel->explanationRows();
  REQUIRE(pointed.size() == 5);  // the whole answer, 3 tokens, the point
  CHECK(pointed[4].startsWith("Image 1, point 1 ("));
  CHECK(pointed[4].contains("tile 1 of 1×1 at ("));
  w.panel->showExplanationRow(4);  // a point's row shows the whole answer's map
  CHECK(w.workspace()->frameView(0)->hasHeatOverlay());
}

TEST_CASE("Explain at several tiles: the grid tiles' and the thumbnail's attention apart") {
  test::TempDir models;
  BackendSettings tiled = tinyLocalModel(models, 2);
  tiled.tilesPerImage = 6;  // a 640x480 frame: InternVL's 3x2 grid and the thumbnail
  AskWindow w(tiled);
  REQUIRE(w.panel->selectSubtask("x_movement"));
  w.panel->setExplaining(true);
  REQUIRE(w.askAndWait());
  const auto explanation = w.panel->history().back().outcome.reply.explanation;
  REQUIRE(explanation);
  REQUIRE(explanation->tilings.size() == 2);
  CHECK(explanation->tilings[0].tiles() == 7);
  const ImageAttention& seen = explanation->tokens[0].maps[0];
  CHECK(seen.combined.width == 3 * 16);
  CHECK(seen.tiles.height == 2 * 16);
  CHECK(seen.thumbnail.width == 16);
  CHECK(w.workspace()->frameView(0)->tileGrid() == QSize(3, 2));
  // Each part draws its own map over the frame; the opacity changes how it is drawn.
  widgets::AttentionDisplay* display = w.panel->attentionDisplay();
  QList<QImage> drawn;
  for (AttentionPart part :
       {AttentionPart::Combined, AttentionPart::Tiles, AttentionPart::Thumbnail}) {
    display->setPart(part);
    drawn << w.workspace()->frameView(0)->composed();
  }
  CHECK(drawn[0] != drawn[1]);
  CHECK(drawn[1] != drawn[2]);
  display->setOpacity(0.2);
  CHECK(w.workspace()->frameView(0)->composed() != drawn[2]);

  test::TempDir out;
  const QStringList written =
      w.panel->exportExplanation(QString::fromStdString(out.path().string()));
  CHECK(written.size() == 9);  // tokens.json; per frame tiles, attention and its two parts
  CHECK(std::filesystem::exists(out.file("attention-2-thumbnail.png")));
  CHECK(std::filesystem::exists(out.file("attention-1-tiles.png")));
}

TEST_CASE("Explain with a backend that cannot says why") {
  AskWindow w;  // the geometry oracle
  REQUIRE(w.panel->selectSubtask("x_movement"));
  w.panel->setExplaining(true);
  CHECK_FALSE(w.askAndWait());
  CHECK_THAT(w.panel->message().toStdString(), Contains("cannot explain"));
}

TEST_CASE("The value chart draws the chosen value first, then its competitors by probability") {
  AnswerExplanation e;
  const auto token = [](const std::string& text, double prob,
                        std::vector<AnswerExplanation::Candidate> others = {}) {
    AnswerExplanation::Token t{{text, 1, prob}, {{text, 1, prob}}, {}, 0, {}};
    t.top.insert(t.top.end(), others.begin(), others.end());
    return t;
  };
  e.tokens = {token(" `", 0.9), token("left", 0.51, {{"right", 2, 0.47}, {"up", 3, 0.01}}),
              token("`.", 0.99)};
  widgets::ValueChart chart;
  chart.resize(300, 80);
  chart.setExplanation(&e);
  REQUIRE(chart.bars().size() == 3);
  CHECK(chart.bars()[0].text == "left");
  CHECK(chart.bars()[0].prob == Approx(0.51 * 0.99));
  CHECK(chart.bars()[1].text == "right");
  CHECK_FALSE(chart.isHidden());
  const QImage drawn = chart.grab().toImage();
  CHECK(drawn.pixelColor(300 / 3 + 2, 1 + 8) == QColor(40, 140, 220));  // the chosen value's bar
  chart.setExplanation(nullptr);
  CHECK(chart.isHidden());
}
