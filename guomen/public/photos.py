"""A reporter's photo: JPEG or PNG only, at most 5 MB, decoded and re-encoded from its pixels so
that no metadata (EXIF position, camera, time) survives."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .rules import PublicError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
Image.MAX_IMAGE_PIXELS = 40_000_000  # refuse decompression bombs


def clean_photo(data: bytes) -> tuple[bytes, str]:
    if len(data) > MAX_BYTES:
        raise PublicError("photo_too_large", _("The photo is larger than 5 MB."), details={"field": "photo"})
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            if fmt not in TYPES:
                raise PublicError("photo_type", _("The photo must be a JPEG or PNG image."), details={"field": "photo"})
            img = ImageOps.exif_transpose(img)  # keep it upright before the orientation tag goes
            img.thumbnail((MAX_SIDE, MAX_SIDE))
            mode = "RGB" if fmt == "JPEG" else ("RGBA" if "A" in img.getbands() else "RGB")
            clean = Image.new(mode, img.size)
            clean.paste(img.convert(mode))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise PublicError("photo_type", _("The photo must be a JPEG or PNG image."), details={"field": "photo"}) from exc
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=85)
    else:
        clean.save(out, "PNG")
    return out.getvalue(), TYPES[fmt]
