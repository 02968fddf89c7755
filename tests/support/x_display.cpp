#include "tests/support/x_display.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/support/run_process.h"

namespace mspa::test {
namespace {

constexpr int kRuns = 3;

struct ChildRun {
  int status = 1;
  std::string err;
};

// One run of `body` in a forked child, its standard error copied to ours and kept.
ChildRun runChild(const std::function<int()>& body) {
  int errPipe[2];
  if (pipe(errPipe) != 0) return {body(), {}};
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    close(errPipe[0]);
    dup2(errPipe[1], STDERR_FILENO);
    close(errPipe[1]);
    std::exit(body());
  }
  close(errPipe[1]);
  ChildRun run;
  char buffer[4096];
  for (ssize_t n; (n = read(errPipe[0], buffer, sizeof buffer)) > 0;) {
    fwrite(buffer, 1, static_cast<std::size_t>(n), stderr);
    run.err.append(buffer, static_cast<std::size_t>(n));
  }
  close(errPipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

}  // namespace

int runWithXRetries(const std::function<int()>& body) {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) {
    std::fprintf(stderr,
                 "these tests need an X server: run packaging/run-tests.sh, "
                 "or wrap the command in packaging/with-xvfb.sh\n");
    return 1;
  }
  ChildRun run;
  for (int attempt = 1; attempt <= kRuns; ++attempt) {
    run = runChild(body);
    if (run.status == 0 || !isXConnectionFailure(run.err)) break;
    if (attempt < kRuns) {
      std::fprintf(stderr, "the X server dropped a connection; running again (%d of %d)\n",
                   attempt + 1, kRuns);
      usleep(300'000 * attempt);  // the drops come in bursts, while the server closes other clients
    }
  }
  return run.status;
}

}  // namespace mspa::test
