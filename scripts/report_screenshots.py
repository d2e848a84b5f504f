"""Screenshots of report.html in headless Chromium: the README's picture, and a gallery to read.

    .venv/bin/python scripts/report_screenshots.py --readme docs/report.png
    .venv/bin/python scripts/report_screenshots.py --gallery /tmp/gallery [--hours 2]

``--readme`` runs ``myosleep demo`` into a temporary folder and writes one picture of its
report: the header and the first three findings, the night, the first example of two classes
and the leg-movement intervals, cut from one full-page screenshot and stacked (grey rules mark
the cuts).
``--gallery`` simulates and analyses the nights a sleep physician would look at (PLMD, sleep
starts, RSWA, an infant of 3 weeks, a healthy adult staged by YASA, propriospinal myoclonus)
and writes each report's full-page screenshot, in slices of 2 200 px that an image viewer
shows whole.  Debian's Chromium, driven by Playwright (no browser download).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).with_name("myosleep")
WIDTH_PX = 1040
#: (scenario, seed, age, with its true hypnogram)
GALLERY = (("plmd", 7, "52", True), ("sleep_starts", 2, None, True), ("rsbd", 3, "67", True),
           ("infant_bnsm", 4, "3w", True), ("healthy_adult", 5, "34", False), ("propriospinal", 6, None, True))


def _browser(p):
    return p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])


def _shoot(page, html: Path, png: Path) -> None:
    page.goto(html.resolve().as_uri())
    page.wait_for_selector("body[data-zoom=ready]")
    page.screenshot(path=str(png), full_page=True)


def readme_picture(out: Path) -> None:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "demo"
        subprocess.run([str(BIN), "demo", "--out", str(d)], check=True, stdout=subprocess.DEVNULL)
        with sync_playwright() as p:
            b = _browser(p)
            page = b.new_page(viewport={"width": WIDTH_PX, "height": 900})
            _shoot(page, d / "report.html", Path(tmp) / "full.png")

            def box(first: str, last: str | None = None) -> tuple[int, int]:
                a = page.locator(first).first.bounding_box()
                b = page.locator(last or first).first.bounding_box()
                return int(a["y"]) - 8, int(b["y"] + b["height"]) + 8

            parts = [(0, box(".finding:nth-of-type(3)")[1]), box("#overview"),
                     box("#examples > h2", "figure.trace[data-class=hypnic_jerk]"),
                     box("#examples-leg_movement", "figure.trace[data-class=leg_movement]"), box("#plm")]
            b.close()
        full = Image.open(Path(tmp) / "full.png").convert("RGB")
        pieces = [full.crop((0, top, WIDTH_PX, bottom)) for top, bottom in parts]
        height = sum(p.height for p in pieces) + 3 * (len(pieces) - 1)
        sheet = Image.new("RGB", (WIDTH_PX, height), "white")
        y = 0
        for i, piece in enumerate(pieces):
            if i:
                sheet.paste((200, 200, 200), (16, y + 1, WIDTH_PX - 16, y + 2))
                y += 3
            sheet.paste(piece, (0, y))
            y += piece.height
        sheet.save(out, optimize=True)
    print(f"{out}: {sheet.size[0]} x {sheet.size[1]} px")


def gallery(root: Path, hours: float) -> None:
    from PIL import Image
    from playwright.sync_api import sync_playwright

    Image.MAX_IMAGE_PIXELS = None
    root.mkdir(parents=True, exist_ok=True)
    for scenario, seed, age, with_hyp in GALLERY:
        edf = root / f"{scenario}.edf"
        subprocess.run([str(BIN), "simulate", str(edf), "--scenario", scenario, "--hours", str(hours), "--seed",
                        str(seed)], check=True, stdout=subprocess.DEVNULL)
        args = [str(BIN), "analyze", str(edf), "--out", str(root / scenario)]
        args += ["--hypnogram", str(root / f"{scenario}.hypnogram.tsv")] if with_hyp else []
        args += ["--age", age] if age else []
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    with sync_playwright() as p:
        b = _browser(p)
        page = b.new_page(viewport={"width": 1100, "height": 1000})
        for scenario, *_ in GALLERY:
            png = root / f"{scenario}.png"
            _shoot(page, root / scenario / "report.html", png)
            im = Image.open(png)
            for k, top in enumerate(range(0, im.height, 2200)):
                im.crop((0, top, im.width, min(im.height, top + 2200))).save(root / f"{scenario}-{k}.png")
            print(f"{png}: {im.width} x {im.height} px, report {(root / scenario / 'report.html').stat().st_size / 1e6:.2f} MB")
        b.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readme", type=Path, help="write the README's picture of the demo report here")
    ap.add_argument("--gallery", type=Path, help="simulate, analyse and screenshot the gallery's nights here")
    ap.add_argument("--hours", type=float, default=2.0)
    args = ap.parse_args()
    if args.readme:
        readme_picture(args.readme)
    if args.gallery:
        gallery(args.gallery, args.hours)


if __name__ == "__main__":
    main()
