#pragma once

#include <optional>

#include "core/image.h"

class vtkOpenGLRenderWindow;

namespace mspa::render {

// For render windows hosted in another toolkit's OpenGL context: renders `window` into its own
// framebuffer, with VTK's cached GL state reset from the real one and restored afterwards, then
// copies the picture into the host's framebuffer object `hostFramebuffer` with opaque alpha.
// Kept apart from Qt code because VTK's GL loader cannot share a unit with Qt's GL headers.
void renderIntoHostFramebuffer(vtkOpenGLRenderWindow* window, unsigned int hostFramebuffer);

// Renders `window` once at width x height into its own framebuffer (same context, same actors,
// same camera) and returns the picture; the window keeps its size for the host's next frame.
// The host's context must be current. Empty when the size exceeds what the GL allows
// (maxRenderSize).
std::optional<RgbImage> renderHostedAtSize(vtkOpenGLRenderWindow* window, int width, int height);
// The largest width or height that renderHostedAtSize can make in the current context.
int maxRenderSize();

}  // namespace mspa::render
