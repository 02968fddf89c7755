#!/usr/bin/python3
"""The peer of `mspa scene export` (issue 18): ScanNet's SensReader Python exporter
(SensReader/python/SensorData.py + reader.py) rewritten from its published loop for Python 3 and
Debian's packages, writing the same posed-images files as `mspa scene export --posed-images`.

It keeps SensorData.py's shape: the whole stream is read into memory first (SensorData.load),
then depth is inflated with zlib and written as 16-bit PNG, poses with np.savetxt('%f'), colour
as the stored JPEG bytes. Two changes make it faster than the original, never slower: frames are
read with f.read(n) instead of struct.unpack('c' * n), and colour is copied instead of decoded and
re-encoded with imageio (not in Debian's Python). pypng is not in Debian either: the PNG is written
here with zlib at pypng's default level, as pypng writes it (filter type 0 per row).
Usage: bench/sens_peer_python.py FILE.sens OUT_DIR"""
import os
import struct
import sys
import time
import zlib

import numpy as np


class Frame:
    def load(self, f):
        self.camera_to_world = np.asarray(struct.unpack('f' * 16, f.read(64)), dtype=np.float32).reshape(4, 4)
        self.timestamp_color, self.timestamp_depth, color_size, depth_size = struct.unpack('QQQQ', f.read(32))
        self.color_data = f.read(color_size)
        self.depth_data = f.read(depth_size)


def load(path):
    with open(path, 'rb') as f:
        version = struct.unpack('I', f.read(4))[0]
        assert version == 4
        strlen = struct.unpack('Q', f.read(8))[0]
        f.read(strlen)
        matrices = [np.asarray(struct.unpack('f' * 16, f.read(64)), dtype=np.float32).reshape(4, 4) for _ in range(4)]
        color_type, depth_type = struct.unpack('ii', f.read(8))
        assert (color_type, depth_type) == (2, 1)
        _, _, depth_width, depth_height = struct.unpack('IIII', f.read(16))
        struct.unpack('f', f.read(4))
        frames = []
        for _ in range(struct.unpack('Q', f.read(8))[0]):
            frame = Frame()
            frame.load(f)
            frames.append(frame)
    return matrices[0], depth_width, depth_height, frames


def write_png16(path, depth):
    height, width = depth.shape
    raw = b''.join(b'\x00' + row.astype('>u2').tobytes() for row in depth)

    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 16, 0, 0, 0, 0))
                + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


def main():
    start = time.time()
    intrinsic_color, width, height, frames = load(sys.argv[1])
    out = os.path.join(sys.argv[2], os.path.splitext(os.path.basename(sys.argv[1]))[0])
    os.makedirs(out, exist_ok=True)
    np.savetxt(os.path.join(out, 'intrinsic.txt'), intrinsic_color, fmt='%f')
    for i, frame in enumerate(frames):
        name = os.path.join(out, '%05d' % i)
        with open(name + '.jpg', 'wb') as f:
            f.write(frame.color_data)
        depth = np.frombuffer(zlib.decompress(frame.depth_data), dtype=np.uint16).reshape(height, width)
        write_png16(name + '.png', depth)
        np.savetxt(name + '.txt', frame.camera_to_world, fmt='%f')
    seconds = time.time() - start
    print('export_frames %d seconds %.2f frames_per_s %.1f' % (len(frames), seconds, len(frames) / seconds))


if __name__ == '__main__':
    main()
