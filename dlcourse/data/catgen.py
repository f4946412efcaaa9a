"""Deterministic generator of the course's "cat vs non-cat" picture set.

Every picture is drawn from code with Pillow's ``ImageDraw`` (no photographs, no downloads):
class 1 are cats (faces, sitting cats, close crops; tabby, tuxedo, calico, pointed and plain coats,
many eye colours), class 0 are things a cat is mistaken for and things it is not (dogs, rabbits, bears,
mice, birds, fish, everyday objects, rooms, streets and landscapes). Backdrops, light, colour cast,
blur, noise and whether the subject is lighter or darker than its backdrop are drawn at random for
both classes alike, so that no single pixel and no mean colour gives the answer away.

Each picture is drawn at ``SUPERSAMPLE`` times its final size and box-filtered down, then lit and
noised in NumPy. Picture ``i`` of a split depends only on ``(seed, split, i)`` through NumPy's legacy
``RandomState``, whose streams NumPy keeps frozen, so the same seed gives the same bytes (with the
same Pillow, whose rasteriser draws the shapes; tests/test_datasets.py checks the shipped files).
The difficulty knobs below were tuned so that, on the shipped seed, logistic regression overfits
(train ~100 %, test ~75 %) and the two- and L-layer networks of week 4 do better.

Regenerate the shipped files with ``python -m dlcourse.data.catgen --out dlcourse/data``.
"""
import argparse
import math
import os

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

SEED = 3
N_TRAIN, N_TEST, PX = 209, 50, 64
CAT_FRACTION = 0.5
SUPERSAMPLE = 4
CLASSES = np.array([b"non-cat", b"cat"], dtype="S7")
TRAIN_FILE, TEST_FILE = "train_catvnoncat.h5", "test_catvnoncat.h5"

# Difficulty knobs (tuned so the course's three models land where the lessons need them).
NOISE_SIGMA = (3.0, 16.0)     # per-picture range of the Gaussian sensor noise, in grey levels
BLUR_CHANCE = 0.25            # share of pictures drawn out of focus
DOG_POINTY_EARS = 0.15        # share of dogs with upright pointed ears (a genuine look-alike)
NONCAT_KINDS = (("dog", 0.4), ("animal", 0.3), ("object", 0.15), ("scene", 0.15))
CAT_POSES = (("face", 0.7), ("sitting", 0.15), ("crop", 0.15))
CONTRAST, GAIN, CAST = (0.85, 1.15), (0.6, 1.25), 6.0   # lighting: contrast and gain ranges, colour cast sigma
# A light subject on a dark backdrop or a dark subject on a light one, as often as each other: the mean
# template of a cat then cancels out, which is what a linear model cannot get round and a network can.
TONES = (("free", 0.0), ("light_on_dark", 0.5), ("dark_on_light", 0.5))
FACE_R, FACE_SHIFT = (0.24, 0.32), 0.15                 # face close-ups: head radius, share of free room to shift

FUR = {
    "orange": (212, 128, 52), "cream": (232, 204, 160), "grey": (128, 128, 134),
    "black": (38, 34, 32), "white": (236, 234, 228), "brown": (118, 80, 50),
    "silver": (182, 184, 188), "golden": (206, 160, 86), "tan": (176, 132, 92),
}
CAT_EYES = ((120, 190, 60), (220, 190, 40), (230, 150, 40), (90, 160, 220), (150, 200, 90))
PINK = (232, 150, 160)
BLACK = (22, 20, 20)
WHITE = (245, 245, 242)


