#pragma once

namespace mspa::widgets {

// Sets the default OpenGL surface format VTK needs (3.2 core profile, RGBA8, depth, no
// multisampling). Must run before the QApplication is constructed.
void setVtkSurfaceFormat();

}  // namespace mspa::widgets
