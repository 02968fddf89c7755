#pragma once

namespace CLI {
class App;
}

namespace mspa::cli {

// Each add*Command registers one subcommand; the subcommand's callback runs it. Errors in user
// input surface as mspa::InputError, which main turns into exit code 2.
void addInfoCommand(CLI::App& app);
void addMakeDemoCloudCommand(CLI::App& app);
void addSceneCommand(CLI::App& app);
void addMakeDemoCommand(CLI::App& app);
void addScoreCommand(CLI::App& app);
void addGenerateCommand(CLI::App& app);
// `ask`: the engine's plain form (--model --image QUESTION) and the scene form (--scene --task).
void addAskCommand(CLI::App& app);
void addDatasetCommand(CLI::App& app);
void addBenchCommand(CLI::App& app);
void addRewardCommand(CLI::App& app);

// The CLI's name, description and --version, and the commands that need neither the engine nor
// the renderer (info, make-demo-cloud, scene, score, generate, dataset): `mspa` runs these itself
// and hands every other command to mspa-full, which adds them (app/cli_front_main.cpp).
void initCommandLine(CLI::App& app);

}  // namespace mspa::cli
