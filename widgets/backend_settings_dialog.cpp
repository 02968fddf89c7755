#include "widgets/backend_settings_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>
#include <algorithm>

namespace mspa::widgets {
namespace {

QLineEdit* folderField(QWidget* parent, QFormLayout* form, const QString& label,
                       const QString& value) {
  auto* row = new QWidget(parent);
  auto* layout = new QHBoxLayout(row);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* edit = new QLineEdit(value, row);
  auto* browse = new QPushButton(QObject::tr("Browse…"), row);
  layout->addWidget(edit, 1);
  layout->addWidget(browse);
  QObject::connect(browse, &QPushButton::clicked, row, [edit, row, label] {
    const QString dir = QFileDialog::getExistingDirectory(row, label, edit->text());
    if (!dir.isEmpty()) edit->setText(dir);
  });
  form->addRow(label, row);
  return edit;
}

}  // namespace

BackendSettings loadBackendSettings() {
  QSettings s;
  BackendSettings b;
  s.beginGroup("backend");
  try {
    b.kind = parseBackendKind(s.value("kind", "oracle").toString().toStdString());
  } catch (const std::exception&) {
    b.kind = BackendSettings::Kind::Oracle;
  }
  b.modelDir = s.value("modelDir").toString().toStdString();
  b.loraDir = s.value("loraDir").toString().toStdString();
  b.device = s.value("device", "cpu").toString().toStdString();
  b.dtype = s.value("dtype", "").toString().toStdString();
  b.tilesPerImage = s.value("tilesPerImage", 6).toInt();
  b.endpoint = s.value("endpoint").toString().toStdString();
  b.modelName = s.value("modelName").toString().toStdString();
  b.apiKeyVariable = s.value("apiKeyVariable", "OPENAI_API_KEY").toString().toStdString();
  b.timeoutSeconds = s.value("timeoutSeconds", 120.0).toDouble();
  b.maxNewTokens = s.value("maxNewTokens", 64).toInt();
  s.endGroup();
  return b;
}

void saveBackendSettings(const BackendSettings& b) {
  QSettings s;
  s.beginGroup("backend");
  s.setValue("kind", backendKindName(b.kind));
  s.setValue("modelDir", QString::fromStdString(b.modelDir));
  s.setValue("loraDir", QString::fromStdString(b.loraDir));
  s.setValue("device", QString::fromStdString(b.device));
  s.setValue("dtype", QString::fromStdString(b.dtype));
  s.setValue("tilesPerImage", b.tilesPerImage);
  s.setValue("endpoint", QString::fromStdString(b.endpoint));
  s.setValue("modelName", QString::fromStdString(b.modelName));
  s.setValue("apiKeyVariable", QString::fromStdString(b.apiKeyVariable));
  s.setValue("timeoutSeconds", b.timeoutSeconds);
  s.setValue("maxNewTokens", b.maxNewTokens);
  s.endGroup();
}

BackendSettingsDialog::BackendSettingsDialog(const BackendSettings& b, QWidget* parent)
    : QDialog(parent) {
  setWindowTitle(tr("Answering backend"));
  auto* layout = new QVBoxLayout(this);
  auto* top = new QFormLayout;
  kind_ = new QComboBox(this);
  kind_->addItem(tr("Geometry oracle (ground truth, no model)"), "oracle");
  kind_->addItem(tr("Local engine (InternVL checkpoint)"), "local");
  kind_->addItem(tr("OpenAI-compatible endpoint (vLLM, LMDeploy, SGLang)"), "openai");
  kind_->setCurrentIndex(kind_->findData(backendKindName(b.kind)));
  top->addRow(tr("Backend"), kind_);
  maxTokens_ = new QSpinBox(this);
  maxTokens_->setRange(1, 4096);
  maxTokens_->setValue(b.maxNewTokens);
  top->addRow(tr("Max new tokens"), maxTokens_);
  layout->addLayout(top);

  pages_ = new QStackedWidget(this);
  auto* oracle = new QLabel(tr("Answers come from the scene's geometry through the task engine: "
                               "they are the ground truth, "
                               "for demos without weights and for checking the overlays."),
                            pages_);
  oracle->setWordWrap(true);
  pages_->addWidget(oracle);

  auto* local = new QWidget(pages_);
  auto* localForm = new QFormLayout(local);
  modelDir_ = folderField(local, localForm, tr("Model folder"), QString::fromStdString(b.modelDir));
  loraDir_ = folderField(local, localForm, tr("LoRA adapter (optional)"),
                         QString::fromStdString(b.loraDir));
  device_ = new QComboBox(local);
  device_->addItems({"cpu", "cuda"});
  device_->setCurrentText(QString::fromStdString(b.device));
  localForm->addRow(tr("Device"), device_);
  dtype_ = new QComboBox(local);
  // An empty value means the checkpoint's torch_dtype (bfloat16 for InternVL2).
  dtype_->addItem(tr("checkpoint's own (torch_dtype)"), QString());
  for (const char* d : {"float32", "bfloat16", "float16"}) dtype_->addItem(d, QString(d));
  dtype_->setCurrentIndex(std::max(0, dtype_->findData(QString::fromStdString(b.dtype))));
  localForm->addRow(tr("Data type"), dtype_);
  tiles_ = new QSpinBox(local);
  tiles_->setRange(1, 12);
  tiles_->setValue(b.tilesPerImage);
  localForm->addRow(tr("Tiles per image"), tiles_);
  pages_->addWidget(local);

  auto* remote = new QWidget(pages_);
  auto* remoteForm = new QFormLayout(remote);
  endpoint_ = new QLineEdit(QString::fromStdString(b.endpoint), remote);
  endpoint_->setPlaceholderText("http://gpu-server:8000/v1");
  remoteForm->addRow(tr("Endpoint URL"), endpoint_);
  modelName_ = new QLineEdit(QString::fromStdString(b.modelName), remote);
  remoteForm->addRow(tr("Model name"), modelName_);
  keyVariable_ = new QLineEdit(QString::fromStdString(b.apiKeyVariable), remote);
  remoteForm->addRow(tr("API key variable"), keyVariable_);
  keyStatus_ = new QLabel(remote);
  remoteForm->addRow(QString(), keyStatus_);
  timeout_ = new QDoubleSpinBox(remote);
  timeout_->setRange(1, 3600);
  timeout_->setSuffix(" s");
  timeout_->setValue(b.timeoutSeconds);
  remoteForm->addRow(tr("Timeout"), timeout_);
  pages_->addWidget(remote);
  layout->addWidget(pages_);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(kind_, &QComboBox::currentIndexChanged, pages_, &QStackedWidget::setCurrentIndex);
  connect(keyVariable_, &QLineEdit::textChanged, this, &BackendSettingsDialog::updateKeyStatus);
  pages_->setCurrentIndex(kind_->currentIndex());
  updateKeyStatus();
}

void BackendSettingsDialog::updateKeyStatus() {
  const QString name = keyVariable_->text();
  // Whether the key is there, never what it is.
  keyStatus_->setText(name.isEmpty() ? tr("no API key will be sent")
                      : qEnvironmentVariableIsSet(name.toLocal8Bit().constData())
                          ? tr("%1 is set").arg(name)
                          : tr("%1 is not set: no key will be sent").arg(name));
}

BackendSettings BackendSettingsDialog::settings() const {
  BackendSettings b;
  b.kind = parseBackendKind(kind_->currentData().toString().toStdString());
  b.maxNewTokens = maxTokens_->value();
  b.modelDir = modelDir_->text().toStdString();
  b.loraDir = loraDir_->text().toStdString();
  b.device = device_->currentText().toStdString();
  b.dtype = dtype_->currentData().toString().toStdString();
  b.tilesPerImage = tiles_->value();
  b.endpoint = endpoint_->text().toStdString();
  b.modelName = modelName_->text().toStdString();
  b.apiKeyVariable = keyVariable_->text().toStdString();
  b.timeoutSeconds = timeout_->value();
  return b;
}

}  // namespace mspa::widgets
