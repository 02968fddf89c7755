# The engine's readers of untrusted files (checkpoint headers, configs, tokenizers, LoRA adapters)
# and its prompt templates: no LibTorch, so the fuzz build and the fuzz replay tests link them
# alone. Included by inference/CMakeLists.txt and by the top-level fuzz build.
add_library(mspa_inference_formats STATIC
  ${CMAKE_CURRENT_LIST_DIR}/byte_level_bpe.cpp
  ${CMAKE_CURRENT_LIST_DIR}/chat_template.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/model_config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/safetensors.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sentencepiece_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/weight_source.cpp
)
target_include_directories(mspa_inference_formats PUBLIC ${CMAKE_CURRENT_LIST_DIR}/..)
# ICU evaluates the Unicode-class regex of byte-level BPE tokenizers (Qwen2) and normalizes to NFC.
# Required in the project; optional alone, where Qwen2 tokenizers then report the missing ICU.
if(MSPA_ENGINE_STANDALONE)
  find_package(ICU COMPONENTS uc i18n)
else()
  find_package(ICU REQUIRED COMPONENTS uc i18n)
endif()
if(ICU_FOUND)
  target_link_libraries(mspa_inference_formats PRIVATE ICU::uc ICU::i18n)
  target_compile_definitions(mspa_inference_formats PRIVATE MSPA_HAVE_ICU)
endif()
if(TARGET nlohmann_json::nlohmann_json)
  target_link_libraries(mspa_inference_formats PUBLIC nlohmann_json::nlohmann_json)
endif()
if(MSPA_HEADER_ONLY_INCLUDE)
  target_include_directories(mspa_inference_formats SYSTEM PUBLIC ${MSPA_HEADER_ONLY_INCLUDE})
endif()
mspa_target_defaults(mspa_inference_formats)
