#pragma once

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QObject>
#include <atomic>
#include <functional>
#include <memory>

#include "core/ask.h"

namespace mspa::widgets {

using BackendFactory = std::function<std::unique_ptr<AnswerBackend>(const BackendSettings&)>;
// The exact model input for a question under the settings (backends::renderModelInput).
using ModelInputRenderer = std::function<std::string(const BackendSettings&, const Question&)>;

// Runs questions through a backend on a worker thread, one at a time: loads the backend first
// when the settings changed (a local model takes a while), streams the text back to the GUI
// thread, and can be cancelled. The backend stays loaded between questions until unload().
class AskWorker : public QObject {
  Q_OBJECT

 public:
  explicit AskWorker(QObject* parent = nullptr);
  ~AskWorker() override;

  void setFactory(BackendFactory factory) { factory_ = std::move(factory); }
  const BackendFactory& factory() const { return factory_; }
  // Takes effect at the next question; the loaded backend is dropped if the settings differ.
  void setSettings(const BackendSettings& settings);
  const BackendSettings& settings() const { return settings_; }

  bool start(const Question& question);  // false while busy
  void cancel();
  void unload();
  bool busy() const { return watcher_.isRunning(); }
  bool loaded() const { return backend_ != nullptr; }
  QString backendLabel() const;
  // Waits for the running question (tests and shutdown).
  void wait();

 signals:
  void loading(const QString& what);
  void streamed(const QString& textSoFar, int pieces, double seconds);
  // `error` empty on success; a cancelled run finishes with reply.cancelled.
  void finished(const mspa::BackendReply& reply, const QString& backend, bool groundTruth,
                const QString& error);

 private:
  struct Result {
    std::shared_ptr<AnswerBackend> backend;
    BackendReply reply;
    QString error;
  };
  void onDone();

  BackendFactory factory_;
  BackendSettings settings_;
  bool settingsChanged_ = true;
  std::shared_ptr<AnswerBackend> backend_;
  std::shared_ptr<std::atomic<bool>> cancel_;
  QFutureWatcher<Result> watcher_;
};

}  // namespace mspa::widgets
