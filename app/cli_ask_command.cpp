#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "app/backends/backend_factory.h"
#include "app/cli_backend_options.h"
#include "app/cli_commands.h"
#include "core/answer_overlay.h"
#include "core/ask_session.h"
#include "core/image.h"
#include "core/image_tiling.h"
#include "core/input_error.h"
#include "core/scene.h"
#include "inference/explain_output.h"
#include "inference/image_preprocess.h"
#include "inference/model_commands.h"
#include "inference/model_config.h"

namespace mspa::cli {
namespace {

struct SceneAskOptions {
  std::string scene, task, overlay;
  BackendOptions backend;  // --model, --lora, --device, --dtype and --tiles: the engine's options
  std::optional<std::string> answer;  // judge this text instead of asking a backend
  std::vector<int> frames;
  std::vector<std::string> points;  // "X,Y" pixels of the first frame
  std::uint32_t seed = 0;
};

Eigen::Vector2d parsePoint(const std::string& text) {
  double x = 0, y = 0;
  char comma = 0;
  if (std::sscanf(text.c_str(), "%lf %c %lf", &x, &comma, &y) != 3 || comma != ',') {
    throw InputError("--point " + text, "expected X,Y in pixels of the first frame");
  }
  return {x, y};
}

QuestionSpec questionSpec(const SceneAskOptions& o) {
  QuestionSpec spec;
  spec.subtask = o.task;
  spec.frames = o.frames;
  for (const auto& p : o.points) spec.points.push_back(parsePoint(p));
  return spec;
}

// --answer: the text to judge stands in for a backend, so it takes the session's one path.
class GivenAnswer : public AnswerBackend {
 public:
  explicit GivenAnswer(std::string text) : text_(std::move(text)) {}
  std::string label() const override { return "given answer"; }
  BackendReply answer(const Question&, const AnswerProgress& progress,
                      const std::atomic<bool>*) override {
    if (progress) progress(text_);
    return {text_};
  }

