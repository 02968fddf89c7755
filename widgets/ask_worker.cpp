#include "widgets/ask_worker.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QtConcurrent>

namespace mspa::widgets {

AskWorker::AskWorker(QObject* parent) : QObject(parent) {
  connect(&watcher_, &QFutureWatcher<Result>::finished, this, [this] {
    const Result result = watcher_.result();
    emit finished(result.answered, result.error);
  });
}

AskWorker::~AskWorker() {
  cancel();
  wait();
}

bool AskWorker::start(PendingAsk pending) {
  if (busy()) return false;
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  QPointer<AskWorker> self(this);
  watcher_.setFuture(QtConcurrent::run([self, pending = std::move(pending), cancel = cancel_] {
    Result result{pending.record(), {}};
    QElapsedTimer clock;
    clock.start();
    int pieces = 0;
    const auto progress = [&](const std::string& text) {
      const double seconds = clock.elapsed() / 1000.0;
      const QString soFar = QString::fromStdString(text);
      ++pieces;
      QMetaObject::invokeMethod(
          self,
          [self, soFar, pieces, seconds] {
            if (self) emit self->streamed(soFar, pieces, seconds);
          },
          Qt::QueuedConnection);
    };
    try {
      result.answered = pending.run(progress, cancel.get());
    } catch (const std::exception& e) {
      result.error = QString::fromStdString(e.what());
    }
    return result;
  }));
  return true;
}

void AskWorker::cancel() {
  if (cancel_) *cancel_ = true;
}

void AskWorker::wait() {
  watcher_.waitForFinished();
}

}  // namespace mspa::widgets