def generate(seed: int = SEED, n_train: int = N_TRAIN, n_test: int = N_TEST,
             px: int = PX) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draw the picture set.

    Arguments:
    seed -- integer; the same seed always gives the same arrays
    n_train, n_test -- number of pictures in each split
    px -- side of the square pictures in pixels

    Returns:
    train_x -- uint8, shape (n_train, px, px, 3)
    train_y -- int64, shape (n_train,), 1 for cat and 0 for non-cat
    test_x -- uint8, shape (n_test, px, px, 3)
    test_y -- int64, shape (n_test,)
    """
    train_x, train_y = _split(seed, 0, n_train, px)
    test_x, test_y = _split(seed, 1, n_test, px)
    return train_x, train_y, test_x, test_y


def write_h5(folder: str | os.PathLike[str], seed: int = SEED, n_train: int = N_TRAIN, n_test: int = N_TEST,
             px: int = PX) -> list[str]:
    """Write train_catvnoncat.h5 and test_catvnoncat.h5 (classic layout) into folder; return their paths."""
    import h5py

    train_x, train_y, test_x, test_y = generate(seed, n_train, n_test, px)
    os.makedirs(folder, exist_ok=True)
    paths = []
    for name, prefix, x, y in ((TRAIN_FILE, "train", train_x, train_y), (TEST_FILE, "test", test_x, test_y)):
        path = os.path.join(folder, name)
        # No time stamps and no compression (noisy pictures barely compress): the same seed gives the same bytes.
        with h5py.File(path, "w", libver="earliest") as f:
            f.create_dataset(f"{prefix}_set_x", data=x, track_times=False)
            f.create_dataset(f"{prefix}_set_y", data=y, track_times=False)
            f.create_dataset("list_classes", data=CLASSES, track_times=False)
        paths.append(path)
    return paths


def _split(seed, split, n, px):
    """Labels (exact cat share, shuffled) and pictures of one split."""
    n_cat = int(round(n * CAT_FRACTION))
    labels = np.array([1] * n_cat + [0] * (n - n_cat), dtype=np.int64)
    np.random.RandomState([seed, split, 1_000_003]).shuffle(labels)
    x = np.empty((n, px, px, 3), dtype=np.uint8)
    for i in range(n):
        x[i] = draw_picture(np.random.RandomState([seed, split, i]), int(labels[i]), px)
    return x, labels


def draw_picture(rng: np.random.RandomState, label: int, px: int = PX) -> np.ndarray:
    """One picture of class label (1 cat, 0 non-cat) as a uint8 array (px, px, 3)."""
    size = px * SUPERSAMPLE
    scheme = _pick(rng, TONES)
    tone = {"free": (None, None), "light_on_dark": ("light", "dark"), "dark_on_light": ("dark", "light")}[scheme]
    if label == 1:
        img = _cat_picture(rng, size, tone)
    else:
        kind = _pick(rng, NONCAT_KINDS)
        img = {"dog": _dog_picture, "animal": _animal_picture,
               "object": _object_picture, "scene": _scene_picture}[kind](rng, size, tone)
    if rng.rand() < 0.5:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if rng.rand() < BLUR_CHANCE:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 2.2) * SUPERSAMPLE / 2))
    img = img.reduce(SUPERSAMPLE)
    return _light_and_noise(rng, np.asarray(img, dtype=np.float64))


def _light_and_noise(rng, a):
    """Random exposure, contrast, colour cast, vignette and sensor noise; back to uint8."""
    px = a.shape[0]
    mean = a.mean(axis=(0, 1), keepdims=True)
    a = (a - mean) * rng.uniform(*CONTRAST) + mean
    a = a * rng.uniform(*GAIN) + rng.normal(0.0, CAST, size=3)
    yy, xx = np.mgrid[0:px, 0:px] / (px - 1) - 0.5
    gx, gy = rng.uniform(-0.5, 0.5, size=2)
    a = a * (1.0 + gx * xx + gy * yy)[:, :, None]
    if rng.rand() < 0.4:
        a = a * (1.0 - rng.uniform(0.2, 0.6) * (xx ** 2 + yy ** 2))[:, :, None]
    a = a + rng.normal(0.0, rng.uniform(*NOISE_SIGMA), size=a.shape)
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- drawing helpers

def _pick(rng, weighted):
    """Name drawn from a tuple of (name, weight)."""
    names, w = zip(*weighted)
    w = np.array(w, dtype=np.float64)
    return names[rng.choice(len(names), p=w / w.sum())]


def _jit(rng, colour, amount=18):
    """Colour jittered channel by channel, as an RGBA tuple."""
    c = np.clip(np.array(colour[:3]) + rng.randint(-amount, amount + 1, size=3), 0, 255)
    return (int(c[0]), int(c[1]), int(c[2]), 255)


def _shade(colour, k):
    """Colour scaled by k (darker below 1, lighter above), as an RGBA tuple."""
    c = [int(min(255, max(0, round(v * k)))) for v in colour[:3]]
    return (c[0], c[1], c[2], 255)


def _mix(c1, c2, t):
    """Blend of two colours, t=0 gives c1, as an RGBA tuple."""
    c = [int(round(a * (1 - t) + b * t)) for a, b in zip(c1[:3], c2[:3])]
    return (c[0], c[1], c[2], 255)


def _retone_colour(rng, colour, tone):
    """Colour pushed dark or light (tone "dark"/"light"), unchanged for tone None; RGBA."""
    if tone is None:
        return _rgba(colour)
    c = np.array(colour[:3], dtype=np.float64)
    c = c * rng.uniform(0.2, 0.45) if tone == "dark" else 255 - (255 - c) * rng.uniform(0.15, 0.4)
    return _rgba(np.rint(c))


def _retone(rng, img, tone):
    """Image pushed dark or light as a whole (a dim room, a bright backdrop); unchanged for None."""
    if tone is None:
        return img
    a = np.asarray(img, dtype=np.float64)
    a = a * rng.uniform(0.2, 0.45) if tone == "dark" else 255 - (255 - a) * rng.uniform(0.15, 0.4)
    return Image.fromarray(np.rint(a).astype(np.uint8), "RGB")


def _rgba(c):
    """Colour as an opaque RGBA tuple."""
    return (int(c[0]), int(c[1]), int(c[2]), 255)


class _Pen:
    """Draws in local coordinates: origin (ox, oy) and unit k in canvas fractions, optional mirror."""

    def __init__(self, img, ox=0.0, oy=0.0, k=1.0, flip=1):
        self.img, self.draw, self.size = img, ImageDraw.Draw(img), img.size[0]
        self.ox, self.oy, self.k, self.flip = ox, oy, k, flip

    def at(self, x, y, k=1.0, flip=1):
        """Pen whose origin is local point (x, y), unit scaled by k, mirrored if flip is -1."""
        ox, oy = self.xy(x, y)
        return _Pen(self.img, ox, oy, self.k * k, self.flip * flip)

    def xy(self, x, y):
        """Local point in canvas fractions."""
        return self.ox + self.flip * x * self.k, self.oy + y * self.k

    def p(self, x, y):
        """Local point in canvas pixels."""
        X, Y = self.xy(x, y)
        return (round(X * self.size), round(Y * self.size))

    def w(self, width):
        """Local length in whole canvas pixels (at least 1)."""
        return max(1, round(width * self.k * self.size))

    def ellipse(self, x, y, rx, ry, fill, angle=0.0):
        """Filled ellipse centred at (x, y), turned by angle degrees."""
        if angle == 0.0:
            (x0, y0), (x1, y1) = self.p(x - rx, y - ry), self.p(x + rx, y + ry)
            self.draw.ellipse([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)], fill=fill)
        else:
            t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
            a = math.radians(angle)
            ex, ey = rx * np.cos(t), ry * np.sin(t)
            pts = zip(x + ex * math.cos(a) - ey * math.sin(a), y + ex * math.sin(a) + ey * math.cos(a))
            self.poly(list(pts), fill)

    def poly(self, pts, fill):
        """Filled polygon through local points."""
        self.draw.polygon([self.p(x, y) for x, y in pts], fill=fill)

    def rect(self, x0, y0, x1, y1, fill, radius=0.0):
        """Filled (optionally rounded) rectangle between two local corners."""
        (a, b), (c, d) = self.p(x0, y0), self.p(x1, y1)
        box = [min(a, c), min(b, d), max(a, c), max(b, d)]
        if radius > 0:
            r = min(self.w(radius), (box[2] - box[0]) // 2, (box[3] - box[1]) // 2)
            self.draw.rounded_rectangle(box, radius=r, fill=fill)
        else:
            self.draw.rectangle(box, fill=fill)

    def line(self, pts, width, fill):
        """Polyline of the given local width with round joints."""
        self.draw.line([self.p(x, y) for x, y in pts], fill=fill, width=self.w(width), joint="curve")

    def curve(self, pts, w0, w1, fill, steps=30):
        """Thick quadratic Bezier through three local points, width tapering from w0 to w1."""
        (ax, ay), (bx, by), (cx, cy) = pts
        for t in np.linspace(0, 1, steps):
            x = (1 - t) ** 2 * ax + 2 * (1 - t) * t * bx + t ** 2 * cx
            y = (1 - t) ** 2 * ay + 2 * (1 - t) * t * by + t ** 2 * cy
            r = (w0 + (w1 - w0) * t) / 2
            self.ellipse(x, y, r, r, fill)


def _layer(size):
    """Transparent RGBA canvas."""
    return Image.new("RGBA", (size, size), (0, 0, 0, 0))


def _clipped(layer, paint):
    """Run paint(pen) on a scratch layer and keep only what falls on layer's opaque pixels."""
    scratch = _layer(layer.size[0])
    paint(_Pen(scratch))
    alpha = ImageChops.multiply(scratch.getchannel("A"), layer.getchannel("A"))
    scratch.putalpha(alpha)
    layer.alpha_composite(scratch)


def _place(rng, bg, layer, angle_range=15.0, shadow=None):
    """Composite a figure layer on a background, turned by a small random angle."""
    bg = bg.convert("RGBA")
    if shadow is not None:
        sh = _layer(bg.size[0])
        _Pen(sh).ellipse(*shadow, fill=(0, 0, 0, 70))
        bg.alpha_composite(sh.filter(ImageFilter.GaussianBlur(bg.size[0] / 60)))
    angle = rng.uniform(-angle_range, angle_range)
    layer = layer.rotate(angle, resample=Image.Resampling.BICUBIC)
    bg.alpha_composite(layer)
    return bg.convert("RGB")


# ---------------------------------------------------------------- backgrounds (shared by both classes)

