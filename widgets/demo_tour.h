#pragma once

#include <QObject>
#include <QTimer>

#include "core/demo_playlist.h"

namespace mspa::widgets {

class MainWindow;

// Plays a demo playlist on the main window, hands-free: per step it opens the scene (when it
// changes), shows the frames, composes and asks the question, turns the 3D camera, holds the
// result for the step's pause, and goes on (looping when the playlist says so). Steps that cannot
// run are reported and skipped. Space pauses, Left/Right step back and forth.
class DemoTour : public QObject {
  Q_OBJECT

 public:
  DemoTour(MainWindow* window, DemoPlaylist playlist, QObject* parent = nullptr);

  void start();
  void togglePause();
  void stepBy(int delta);
  bool paused() const { return paused_; }
  int currentStep() const { return current_; }
  // Stop after the last step instead of looping (screenshots of every step).
  void setOnePass(bool onePass) { onePass_ = onePass; }

 signals:
  void stepShown(int index, bool ok, const QString& message);
  void finished();

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void runStep(int index);
  void present();
  void scheduleNext(double seconds);
  void advance();

  MainWindow* window_;
  DemoPlaylist playlist_;
  QTimer next_;
  int current_ = -1;
  bool paused_ = false, onePass_ = false, waitingForScene_ = false, waitingForAnswer_ = false;
  QString sceneOpen_;
};

}  // namespace mspa::widgets
