"""Build report documents for a campaign (shared by the download view and the CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from ..campaigns.models import Campaign
from .collect import build_investigation_data

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
KINDS = ("investigation", "ledger")


@dataclass
class BuiltReport:
    filename: str
    mimetype: str
    data: bytes


def template_path(name: str) -> Path:
    return Path(current_app.config["REPORT_TEMPLATE_DIR"]) / name


def build(kind: str, campaign: Campaign) -> BuiltReport:
    """Render one report of ``kind`` for ``campaign``."""
    from .docx import render_investigation

    if kind == "ledger":
        from ..rectification.ledger import XLSX_MIME
        from ..rectification.ledger import campaign_ledger_xlsx

        name, content = campaign_ledger_xlsx(campaign)
        return BuiltReport(name, XLSX_MIME, content)
    if kind != "investigation":
        raise ValueError(kind)
    data = build_investigation_data(campaign)
    buffer = render_investigation(data, template_path("gongwen.docx"))
    return BuiltReport(f"{campaign.code}-督导检查情况报告.docx", DOCX_MIME, buffer.getvalue())
