#!/usr/bin/env python3
"""The peer of `mspa bench speed --random-weights`: Hugging Face transformers on the same
random-weight model (an InternVL config in the transformers layout), the same prompt shape (text
around N images of T tiles, 256 tokens each) and the same phases, printed as JSON.

Runs where torch and transformers are installed (the device machine: torch 2.11, transformers
5.17); nothing in the tests depends on it.
  speed_peer_transformers.py --config bench/configs/internvl2-8b-hf.json --device cuda
"""
import argparse
import json
import time

import torch
import transformers
from transformers import InternVLConfig, InternVLForConditionalGeneration


def synchronize(device):
    if device == "cuda":
        torch.cuda.synchronize()


def prompt_ids(image_token, tokens_per_image, images):
    """24 text tokens, then per image 6 text tokens and its image tokens, then 40 text tokens,
    as `mspa bench speed` builds them (ids below 1000, never the image token)."""
    state, ids = 1, []

    def text(count):
        nonlocal state
        for _ in range(count):
            state = state * 48271 % 2147483647
            token = state % 1000
            ids.append((token + 1) % 1000 if token == image_token else token)

    text(24)
    for _ in range(images):
        text(6)
        ids.extend([image_token] * tokens_per_image)
    text(40)
    return ids


def image_features(model, pixels):
    try:
        return model.get_image_features(pixel_values=pixels, vision_feature_layer=-1,
                                        vision_feature_select_strategy="default")
    except TypeError:
        return model.model.get_image_features(pixel_values=pixels)


def answer(model, input_ids, pixels, new_tokens, device):
    """Vision alone, then prefill (vision + LLM, logits of the last position only, as generate
    asks for them) and greedy decode with transformers' own cache."""
    timing = {}
    synchronize(device)
    start = time.perf_counter()
    image_features(model, pixels)
    synchronize(device)
    timing["vision_ms"] = (time.perf_counter() - start) * 1e3
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    out = model(input_ids=input_ids, pixel_values=pixels, use_cache=True, logits_to_keep=1)
    token = out.logits[:, -1].argmax(-1, keepdim=True)
    synchronize(device)
    timing["ttft_ms"] = timing["prefill_ms"] = (time.perf_counter() - start) * 1e3
    past = out.past_key_values
    start = time.perf_counter()
    for _ in range(new_tokens - 1):
        out = model(input_ids=token, past_key_values=past, use_cache=True)
        past = out.past_key_values
        token = out.logits[:, -1].argmax(-1, keepdim=True)
    synchronize(device)
    timing["decode_ms"] = (time.perf_counter() - start) * 1e3
    timing["decode_tokens_per_s"] = (new_tokens - 1) / (timing["decode_ms"] / 1e3)
    if device == "cuda":
        timing["peak_gpu_gb"] = torch.cuda.max_memory_allocated() / 1e9
    return timing


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--dtype", default="bfloat16")
    parser.add_argument("--images", type=int, default=2)
    parser.add_argument("--tiles", type=int, default=7, help="tiles per image, thumbnail included")
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--batch", type=int, default=1,
                        help="copies of the question answered together")
    args = parser.parse_args()

    dtype = getattr(torch, args.dtype)
    config = InternVLConfig.from_json_file(args.config)
    start = time.perf_counter()
    with torch.device(args.device):
        model = InternVLForConditionalGeneration(config).to(dtype).eval()
    synchronize(args.device)
    load_s = time.perf_counter() - start

    tiles = args.images * args.tiles
    pixels = torch.randn(tiles, 3, 448, 448, device=args.device, dtype=dtype)
    ids = prompt_ids(config.image_token_id, config.image_seq_length * args.tiles, args.images)
    report = {"peer": "transformers " + transformers.__version__, "torch": torch.__version__,
              "dtype": args.dtype, "device": args.device, "prompt_tokens": len(ids), "load_s": load_s,
              "attention": getattr(model.config, "_attn_implementation", None), "batch": args.batch}
    with torch.no_grad():
        answer(model, torch.tensor([ids], device=args.device), pixels, 4, args.device)  # warm-up
        one = answer(model, torch.tensor([ids], device=args.device), pixels, args.new_tokens,
                     args.device)
        report.update(one)
        report["samples_per_s"] = 1e3 / (one["prefill_ms"] + one["decode_ms"])
        if args.batch > 1:
            many = answer(model, torch.tensor([ids] * args.batch, device=args.device),
                          pixels.repeat(args.batch, 1, 1, 1), args.new_tokens, args.device)
            report["samples_per_s"] = args.batch * 1e3 / (many["prefill_ms"] + many["decode_ms"])
            report["batch_peak_gpu_gb"] = many.get("peak_gpu_gb")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
