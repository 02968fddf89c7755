#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/NAME/*): one small valid input of
each shape a target understands, so the fuzzer starts past the syntax. Standard library only.
Usage: tests/fuzz/make_seeds.py [SPM_MODEL] (a SentencePiece model for the sentencepiece seed)."""
import json
import os
import struct
import sys
import zlib

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')


def put(target, name, data):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    with open(os.path.join(root, target, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def npy(descr, shape, payload):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    header += ' ' * ((64 - (10 + len(header) + 1) % 64) % 64) + '\n'
    return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(header)) + header.encode() + payload


def safetensors(tensors):
    header, data = {}, b''
    for name, (dtype, shape, payload) in tensors.items():
        header[name] = {'dtype': dtype, 'shape': shape, 'data_offsets': [len(data), len(data) + len(payload)]}
        data += payload
    text = json.dumps(header).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    return struct.pack('<Q', len(text)) + text + data


# answer: [task index, mode, text...]
for i, (task, text) in enumerate([(0, 'The depth of the annotated point is `1234` mm.'),
                                  (4, 'The correct point is labeled `C`.'),
                                  (5, 'The point [ 12 , 34 ] in Image-1 corresponds to `[ 531 , 288 ]` in Image-2.'),
                                  (6, 'The camera shifted `left`.'), (14, 'The displacement vector is `[ 12 , -3 , 410 ]` mm.'),
                                  (18, 'The point did not move.'), (14, '`1, 2, 3`')]):
    put('answer', 'seed%d' % i, bytes([task, i % 2]) + text.encode())

put('ply', 'ascii.ply', 'ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\n'
    'property uchar red\nproperty uchar green\nproperty uchar blue\nelement face 1\nproperty list uchar int vertex_indices\n'
    'end_header\n0 0 0 255 0 0\n1 0 0 0 255 0\n0 1 0 0 0 255\n3 0 1 2\n')
put('ply', 'binary.ply', b'ply\nformat binary_little_endian 1.0\nelement vertex 2\nproperty float x\nproperty float y\n'
    b'property float z\nend_header\n' + struct.pack('<6f', 0, 0, 0, 1, 2, 3))

put('npy', 'f4.npy', npy('<f4', '(2, 3)', struct.pack('<6f', *range(6))))
put('npy', 'bytes.npy', npy('|S4', '(2,)', b'abcdxy\x00\x00'))

members = [npy('|S4', '(2,)', b'\xff\xd8\xff\xd9\xff\xd8\xff\xd9'), npy('<f4', '(2, 1, 3)', struct.pack('<6f', 0, 0, 1, 0, 0, 2)),
           npy('|b1', '(2, 1)', b'\x01\x00'), npy('<f4', '(4,)', struct.pack('<4f', 500, 500, 320, 240)),
           npy('<f4', '(4, 4)', struct.pack('<16f', 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1)), npy('<f4', '(1, 3)', struct.pack('<3f', 0, 0, 0))]
put('tapvid3d', 'members', b'\x00' + b''.join(struct.pack('>H', len(m)) + m for m in members))

put('manifest', 'mutated', b'\x00\x02\x00\x05\x02')
put('manifest', 'raw', b'\x01' + json.dumps({'name': 'x', 'frames': [{'image': 'a.jpg'}], 'point_cloud': 3}).encode())

jpeg = bytes.fromhex('ffd8ffe000104a46494600010100000100010000ffc0000b080030004001011100ffd9')
put('scannet', 'folder', b'577.8 0 319.5 0\n0 577.8 239.5 0\n0 0 1 0\n0 0 0 1\n\x001 0 0 0.5\n0 1 0 0\n0 0 1 0\n0 0 0 1\n\x00' + jpeg)
put('scannet', 'inf-pose', b'500 0 320 0 0 500 240 0 0 0 1 0 0 0 0 1\x00-inf -inf -inf -inf\x00')

sample = {'id': 7, 'image': ['scene0000_00/00000.jpg', 'scene0000_00/00005.jpg'],
          'conversations': [{'from': 'human', 'value': 'Image-1: <image>\nImage-2: <image>\nDid the camera move left or right?'},
                            {'from': 'gpt', 'value': 'The camera shifted `left`.'}],
          'height_list': [968, 968], 'width_list': [1296, 1296], 'question_type': 'x_movement', 'gt_value': 'left'}
vector = dict(sample, id=8, question_type='displacement_vector', gt_value=[0.12, -0.03, 0.41])
put('jsonl', 'samples.jsonl', '\n'.join(json.dumps(s) for s in [sample, vector]) + '\n{"id": 7, "answer": "`left`"}\n')

put('safetensors', 'two.safetensors', safetensors({'a': ('F32', [2, 2], struct.pack('<4f', 1, 2, 3, 4)),
                                                     'b': ('BF16', [3], b'\x80\x3f\x00\x40\x40\x40')}))

for i, mutation in enumerate([b'\x00\x00', b'\x01\x07\x00\x01\x05', b'\x00\x03\x00\x10\x02']):
    put('model_config', 'seed%d' % i, mutation + b'{"eos_token_id": [2, 92542]}')

byte_chars = [*range(ord('!'), ord('~') + 1), *range(0xa1, 0xac + 1), *range(0xae, 0xff + 1)]
byte_map, n = {}, 0
for b in range(256):
    if b in byte_chars:
        byte_map[b] = chr(b)
    else:
        byte_map[b] = chr(256 + n)
        n += 1
vocab = {byte_map[b]: b for b in range(256)}
vocab.update({'\u0120t': 256, 'he': 257, '\u0120the': 258})
put('tokenizer_json', 'tokenizer.json', json.dumps({
    'model': {'type': 'BPE', 'vocab': vocab, 'merges': ['\u0120 t', 'h e', '\u0120t he']},
    'normalizer': {'type': 'NFC'},
    'pre_tokenizer': {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True},
    'added_tokens': [{'id': 259, 'content': '<|im_end|>', 'special': True}, {'id': 260, 'content': '<image>', 'special': False}]}))

if len(sys.argv) > 1:
    put('sentencepiece', 'tokenizer.model', open(sys.argv[1], 'rb').read())

lora = safetensors({'base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight': ('F32', [2, 96], b'\x00' * 768),
                    'base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_B.weight': ('F32', [96, 2], b'\x00' * 768)})
put('lora_adapter', 'adapter', b'\x00\x00\x00\x02' + lora)

put('openai', 'stream', b'\x07data: {"choices": [{"delta": {"content": "The camera"}}]}\n\ndata: {"choices": [{"delta": '
    b'{"content": " shifted `left`."}}]}\n\ndata: [DONE]\n\n')
put('openai', 'plain', b'\x20{"choices": [{"message": {"content": "`B`"}}], "usage": {"completion_tokens": 3}}')
put('openai', 'logprobs', b'\x05data: {"choices": [{"delta": {"content": "`B`"}, "logprobs": {"content": [{"token": "`B`", '
    b'"logprob": -0.1, "top_logprobs": [{"token": "`B`", "logprob": -0.1}, {"token": "`A`", "logprob": -2.4}]}]}}]}\n\n'
    b'data: [DONE]\n\n')


def sens(frames, color_type=2, depth_type=1, width=8, height=6):
    """A ScanNet .sens stream (version 4, SensReader/c++/src/sensorData.h): (pose, colour, depth)."""
    identity = struct.pack('<16f', *[1 if i % 5 == 0 else 0 for i in range(16)])
    camera = struct.pack('<16f', 5, 0, 3.5, 0, 0, 5, 2.5, 0, 0, 0, 1, 0, 0, 0, 0, 1)
    out = struct.pack('<IQ', 4, 6) + b'sensor' + camera + identity + camera + identity
    out += struct.pack('<iiIIIIfQ', color_type, depth_type, width, height, width, height, 1000.0, len(frames))
    for pose, color, depth in frames:
        out += pose + struct.pack('<QQQQ', 1000, 1000, len(color), len(depth)) + color + depth
    return out + struct.pack('<Q', 0)


units = struct.pack('<48H', *range(1000, 1048))
tiny_jpeg = bytes.fromhex('ffd8ffe000104a46494600010100000100010000ffc0000b080006000801011100ffd9')
pose = struct.pack('<16f', 1, 0, 0, 0.5, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1)
inf_pose = struct.pack('<16f', *[float('-inf')] * 16)
put('sens', 'zlib-jpeg', sens([(pose, tiny_jpeg, zlib.compress(units)), (inf_pose, tiny_jpeg, zlib.compress(units))]))
put('sens', 'raw', sens([(pose, bytes(range(144)), units)], color_type=0, depth_type=0))