def _gradient(size, top, bottom, horizontal=False):
    """Linear gradient between two colours as an RGB image."""
    t = np.linspace(0.0, 1.0, size)[:, None, None]
    g = np.array(top[:3], dtype=np.float64) * (1 - t) + np.array(bottom[:3], dtype=np.float64) * t
    g = np.broadcast_to(g, (size, size, 3))
    if horizontal:
        g = g.transpose(1, 0, 2)
    return Image.fromarray(np.rint(g).astype(np.uint8), "RGB")


def _random_colour(rng, lo=30, hi=230):
    """Any colour with channels in [lo, hi]."""
    return tuple(int(v) for v in rng.randint(lo, hi + 1, size=3))


def _background(rng, size, tone=None):
    """A random backdrop pushed to tone; returns (image, floor_y)."""
    img, floor_y = _any_background(rng, size)
    return _retone(rng, img, tone), floor_y


def _any_background(rng, size):
    """A random backdrop: plain, room, outdoors, fabric or dark; returns (image, floor_y)."""
    kind = _pick(rng, (("plain", 0.24), ("room", 0.26), ("outdoor", 0.22), ("fabric", 0.16), ("dark", 0.12)))
    if kind == "plain":
        c = _random_colour(rng)
        img = _gradient(size, c, _shade(c, rng.uniform(0.5, 1.4)), rng.rand() < 0.5)
        return img, rng.uniform(0.7, 0.95)
    if kind == "room":
        return _room(rng, size)
    if kind == "outdoor":
        return _outdoor(rng, size)
    if kind == "fabric":
        return _fabric(rng, size), rng.uniform(0.75, 0.95)
    c = _random_colour(rng, 5, 60)
    img = _gradient(size, c, _random_colour(rng, 5, 70), rng.rand() < 0.5)
    pen = _Pen(img)
    for _ in range(rng.randint(0, 5)):
        r = rng.uniform(0.01, 0.04)
        pen.ellipse(rng.rand(), rng.rand() * 0.6, r, r, fill=_rgba(_random_colour(rng, 120, 255)))
    return img, rng.uniform(0.75, 0.95)


def _room(rng, size):
    """Wall and floor, maybe a window, a picture frame or wallpaper stripes."""
    floor_y = rng.uniform(0.55, 0.85)
    wall = _random_colour(rng, 90, 235)
    img = _gradient(size, wall, _shade(wall, rng.uniform(0.6, 1.1)))
    pen = _Pen(img)
    if rng.rand() < 0.35:
        stripe = _jit(rng, _shade(wall, rng.uniform(0.75, 1.2)), 10)
        step = rng.uniform(0.06, 0.15)
        for x in np.arange(rng.uniform(0, step), 1.0, step):
            pen.rect(x, 0, x + step / 3, floor_y, stripe)
    if rng.rand() < 0.45:
        x0, y0 = rng.uniform(0.0, 0.7), rng.uniform(0.0, 0.25)
        w, h = rng.uniform(0.2, 0.4), rng.uniform(0.2, 0.35)
        frame = _rgba(_random_colour(rng, 180, 255))
        pen.rect(x0, y0, x0 + w, y0 + h, frame)
        sky = _jit(rng, (140, 190, 235), 30)
        pen.rect(x0 + 0.02, y0 + 0.02, x0 + w - 0.02, y0 + h - 0.02, sky)
        pen.rect(x0 + w / 2 - 0.01, y0, x0 + w / 2 + 0.01, y0 + h, frame)
    elif rng.rand() < 0.4:
        x0, y0 = rng.uniform(0.05, 0.7), rng.uniform(0.05, 0.3)
        pen.rect(x0, y0, x0 + 0.22, y0 + 0.17, _rgba(_random_colour(rng, 40, 120)))
        pen.rect(x0 + 0.02, y0 + 0.02, x0 + 0.2, y0 + 0.15, _rgba(_random_colour(rng)))
    floor = _random_colour(rng, 50, 200)
    pen.rect(0, floor_y, 1, 1.01, _rgba(floor))
    if rng.rand() < 0.5:
        pen.rect(0, floor_y, 1, floor_y + 0.02, _shade(floor, 0.7))
    return img, floor_y + rng.uniform(0.05, 0.15)


def _outdoor(rng, size):
    """Sky and ground, maybe clouds, a sun, distant hills or a tree."""
    horizon = rng.uniform(0.35, 0.75)
    sky = [(120, 180, 235), (200, 215, 230), (245, 170, 110), (150, 160, 175)][rng.randint(4)]
    img = _gradient(size, _jit(rng, sky, 20), _jit(rng, (225, 230, 240), 20))
    pen = _Pen(img)
    if rng.rand() < 0.4:
        x, y = rng.uniform(0.1, 0.9), rng.uniform(0.05, horizon - 0.1)
        pen.ellipse(x, y, 0.06, 0.06, _jit(rng, (250, 230, 120), 10))
    for _ in range(rng.randint(0, 3)):
        x, y = rng.uniform(0, 1), rng.uniform(0.05, horizon - 0.05)
        for dx in (-0.06, 0.0, 0.06):
            pen.ellipse(x + dx, y - (0.02 if dx == 0 else 0), 0.06, 0.035, _jit(rng, (245, 245, 248), 6))
    ground = [(90, 150, 70), (120, 170, 80), (170, 150, 110), (225, 215, 170), (235, 240, 245)][rng.randint(5)]
    if rng.rand() < 0.5:
        for _ in range(rng.randint(1, 3)):
            pen.ellipse(rng.uniform(0, 1), horizon, rng.uniform(0.2, 0.5), rng.uniform(0.05, 0.15),
                        _shade(_jit(rng, ground), 0.8))
    pen.rect(0, horizon, 1, 1.01, _jit(rng, ground))
    if rng.rand() < 0.35:
        x = rng.choice([rng.uniform(0.0, 0.2), rng.uniform(0.8, 1.0)])
        _tree(rng, pen.at(x, horizon, rng.uniform(0.15, 0.3)))
    return img, rng.uniform(max(horizon + 0.1, 0.75), 0.95)


def _fabric(rng, size):
    """Blanket, carpet or sofa: stripes, checks or dots."""
    base = _random_colour(rng)
    img = Image.new("RGB", (size, size), base)
    pen = _Pen(img)
    other = _jit(rng, _shade(base, rng.choice([0.6, 1.3])), 20) if rng.rand() < 0.6 else _rgba(_random_colour(rng))
    style, step = rng.randint(3), rng.uniform(0.08, 0.2)
    for i, v in enumerate(np.arange(0, 1.0, step)):
        if style == 0:
            pen.rect(0, v, 1, v + step / 2, other)
        elif style == 1:
            for j, u in enumerate(np.arange(0, 1.0, step)):
                if (i + j) % 2 == 0:
                    pen.rect(u, v, u + step, v + step, other)
        else:
            for u in np.arange(0, 1.0, step):
                pen.ellipse(u + step / 2, v + step / 2, step / 5, step / 5, other)
    return img


# ---------------------------------------------------------------- cats (class 1)

