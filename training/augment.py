"""What the classifier sees of a crop, and how training varies it: the kiosk's own crop cut out of
the wider export crop (geometry, head turn), a lobby camera's light and lenses (photometric,
resolution), and the scenes around a face (backgrounds, neighbours, heads in front, photo edges).
Batch operations on [N, 3, H, W] tensors in 0..1."""
import math
import random

import numpy as np
import torch
import torch.nn.functional as F

from crops import INCORRECT, NO_MASK

EXPORT_MARGIN = 0.8
KIOSK_MARGIN = 0.2  # DEFAULT_PIPELINE_OPTIONS.cropMargin
INPUT = 128


def configure(input_px, crop_margin):
    """The classifier's input side and the kiosk crop's margin, for a recipe that changes them
    (train.py --input, --crop-margin); read at call time by every function here."""
    global INPUT, KIOSK_MARGIN
    INPUT, KIOSK_MARGIN = input_px, crop_margin


def kiosk_view(batch_u8):
    """The kiosk's own crop out of the wider export crop, with no augmentation."""
    return geometric(batch_u8, torch.zeros(len(batch_u8), 5), augment=False)


def cylinder_warp(grid, axis, max_angle, p):
    """Turns the head about a vertical (axis 0: yaw) or horizontal (axis 1: pitch) axis by up to
    max_angle radians in a share p of the batch. In export-crop coordinates the face spans about
    +-0.55; points on a cylinder of that radius move by R sin(asin(u) - phi) - R u."""
    n = grid.shape[0]
    phi = torch.empty(n).uniform_(-max_angle, max_angle) * (torch.rand(n) < p).float()
    r = 0.55
    u = (grid[..., axis] / r).clamp(-0.999, 0.999)
    grid = grid.clone()
    grid[..., axis] = grid[..., axis] + r * (torch.sin(torch.asin(u) - phi.view(n, 1, 1)) - u)
    return grid


def geometric(batch_u8, params, augment=True, p_turn=0.0, p_pitch=0.0):
    """Scale, shift, rotation and flip around the kiosk crop, sampled straight to INPUT px. With
    p_turn, a cylinder warp turns the head a little to one side (a stand-in for yaw, which bare
    training faces rarely show); with p_pitch, the same warp about the horizontal axis bends it up
    or down (seen from above, a mask's top edge sits under the nose bridge as a mask pulled down
    does)."""
    n = batch_u8.shape[0]
    x = batch_u8.float() / 255.0
    base = (1 + KIOSK_MARGIN) / (1 + EXPORT_MARGIN)
    if augment:
        scale = base * torch.empty(n).uniform_(0.85, 1.18)
        angle = torch.empty(n).uniform_(-0.2, 0.2)
        tx, ty = torch.empty(n).uniform_(-0.08, 0.08), torch.empty(n).uniform_(-0.08, 0.08)
        flip = torch.where(torch.rand(n) < 0.5, -1.0, 1.0)
    else:
        scale, angle, tx, ty, flip = torch.full((n,), base), torch.zeros(n), torch.zeros(n), torch.zeros(n), torch.ones(n)
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, (n, 3, INPUT, INPUT), align_corners=False)
    if augment and p_turn > 0:
        grid = cylinder_warp(grid, axis=0, max_angle=0.7, p=p_turn)
    if augment and p_pitch > 0:
        grid = cylinder_warp(grid, axis=1, max_angle=0.5, p=p_pitch)
    return F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)


def degrade_resolution(x, native_side, p):
    """Makes image sharpness uninformative: any face, whatever its class, may be seen at the
    resolution of a small or distant face. The face spans about INPUT / 1.2 px of the kiosk crop;
    its effective size is the smaller of that and its size in the source photo."""
    n = x.shape[0]
    face_px = INPUT / (1 + KIOSK_MARGIN)
    out = []
    for i in range(n):
        xi = x[i:i + 1]
        effective = min(face_px, float(native_side[i]))
        if random.random() < p:
            target = math.exp(random.uniform(math.log(14), math.log(face_px)))
            if target < effective:
                side = max(8, int(round(INPUT * target / face_px)))
                xi = F.interpolate(xi, size=(side, side), mode='area')
                xi = F.interpolate(xi, size=(INPUT, INPUT), mode='bilinear', align_corners=False)
        out.append(xi)
    return torch.cat(out)


def blur(x, sigma):
    radius = max(1, int(math.ceil(2 * sigma)))
    k = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-(k ** 2) / (2 * sigma ** 2))
    k = (k / k.sum()).view(1, 1, 1, -1).repeat(3, 1, 1, 1)
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode='reflect'), k, groups=3)
    return F.conv2d(F.pad(x, (0, 0, radius, radius), mode='reflect'), k.transpose(2, 3), groups=3)


