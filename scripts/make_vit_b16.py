#!/usr/bin/python3
"""Writes a ViT-B/16-sized classifier with the BEiT Optimum export's interface (pixel_values
[N,3,224,224] -> logits [N,2], BEiT's config and preprocessing) and RANDOM weights, so the
benchmark can show what the seed BEiT drop-in (86 M parameters) costs per face on this CPU.
It classifies nothing: never use it as a model.

Usage: /usr/bin/python3 scripts/make_vit_b16.py OUT_DIR   (apt-get install python3-torch python3-torchvision python3-onnx)
"""
import json
import os
import sys

import torch
from torchvision.models import vit_b_16

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_contract_model import CONFIG, PREPROCESSOR  # noqa: E402


def main() -> int:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    model = vit_b_16(weights=None, num_classes=2).eval()
    params = sum(p.numel() for p in model.parameters())
    torch.onnx.export(
        model, torch.zeros(1, 3, 224, 224), os.path.join(out, 'model.onnx'),
        input_names=['pixel_values'], output_names=['logits'],
        dynamic_axes={'pixel_values': {0: 'batch_size'}, 'logits': {0: 'batch_size'}}, opset_version=14,
    )
    config = dict(CONFIG, _name_or_path=f'ViT-B/16-sized stand-in for the seed BEiT, random weights ({params / 1e6:.1f} M parameters)')
    for name, data in (('config.json', config), ('preprocessor_config.json', PREPROCESSOR)):
        with open(os.path.join(out, name), 'w') as f:
            json.dump(data, f, indent=2)
    print(f'wrote {out} ({params / 1e6:.1f} M parameters)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
