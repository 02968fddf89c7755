#include "inference/jinja_chat_template.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "inference/json_file.h"

extern char** environ;

namespace fs = std::filesystem;

namespace mspa::inference {
namespace {

// transformers' _compile_jinja_template environment (utils/chat_template_utils.py), then one
// JSON request per line on stdin, one JSON reply per line on stdout (ASCII-escaped).
const char* kRenderer = R"PY(
import json, sys
from datetime import datetime
try:
    import jinja2
    from jinja2.ext import Extension
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError as e:
    print(json.dumps({"error": "Jinja2 is not installed for " + sys.executable}), flush=True)
    sys.exit(0)

class Generation(Extension):
    tags = {"generation"}
    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)
    def _body(self, caller):
        return caller()

def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, jinja2.ext.loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = lambda format: datetime.now().strftime(format)
print(json.dumps({"ready": jinja2.__version__}), flush=True)
compiled = {}
for line in sys.stdin:
    try:
        request = json.loads(line)
        source = request["template"]
        if source not in compiled:
            compiled[source] = env.from_string(source)
        text = compiled[source].render(messages=request["messages"], tools=None, documents=None,
                                       add_generation_prompt=True, **request["special_tokens"])
        print(json.dumps({"text": text}), flush=True)
    except Exception as e:
        print(json.dumps({"error": type(e).__name__ + ": " + str(e)}), flush=True)
)PY";

// tokenizer_config.json's "chat_template": a string, or named templates of which "default" is used.
std::string templateOf(const nlohmann::json& value, const fs::path& path) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    for (const auto& named : value) {
      if (named.is_object() && named.contains("name") && named["name"] == "default" &&
          named.contains("template") && named["template"].is_string()) {
        return named["template"].get<std::string>();
      }
    }
  }
  throw std::runtime_error(
      path.string() +
      ": \"chat_template\" is neither a string nor a list with a \"default\" template");
}

// The tokenizer's special tokens as template variables (bos_token, eos_token, ...).
std::string specialTokens(const fs::path& dir) {
  nlohmann::json tokens = nlohmann::json::object();
  const auto config = readOptionalJson(dir / "tokenizer_config.json");
  if (!config.is_object()) return tokens.dump();
  for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token", "sep_token",
                          "cls_token", "mask_token"}) {
    const auto value = config.value(key, nlohmann::json());
    if (value.is_string()) tokens[key] = value;
    if (value.is_object() && value.contains("content") && value["content"].is_string())
      tokens[key] = value["content"];
  }
  return tokens.dump();
}

// MSPA_PYTHON when set (the only one tried), else Debian's python3-jinja2, else PATH's python3.
std::vector<std::string> pythonCandidates() {
  if (const char* chosen = std::getenv("MSPA_PYTHON"); chosen && *chosen) return {chosen};
  return {"/usr/bin/python3", "python3"};
}

// A reply line from the renderer (kept whole past `buffer`'s earlier lines), or "" when it closed.
std::string readLine(int fd, std::string& buffer) {
  char chunk[65536];
  for (auto end = buffer.find('\n'); end == std::string::npos; end = buffer.find('\n')) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {};
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  const auto end = buffer.find('\n');
  std::string line = buffer.substr(0, end);
  buffer.erase(0, end + 1);
  return line;
}

}  // namespace

JinjaChatTemplate::JinjaChatTemplate(std::string path, std::string source,
                                     std::string specialTokensJson)
    : path_(std::move(path)),
      source_(std::move(source)),
      specialTokensJson_(std::move(specialTokensJson)) {}

JinjaChatTemplate::~JinjaChatTemplate() {
  if (socket_ >= 0) ::close(socket_);  // the renderer reads end of input and exits
  if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
}