def _coat(rng, tone=None):
    """A cat's coat: base colour, pattern and the colours the pattern uses."""
    pattern = _pick(rng, (("solid", 0.22), ("tabby", 0.3), ("tuxedo", 0.14), ("calico", 0.12),
                          ("bicolour", 0.12), ("pointed", 0.10)))
    if pattern == "tabby":
        base = FUR[["orange", "grey", "brown", "silver", "cream"][rng.randint(5)]]
    elif pattern == "tuxedo":
        base = FUR[["black", "grey", "black"][rng.randint(3)]]
    elif pattern == "calico":
        base = FUR["white"]
    elif pattern == "pointed":
        base = FUR["cream"]
    else:
        base = FUR[["orange", "cream", "grey", "black", "white", "brown", "silver"][rng.randint(7)]]
    base = _retone_colour(rng, _jit(rng, base, 16), tone)
    coat = {"pattern": pattern, "base": base, "dark": _shade(base, rng.uniform(0.45, 0.65)),
            "white": _jit(rng, FUR["white"], 8), "eye": _jit(rng, CAT_EYES[rng.randint(len(CAT_EYES))], 20)}
    if pattern == "pointed":
        coat["dark"], coat["eye"] = _jit(rng, (90, 60, 45), 12), _jit(rng, (80, 150, 225), 20)
    coat["patches"] = [_jit(rng, FUR["orange"], 16), _jit(rng, FUR["black"], 8)]
    coat["other"] = _jit(rng, FUR[["white", "black", "orange", "grey"][rng.randint(4)]], 10)
    coat["stripe_gap"] = rng.uniform(0.22, 0.32)
    coat["pupil"] = rng.uniform(0.035, 0.1)
    coat["ear_h"] = rng.uniform(0.0, 0.3)
    coat["ear_spread"] = rng.uniform(-0.08, 0.12)
    coat["patch_pos"] = rng.uniform(-1, 1, size=(6, 2))
    return coat


def _cat_head(rng, pen, coat):
    """Front-facing cat head of radius ~1 at the pen's origin: ears, eyes, nose, mouth, whiskers."""
    base, dark = coat["base"], coat["dark"]
    eh, es = coat["ear_h"], coat["ear_spread"]
    ears = [[(-0.95 - es, -0.25), (-0.2, -0.78), (-0.78 - es, -1.42 - eh)],
            [(0.95 + es, -0.25), (0.2, -0.78), (0.78 + es, -1.42 - eh)]]
    ear_colour = dark if coat["pattern"] == "pointed" else base
    for ear in ears:
        pen.poly(ear, ear_colour)
    pen.ellipse(0, 0, 1.0, 0.86, base)
    pen.ellipse(0, 0.22, 1.08, 0.6, base)

    def paint(p):
        """Coat markings, clipped to the head."""
        q = p.at(*pen.xy(0, 0), pen.k / p.k, pen.flip)
        if coat["pattern"] == "tabby":
            for x in (-0.22, 0.0, 0.22):
                q.line([(x, -0.85), (x * 0.6, -0.45)], 0.08, dark)
            for s in (-1, 1):
                for j in range(3):
                    y = -0.05 + j * coat["stripe_gap"]
                    q.line([(s * 1.2, y - 0.05), (s * 0.72, y + 0.05)], 0.07, dark)
        elif coat["pattern"] == "tuxedo":
            q.ellipse(0, 0.55, 0.55, 0.42, coat["white"])
            q.poly([(-0.12, -0.9), (0.12, -0.9), (0.2, 0.3), (-0.2, 0.3)], coat["white"])
        elif coat["pattern"] == "calico":
            for (u, v), c in zip(coat["patch_pos"][:4], coat["patches"] * 2):
                q.ellipse(u * 0.9, v * 0.8 - 0.3, 0.42, 0.34, c)
        elif coat["pattern"] == "bicolour":
            q.ellipse(coat["patch_pos"][0][0] * 0.7, -0.55, 0.75, 0.55, coat["other"])
        elif coat["pattern"] == "pointed":
            q.ellipse(0, 0.3, 0.5, 0.48, dark)
    _clipped(pen.img, paint)
    for ear in ears:
        (ax, ay), (bx, by), (tx, ty) = ear
        inner = [(ax * 0.8 + bx * 0.2, ay - 0.08), (bx * 0.8 + ax * 0.2, by - 0.02),
                 (tx * 0.85 + (ax + bx) * 0.075, ty * 0.82)]
        pen.poly(inner, _mix(PINK, dark, 0.3) if coat["pattern"] != "pointed" else _shade(dark, 0.8))
    for s in (-1, 1):
        pen.ellipse(s * 0.38, -0.08, 0.21, 0.15, _rgba((20, 20, 20)))
        pen.ellipse(s * 0.38, -0.08, 0.18, 0.13, coat["eye"])
        pen.ellipse(s * 0.38, -0.08, coat["pupil"], 0.13, BLACK)
        pen.ellipse(s * 0.38 + 0.05, -0.13, 0.035, 0.035, WHITE)
    muzzle = coat["white"] if coat["pattern"] in ("tuxedo", "calico") else _shade(base, 1.15)
    for s in (-1, 1):
        pen.ellipse(s * 0.14, 0.36, 0.17, 0.13, muzzle)
    pen.poly([(-0.1, 0.17), (0.1, 0.17), (0.0, 0.29)], _jit(rng, PINK, 14))
    mouth = _shade(base, 0.4) if sum(base[:3]) > 200 else _rgba((110, 100, 100))
    pen.line([(0, 0.29), (0, 0.38)], 0.025, mouth)
    pen.line([(-0.17, 0.43), (-0.08, 0.44), (0, 0.38), (0.08, 0.44), (0.17, 0.43)], 0.025, mouth)
    whisker = _rgba((250, 250, 250)) if sum(base[:3]) < 450 else _rgba((70, 65, 60))
    for s in (-1, 1):
        for j, dy in enumerate((-0.12, 0.0, 0.13)):
            pen.line([(s * 0.3, 0.34 + j * 0.04), (s * 1.35, 0.3 + dy * 2.2)], 0.018, whisker)


def _cat_tail(pen, coat, pts, width=0.32):
    """Thick curved tail through three local points, ringed for tabbies and dark for pointed coats."""
    colour = coat["dark"] if coat["pattern"] == "pointed" else coat["base"]
    pen.curve(pts, width, width * 0.8, colour)
    if coat["pattern"] == "tabby":
        for t in (0.35, 0.6, 0.85):
            (ax, ay), (bx, by), (cx, cy) = pts
            x = (1 - t) ** 2 * ax + 2 * (1 - t) * t * bx + t ** 2 * cx
            y = (1 - t) ** 2 * ay + 2 * (1 - t) * t * by + t ** 2 * cy
            pen.ellipse(x, y, width * 0.42, width * 0.42, coat["dark"])


