#include "app/cli_backend_options.h"

#include <CLI/CLI.hpp>

namespace mspa::cli {

void addBackendOptions(CLI::App& command, BackendOptions& o, const BackendOptionSet& set) {
  command.add_option("--backend", o.backend,
                     "oracle, local (--model DIR) or openai (--endpoint URL [--model NAME]); "
                     "default: openai with --endpoint, local with --model");
  if (set.modelOptions)
    inference::addModelFlags(command, o, "local: model folder; openai: the served model's name");
  auto* endpoint = command.add_option(
      "--endpoint", o.endpoints,
      set.severalEndpoints ? "OpenAI-compatible server; repeat to spread over several"
                           : "OpenAI-compatible server, e.g. http://gpu1:8000/v1");
  endpoint->allow_extra_args(false);
  if (!set.severalEndpoints) endpoint->multi_option_policy(CLI::MultiOptionPolicy::Throw);
  command
      .add_option("--api-key-env", o.apiKeyVariable,
                  "environment variable holding the endpoint's API key")
      ->capture_default_str();
  command.add_option("--timeout", o.timeout, "seconds to wait for an endpoint's answer")
      ->capture_default_str();
  if (set.concurrency) {
    command.add_option("--concurrency", o.concurrency, "requests in flight per endpoint")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
  }
}

BackendSettings resolveBackend(const BackendOptions& o, BackendSettings::Kind otherwise,
                               const std::string& command) {
  BackendSettings s;
  s.kind = !o.backend.empty()     ? parseBackendKind(o.backend)
           : !o.endpoints.empty() ? BackendSettings::Kind::OpenAI
           : !o.model.empty()     ? BackendSettings::Kind::Local
                                  : otherwise;
  s.modelDir = s.modelName = o.model;
  s.loraDir = o.lora;
  s.device = o.device;
  s.dtype = o.dtype;
  s.tilesPerImage = o.tiles;
  s.endpoint = o.endpoints.empty() ? std::string() : o.endpoints.front();
  s.apiKeyVariable = o.apiKeyVariable;
  s.timeoutSeconds = o.timeout;
  s.concurrency = o.concurrency;
  if (s.kind == BackendSettings::Kind::Local && o.model.empty())
    throw CLI::ValidationError(command, "the local backend needs --model DIR");
  if (s.kind == BackendSettings::Kind::OpenAI && o.endpoints.empty())
    throw CLI::ValidationError(command, "the openai backend needs --endpoint URL");
  return s;
}

}  // namespace mspa::cli
