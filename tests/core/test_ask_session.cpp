#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <thread>

#include "core/ask_session.h"
#include "core/scene.h"
#include "tests/core/scene_test_helpers.h"

using namespace mspa;
using Catch::Matchers::Contains;

namespace {

// The geometry oracle behind a factory that counts what it makes.
struct CountingOracle {
  int made = 0;
  BackendFactory factory() {
    return [this](const BackendSettings&) {
      ++made;
      return std::make_unique<OracleBackend>();
    };
  }
};

// A ScanNet folder of 64x48 frames, 2 m deep everywhere, the camera stepping 10 cm along x.
struct PosedFolder {
  test::TempDir dir;
  std::shared_ptr<const Scene> scene;
  explicit PosedFolder(int frames = 4) {
    test::writeScanNetFolder(dir.path() / "scan", frames);
    scene = std::make_shared<const Scene>(loadScene((dir.path() / "scan").string()));
  }
};

QuestionSpec depthAt(int frame, double x, double y) {
  return {"depth_estimation_coor", {frame}, {Eigen::Vector2d(x, y)}};
}

void compose(AskSession& session, const QuestionSpec& spec) {
  std::string whyNot;
  if (!session.compose(spec, whyNot)) FAIL(whyNot);
}

// A session on a posed folder, answered by a counting oracle.
struct OracleSession : PosedFolder {
  CountingOracle oracle;
  AskSession session{oracle.factory()};
  OracleSession() { session.setScene(scene); }
};

}  // namespace

TEST_CASE("An ask session answers through its backend, judged as the scorer judges") {
  OracleSession fixture;
  AskSession& session = fixture.session;
  compose(session, depthAt(0, 32, 24));
  CHECK(session.question()->truth().number.x() == 2000);  // the folder's depth, in mm

  const AskRecord& asked = session.ask();
  CHECK(asked.outcome.reply.text == asked.question.sample.answer);
  CHECK(asked.outcome.verdict.correct);
  CHECK(asked.outcome.groundTruthBackend);
  CHECK(asked.overlay.correct);
  CHECK_THAT(asked.overlay.caption, Contains("2000"));
  CHECK(asked.scene == fixture.scene);
  CHECK(session.history().size() == 1);
}

TEST_CASE("A session's backend loads once while its settings compare equal") {
  OracleSession fixture;
  AskSession& session = fixture.session;
  compose(session, depthAt(0, 32, 24));
  session.ask();
  session.ask();
  BackendSettings same = session.backends()->settings();
  session.backends()->setSettings(same);
  session.ask();
  CHECK(fixture.oracle.made == 1);
  CHECK(session.backends()->loads() == 1);

  BackendSettings other = same;
  other.maxNewTokens = 7;
  session.backends()->setSettings(other);
  CHECK(session.backends()->loadedLabel().empty());  // dropped with the old settings
  session.ask();
  CHECK(fixture.oracle.made == 2);
  session.backends()->unload();
  session.ask();
  CHECK(fixture.oracle.made == 3);
  CHECK(session.history().size() == 5);
}

TEST_CASE("The prompt is sent as edited, the canonical prompt kept for reset and restore") {
  OracleSession fixture;
  AskSession& session = fixture.session;
  compose(session, depthAt(0, 32, 24));
  const std::string canonical = session.question()->sample.prompt;
  CHECK(session.prompt() == canonical);
  session.setPrompt("How far is the marked point?");
  const AskRecord first = session.ask();
  CHECK(first.question.sample.prompt == "How far is the marked point?");
  CHECK(first.canonicalPrompt == canonical);
  session.resetPrompt();
  CHECK(session.prompt() == canonical);

  compose(session, {"x_movement", {0, 3}});
  CHECK(session.question()->task->subtask == "x_movement");
  REQUIRE(session.restore(0));
  CHECK(session.question()->task->subtask == "depth_estimation_coor");
  CHECK(session.question()->sample.prompt == canonical);
  CHECK(session.prompt() == "How far is the marked point?");
  CHECK_FALSE(session.restore(1));  // no such entry
}