def _body_markings(pen, coat, cx, cy, rx, ry):
    """Stripes, patches or bib painted on a body ellipse already drawn (clipped to the figure)."""
    def paint(p):
        """Markings in the body's frame."""
        q = p.at(*pen.xy(0, 0), pen.k / p.k, pen.flip)
        if coat["pattern"] == "tabby":
            for j in range(5):
                x = cx - rx * 0.7 + j * rx * 0.35
                q.line([(x - 0.1, cy - ry), (x + 0.05, cy + ry * 0.3)], 0.12, coat["dark"])
        elif coat["pattern"] == "tuxedo":
            q.ellipse(cx, cy + ry * 0.6, rx * 0.6, ry * 0.6, coat["white"])
        elif coat["pattern"] == "calico":
            for (u, v), c in zip(coat["patch_pos"], coat["patches"] * 3):
                q.ellipse(cx + u * rx * 0.8, cy + v * ry * 0.8, rx * 0.4, ry * 0.4, c)
        elif coat["pattern"] == "bicolour":
            q.ellipse(cx + coat["patch_pos"][1][0] * rx * 0.5, cy - ry * 0.3, rx * 0.6, ry * 0.6, coat["other"])
    _clipped(pen.img, paint)


def _cat_picture(rng, size, tone):
    """A cat in one of several poses on a random backdrop."""
    bg, floor_y = _background(rng, size, tone[1])
    coat = _coat(rng, tone[0])
    layer = _layer(size)
    pose = _pick(rng, CAT_POSES)
    shadow = None
    if pose == "face":
        r = rng.uniform(*FACE_R)
        room = (0.45 - r) * FACE_SHIFT
        cx, cy = rng.uniform(0.5 - room, 0.5 + room), rng.uniform(0.52 - room / 2, 0.52 + room / 2)
        pen = _Pen(layer, cx, cy, r)
        if rng.rand() < 0.6:
            pen.ellipse(0, 1.45, 1.15, 0.9, coat["base"])
            _body_markings(pen, coat, 0, 1.45, 1.15, 0.9)
        _cat_head(rng, pen, coat)
    elif pose == "crop":
        r = rng.uniform(0.4, 0.55)
        pen = _Pen(layer, rng.uniform(0.3, 0.7), rng.uniform(0.45, 0.75), r)
        _cat_head(rng, pen, coat)
    else:  # sitting, seen from the front
        r = rng.uniform(0.12, 0.17)
        cx = rng.uniform(0.25, 0.75)
        cy = min(floor_y, 0.97) - 3.15 * r
        pen = _Pen(layer, cx, cy, r, flip=1 if rng.rand() < 0.5 else -1)
        _cat_tail(pen, coat, [(0.7, 2.9), (1.9, 3.0), (1.6, 1.6)])
        pen.ellipse(0, 1.85, 1.0, 1.3, coat["base"])
        for s in (-1, 1):
            pen.ellipse(s * 0.75, 2.55, 0.55, 0.6, coat["base"])
        _body_markings(pen, coat, 0, 1.85, 1.0, 1.3)
        paw = coat["white"] if coat["pattern"] in ("tuxedo", "calico") else coat["base"]
        for s in (-1, 1):
            pen.rect(s * 0.35 - 0.17, 1.9, s * 0.35 + 0.17, 3.05, _shade(coat["base"], 0.93), radius=0.15)
            pen.ellipse(s * 0.35, 3.05, 0.22, 0.12, paw)
        _cat_head(rng, pen, coat)
        shadow = (cx, cy + 3.15 * r, 1.5 * r, 0.35 * r)
    return _place(rng, bg, layer, 20.0 if pose in ("face", "crop") else 8.0, shadow)


# ---------------------------------------------------------------- dogs (class 0)

def _dog_head(rng, pen, fur, ears):
    """Front-facing dog head: long muzzle, big black nose, round eyes, floppy or other ears."""
    base, dark, light = fur
    if ears == "pointy":
        for s in (-1, 1):
            pen.poly([(s * 0.85, -0.4), (s * 0.25, -0.85), (s * 0.78, -1.5)], dark)
            pen.poly([(s * 0.72, -0.5), (s * 0.38, -0.8), (s * 0.72, -1.3)], _shade(dark, 0.7))
    elif ears == "round":
        for s in (-1, 1):
            pen.ellipse(s * 0.68, -0.78, 0.32, 0.3, dark)
    pen.ellipse(0, -0.05, 0.9, 0.95, base)
    if ears == "floppy":
        for s in (-1, 1):
            pen.ellipse(s * 0.92, 0.15, 0.32, 0.72, dark, angle=-s * 12)
    elif ears == "folded":
        for s in (-1, 1):
            pen.poly([(s * 0.35, -0.85), (s * 1.05, -0.65), (s * 0.85, 0.05)], dark)
    pen.ellipse(0, 0.5, 0.55, 0.45, light)
    if rng.rand() < 0.4:
        pen.ellipse(0, 0.95, 0.16, 0.24, _jit(rng, (225, 90, 110), 12))
        pen.ellipse(0, 0.5, 0.55, 0.3, light)
    pen.ellipse(0, 0.28, 0.24, 0.17, BLACK)
    pen.ellipse(-0.06, 0.23, 0.06, 0.04, _rgba((120, 120, 125)))
    pen.line([(0, 0.42), (0, 0.62)], 0.04, BLACK)
    pen.line([(-0.3, 0.7), (-0.15, 0.72), (0, 0.62), (0.15, 0.72), (0.3, 0.7)], 0.035, BLACK)
    for s in (-1, 1):
        pen.ellipse(s * 0.36, -0.22, 0.13, 0.13, _rgba((50, 30, 20)))
        pen.ellipse(s * 0.36 + 0.04, -0.26, 0.04, 0.04, WHITE)
        if rng.rand() < 0.5:
            pen.ellipse(s * 0.36, -0.44, 0.09, 0.05, _shade(base, 1.25))


def _dog_fur(rng, tone=None):
    """(base, dark, light) colours of a dog's coat."""
    base = _jit(rng, FUR[["golden", "brown", "black", "white", "tan", "grey", "cream", "orange"][rng.randint(8)]])
    base = _retone_colour(rng, base, tone)
    dark = _shade(base, rng.uniform(0.5, 0.8)) if rng.rand() < 0.7 else _jit(rng, FUR["brown"])
    light = _shade(base, 1.3) if rng.rand() < 0.6 else _jit(rng, FUR["white"], 8)
    return base, dark, light


