#pragma once

#include <vtkImageData.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>

#include <string>

#include "core/image.h"

namespace mspa::render {

// Renders `renderer` into an offscreen window of the given size and returns the RGB image
// (rows bottom-up, as VTK stores them). Needs an OpenGL context (an X server, real or Xvfb).
vtkSmartPointer<vtkImageData> renderOffscreen(vtkRenderer* renderer, int width, int height);

enum class WindowBuffer { Rgb, Depth };

// What the window shows now, read back from its back buffer: RGB bytes or the float z-buffer
// (rows bottom-up).
vtkSmartPointer<vtkImageData> readWindow(vtkRenderWindow* window, WindowBuffer buffer);

// What the window shows now, as a top-down RGB image.
RgbImage readWindowColor(vtkRenderWindow* window);

// Writes an RGB(A) image as PNG; throws InputError naming the path when it cannot.
void writePng(vtkImageData* image, const std::string& path);

}  // namespace mspa::render
