#pragma once

#include "core/answer_overlay.h"
#include "render/scene_renderer.h"

namespace mspa::render {

// Shows an answer's 3D overlay as the renderer's markers (replacing them): points as spheres,
// arrows with heads, cameras as frustum wireframes, boxes as their twelve edges, coloured by role
// and verdict.
void showAnswerOverlay(SceneRenderer& renderer, const AnswerOverlay& overlay);

}  // namespace mspa::render