def _dog_picture(rng, size, tone):
    """A dog's face, or a standing dog in profile."""
    bg, floor_y = _background(rng, size, tone[1])
    layer = _layer(size)
    fur = _dog_fur(rng, tone[0])
    ears = "pointy" if rng.rand() < DOG_POINTY_EARS else ["floppy", "floppy", "folded", "round"][rng.randint(4)]
    shadow = None
    if rng.rand() < 0.6:
        r = rng.uniform(0.22, 0.4)
        pen = _Pen(layer, rng.uniform(0.5 - (0.45 - r) / 2, 0.5 + (0.45 - r) / 2), rng.uniform(0.42, 0.6), r)
        if rng.rand() < 0.6:
            pen.ellipse(0, 1.5, 1.1, 0.9, fur[0])
        _dog_head(rng, pen, fur, ears)
    else:
        r = rng.uniform(0.09, 0.12)
        cx, cy = rng.uniform(0.45, 0.55), min(floor_y, 0.97) - 2.5 * r
        pen = _Pen(layer, cx, cy, r, flip=1 if rng.rand() < 0.5 else -1)
        pen.curve([(-1.8, -0.3), (-2.5, -1.0), (-2.6, -1.8)], 0.25, 0.12, fur[0])
        for x in (-1.3, -0.9, 1.0, 1.4):
            pen.rect(x - 0.17, 0, x + 0.17, 2.5, fur[0] if x in (-1.3, 1.0) else _shade(fur[0], 0.85), radius=0.1)
        pen.ellipse(0, 0, 2.0, 0.8, fur[0])
        pen.rect(1.4, -1.3, 2.1, 0.2, fur[0], radius=0.3)
        pen.ellipse(2.0, -1.5, 0.75, 0.65, fur[0])
        pen.rect(2.2, -1.5, 3.3, -0.95, fur[2], radius=0.25)
        pen.ellipse(3.25, -1.35, 0.2, 0.16, BLACK)
        pen.ellipse(2.3, -1.75, 0.1, 0.1, BLACK)
        if ears == "pointy":
            pen.poly([(1.5, -1.8), (1.95, -2.0), (1.6, -2.8)], fur[1])
        else:
            pen.ellipse(1.75, -1.2, 0.28, 0.6, fur[1], angle=15)
        if rng.rand() < 0.4:
            pen.ellipse(0, -0.1, 0.7, 0.45, fur[1])
        shadow = (cx, cy + 2.5 * r, 2.6 * r, 0.3 * r)
    return _place(rng, bg, layer, 15.0, shadow)


# ---------------------------------------------------------------- other animals (class 0)

def _animal_picture(rng, size, tone):
    """A rabbit, bear, mouse, bird or fish."""
    kind = _pick(rng, (("rabbit", 0.24), ("bear", 0.2), ("mouse", 0.16), ("bird", 0.22), ("fish", 0.18)))
    if kind == "fish":
        return _fish_picture(rng, size, tone)
    bg, floor_y = _background(rng, size, tone[1])
    layer = _layer(size)
    if kind == "bird":
        _bird(rng, _Pen(layer, rng.uniform(0.35, 0.65), rng.uniform(0.4, 0.6), rng.uniform(0.13, 0.2),
                        1 if rng.rand() < 0.5 else -1), tone[0])
        return _place(rng, bg, layer, 15.0)
    r = rng.uniform(0.2, 0.32)
    pen = _Pen(layer, rng.uniform(0.5 - (0.45 - r) / 2, 0.5 + (0.45 - r) / 2), rng.uniform(0.5, 0.62), r)
    if kind == "rabbit":
        fur = _retone_colour(rng, _jit(rng, FUR[["white", "grey", "brown", "cream", "tan"][rng.randint(5)]]), tone[0])
        tilt = rng.uniform(-15, 25)
        for s in (-1, 1):
            pen.ellipse(s * 0.42, -1.35, 0.26, 0.85, fur, angle=s * tilt)
            pen.ellipse(s * 0.42, -1.3, 0.13, 0.65, _jit(rng, PINK, 8), angle=s * tilt)
        if rng.rand() < 0.6:
            pen.ellipse(0, 1.4, 1.05, 0.85, fur)
        pen.ellipse(0, 0, 0.88, 0.82, fur)
        for s in (-1, 1):
            pen.ellipse(s * 0.36, -0.12, 0.13, 0.15, BLACK)
            pen.ellipse(s * 0.36 + 0.04, -0.17, 0.04, 0.04, WHITE)
            pen.ellipse(s * 0.13, 0.36, 0.16, 0.12, _shade(fur, 1.15))
        pen.ellipse(0, 0.22, 0.09, 0.07, _jit(rng, PINK, 10))
        pen.rect(-0.09, 0.45, 0.09, 0.62, WHITE)
        if rng.rand() < 0.6:
            for s in (-1, 1):
                for dy in (-0.08, 0.08):
                    pen.line([(s * 0.3, 0.35), (s * 1.1, 0.3 + dy * 2)], 0.018, _shade(fur, 0.5))
    elif kind == "bear":
        fur = _retone_colour(rng, _jit(rng, FUR[["brown", "tan", "black", "golden", "white"][rng.randint(5)]]), tone[0])
        if rng.rand() < 0.6:
            pen.ellipse(0, 1.5, 1.2, 1.0, fur)
        for s in (-1, 1):
            pen.ellipse(s * 0.72, -0.72, 0.3, 0.3, fur)
            pen.ellipse(s * 0.72, -0.72, 0.16, 0.16, _shade(fur, 0.7))
        pen.ellipse(0, 0, 0.95, 0.9, fur)
        pen.ellipse(0, 0.35, 0.42, 0.32, _shade(fur, 1.35))
        pen.ellipse(0, 0.22, 0.16, 0.11, BLACK)
        pen.line([(0, 0.3), (0, 0.45), (-0.12, 0.52)], 0.03, BLACK)
        pen.line([(0, 0.45), (0.12, 0.52)], 0.03, BLACK)
        for s in (-1, 1):
            pen.ellipse(s * 0.38, -0.18, 0.09, 0.09, BLACK)
    else:  # mouse
        fur = _retone_colour(rng, _jit(rng, FUR[["grey", "silver", "brown", "white"][rng.randint(4)]]), tone[0])
        for s in (-1, 1):
            pen.ellipse(s * 0.78, -0.65, 0.5, 0.5, fur)
            pen.ellipse(s * 0.78, -0.65, 0.34, 0.34, _jit(rng, PINK, 10))
        if rng.rand() < 0.5:
            pen.ellipse(0, 1.3, 0.9, 0.8, fur)
        pen.ellipse(0, 0.05, 0.7, 0.75, fur)
        pen.poly([(-0.45, 0.2), (0.45, 0.2), (0.0, 0.95)], fur)
        pen.ellipse(0, 0.92, 0.1, 0.08, _jit(rng, PINK, 10))
        for s in (-1, 1):
            pen.ellipse(s * 0.28, -0.05, 0.1, 0.12, BLACK)
            for dy in (-0.1, 0.05, 0.2):
                pen.line([(s * 0.08, 0.85), (s * 0.85, 0.7 + dy)], 0.015, _shade(fur, 0.45))
    return _place(rng, bg, layer, 15.0)


def _bird(rng, pen, tone=None):
    """A small bird perched on a branch."""
    body = _jit(rng, [(200, 60, 50), (70, 110, 200), (230, 200, 60), (110, 90, 70), (60, 60, 60)][rng.randint(5)])
    body = _retone_colour(rng, body, tone)
    wing = _shade(body, rng.uniform(0.55, 0.8))
    branch = _jit(rng, (100, 70, 40), 15)
    pen.line([(-2.2, 1.05), (2.2, 0.95)], 0.16, branch)
    for s in (-0.25, 0.2):
        pen.line([(s, 0.6), (s + 0.05, 1.0)], 0.06, _rgba((200, 140, 60)))
    pen.poly([(-0.9, 0.1), (-2.0, 0.6), (-1.8, 0.9)], wing)
    pen.ellipse(0, 0.15, 1.05, 0.62, body, angle=-15)
    pen.ellipse(0.05, 0.35, 0.55, 0.35, _shade(body, 1.35))
    pen.ellipse(-0.15, 0.05, 0.7, 0.35, wing, angle=-20)
    pen.ellipse(0.85, -0.45, 0.48, 0.45, body)
    pen.poly([(1.25, -0.55), (1.75, -0.4), (1.25, -0.3)], _jit(rng, (240, 170, 40), 15))
    pen.ellipse(1.0, -0.55, 0.09, 0.09, BLACK)
    pen.ellipse(1.03, -0.58, 0.03, 0.03, WHITE)


