#!/usr/bin/env python3
"""Renders reference prompts with InternVL's own conversation templates.

Usage: render_reference.py INTERNVL_CHECKOUT > reference.json

INTERNVL_CHECKOUT is a work tree of github.com/OpenGVLab/InternVL; its
internvl_chat/internvl/conversation.py is imported as it is (it needs only the standard
library) and each case is rendered the way InternVLChatModel.chat() renders a question
(modeling_internvl_chat.py): system message set, "<image>\\n" prepended when the question has
images but places none, get_prompt() with the open assistant turn, then each "<image>"
replaced in order by <img> + <IMG_CONTEXT> x (num_image_token * tiles) + </img>. Answers are
cleaned as chat() cleans them: split at template.sep.strip(), stripped.
"""
import importlib.util
import json
import sys

spec = importlib.util.spec_from_file_location(
    'conversation', f'{sys.argv[1]}/internvl_chat/internvl/conversation.py')
conversation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conversation)

NUM_IMAGE_TOKEN = 4  # 256 in the real models; small here to keep the file readable
TEMPLATES = ['internlm2-chat', 'Hermes-2', 'phi3-chat', 'internvl2_5']
QUESTIONS = [
    ('no image', 'What is MultiSPA?', []),
    ('one image, placed by chat()', 'What is the depth at point [ 472 , 148 ] in the image (in mm)?', [7]),
    ('two labelled images',
     'Image-1: <image>\nImage-2: <image>\nGiven two images, analyze the movements of the cameras that captured them.'
     '\nDid the camera move left or right?', [7, 3]),
    ('image placed mid-question', 'Look: <image> and answer with one word.', [1]),
]
SYSTEMS = [None, 'You are a spatial reasoning assistant.']
ANSWERS = ['The camera shifted `left`.<|im_end|>', '  Point `A` is closer.\n<|end|>tail', '\u3000 `1234` mm \n']


def render(name, system, question, tiles):
    template = conversation.get_conv_template(name)
    if system is not None:
        template.system_message = system
    if tiles and '<image>' not in question:
        question = '<image>\n' + question
    template.append_message(template.roles[0], question)
    template.append_message(template.roles[1], None)
    query = template.get_prompt()
    for n in tiles:
        query = query.replace('<image>', '<img>' + '<IMG_CONTEXT>' * NUM_IMAGE_TOKEN * n + '</img>', 1)
    return query, template


cases = []
for name in TEMPLATES:
    for system in SYSTEMS:
        for label, question, tiles in QUESTIONS:
            query, template = render(name, system, question, tiles)
            cases.append({'template': name, 'system': system, 'case': label, 'question': question,
                          'tiles': tiles, 'prompt': query})
    template = conversation.get_conv_template(name)
    for answer in ANSWERS:
        cases.append({'template': name, 'decoded': answer, 'stop': template.sep.strip(),
                      'cleaned': answer.split(template.sep.strip())[0].strip()})

json.dump({'num_image_token': NUM_IMAGE_TOKEN, 'cases': cases}, sys.stdout, ensure_ascii=False, indent=1)
sys.stdout.write('\n')