std::unique_ptr<JinjaChatTemplate> JinjaChatTemplate::find(const std::string& modelDir) {
  const fs::path dir(modelDir);
  const auto make = [&](const fs::path& path, std::string source) {
    return std::unique_ptr<JinjaChatTemplate>(
        new JinjaChatTemplate(path.string(), std::move(source), specialTokens(dir)));
  };
  if (std::ifstream jinja(dir / "chat_template.jinja"); jinja) {
    return make(dir / "chat_template.jinja",
                std::string(std::istreambuf_iterator<char>(jinja), {}));
  }
  for (const char* file : {"chat_template.json", "tokenizer_config.json"}) {
    const auto j = readOptionalJson(dir / file);
    if (j.is_object() && j.contains("chat_template"))
      return make(dir / file, templateOf(j["chat_template"], dir / file));
  }
  return nullptr;
}

void JinjaChatTemplate::start() const {
  std::string reasons;
  for (const auto& python : pythonCandidates()) {
    int sockets[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
      throw std::runtime_error(path_ + ": " + std::strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, sockets[1], 0);
    posix_spawn_file_actions_adddup2(&actions, sockets[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    const char* argv[] = {python.c_str(), "-c", kRenderer, nullptr};
    pid_t pid = -1;
    const int failed =
        ::posix_spawnp(&pid, python.c_str(), &actions, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(sockets[1]);
    if (failed) {
      ::close(sockets[0]);
      reasons += "; " + python + ": " + std::strerror(failed);
      continue;
    }
    buffer_.clear();
    const auto hello = nlohmann::json::parse(readLine(sockets[0], buffer_), nullptr, false);
    if (hello.is_object() && hello.contains("ready")) {
      socket_ = sockets[0];
      pid_ = pid;
      return;
    }
    ::close(sockets[0]);
    ::waitpid(pid, nullptr, 0);
    reasons += "; " + python + ": " +
               (hello.is_object() ? hello.value("error", std::string("no answer"))
                                  : std::string("did not start"));
  }
  throw std::runtime_error(path_ +
                           ": rendering the checkpoint's chat template needs Python 3 with Jinja2 "
                           "(apt install python3-jinja2)" +
                           reasons);
}

std::string JinjaChatTemplate::request(const std::string& line) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (socket_ < 0) start();
  const std::string out = line + "\n";
  for (std::size_t sent = 0; sent < out.size();) {
    const ssize_t n = ::send(socket_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(path_ + ": the template renderer stopped");
    sent += static_cast<std::size_t>(n);
  }
  const std::string reply = readLine(socket_, buffer_);
  if (reply.empty()) throw std::runtime_error(path_ + ": the template renderer stopped");
  return reply;
}

std::string JinjaChatTemplate::render(const std::string& question, int images,
                                      const std::string& system) const {
  nlohmann::json content = nlohmann::json::array();
  int placed = 0;
  std::size_t from = 0;
  for (auto at = question.find("<image>"); at != std::string::npos;
       at = question.find("<image>", from)) {
    if (at > from)
      content.push_back({{"type", "text"}, {"text", question.substr(from, at - from)}});
    content.push_back({{"type", "image"}});
    ++placed;
    from = at + 7;
  }
  if (placed == 0) {
    for (int i = 0; i < images; ++i) content.push_back({{"type", "image"}});
  } else if (placed != images) {
    throw std::runtime_error("the prompt places " + std::to_string(placed) + " <image> for " +
                             std::to_string(images) + " images");
  }
  if (from < question.size())
    content.push_back({{"type", "text"}, {"text", question.substr(from)}});
  nlohmann::json messages = nlohmann::json::array();
  if (!system.empty())
    messages.push_back({{"role", "system"}, {"content", {{{"type", "text"}, {"text", system}}}}});
  messages.push_back({{"role", "user"}, {"content", content}});
  const nlohmann::json requestJson = {
      {"template", source_},
      {"messages", messages},
      {"special_tokens", nlohmann::json::parse(specialTokensJson_)}};
  const auto reply = nlohmann::json::parse(
      request(requestJson.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace)), nullptr,
      false);
  if (!reply.is_object())
    throw std::runtime_error(path_ + ": the template renderer answered nonsense");
  if (reply.contains("error"))
    throw std::runtime_error(path_ + ": " + reply["error"].get<std::string>());
  return reply.value("text", std::string());
}

}  // namespace mspa::inference
