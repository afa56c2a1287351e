"""Word documents as PDF, converted by LibreOffice in headless mode where it is installed.

``soffice --headless --convert-to pdf`` runs with a profile of its own in a temporary folder (two
conversions at once never share one, and a crashed run leaves nothing behind), a time limit, and a
fontconfig file that maps the 公文 font names onto the CJK faces a Linux server has: 仿宋_GB2312,
宋体, 方正小标宋简体 and 楷体_GB2312 onto Noto Serif CJK SC, 黑体 onto Noto Sans CJK SC (package
``fonts-noto-cjk``), Times New Roman onto Liberation Serif. Without them LibreOffice draws the text
in a 楷 face and the page holds 21 lines instead of 22 (docs/reports.md, "PDF").
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from flask import current_app

# The executables to look for, in order, when PDF_CONVERTER is not set.
SOFFICE_NAMES = ("soffice", "libreoffice")
DEFAULT_TIMEOUT = 180
FONT_ALIASES = (
    ("仿宋_GB2312", "Noto Serif CJK SC"), ("仿宋", "Noto Serif CJK SC"), ("宋体", "Noto Serif CJK SC"),
    ("方正小标宋简体", "Noto Serif CJK SC"), ("黑体", "Noto Sans CJK SC"), ("楷体_GB2312", "Noto Serif CJK SC"),
    ("楷体", "Noto Serif CJK SC"), ("Times New Roman", "Liberation Serif"),
)
PDF_MIME = "application/pdf"


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed on this server (or PDF_CONVERTER names nothing that runs)."""


class PdfFailed(RuntimeError):
    """LibreOffice ran but gave no PDF: it failed, or took longer than the time limit."""


def soffice() -> str | None:
    """The LibreOffice executable: PDF_CONVERTER if configured (a path or a name on PATH), else the first found."""
    configured = current_app.config.get("PDF_CONVERTER") or ""
    for name in (configured,) if configured else SOFFICE_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_available() -> bool:
    """Whether this server can convert documents to PDF."""
    return soffice() is not None


def fontconfig(folder: Path) -> Path:
    """A fontconfig file that keeps the system's fonts and maps the 公文 font names onto installed faces."""
    aliases = "".join(f'<alias binding="same"><family>{name}</family><accept><family>{face}</family></accept></alias>'
                      for name, face in FONT_ALIASES)
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                    f'<include ignore_missing="yes">/etc/fonts/fonts.conf</include>{aliases}</fontconfig>',
                    encoding="utf-8")
    return conf


def convert(files: list[Path], outdir: Path, *, timeout: float | None = None) -> dict[Path, Path]:
    """Convert .docx files to PDF in ``outdir`` with one LibreOffice run; returns each file's PDF.

    Raises :class:`PdfUnavailable` without LibreOffice and :class:`PdfFailed` when a PDF is missing
    after the run (an error, or the time limit, ``PDF_TIMEOUT`` seconds).
    """
    program = soffice()
    if program is None:
        raise PdfUnavailable("LibreOffice (soffice) is not installed on this server")
    limit = timeout or current_app.config.get("PDF_TIMEOUT") or DEFAULT_TIMEOUT
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="inspect-soffice-") as tmp:
        profile = Path(tmp) / "profile"
        env = {**os.environ, "FONTCONFIG_FILE": str(fontconfig(Path(tmp))), "HOME": tmp}
        try:
            result = subprocess.run(
                [program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                 "--convert-to", "pdf", "--outdir", str(outdir), *map(str, files)],
                capture_output=True, timeout=limit, env=env, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PdfFailed(f"LibreOffice took longer than {limit:g} s") from exc
    pdfs = {f: outdir / (f.stem + ".pdf") for f in files}
    missing = [f.name for f, pdf in pdfs.items() if not pdf.exists()]
    if missing:
        detail = (result.stderr or result.stdout or b"").decode("utf-8", "replace").strip()[-300:]
        raise PdfFailed(f"LibreOffice gave no PDF for {', '.join(missing)} (exit {result.returncode}) {detail}")
    return pdfs


def docx_to_pdf(data: bytes, *, name: str = "document", timeout: float | None = None) -> bytes:
    """A .docx given as bytes, as PDF bytes."""
    with tempfile.TemporaryDirectory(prefix="inspect-pdf-") as tmp:
        source = Path(tmp) / f"{name}.docx"
        source.write_bytes(data)
        return convert([source], Path(tmp) / "out", timeout=timeout)[source].read_bytes()