def jpeg(x, quality):
    from torchvision.io import decode_jpeg, encode_jpeg
    u8 = (x.clamp(0, 1) * 255).round().to(torch.uint8)
    return decode_jpeg(encode_jpeg(u8, quality=quality)).float() / 255.0


def photometric(x, rng):
    """What a lobby camera does to a face: exposure, white balance, contrast, blur, noise, JPEG."""
    n = x.shape[0]
    x = x * torch.empty(n, 1, 1, 1).uniform_(0.55, 1.45)  # exposure
    x = x * torch.empty(n, 3, 1, 1).uniform_(0.85, 1.15)  # white balance
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * torch.empty(n, 1, 1, 1).uniform_(0.7, 1.3) + mean  # contrast
    grey = x.mean(dim=1, keepdim=True).expand_as(x)
    sat = torch.empty(n, 1, 1, 1).uniform_(0.6, 1.3)
    sat[torch.rand(n) < 0.1] = 0.0  # some greyscale: skin tone must not be the cue
    x = grey + (x - grey) * sat
    x = x.clamp(0, 1) ** torch.empty(n, 1, 1, 1).uniform_(0.75, 1.35)  # gamma
    out = []
    for i in range(n):
        xi = x[i:i + 1]
        if rng.random() < 0.3:
            xi = blur(xi, rng.uniform(0.4, 1.6))
        if rng.random() < 0.3:
            xi = xi + torch.randn_like(xi) * rng.uniform(0.01, 0.05)
        xi = xi.clamp(0, 1)
        if rng.random() < 0.3:
            xi = jpeg(xi[0], int(rng.uniform(25, 90)))[None]
        out.append(xi)
    return torch.cat(out)


def crop_grid(h, w):
    """Row and column coordinates of every pixel, from -1 to 1 (grid_sample's convention)."""
    return torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing='ij')


def swap_background(x, rng, p):
    """Replace what lies outside a face-sized ellipse with another crop's surroundings or a plain fill,
    so that plain backgrounds (common in the mask photos) cannot stand in for the mask."""
    n, _, h, w = x.shape
    yy, xx = crop_grid(h, w)
    out = x.clone()
    for i in range(n):
        if rng.random() >= p:
            continue
        ry, rx = rng.uniform(0.75, 0.95), rng.uniform(0.6, 0.8)
        inside = ((xx / rx) ** 2 + ((yy - 0.05) / ry) ** 2).clamp(max=4)
        keep = torch.sigmoid((1 - inside) * 12)[None]
        if rng.random() < 0.5:
            other = x[rng.randrange(n)]
        else:
            other = torch.empty(3, 1, 1).uniform_(0, 1).expand(3, h, w)
        out[i] = x[i] * keep + other * (1 - keep)
    return out


def pad_edges(x, rng, p):
    """A photo's edge inside the crop: beyond a straight line (most often below the chin, as when a
    tight portrait hangs in a frame) the crop is one plain colour of any shade, for every class.
    Training crops are otherwise padded only with black, and a plain band under the chin must
    not read as a mask worn low."""
    n, _, h, w = x.shape
    out = x.clone()
    for i in range(n):
        if rng.random() >= p:
            continue
        colour = torch.tensor([rng.uniform(0, 1) for _ in range(3)]).view(3, 1, 1)
        if rng.random() < 0.5:
            g = rng.uniform(0.2, 0.95)
            colour = torch.full((3, 1, 1), g)
        for _ in range(rng.choice((1, 1, 2))):
            side = rng.choice(('bottom', 'bottom', 'bottom', 'left', 'right', 'top'))
            at = rng.uniform(0.72, 0.98) if side in ('bottom', 'right') else rng.uniform(0.02, 0.25)
            cut = int(at * (h if side in ('bottom', 'top') else w))
            if side == 'bottom':
                out[i, :, cut:, :] = colour
            elif side == 'top':
                out[i, :, :cut, :] = colour
            elif side == 'right':
                out[i, :, :, cut:] = colour
            else:
                out[i, :, :, :cut] = colour
    return out


def paste_ellipse(out, x, i, j, grid_x, grid_y, centre, scale, radii, source_y=0.0, padding='zeros'):
    """Blends into out[i], with a soft-edged ellipse of `radii` (times `scale`) around `centre`,
    crop j of x scaled by `scale` around its point (0, source_y) and moved to `centre`."""
    cx, cy = centre
    grid = torch.stack([(grid_x - cx) / scale, (grid_y - cy) / scale + source_y], -1)[None]
    other = F.grid_sample(x[j:j + 1], grid, mode='bilinear', padding_mode=padding, align_corners=False)[0]
    inside = (((grid_x - cx) / (radii[0] * scale)) ** 2 + ((grid_y - cy) / (radii[1] * scale)) ** 2).clamp(max=4)
    alpha = torch.sigmoid((1 - inside) * 10)[None]
    out[i] = out[i] * (1 - alpha) + other * alpha


