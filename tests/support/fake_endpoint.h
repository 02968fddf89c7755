#pragma once

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace mspa::test {

// tests/support/fake_openai_server.py running on 127.0.0.1 for as long as this object lives.
class FakeEndpoint {
 public:
  explicit FakeEndpoint(const std::string& mode,
                        const std::string& answer = "The depth is `1234` mm.",
                        double delaySeconds = 0.5) {
    const auto r =
        runProcess("python3 " + shellQuote(MSPA_FAKE_OPENAI_SERVER) + " --mode " + mode +
                   " --answer " + shellQuote(answer) + " --delay " + std::to_string(delaySeconds) +
                   " --port-file " + shellQuote(dir_.file("port")) + " --log " +
                   shellQuote(dir_.file("log.jsonl")) + " >/dev/null 2>&1 & echo $!");
    pid_ = std::stoi(r.out);
    for (int i = 0; i < 200 && !std::filesystem::exists(dir_.file("port")); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::ifstream in(dir_.file("port"));
    in >> port_;
    if (port_ == 0) throw std::runtime_error("the fake endpoint did not start");
  }
  ~FakeEndpoint() { ::kill(pid_, SIGTERM); }
  FakeEndpoint(const FakeEndpoint&) = delete;
  FakeEndpoint& operator=(const FakeEndpoint&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  // The requests received so far: {path, headers, body}.
  std::vector<nlohmann::json> requests() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_.file("log.jsonl"));
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }

 private:
  TempDir dir_;
  int pid_ = 0, port_ = 0;
};

}  // namespace mspa::test
