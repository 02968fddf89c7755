#include "render/offscreen_render.h"

#include <vtkPNGWriter.h>
#include <vtkRenderWindow.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>

#include "core/input_error.h"

namespace mspa::render {

vtkSmartPointer<vtkImageData> renderOffscreen(vtkRenderer* renderer, int width, int height) {
  // One window for the process: Mesa's GLX under Xvfb refuses new connections after a few
  // offscreen windows have come and gone in one process.
  static const vtkSmartPointer<vtkRenderWindow> window = [] {
    auto w = vtkSmartPointer<vtkRenderWindow>::New();
    w->SetOffScreenRendering(1);
    w->SetMultiSamples(0);
    return w;
  }();
  window->SetSize(width, height);
  window->AddRenderer(renderer);
  window->Render();
  auto image = readWindow(window, WindowBuffer::Rgb);
  window->RemoveRenderer(renderer);
  return image;
}

vtkSmartPointer<vtkImageData> readWindow(vtkRenderWindow* window, WindowBuffer buffer) {
  auto grab = vtkSmartPointer<vtkWindowToImageFilter>::New();
  grab->SetInput(window);
  if (buffer == WindowBuffer::Rgb) {
    grab->SetInputBufferTypeToRGB();
  } else {
    grab->SetInputBufferTypeToZBuffer();
  }
  grab->ReadFrontBufferOff();
  grab->ShouldRerenderOff();  // callers have rendered; a second render would only cost time
  grab->Update();
  auto image = vtkSmartPointer<vtkImageData>::New();
  image->DeepCopy(grab->GetOutput());
  return image;
}

RgbImage readWindowColor(vtkRenderWindow* window) {
  const auto pixels = readWindow(window, WindowBuffer::Rgb);
  const int* dims = pixels->GetDimensions();
  const int width = dims[0], height = dims[1];
  const auto* src = static_cast<const std::uint8_t*>(pixels->GetScalarPointer());
  RgbImage image{width, height,
                 std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
  for (int y = 0; y < height; ++y) {  // VTK rows are bottom-up
    std::copy_n(src + static_cast<std::size_t>(height - 1 - y) * width * 3, width * 3,
                image.at(0, y));
  }
  return image;
}

void writePng(vtkImageData* image, const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent)) {
    throw InputError(path, "the folder does not exist");
  }
  auto writer = vtkSmartPointer<vtkPNGWriter>::New();
  writer->SetFileName(path.c_str());
  writer->SetInputData(image);
  writer->Write();
  if (writer->GetErrorCode() != 0) throw InputError(path, "cannot write PNG");
}

}  // namespace mspa::render
