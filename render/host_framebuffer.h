#pragma once

class vtkOpenGLRenderWindow;

namespace mspa::render {

// For render windows hosted in another toolkit's OpenGL context: renders `window` into its own
// framebuffer, with VTK's cached GL state reset from the real one and restored afterwards, then
// copies the picture into the host's framebuffer object `hostFramebuffer` with opaque alpha.
// Kept apart from Qt code because VTK's GL loader cannot share a unit with Qt's GL headers.
void renderIntoHostFramebuffer(vtkOpenGLRenderWindow* window, unsigned int hostFramebuffer);

}  // namespace mspa::render