TEST_CASE("A question taken to run is not disturbed by the next one or by another scene") {
  PosedFolder first, second(2);
  CountingOracle oracle;
  AskSession session(oracle.factory());
  session.setScene(first.scene);
  compose(session, {"x_movement", {0, 3}});
  const auto pending = session.prepare();
  REQUIRE(pending);
  const std::string id = pending->record().question.sample.id;

  compose(session, depthAt(1, 10, 10));  // composing meanwhile
  session.setScene(second.scene);        // and opening another scene
  CHECK_FALSE(session.question());

  const AskRecord answered = pending->run({}, nullptr);
  CHECK(answered.question.sample.id == id);
  CHECK(answered.question.task->subtask == "x_movement");
  CHECK(answered.outcome.verdict.correct);
  CHECK_THAT(answered.outcome.reply.text, Contains("`right`"));  // the camera steps along +x
  const std::size_t entry = session.record(answered);
  CHECK_FALSE(session.restore(entry));  // asked on the first scene, which is not open
  session.setScene(first.scene);
  CHECK(session.restore(entry));
  CHECK(session.question()->sample.id == id);
}

TEST_CASE("A session without a scene or a question says so") {
  CountingOracle oracle;
  AskSession session(oracle.factory());
  std::string whyNot;
  CHECK_FALSE(session.compose({"x_movement"}, whyNot));
  CHECK(whyNot == "no scene is open");
  CHECK(session.unsupportedReason(*findSubtask("x_movement")) == "no scene is open");
  CHECK_FALSE(session.prepare());
  CHECK_THROWS_AS(session.ask(), std::logic_error);
  CHECK(oracle.made == 0);

  PosedFolder folder;
  session.setScene(folder.scene);
  CHECK_FALSE(session.compose(depthAt(0, 500, 500), whyNot));  // outside the 64x48 frame
  CHECK_FALSE(session.question());
  CHECK(session.overlapPartner(0, 0.06, 0.35, whyNot) == -1);
  CHECK(whyNot == "pairing by overlap needs a scene cloud");
}

TEST_CASE("Changing the settings never waits for a backend being loaded") {
  std::mutex mutex;
  std::condition_variable changed;
  bool loading = false, release = false;
  int made = 0;
  BackendCache cache([&](const BackendSettings&) {
    std::unique_lock lock(mutex);
    ++made;
    loading = true;
    changed.notify_all();
    changed.wait(lock, [&] { return release; });
    return std::make_unique<OracleBackend>();
  });
  auto load = std::async(std::launch::async, [&] { return cache.acquire()->label(); });
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return loading; });
  }
  BackendSettings other;
  other.maxNewTokens = 9;
  cache.setSettings(other);  // returns while the load is still blocked
  CHECK(cache.settings().maxNewTokens == 9);
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  changed.notify_all();
  CHECK_THAT(load.get(), Contains("oracle"));  // the run it was made for is answered
  CHECK(cache.loadedLabel().empty());          // but it is not kept for the new settings
  cache.acquire();
  CHECK(made == 2);
}

TEST_CASE("A backend serves one run at a time") {
  CountingOracle oracle;
  BackendCache cache(oracle.factory());
  auto held = std::make_unique<BackendLease>(cache.acquire());
  auto second = std::async(std::launch::async, [&] { return cache.acquire().get(); });
  CHECK(second.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);
  AnswerBackend* first = held->get();
  held.reset();
  CHECK(second.get() == first);  // the same backend, once released
  CHECK(oracle.made == 1);

  BackendSettings endpoint;
  endpoint.kind = BackendSettings::Kind::OpenAI;
  endpoint.concurrency = 3;
  cache.setSettings(endpoint);
  CHECK(cache.acquire(endpoint.parallelQuestions()).size() == 3);  // one per request in flight
  CHECK(oracle.made == 4);
}