def _fish_picture(rng, size, tone):
    """A fish in water with bubbles and weed."""
    water = _jit(rng, [(40, 110, 170), (30, 140, 150), (60, 90, 140)][rng.randint(3)], 20)
    img = _retone(rng, _gradient(size, _shade(water, 1.4), _shade(water, 0.6)), tone[1])
    pen = _Pen(img)
    for _ in range(rng.randint(1, 4)):
        x = rng.uniform(0, 1)
        pen.curve([(x, 1.0), (x + rng.uniform(-0.1, 0.1), 0.8), (x + rng.uniform(-0.05, 0.05), 0.6)],
                  0.04, 0.02, _jit(rng, (50, 140, 60), 20))
    layer = _layer(size)
    r = rng.uniform(0.14, 0.22)
    f = _Pen(layer, rng.uniform(0.4, 0.6), rng.uniform(0.4, 0.6), r, 1 if rng.rand() < 0.5 else -1)
    body = _jit(rng, [(240, 140, 40), (230, 200, 60), (200, 60, 60), (160, 170, 180), (90, 160, 220)][rng.randint(5)])
    body = _retone_colour(rng, body, tone[0])
    f.poly([(-1.1, 0.0), (-2.0, -0.75), (-1.8, 0.0), (-2.0, 0.75)], _shade(body, 0.8))
    f.poly([(-0.4, -0.6), (0.3, -1.2), (0.5, -0.5)], _shade(body, 0.8))
    f.ellipse(0, 0, 1.3, 0.75, body)
    if rng.rand() < 0.5:
        for x in (-0.5, 0.1):
            f.rect(x, -0.7, x + 0.22, 0.7, WHITE)
    f.ellipse(0.8, -0.15, 0.17, 0.17, WHITE)
    f.ellipse(0.84, -0.15, 0.09, 0.09, BLACK)
    f.line([(1.1, 0.2), (1.25, 0.25)], 0.05, _shade(body, 0.5))
    for _ in range(rng.randint(2, 6)):
        b = rng.uniform(0.01, 0.025)
        _Pen(layer).ellipse(rng.uniform(0.1, 0.9), rng.uniform(0.05, 0.5), b, b, (220, 240, 255, 255))
    return _place(rng, img, layer, 20.0)


# ---------------------------------------------------------------- objects and scenes (class 0)

def _tree(rng, pen):
    """A tree standing on the pen's origin (leafy or pine), one unit tall."""
    pen.rect(-0.06, -0.45, 0.06, 0.0, _jit(rng, (100, 70, 40), 15))
    green = _jit(rng, (60, 130, 60), 25)
    if rng.rand() < 0.5:
        pen.ellipse(0, -0.7, 0.35, 0.4, green)
    else:
        for j in range(3):
            pen.poly([(-0.35 + j * 0.06, -0.3 - j * 0.25), (0.35 - j * 0.06, -0.3 - j * 0.25),
                      (0, -0.75 - j * 0.25)], green)


def _object_picture(rng, size, tone):
    """One everyday object on a random backdrop."""
    bg, floor_y = _background(rng, size, tone[1])
    layer = _layer(size)
    kind = ["mug", "ball", "lamp", "chair", "clock", "books", "car", "plant", "house"][rng.randint(9)]
    c = _retone_colour(rng, _random_colour(rng, 40, 240), tone[0])
    s = rng.uniform(0.25, 0.4)
    cx = rng.uniform(0.5 - (0.45 - s / 2) / 2, 0.5 + (0.45 - s / 2) / 2)
    base = min(floor_y, 0.95)
    pen = _Pen(layer, cx, base, s)
    if kind == "mug":
        pen.ellipse(0.5, -0.5, 0.28, 0.25, c)
        pen.ellipse(0.5, -0.5, 0.16, 0.14, (0, 0, 0, 0))
        pen.rect(-0.5, -1.05, 0.55, 0.0, c, radius=0.08)
        pen.ellipse(0.02, -1.05, 0.53, 0.08, _shade(c, 0.5))
        if rng.rand() < 0.5:
            pen.rect(-0.3, -0.7, 0.3, -0.4, _rgba(_random_colour(rng)))
    elif kind == "ball":
        pen.ellipse(0, -0.6, 0.6, 0.6, c)
        pen.curve([(-0.55, -0.85), (0, -0.45), (0.55, -0.85)], 0.08, 0.08, WHITE)
        pen.curve([(-0.55, -0.35), (0, -0.75), (0.55, -0.35)], 0.08, 0.08, _rgba(_random_colour(rng)))
    elif kind == "lamp":
        pen.rect(-0.35, -0.08, 0.35, 0.0, _shade(c, 0.6))
        pen.rect(-0.05, -1.3, 0.05, -0.05, _rgba((90, 90, 90)))
        pen.poly([(-0.25, -1.9), (0.25, -1.9), (0.55, -1.25), (-0.55, -1.25)], c)
    elif kind == "chair":
        for x in (-0.45, 0.4):
            pen.rect(x, -0.9, x + 0.08, 0.0, _shade(c, 0.7))
        pen.rect(-0.5, -1.0, 0.55, -0.85, c)
        pen.rect(0.4, -2.0, 0.55, -0.9, c)
        for y in (-1.75, -1.4):
            if rng.rand() < 0.5:
                pen.rect(0.2, y, 0.55, y + 0.1, c)
    elif kind == "clock":
        pen.ellipse(0, -0.75, 0.7, 0.7, c)
        pen.ellipse(0, -0.75, 0.58, 0.58, WHITE)
        for k in range(12):
            a = k * math.pi / 6
            pen.line([(0.5 * math.cos(a), -0.75 + 0.5 * math.sin(a)),
                      (0.56 * math.cos(a), -0.75 + 0.56 * math.sin(a))], 0.04, BLACK)
        h, m = rng.uniform(0, 2 * math.pi, size=2)
        pen.line([(0, -0.75), (0.3 * math.sin(h), -0.75 - 0.3 * math.cos(h))], 0.06, BLACK)
        pen.line([(0, -0.75), (0.45 * math.sin(m), -0.75 - 0.45 * math.cos(m))], 0.04, BLACK)
    elif kind == "books":
        y = 0.0
        for _ in range(rng.randint(3, 6)):
            h, w, dx = rng.uniform(0.15, 0.28), rng.uniform(0.8, 1.2), rng.uniform(-0.1, 0.1)
            pen.rect(-w / 2 + dx, y - h, w / 2 + dx, y, _rgba(_random_colour(rng, 30, 230)))
            pen.rect(-w / 2 + dx + 0.05, y - h * 0.6, w / 2 + dx - 0.05, y - h * 0.45, WHITE)
            y -= h
    elif kind == "car":
        pen.rect(-1.1, -0.75, 1.1, -0.2, c, radius=0.15)
        pen.poly([(-0.6, -0.75), (-0.35, -1.2), (0.45, -1.2), (0.75, -0.75)], c)
        pen.poly([(-0.5, -0.78), (-0.3, -1.1), (0.05, -1.1), (0.05, -0.78)], _rgba((170, 210, 235)))
        pen.poly([(0.12, -0.78), (0.12, -1.1), (0.4, -1.1), (0.62, -0.78)], _rgba((170, 210, 235)))
        for x in (-0.6, 0.65):
            pen.ellipse(x, -0.2, 0.22, 0.22, BLACK)
            pen.ellipse(x, -0.2, 0.1, 0.1, _rgba((180, 180, 180)))
    elif kind == "plant":
        green = _jit(rng, (60, 140, 60), 25)
        for _ in range(rng.randint(4, 8)):
            a = rng.uniform(-70, 70)
            pen.ellipse(0.55 * math.sin(math.radians(a)), -0.75 - 0.5 * math.cos(math.radians(a)),
                        0.12, 0.35, green, angle=a)
        pen.poly([(-0.4, -0.65), (0.4, -0.65), (0.3, 0.0), (-0.3, 0.0)], c)
    else:  # house: a triangle that is not a cat's ear
        pen.rect(-0.7, -0.9, 0.7, 0.0, c)
        pen.poly([(-0.85, -0.9), (0.85, -0.9), (0.0, -1.6)], _rgba(_random_colour(rng, 60, 200)))
        pen.rect(-0.15, -0.5, 0.15, 0.0, _shade(c, 0.5))
        for x in (-0.5, 0.3):
            pen.rect(x, -0.75, x + 0.2, -0.55, _rgba((170, 210, 235)))
    return _place(rng, bg, layer, 8.0, (cx, base, 0.5 * s, 0.08 * s))