 private:
  std::string text_;
};

nlohmann::json outcomeJson(const Scene& scene, const Question& q, const AskOutcome& a) {
  nlohmann::json frames = nlohmann::json::array(), points = nlohmann::json::array();
  for (int f : q.frames) frames.push_back({{"index", f}, {"name", scene.frames[f].name}});
  for (const auto& p : q.points) points.push_back({p.x(), p.y()});
  return {{"scene", scene.name},
          {"subtask", q.task->subtask},
          {"question_type", q.task->questionType},
          {"frames", frames},
          {"points", points},
          {"prompt", q.sample.prompt},
          {"backend", a.backend},
          {"ground_truth_backend", a.groundTruthBackend},
          {"answer", a.reply.text},
          {"parsed",
           a.parsed.ok ? nlohmann::json(formatAnswerValue(a.parsed.value)) : nlohmann::json()},
          {"parse_error", a.parsed.ok ? nlohmann::json() : nlohmann::json(a.parsed.error)},
          {"truth", formatAnswerValue(q.truth())},
          {"gt_value", q.sample.gtValue},
          {"canonical_answer", q.sample.answer},
          {"correct", a.verdict.correct},
          {"error", a.verdict.error},
          {"seconds", a.reply.seconds},
          {"tokens", a.reply.tokens}};
}

void runSceneAsk(const SceneAskOptions& o, const inference::AskOptions& engine) {
  if (o.task.empty())
    throw CLI::ValidationError("ask --scene", "needs --task SUBTASK (or a question_type)");
  if (engine.format != "text" && engine.format != "json")
    throw CLI::ValidationError("--format", "text or json");
  BackendFactory factory = backends::makeBackend;
  if (o.answer)
    factory = [text = *o.answer](const BackendSettings&) {
      return std::make_unique<GivenAnswer>(text);
    };
  AskSession session(factory, o.seed);
  session.setScene(std::make_shared<const Scene>(loadScene(o.scene)));
  std::string whyNot;
  if (!session.compose(questionSpec(o), whyNot))
    throw InputError(o.scene, "cannot ask " + o.task + ": " + whyNot);
  const Question& question = *session.question();
  if (engine.printPrompt) {
    if (engine.model.empty())
      throw CLI::ValidationError("--print-prompt",
                                 "needs --model DIR: the prompt is the model's own");
    const int tileSize = inference::readModelConfig(engine.model).vision.imageSize;
    std::vector<int> tiles;
    for (const auto& image : question.images)
      tiles.push_back(inference::tileCount(image.width, image.height, engine.tiles, tileSize));
    inference::printPrompt(engine.model, question.sample.prompt, tiles, engine.system,
                           engine.format);
    return;
  }
  BackendOptions backend = o.backend;
  static_cast<inference::ModelFlags&>(backend) = engine;
  BackendSettings settings = resolveBackend(backend, BackendSettings::Kind::Oracle, "ask");
  settings.maxNewTokens = engine.sampling.maxNewTokens;
  session.backends()->setSettings(settings);
  if (!engine.explain.empty()) {
    const auto [first, last] = inference::parseLayerRange(engine.layers, -1);
    session.setExplain(ExplainOptions{std::max(1, engine.explainTopK), first, last});
  }
  const bool text = engine.format == "text";
  if (text) {
    const std::string label = session.backends()->acquire()->label();  // loads before the prompt
    std::printf("%s\n\n[%s] ", question.sample.prompt.c_str(), label.c_str());
  }
  std::size_t printed = 0;
  const AskRecord& asked = session.ask([&](const std::string& so_far) {
    if (!text) return;
    std::fputs(so_far.substr(std::min(printed, so_far.size())).c_str(), stdout);
    std::fflush(stdout);
    printed = so_far.size();
  });
  if (!o.overlay.empty()) writePng(o.overlay, drawAnswerOverlay(asked.question, asked.overlay));
  if (asked.outcome.reply.explanation)
    for (const auto& file : writeExplanationFiles(engine.explain, *asked.outcome.reply.explanation,
                                                  asked.question, engine.perToken))
      std::fprintf(stderr, "explanation: %s\n", file.c_str());
  if (text) {
    std::printf("\n%s\n", asked.overlay.caption.c_str());
  } else {
    // A random or broken model may stream bytes that are not UTF-8.
    std::printf("%s\n", outcomeJson(*asked.scene, asked.question, asked.outcome)
                            .dump(1, ' ', false, nlohmann::json::error_handler_t::replace)
                            .c_str());
  }
}

}  // namespace

void addAskCommand(CLI::App& app) {
  auto* ask = app.add_subcommand("ask",
                                 "Ask a model about images, or (with --scene) pose a MultiSPA "
                                 "question on a scene and judge the answer against the truth");
  auto engine = std::make_shared<inference::AskOptions>();
  auto o = std::make_shared<SceneAskOptions>();
  inference::addAskOptions(*ask, *engine);
  ask->add_option("--scene", o->scene, "scene to ask about (folder, manifest, .npz, ...)");
  ask->add_option("--task", o->task, "subtask or question_type, e.g. depth_estimation_coor");
  ask->add_option("--frames", o->frames, "frame indices (1 or 2); sampled when not given")
      ->delimiter(',');
  ask->add_option("--point", o->points,
                  "X,Y pixel in the first frame; repeat for two; sampled when not given")
      ->allow_extra_args(false);
  BackendOptionSet shared;
  shared.modelOptions = false;
  addBackendOptions(*ask, o->backend, shared);
  ask->add_option("--overlay", o->overlay, "write the prediction-vs-truth overlay to this PNG");
  ask->add_option(
      "--answer", o->answer,
      "judge this answer text (e.g. from a paper or a log) instead of asking a backend");
  ask->add_option("--question-seed", o->seed, "seed for sampled frames and points")
      ->capture_default_str();
  ask->callback([engine, o] {
    if (o->scene.empty()) {
      inference::runAsk(*engine);
    } else {
      runSceneAsk(*o, *engine);
    }
  });
}

}  // namespace mspa::cli
