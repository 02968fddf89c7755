#pragma once

#include <string>
#include <vector>

namespace mspa::inference {

// One of InternVL's conversation templates (internvl_chat/internvl/conversation.py). Every template
// an InternVL2/2.5/3 checkpoint names uses SeparatorStyle.MPT: system, then each turn as role +
// message + sep, and the open assistant role last.
struct ConversationTemplate {
  std::string name;
  std::string systemTemplate;  // with "{system_message}" where the message goes
  std::string systemMessage;   // the template's default
  std::string userRole, assistantRole;
  std::string sep;

  // The token that ends an answer: `sep` stripped of whitespace, as chat() passes to generate().
  std::string stopToken() const;
};

// Throws std::runtime_error naming the unknown template and listing the known ones.
const ConversationTemplate& conversationTemplate(const std::string& name);
std::vector<std::string> conversationTemplateNames();

// What InternVLChatModel.chat() sends to the tokenizer for a one-turn question: the template's
// get_prompt() with `system`, then each "<image>" of the rendered query, in order, replaced by
// <img> + <IMG_CONTEXT> x (tokensPerTile * tiles) + </img>. As chat() does, "<image>\n" is put in
// front of a question that has images but places none.
std::string renderInternVLQuery(const ConversationTemplate& conversation, const std::string& system,
                                const std::string& question, const std::vector<int>& tilesPerImage,
                                int tokensPerTile);

// chat()'s cleaning of the decoded answer (special tokens already skipped): the text before the
// first stop token, without surrounding whitespace.
std::string cleanAnswer(const std::string& decoded, const std::string& stopToken);

// "Image-1: <image>\nImage-2: <image>\n" + question for several images, unless the question
// already places <image> (InternVL's multi-image form, which MultiSPA samples use).
std::string withImageLabels(const std::string& question, int images);

}  // namespace mspa::inference
