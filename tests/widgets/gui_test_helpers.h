#pragma once

#include <QApplication>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTest>
#include <QWidget>

namespace mspa::test {

// QTest's mouse moves carry no held button, so drags are sent as explicit events.
inline void drag(QWidget* widget, QPoint from, QPoint to, Qt::MouseButton button = Qt::LeftButton) {
  const auto send = [&](QEvent::Type type, QPoint at, Qt::MouseButtons held) {
    QMouseEvent event(type, QPointF(at), widget->mapToGlobal(QPointF(at)),
                      type == QEvent::MouseMove ? Qt::NoButton : button, held, Qt::NoModifier);
    QApplication::sendEvent(widget, &event);
  };
  send(QEvent::MouseButtonPress, from, button);
  for (int i = 1; i <= 10; ++i) send(QEvent::MouseMove, from + (to - from) * i / 10, button);
  send(QEvent::MouseButtonRelease, to, Qt::NoButton);
}

// Waits for a signal already connected to `spy`, processing events meanwhile.
inline bool waitFor(QSignalSpy& spy, int timeoutMs = 20000) {
  return !spy.isEmpty() || spy.wait(timeoutMs);
}

}  // namespace mspa::test