def paste_beside(out, x, i, j, grid_x, grid_y, rng, scale_range, reach_range, height_range):
    """Crop j's face ellipse, scaled by a share drawn from scale_range, beside crop i's face: on a
    random side, its centre reach_range from the middle and height_range from mid-height."""
    s = rng.uniform(*scale_range)
    side = rng.choice((-1, 1))
    cx, cy = side * rng.uniform(*reach_range), rng.uniform(*height_range)
    paste_ellipse(out, x, i, j, grid_x, grid_y, (cx, cy), s, (0.62, 0.8))


def add_neighbours(x, rng, p):
    """Crowds: part of another person's face at the side of the crop, whatever either label, so that
    faces around the subject (common in the masked photos) say nothing about the subject."""
    n, _, h, w = x.shape
    yy, xx = crop_grid(h, w)
    out = x.clone()
    for i in range(n):
        if rng.random() >= p:
            continue
        paste_beside(out, x, i, rng.randrange(n), xx, yy, rng, (0.55, 0.95), (0.75, 1.1), (-0.35, 0.35))
    return out


def overlap_neighbours(x, y, rng, p):
    """Crowds packed tight: a neighbour of the other kind (a masked face beside a bare subject, a bare
    one beside a masked subject) reaching well into the crop, up to the subject's middle, where
    add_neighbours keeps to its edge. The label stays the subject's: the face the crop is centred
    on decides, however much of a neighbour's mask the crop holds. Masks worn wrong are left alone
    (a neighbour could hide what makes them wrong). At p = 0 it draws no random numbers."""
    if p <= 0:
        return x
    n, _, h, w = x.shape
    yy, xx = crop_grid(h, w)
    labels = y.numpy()
    out = x.clone()
    for i in np.flatnonzero(labels != INCORRECT):
        if rng.random() >= p:
            continue
        other_kind = np.flatnonzero((labels != INCORRECT) & (labels != labels[i]))
        if len(other_kind) == 0:
            continue
        j = int(other_kind[rng.randrange(len(other_kind))])
        paste_beside(out, x, i, j, xx, yy, rng, (0.7, 1.0), (0.6, 0.9), (-0.3, 0.2))
    return out


def paste_head_tops(x, targets, rng, p, top_range, source_range):
    """Over a share p of the crops picked by `targets`, the top of another crop's head (hair,
    forehead, sometimes eyes), scaled by s, in an ellipse whose upper edge lands at a height drawn
    from top_range and which runs past the bottom of the crop, as a head in front does in a crowd
    photo. At p = 0 it draws no random numbers, so recipes without it are unchanged."""
    if p <= 0:
        return x
    n, _, h, w = x.shape
    yy, xx = crop_grid(h, w)
    out = x.clone()
    for i in np.flatnonzero(targets):
        if rng.random() >= p:
            continue
        j = rng.randrange(n)
        s = rng.uniform(0.9, 1.3)
        top = rng.uniform(*top_range)
        cx = rng.uniform(-0.5, 0.5)
        paste_ellipse(out, x, i, j, xx, yy, (cx, top + 0.75 * s), s, (0.9, 0.75), source_y=rng.uniform(*source_range), padding='border')
    return out


def cover_lower_face(x, y, rng, p):
    """Crowds seen from behind: the top of another person's head (hair, a cap) over the mouth and
    chin of a bare face, so a bare face whose lower half is hidden stays "no mask" instead of
    reading as a mask worn below the nose. Bare faces only: over a masked face it would hide the
    evidence the label rests on. The upper edge lands between just under the nose tip (y = 0.05)
    and the mouth (0.35). (The first version, which c3 in the model card was trained with, reached
    only the chin.)"""
    return paste_head_tops(x, y.numpy() == NO_MASK, rng, p, (0.05, 0.35), (-0.4, -0.2))


def cover_chin(x, y, rng, p):
    """Something that is not a mask over the chin while the mouth stays in view: the top of another
    person's head (hair, a cap) whose upper edge lands between the mouth (y = 0.39 in the kiosk
    crop) and the chin (0.7), on bare and masked faces alike. A collar, an arm or the head in front
    there read as a mask pulled onto the chin: bare faces with their mouth in view were told to
    pull a mask up. Never on masks worn wrong, where it would hide a mask on the chin."""
    return paste_head_tops(x, y.numpy() != INCORRECT, rng, p, (0.35, 0.7), (-0.25, -0.05))
