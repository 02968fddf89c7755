#include "widgets/start_page.h"

#include <QFileInfo>
#include <QGridLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace mspa::widgets {

StartPage::StartPage(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->addStretch(1);
  auto* title = new QLabel(tr("<h1>MultiSPA Studio</h1><p>Multi-frame spatial understanding with "
                              "multimodal LLMs: open a scene, "
                              "ask MultiSPA questions, see the answers against the truth.</p>"),
                           this);
  title->setAlignment(Qt::AlignCenter);
  title->setWordWrap(true);
  layout->addWidget(title);
  auto* grid = new QGridLayout;
  const auto add = [&](const QString& text, const QString& hint, int row, int column,
                       void (StartPage::*signal)()) {
    auto* button = new QPushButton(text, this);
    button->setMinimumSize(260, 56);
    button->setToolTip(hint);
    grid->addWidget(button, row, column);
    connect(button, &QPushButton::clicked, this, signal);
  };
  add(tr("Open demo scene"), tr("The bundled synthetic room: frames, depth, poses, a mesh, tracks"),
      0, 0, &StartPage::openDemo);
  add(tr("Open scene…"),
      tr("ScanNet folder or .sens, scene manifest, TAPVid-3D .npz, images, video or .ply"), 0, 1,
      &StartPage::openScene);
  add(tr("Open MultiSPA dataset…"), tr("Browse and annotate JSONL datasets of any size"), 1, 0,
      &StartPage::openDataset);
  add(tr("Configure model…"),
      tr("The geometry oracle, a local InternVL checkpoint or an OpenAI-compatible endpoint"), 1, 1,
      &StartPage::configureModel);
  add(tr("Score benchmark runs…"),
      tr("Compare prediction files on a benchmark and find the failures"), 2, 0,
      &StartPage::openRuns);
  add(tr("Reward annotation demo"),
      tr("A robot pushes a block: how far has it moved at every frame? Plotted against the truth"),
      2, 1, &StartPage::openRewardDemo);
  auto* centred = new QHBoxLayout;
  centred->addStretch(1);
  centred->addLayout(grid);
  centred->addStretch(1);
  layout->addLayout(centred);
  auto* recentTitle = new QLabel(tr("<b>Recent files</b>"), this);
  recentTitle->setAlignment(Qt::AlignCenter);
  layout->addWidget(recentTitle);
  recent_ = new QListWidget(this);
  recent_->setMaximumWidth(560);
  recent_->setMaximumHeight(180);
  auto* recentRow = new QHBoxLayout;
  recentRow->addStretch(1);
  recentRow->addWidget(recent_);
  recentRow->addStretch(1);
  layout->addLayout(recentRow);
  layout->addStretch(2);
  connect(recent_, &QListWidget::itemActivated, this,
          [this](QListWidgetItem* item) { emit openRecent(item->data(Qt::UserRole).toString()); });
}

void StartPage::setRecentFiles(const QStringList& files) {
  recent_->clear();
  for (const auto& path : files) {
    auto* item =
        new QListWidgetItem(QString("%1 — %2").arg(QFileInfo(path).fileName(), path), recent_);
    item->setData(Qt::UserRole, path);
  }
  if (files.isEmpty()) recent_->addItem(tr("(none yet)"));
}

QStringList StartPage::recentFiles() const {
  QStringList files;
  for (int i = 0; i < recent_->count(); ++i) {
    const QString path = recent_->item(i)->data(Qt::UserRole).toString();
    if (!path.isEmpty()) files << path;
  }
  return files;
}

}  // namespace mspa::widgets