def _scene_picture(rng, size, tone):
    """A landscape, a room with furniture, a street or a beach, with no animal in it."""
    return _retone(rng, _scene(rng, size), tone[1])


def _scene(rng, size):
    """A scene of a random kind, as an RGB image."""
    kind = ["landscape", "room", "city", "beach"][rng.randint(4)]
    if kind == "room":
        img, floor_y = _room(rng, size)
        pen = _Pen(img)
        c = _rgba(_random_colour(rng, 40, 220))
        x = rng.uniform(0.0, 0.4)
        pen.rect(x, floor_y - 0.35, x + 0.55, floor_y - 0.05, c, radius=0.04)
        pen.rect(x, floor_y - 0.5, x + 0.55, floor_y - 0.3, _shade(c, 0.85), radius=0.04)
        for d in (0, 0.5):
            pen.rect(x + d, floor_y - 0.05, x + d + 0.05, floor_y + 0.05, _shade(c, 0.5))
        if rng.rand() < 0.6:
            t = _rgba(_random_colour(rng, 60, 180))
            tx = rng.uniform(0.6, 0.85)
            pen.rect(tx - 0.15, floor_y - 0.22, tx + 0.15, floor_y - 0.18, t)
            pen.rect(tx - 0.02, floor_y - 0.18, tx + 0.02, floor_y + 0.05, t)
        return img
    if kind == "city":
        img = _gradient(size, _jit(rng, (120, 170, 220), 30), _jit(rng, (220, 220, 230), 20))
        pen = _Pen(img)
        x = -0.05
        while x < 1.0:
            w, h = rng.uniform(0.12, 0.25), rng.uniform(0.3, 0.8)
            c = _rgba(_random_colour(rng, 60, 200))
            pen.rect(x, 0.85 - h, x + w, 0.86, c)
            for wy in np.arange(0.85 - h + 0.04, 0.8, 0.08):
                for wx in np.arange(x + 0.02, x + w - 0.04, 0.06):
                    pen.rect(wx, wy, wx + 0.03, wy + 0.04, _rgba((240, 230, 150)) if rng.rand() < 0.4 else
                             _shade(c, 0.6))
            x += w + rng.uniform(0.0, 0.04)
        pen.rect(0, 0.85, 1, 1.01, _jit(rng, (80, 80, 85), 10))
        pen.rect(0, 0.92, 1, 0.93, _rgba((230, 230, 230)))
        return img
    if kind == "beach":
        img = _gradient(size, _jit(rng, (120, 180, 235), 20), _jit(rng, (200, 225, 240), 15))
        pen = _Pen(img)
        pen.ellipse(rng.uniform(0.1, 0.9), rng.uniform(0.1, 0.3), 0.07, 0.07, _jit(rng, (250, 220, 100), 10))
        sea = rng.uniform(0.45, 0.6)
        pen.rect(0, sea, 1, sea + 0.2, _jit(rng, (40, 110, 180), 20))
        pen.rect(0, sea + 0.2, 1, 1.01, _jit(rng, (230, 210, 160), 15))
        if rng.rand() < 0.6:
            u = _Pen(img, rng.uniform(0.2, 0.8), sea + 0.35, 0.25)
            u.rect(-0.03, -0.8, 0.03, 0.3, _rgba((240, 240, 240)))
            u.poly([(-0.8, -0.6), (0.8, -0.6), (0.0, -1.1)], _rgba(_random_colour(rng, 80, 255)))
        return img
    img, floor_y = _outdoor(rng, size)
    pen = _Pen(img)
    horizon = rng.uniform(0.5, 0.7)
    for _ in range(rng.randint(1, 4)):
        x, h, w = rng.uniform(0, 1), rng.uniform(0.2, 0.45), rng.uniform(0.2, 0.4)
        rock = _jit(rng, (120, 120, 135), 20)
        pen.poly([(x - w, horizon), (x + w, horizon), (x, horizon - h)], rock)
        if rng.rand() < 0.6:
            pen.poly([(x - w * 0.25, horizon - h * 0.75), (x + w * 0.25, horizon - h * 0.75), (x, horizon - h)],
                     _rgba((245, 245, 250)))
    pen.rect(0, horizon, 1, 1.01, _jit(rng, (100, 160, 70), 25))
    for _ in range(rng.randint(0, 4)):
        _tree(rng, pen.at(rng.uniform(0, 1), rng.uniform(horizon + 0.1, 0.95), rng.uniform(0.15, 0.3)))
    return img


def main(argv: list[str] | None = None) -> int:
    """Command line: regenerate the two h5 files into a folder."""
    parser = argparse.ArgumentParser(
        prog="python -m dlcourse.data.catgen",
        description="Regenerate the course's cat vs non-cat pictures as train_catvnoncat.h5 and test_catvnoncat.h5.",
        epilog="example: python -m dlcourse.data.catgen --out dlcourse/data",
    )
    parser.add_argument("--out", required=True, help="folder to write the two files into")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED}, the shipped files)")
    parser.add_argument("--px", type=int, default=PX, help=f"side of the square pictures (default {PX})")
    args = parser.parse_args(argv)
    for path in write_h5(args.out, seed=args.seed, px=args.px):
        print("wrote", path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
