#pragma once

#include <QDialog>

#include "core/ask.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QStackedWidget;

namespace mspa::widgets {

// Backend settings as the user last chose them, kept in QSettings (never the API key itself:
// only the name of the environment variable that holds it).
BackendSettings loadBackendSettings();
void saveBackendSettings(const BackendSettings& settings);

// Chooses the answering backend: the geometry oracle, the local engine (model and LoRA folders,
// device, dtype, tiles per image) or an OpenAI-compatible endpoint (URL, model name, API-key
// variable, timeout).
class BackendSettingsDialog : public QDialog {
  Q_OBJECT

 public:
  explicit BackendSettingsDialog(const BackendSettings& settings, QWidget* parent = nullptr);
  BackendSettings settings() const;

 private:
  void updateKeyStatus();

  QComboBox* kind_;
  QStackedWidget* pages_;
  QLineEdit *modelDir_, *loraDir_, *endpoint_, *modelName_, *keyVariable_;
  QComboBox *device_, *dtype_;
  QSpinBox *tiles_, *maxTokens_;
  QDoubleSpinBox* timeout_;
  QLabel* keyStatus_;
};

}  // namespace mspa::widgets
