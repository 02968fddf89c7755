#include "render/host_framebuffer.h"

#include <vtkOpenGLRenderWindow.h>
#include <vtkOpenGLState.h>
#include <vtk_glew.h>

#include <algorithm>

#include "render/offscreen_render.h"

namespace mspa::render {

void renderIntoHostFramebuffer(vtkOpenGLRenderWindow* window, unsigned int hostFramebuffer) {
  vtkOpenGLState* state = window->GetState();
  state->Reset();
  state->Push();
  window->Render();
  state->Pop();

  const int* size = window->GetSize();
  state->vtkglBindFramebuffer(GL_DRAW_FRAMEBUFFER, hostFramebuffer);
  state->vtkglDisable(GL_SCISSOR_TEST);
  state->vtkglViewport(0, 0, size[0], size[1]);
  window->BlitDisplayFramebuffer(0, 0, 0, size[0], size[1], 0, 0, size[0], size[1],
                                 GL_COLOR_BUFFER_BIT, GL_NEAREST);
  // VTK leaves alpha below 1 where it drew nothing; an opaque widget must not show through.
  state->vtkglColorMask(false, false, false, true);
  state->vtkglClearColor(0, 0, 0, 1);
  state->vtkglClear(GL_COLOR_BUFFER_BIT);
  state->vtkglColorMask(true, true, true, true);
}

int maxRenderSize() {
  GLint renderbuffer = 0, viewport[2] = {0, 0};
  glGetIntegerv(GL_MAX_RENDERBUFFER_SIZE, &renderbuffer);
  glGetIntegerv(GL_MAX_VIEWPORT_DIMS, viewport);
  return std::min({renderbuffer, viewport[0], viewport[1]});
}

std::optional<RgbImage> renderHostedAtSize(vtkOpenGLRenderWindow* window, int width, int height) {
  if (width < 1 || height < 1 || std::max(width, height) > maxRenderSize()) return std::nullopt;
  const int shownWidth = window->GetSize()[0], shownHeight = window->GetSize()[1];
  vtkOpenGLState* state = window->GetState();
  state->Reset();
  state->Push();
  window->SetSize(width, height);
  window->Render();
  RgbImage image = readWindowColor(window);
  window->SetSize(shownWidth, shownHeight);
  state->Pop();
  return image;
}

}  // namespace mspa::render
