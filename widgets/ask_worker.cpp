#include "widgets/ask_worker.h"

#include <QPointer>
#include <QtConcurrent>

namespace mspa::widgets {

AskWorker::AskWorker(QObject* parent) : QObject(parent) {
  factory_ = [](const BackendSettings&) { return std::make_unique<OracleBackend>(); };
  connect(&watcher_, &QFutureWatcher<Result>::finished, this, &AskWorker::onDone);
}

AskWorker::~AskWorker() {
  cancel();
  wait();
}

void AskWorker::setSettings(const BackendSettings& settings) {
  // The same settings keep the loaded backend: a local model loads once, and its vision cache
  // serves the next question about the same frames.
  if (settings != settings_) settingsChanged_ = true;
  settings_ = settings;
}

bool AskWorker::start(const Question& question) {
  if (busy()) return false;
  if (settingsChanged_) backend_.reset();
  settingsChanged_ = false;
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  if (!backend_) emit loading(tr("Loading the %1 backend…").arg(backendKindName(settings_.kind)));
  QPointer<AskWorker> self(this);
  watcher_.setFuture(QtConcurrent::run([self, backend = backend_, factory = factory_,
                                        settings = settings_, question, cancel = cancel_] {
    Result result;
    QElapsedTimer clock;
    clock.start();
    try {
      result.backend = backend ? backend : std::shared_ptr<AnswerBackend>(factory(settings));
      int pieces = 0;
      result.reply = result.backend->answer(
          question,
          [&](const std::string& text) {
            const double seconds = clock.elapsed() / 1000.0;
            const QString soFar = QString::fromStdString(text);
            ++pieces;
            QMetaObject::invokeMethod(
                self,
                [self, soFar, pieces, seconds] {
                  if (self) emit self->streamed(soFar, pieces, seconds);
                },
                Qt::QueuedConnection);
          },
          cancel.get());
    } catch (const std::exception& e) {
      result.error = QString::fromStdString(e.what());
    }
    return result;
  }));
  return true;
}

void AskWorker::onDone() {
  Result result = watcher_.result();
  if (result.backend) backend_ = result.backend;
  const QString label =
      result.backend ? QString::fromStdString(result.backend->label()) : QString();
  const bool truth = result.backend && result.backend->answersWithTruth();
  emit finished(result.reply, label, truth, result.error);
}

void AskWorker::cancel() {
  if (cancel_) *cancel_ = true;
}

void AskWorker::unload() {
  if (!busy()) backend_.reset();
}

QString AskWorker::backendLabel() const {
  return backend_ ? QString::fromStdString(backend_->label()) : QString();
}

void AskWorker::wait() {
  watcher_.waitForFinished();
}

}  // namespace mspa::widgets
