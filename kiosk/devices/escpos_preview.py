"""The dummy printer's PNG preview: a small ESC/POS reader for the commands our jobs use.

It draws what a thermal printer would print for a job's bytes (text sizes, bold, alignment, QR, raster
images, cut), so set-up, demos and screenshots can show a ticket without paper. Bytes it does not
know are skipped, never fatal: other capabilities (the locker slip) send their own jobs.
"""
from __future__ import annotations

from pathlib import Path

from kiosk.devices.ticket_layout import CHARS_PER_LINE, PAPER_DOTS



def _font_paths() -> tuple[str | None, str | None]:
    candidates = [("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
                   "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")]
    try:
        import importlib.util

        spec = importlib.util.find_spec("kivy")
        if spec is not None and spec.origin:
            fonts = Path(spec.origin).parent / "data" / "fonts"
            candidates.append((str(fonts / "RobotoMono-Regular.ttf"), str(fonts / "RobotoMono-Regular.ttf")))
            candidates.append((str(fonts / "Roboto-Regular.ttf"), str(fonts / "Roboto-Bold.ttf")))
    except ImportError:   # kivy absent or blocked: the preview uses Pillow's own font
        pass
    for regular, bold in candidates:
        if Path(regular).exists():
            return regular, bold if Path(bold).exists() else regular
    return None, None


def preview_png(data: bytes, out: Path, paper_width_mm: int = 80) -> Path:
    """Draw what a thermal printer would print for ``data`` (text sizes, bold, alignment, QR, cut)."""
    from PIL import Image, ImageDraw, ImageFont

    width = PAPER_DOTS.get(paper_width_mm, 576)
    char_w = width / CHARS_PER_LINE.get(paper_width_mm, 48)
    regular, bold = _font_paths()

    def font(size: int, is_bold: bool):
        path = bold if is_bold else regular
        if path:
            return ImageFont.truetype(path, size)
        return ImageFont.load_default(size=size)

    blocks: list[Image.Image] = []
    state = {"align": 0, "bold": False, "w": 1, "h": 1}
    line: list[tuple[str, bool, int, int]] = []
    qr_data = b""

    def flush_line() -> None:
        nonlocal line
        if not line:
            blocks.append(Image.new("L", (width, 24), 255))
            return
        h = max(seg[3] for seg in line) * 24
        parts = []
        for text, is_bold, w_mul, h_mul in line:
            f = font(int(20 * h_mul), is_bold)
            tw = max(1, int(round(char_w * w_mul * len(text))))
            img = Image.new("L", (max(1, int(f.getlength(text)) + 2), 24 * h_mul), 255)
            ImageDraw.Draw(img).text((0, 1 * h_mul), text, font=f, fill=0)
            parts.append(img.resize((tw, 24 * h_mul)))
        total = sum(p.width for p in parts)
        row = Image.new("L", (width, h), 255)
        x = {0: 0, 1: (width - total) // 2, 2: width - total}.get(state["align"], 0)
        for p in parts:
            row.paste(p, (max(0, x), h - p.height))
            x += p.width
        blocks.append(row)
        line = []

    i, n = 0, len(data)
    text_buf = bytearray()

    def at(k: int) -> int:
        return data[k] if k < n else 0

    def qr_block(content: bytes) -> None:
        import qrcode
        from qrcode.exceptions import DataOverflowError

        qr = qrcode.QRCode(border=1, box_size=6)
        try:
            qr.add_data(content.decode("utf-8", errors="replace"))
            img = qr.make_image().get_image().convert("L")
        except (DataOverflowError, ValueError):
            return
        row = Image.new("L", (width, img.height + 8), 255)
        row.paste(img, ((width - img.width) // 2, 4))
        blocks.append(row)

    def flush_text() -> None:
        if text_buf:
            line.append((text_buf.decode("cp437", errors="replace"), state["bold"], state["w"], state["h"]))
            text_buf.clear()

    while i < n:
        b = data[i]
        if b == 0x0A:                              # LF
            flush_text()
            flush_line()
            i += 1
        elif b == 0x1B and i + 1 < n:             # ESC
            cmd = data[i + 1]
            arg = data[i + 2] if i + 2 < n else 0
            flush_text()
            if cmd == ord("@"):
                state.update(align=0, bold=False, w=1, h=1)
                i += 2
            elif cmd == ord("!"):
                state.update(bold=bool(arg & 0x08), h=2 if arg & 0x10 else 1, w=2 if arg & 0x20 else 1)
                i += 3
            elif cmd == ord("E"):
                state["bold"] = bool(arg & 1)
                i += 3
            elif cmd == ord("a"):
                state["align"] = arg - 48 if arg >= 48 else arg
                i += 3
            elif cmd == ord("d"):
                for _ in range(max(1, min(arg, 12))):
                    flush_line()
                i += 3
            elif cmd in (ord("2"),):
                i += 2
            else:                                  # ESC x n: one argument (t, -, G, M, {, 3, J, SP …)
                i += 3
        elif b == 0x1D and i + 1 < n:             # GS
            cmd = data[i + 1]
            flush_text()
            if cmd == ord("!"):
                arg = at(i + 2)
                state.update(w=(arg >> 4) + 1, h=(arg & 0x0F) + 1)
                i += 3
            elif cmd == ord("V"):
                if line:
                    flush_line()
                cut = Image.new("L", (width, 24), 255)
                ImageDraw.Draw(cut).line([(0, 12), (width, 12)], fill=128, width=2)
                blocks.append(cut)
                i += 3 if at(i + 2) in (0, 1, 48, 49) else 4
            elif cmd == ord("(") and at(i + 2) == ord("k"):
                size = at(i + 3) | (at(i + 4) << 8)
                body = data[i + 5:i + 5 + size]
                if len(body) >= 2 and body[1] == 80:          # store QR data
                    qr_data = body[3:]
                elif len(body) >= 2 and body[1] == 81 and qr_data:   # print it
                    qr_block(qr_data)
                i += 5 + size
            elif cmd == ord("v"):                            # GS v 0: raster image
                xb, yd = at(i + 4) | (at(i + 5) << 8), at(i + 6) | (at(i + 7) << 8)
                raw = data[i + 8:i + 8 + xb * yd]
                if 0 < xb <= 256 and 0 < yd <= 4000 and len(raw) == xb * yd:
                    img = Image.eval(Image.frombytes("1", (xb * 8, yd), bytes(raw)).convert("L"), lambda v: 255 - v)
                    row = Image.new("L", (width, yd), 255)
                    row.paste(img.crop((0, 0, min(width, img.width), yd)), ((width - min(width, img.width)) // 2, 0))
                    blocks.append(row)
                i += 8 + xb * yd
            else:
                i += 3
        elif b == 0x10 and i + 2 < n and data[i + 1] == 0x04:   # DLE EOT n (status request)
            i += 3
        elif b < 0x20 and b not in (0x09,):
            i += 1
        else:
            text_buf.append(b)
            i += 1
    flush_text()
    if line:
        flush_line()
    margin = 16
    height = sum(b.height for b in blocks) + 2 * margin
    page = Image.new("L", (width + 2 * margin, max(height, 1)), 255)
    y = margin
    for block in blocks:
        page.paste(block, (margin, y))
        y += block.height
    out = Path(out)
    page.save(out, format="PNG")
    return out
