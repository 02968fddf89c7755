#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <atomic>
#include <functional>
#include <memory>

#include "core/ask_session.h"

namespace mspa::widgets {

// The exact model input for a question under the settings (backends::renderModelInput).
using ModelInputRenderer = std::function<std::string(const BackendSettings&, const Question&)>;

// Runs a question taken from an AskSession on a worker thread, one at a time: its backend loads
// there when none is loaded (a local model takes a while), the text streams back to the GUI
// thread, and it can be cancelled.
class AskWorker : public QObject {
  Q_OBJECT

 public:
  explicit AskWorker(QObject* parent = nullptr);
  ~AskWorker() override;

  bool start(PendingAsk pending);  // false while busy
  void cancel();
  bool busy() const { return watcher_.isRunning(); }
  // Waits for the running question (tests and shutdown).
  void wait();

 signals:
  void streamed(const QString& textSoFar, int pieces, double seconds);
  // `error` empty on success; a cancelled run finishes with outcome.reply.cancelled.
  void finished(const mspa::AskRecord& answered, const QString& error);

 private:
  struct Result {
    AskRecord answered;
    QString error;
  };

  std::shared_ptr<std::atomic<bool>> cancel_;
  QFutureWatcher<Result> watcher_;
};

}  // namespace mspa::widgets
